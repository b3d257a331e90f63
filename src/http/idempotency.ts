import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { and, eq, isNull } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AnswerKeeper } from '../db/answer-keeper.js';
import type { Db } from '../db/client.js';
import { idempotencyKeys } from '../db/schema/index.js';
import { canonicalJson } from '../lib/canonical-json.js';
import { ConflictError, UnprocessableError, ValidationError } from '../lib/errors.js';
import type { SecretBox } from '../lib/secret-box.js';
import { isUuid } from '../lib/ids.js';

// B2. The first answer to a POST with an Idempotency-Key is kept for a day per company and key; a
// retry gets it back without the work being done again.
// The worker's retention task drops the older ones (src/worker/retention.ts).
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;
// A first request that never finished (its process died) stops blocking the key after this long.
const ABANDONED_MS = 60_000;
// How long a concurrent duplicate waits for the first request before it is told 409.
const WAIT_FOR_FIRST_MS = 5_000;
const MAX_KEY_LENGTH = 255;

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The key this request holds, the lock time it holds it by, and the status of the answer its
     * change kept in its own transaction (null until then).
     */
    idempotencyKey: HeldKey | null;
  }
}

type KeyRow = typeof idempotencyKeys.$inferSelect;
type HeldKey = { key: string; lockedAt: Date; kept: number | null; secrets: SecretBox };

// The key's row while this request still holds it: a request slower than ABANDONED_MS may have lost
// it to a retry.
const heldRow = (companyId: string, held: HeldKey) =>
  and(eq(idempotencyKeys.companyId, companyId), eq(idempotencyKeys.key, held.key), eq(idempotencyKeys.lockedAt, held.lockedAt));

function requestHash(request: FastifyRequest): string {
  const path = request.url.split('?')[0];
  return createHash('sha256')
    .update(`${request.method} ${path}\n${canonicalJson(request.body ?? null)}`)
    .digest('hex');
}

async function claimKey(db: Db, companyId: string, key: string, hash: string, now: Date): Promise<boolean> {
  const inserted = await db
    .insert(idempotencyKeys)
    .values({ companyId, key, requestHash: hash, lockedAt: now, createdAt: now })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  return inserted.length === 1;
}

async function findKey(db: Db, companyId: string, key: string): Promise<KeyRow | undefined> {
  const [row] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.companyId, companyId), eq(idempotencyKeys.key, key)));
  return row;
}

/** Takes over a key whose record expired or whose first request was abandoned; false if someone else did. */
async function takeOver(db: Db, row: KeyRow, hash: string, now: Date, fresh: boolean): Promise<boolean> {
  const taken = await db
    .update(idempotencyKeys)
    .set({
      requestHash: hash,
      lockedAt: now,
      ...(fresh && { createdAt: now, statusCode: null, responseBody: null }),
    })
    .where(
      and(
        eq(idempotencyKeys.companyId, row.companyId),
        eq(idempotencyKeys.key, row.key),
        eq(idempotencyKeys.lockedAt, row.lockedAt),
      ),
    )
    .returning({ key: idempotencyKeys.key });
  return taken.length === 1;
}

/**
 * Stored answers are sealed (B7): some carry secrets shown only once (a webhook's signing secret), and
 * the others carry customers' personal data; a copy of the database alone reveals neither.
 */
// Binds a stored answer to its company and key: it cannot be replayed under another.
const sealContext = (companyId: string, key: string) => `idempotency:${companyId}:${key}`;

/** The lead an answer is about: POST /v1/leads answers the lead, other POSTs name it by lead_id. */
function leadOfAnswer(request: FastifyRequest, payload: unknown): string | null {
  if (typeof payload !== 'string' || !payload.startsWith('{')) return null;
  try {
    const data = (JSON.parse(payload) as { data?: { id?: unknown; lead_id?: unknown } }).data;
    const id = request.routeOptions.url === '/v1/leads' || request.routeOptions.url === '/v1/leads/upsert' ? data?.id : data?.lead_id;
    return typeof id === 'string' && isUuid(id) ? id : null;
  } catch {
    return null;
  }
}

/**
 * The keeper a write route hands its service (see AnswerKeeper): the answer `status` with the body
 * `answer(result)`, serialized as the route will send it, is stored in the change's transaction. If
 * the key was lost meanwhile (this request outlived ABANDONED_MS and a retry took over), the change
 * is rolled back with a 409 rather than done twice. Undefined without an Idempotency-Key.
 */
export function answerKeeper<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  statusOf: number | ((result: T) => number),
  answer: (result: T) => unknown,
): AnswerKeeper<T> | undefined {
  const held = request.idempotencyKey;
  if (held === null) return undefined;
  const { companyId } = request.principal;
  return {
    async keep(tx, result) {
      const status = typeof statusOf === 'number' ? statusOf : statusOf(result);
      reply.code(status);
      const payload = reply.serialize(answer(result)) as string;
      const kept = await tx
        .update(idempotencyKeys)
        .set({ statusCode: status, leadId: leadOfAnswer(request, payload), responseBody: held.secrets.seal(payload, sealContext(companyId, held.key)) })
        .where(and(heldRow(companyId, held), isNull(idempotencyKeys.statusCode)))
        .returning({ key: idempotencyKeys.key });
      if (kept.length === 0) throw new ConflictError('A request with this Idempotency-Key is still in progress', { 'Retry-After': '1' });
      held.kept = status;
    },
    async release(tx) {
      await tx.update(idempotencyKeys).set({ statusCode: null, leadId: null, responseBody: null }).where(heldRow(companyId, held));
      held.kept = null;
    },
  };
}

export function registerIdempotency(app: FastifyInstance, deps: { db: Db; now: () => number; secrets: SecretBox }) {
  const { db } = deps;
  app.decorateRequest('idempotencyKey', null);

  // After authentication, rate limit and scope (onRequest), before validation: a retried 400 replays too.
  app.addHook('preValidation', async (request, reply) => {
    if (request.method !== 'POST' || !request.principal) return;
    const key = request.headers['idempotency-key'];
    if (key === undefined) return;
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw new ValidationError(`Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} characters`);
    }
    const { companyId } = request.principal;
    const hash = requestHash(request);
    const waitUntil = performance.now() + WAIT_FOR_FIRST_MS;

    let now = new Date(deps.now());
    for (;;) {
      now = new Date(deps.now());
      if (await claimKey(db, companyId, key, hash, now)) break;
      const row = await findKey(db, companyId, key);
      if (!row) continue; // removed between the two statements: claim again
      if (row.createdAt.getTime() <= now.getTime() - IDEMPOTENCY_RETENTION_MS) {
        if (await takeOver(db, row, hash, now, true)) break;
        continue;
      }
      if (row.requestHash !== hash) throw new UnprocessableError('Idempotency-Key reused with a different request', 'idempotency_key_reused');
      if (row.statusCode !== null) {
        return reply
          .code(row.statusCode)
          .header('content-type', 'application/json; charset=utf-8')
          .header('idempotent-replayed', 'true')
          .send(row.responseBody ? deps.secrets.open(row.responseBody, sealContext(row.companyId, key)) : '');
      }
      if (row.lockedAt.getTime() <= now.getTime() - ABANDONED_MS) {
        if (await takeOver(db, row, hash, now, false)) break;
        continue;
      }
      if (performance.now() >= waitUntil) {
        throw new ConflictError('A request with this Idempotency-Key is still in progress', { 'Retry-After': '1' });
      }
      await sleep(50);
    }
    request.idempotencyKey = { key, lockedAt: now, kept: null, secrets: deps.secrets };
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const held = request.idempotencyKey;
    if (held === null) return payload;
    request.idempotencyKey = null;
    const status = reply.statusCode;
    // Kept with the change: already stored, in the change's own commit.
    if (held.kept === status) return payload;
    // Never over an answer a change kept (its transaction committed and then something failed).
    const where = and(heldRow(request.principal.companyId, held), isNull(idempotencyKeys.statusCode));
    // A 5xx (a refunded provider failure, say) is not kept, so a retry really retries; nor are 409/429.
    // Answers of requests that changed nothing (errors, and POSTs that write no row) are stored here.
    if (status >= 500 || status === 409 || status === 429) {
      await db.delete(idempotencyKeys).where(where);
    } else {
      await db
        .update(idempotencyKeys)
        .set({
          statusCode: status,
          leadId: leadOfAnswer(request, payload),
          responseBody: typeof payload === 'string' && payload ? deps.secrets.seal(payload, sealContext(request.principal.companyId, held.key)) : '',
        })
        .where(where);
    }
    return payload;
  });
}

