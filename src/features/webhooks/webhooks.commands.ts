import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { loadSecretBox } from '../../lib/secret-box.js';
import { createWebhookBody } from './webhooks.schemas.js';
import { findCompany } from '../companies/companies.repo.js';
import { deleteEndpointAnyCompany } from './webhooks.repo.js';
import { createWebhookSender } from './webhook-sender.js';
import { checkWebhookUrl, createWebhooks, endpointView } from './webhooks.service.js';

// `quoteleads webhook …`: the operator names the company (or, to delete, only the webhook), so these
// are the only webhook functions that do not take the company from a token.

type Ctx = { db: Db; clock: Clock; config: Config; engine: 'pglite' | 'postgres' };

async function companyOf(db: Db, companyId: string) {
  if (!isUuid(companyId) || !(await findCompany(db, companyId))) throw new NotFoundError(`Company not found: ${companyId}`);
}

/** The same service the API uses; the command sends no test deliveries, so its sender never connects. */
function webhooksOf(ctx: Ctx) {
  return createWebhooks({
    db: ctx.db,
    clock: ctx.clock,
    secrets: loadSecretBox(ctx.config, ctx.engine),
    sender: createWebhookSender({ allowPrivateTargets: ctx.config.webhookAllowPrivateTargets }),
    allowPrivateTargets: ctx.config.webhookAllowPrivateTargets,
    publicUrl: ctx.config.publicUrl,
  });
}

export async function createWebhookFromCommand(ctx: Ctx, c: { companyId: string; url: string; events?: string[] }) {
  const parsed = createWebhookBody.safeParse({ url: c.url, events: c.events });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue.path[0] ?? 'url');
    const message = issue.code === 'invalid_value' ? `must be one of: ${(issue as { values: unknown[] }).values.join(', ')}` : issue.message;
    throw new ValidationError(`'${field}' ${message}`);
  }
  // The key that seals the secret first: without it nothing else is worth checking.
  const webhooks = webhooksOf(ctx);
  await checkWebhookUrl(parsed.data.url, ctx.config.webhookAllowPrivateTargets);
  await companyOf(ctx.db, c.companyId);
  const hook = await webhooks.create(c.companyId, parsed.data);
  return { id: hook.id, url: hook.url, events: hook.events, secret: hook.secret };
}

export async function listWebhooksFromCommand(ctx: Ctx, companyId: string) {
  await companyOf(ctx.db, companyId);
  const { data } = await webhooksOf(ctx).list(companyId, { limit: 10_000, offset: 0 });
  return { webhooks: data };
}

/** By id alone, whatever its company: the operator runs the whole server. */
export async function deleteWebhookFromCommand(ctx: Ctx, id: string) {
  const row = isUuid(id) ? await deleteEndpointAnyCompany(ctx.db, id) : undefined;
  if (!row) throw new NotFoundError(`Webhook not found: ${id}`);
  return { id: row.id, deleted: true, webhook: endpointView(row) };
}

