import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { companies as companiesTable, leads as leadsTable, webhookEndpoints } from '../src/db/schema/index.js';
import { loadSecretBox } from '../src/lib/secret-box.js';
import { startTestServer, type ApiAnswer, type DashboardUser, type Tenant, type TestServer } from './helpers.js';

// Bad input never yields a 500 (issue 13). Requests are generated from every route's request schema
// in the OpenAPI document (and the dashboard's own routes, listed below): bodies, query strings and
// path parameters, with hostile strings (NUL, lone surrogates, 1 MB, RTL and combining marks), numbers
// at and past every bound, dates at the edges, deep and wide JSON, __proto__ keys and wrong media
// types. Every answer must be below 500 (but A7's contractual "Twilio not configured"), and where the
// answer is an error, the data read back afterwards is unchanged.
//
// `npm test` runs a fixed seed and a bounded count. To run longer, or another seed:
//   FUZZ_RUNS=20000 FUZZ_SEED=7 npx vitest run test/fuzz.test.ts
const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
// Companies the cases are spread over, so that A3's limit never hides a route behind a 429: a case
// costs up to 3 requests (with the reads before and after), so 100 cases per company at 400 a minute.
// (Few companies, and few fixture rows, on purpose: src/features/quotes/list-plans.test.ts reads
// query plans of the shared tables, which more rows can flip.)
const QUOTA = 400;
const COMPANIES = Math.max(4, Math.ceil(RUNS / 100));

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  format?: string;
  $ref?: string;
};

type Operation = {
  method: string;
  path: string;
  query: Record<string, JsonSchema>;
  pathParams: string[];
  body?: JsonSchema;
  mediaType?: string;
  session?: boolean;
};

// ---- hostile values ----
const MEGABYTE = 'x'.repeat(1024 * 1024);
const hostileText = fc.constantFrom(
  'a\u0000b',
  '\u0000',
  '\ud800',
  'x\udc00y',
  '\ud83d',
  '\u202eevil\u202c',
  'שלום עולם',
  'e\u0301\u0301\u0301\u0301\u0301',
  'Z̷̛̖̈́a̶̲͐l̵̰̈g̴̣̈́o̷̯͋',
  '',
  '   ',
  '\t\n\r',
  '%00',
  "'; drop table leads; --",
  '${7*7}{{7*7}}',
  '<script>alert(1)</script>',
  '../../../etc/passwd',
  'NaN',
  'Infinity',
  '-0',
  '1e999',
  '9007199254740993',
  'true',
  'null',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59-14:00',
  '2026-02-30T00:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  '1969-12-31T23:59:59.999Z',
  '2026-04-03T10:30:00.000Z',
  '0000-00-00',
  '9999-12-31',
  '10000-01-01',
  '2026-13-01',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '😀'.repeat(300),
  'é'.repeat(10_001),
);
const bigText = fc.constantFrom(MEGABYTE.slice(0, 1000 * 1000), 'a'.repeat(100_001));
const hostileNumber = fc.constantFrom(0, -0, -1, 1, 0.1, 0.005, 1e-7, 1.0000001, 2 ** 31, 2 ** 53 + 2, -(2 ** 53), 1e21, 1e308, -1e308, 5e-324);
const jsonLeaf = fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), hostileText);
// Nesting as deep as a 1 MiB body allows, written as text (JSON.stringify itself would overflow).
class RawJson {
  constructor(readonly text: string) {}
}
const deepJson = fc.tuple(fc.integer({ min: 100, max: 200_000 }), fc.boolean()).map(
  ([depth, arrays]) => new RawJson(arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"d":'.repeat(depth) + '1' + '}'.repeat(depth)),
);
const wideJson = fc.integer({ min: 100, max: 20_000 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])));
const protoKeys = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty');
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: jsonLeaf },
  { weight: 2, arbitrary: fc.dictionary(fc.oneof(fc.string(), protoKeys, hostileText), jsonLeaf, { maxKeys: 5 }) },
  { weight: 1, arbitrary: fc.array(jsonLeaf, { maxLength: 5 }) },
  { weight: 1, arbitrary: deepJson },
  { weight: 1, arbitrary: wideJson },
);

// ---- from JSON Schema ----
function resolve(schema: JsonSchema, doc: any): JsonSchema {
  if (schema.$ref) return resolve(doc.components.schemas[schema.$ref.split('/').pop()!], doc);
  return schema;
}

function validish(schema: JsonSchema, doc: any, depth: number, ids: () => string[]): fc.Arbitrary<unknown> {
  const s = resolve(schema, doc);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((a) => arbitraryFor(a, doc, depth, ids)));
  if (s.allOf) return arbitraryFor(s.allOf[0], doc, depth, ids);
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.const !== undefined) return fc.constant(s.const);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string': {
      const max = s.maxLength ?? 200;
      const atBounds = [max, max + 1, Math.max(0, (s.minLength ?? 0) - 1)].map((n) => 'y'.repeat(Math.min(n, 200_000)));
      const formatted =
        s.format === 'uuid'
          ? fc.oneof(fc.constantFrom(...ids()), fc.uuid())
          : s.format === 'date-time'
            ? fc.date({ min: new Date(-62198755200000), max: new Date(253402300799000), noInvalidDate: true }).map((d) => d.toISOString())
            : s.format === 'date'
              ? fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10))
              : s.format === 'uri' || s.format === 'url'
                ? fc.constantFrom('https://192.0.2.1/hook', 'http://[::127.0.0.1]/', 'http://localhost/', 'ftp://x/', 'https://[::ffff:10.0.0.1]/', 'http://169.254.169.254/' + 'p'.repeat(3000))
                : fc.string({ maxLength: Math.min(max, 50) });
      return fc.oneof({ weight: 4, arbitrary: formatted }, { weight: 1, arbitrary: fc.constantFrom(...atBounds) }, { weight: 1, arbitrary: fc.emailAddress() });
    }
    case 'integer':
    case 'number': {
      const edges = [s.minimum, s.maximum, s.exclusiveMinimum, s.exclusiveMaximum]
        .filter((n): n is number => typeof n === 'number')
        .flatMap((n) => [n, n - 1, n + 1, n - 0.001, n + 0.001]);
      return fc.oneof(
        fc.integer({ min: -1000, max: 1000 }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        edges.length ? fc.constantFrom(...edges) : hostileNumber,
      );
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const item = s.items ? arbitraryFor(s.items, doc, depth + 1, ids) : anyJson;
      const over = s.maxItems !== undefined ? fc.constant(Array.from({ length: s.maxItems + 1 }, () => ({ description: 'x', quantity: 1, unit_price: 1 }))) : fc.constant([]);
      return fc.oneof({ weight: 5, arbitrary: fc.array(item, { maxLength: 4 }) }, { weight: 1, arbitrary: over });
    }
    case 'object':
    default: {
      if (!s.properties || depth > 3) return fc.dictionary(fc.oneof(fc.string(), protoKeys, hostileText), anyJson, { maxKeys: 6 });
      const props = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, arbitraryFor(v, doc, depth + 1, ids)]));
      return fc
        .record(props, { requiredKeys: [] })
        .chain((o) =>
          fc.oneof(
            { weight: 6, arbitrary: fc.constant(o) },
            { weight: 1, arbitrary: fc.tuple(protoKeys, jsonLeaf).map(([k, v]) => ({ ...o, [k]: v })) },
          ),
        );
    }
  }
}

/** Mostly values of the schema's own shape (to reach deep into handlers), sometimes anything at all. */
function arbitraryFor(schema: JsonSchema, doc: any, depth: number, ids: () => string[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: validish(schema, doc, depth, ids) },
    { weight: 2, arbitrary: hostileText },
    { weight: 1, arbitrary: depth < 2 ? bigText : hostileText },
    { weight: 1, arbitrary: hostileNumber },
    { weight: 1, arbitrary: anyJson },
  );
}

// ---- the routes ----
function operationsOf(doc: any): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      const params = op.parameters ?? [];
      const content = op.requestBody?.content ?? {};
      const mediaType = Object.keys(content)[0];
      ops.push({
        method: method.toUpperCase(),
        path,
        query: Object.fromEntries(params.filter((p: any) => p.in === 'query').map((p: any) => [p.name, p.schema ?? {}])),
        pathParams: params.filter((p: any) => p.in === 'path').map((p: any) => p.name),
        body: mediaType ? content[mediaType].schema : undefined,
        mediaType,
      });
    }
  }
  return ops;
}

// The dashboard's routes are not in the public document: their request shapes, as JSON Schema.
const str = (maxLength = 200): JsonSchema => ({ type: 'string', maxLength });
const DASHBOARD: Operation[] = [
  { method: 'POST', path: '/app/api/login', query: {}, pathParams: [], mediaType: 'application/json', body: { type: 'object', properties: { email: str(320), password: str(1000) } } },
  { method: 'POST', path: '/app/api/signup', query: {}, pathParams: [], mediaType: 'application/json', body: { type: 'object', properties: { company_name: str(), name: str(), email: str(320), password: str() } } },
  {
    method: 'PATCH',
    path: '/app/api/settings',
    query: {},
    pathParams: [],
    session: true,
    mediaType: 'application/json',
    body: {
      type: 'object',
      properties: {
        name: str(500),
        country: str(2),
        timezone: { type: 'string', enum: ['US/Pacific-New', 'Australia/Sydney', 'Mars/Olympus', 'posix/Etc/GMT+3', 'Etc/GMT-14', 'utc', ''] },
        currency: str(3),
        tax_rate: { type: 'number', minimum: 0, maximum: 1 },
        tax_mode: { type: 'string', enum: ['exclusive', 'inclusive'] },
        instant_reply: str(1600),
        quiet_hours: { type: 'object', properties: { start: str(5), end: str(5) } },
      },
    },
  },
  { method: 'GET', path: '/app/api/settings', query: {}, pathParams: [], session: true },
  { method: 'GET', path: '/app/api/overview', query: {}, pathParams: [], session: true },
  { method: 'GET', path: '/app/api/today', query: {}, pathParams: [], session: true },
  {
    method: 'GET',
    path: '/app/api/inbox',
    query: { filter: { type: 'string', enum: ['needs_reply', 'unread', 'read', ''] }, limit: { type: 'integer', minimum: 1, maximum: 100 }, before: str(60) },
    pathParams: [],
    session: true,
  },
  { method: 'GET', path: '/app/api/inbox/unread', query: {}, pathParams: [], session: true },
  { method: 'POST', path: '/app/api/inbox/{lead_id}/read', query: {}, pathParams: ['lead_id'], session: true },
  {
    method: 'POST',
    path: '/app/api/keys',
    query: {},
    pathParams: [],
    session: true,
    mediaType: 'application/json',
    body: { type: 'object', properties: { name: str(), scopes: { type: 'array', items: { type: 'string', enum: ['leads:read', 'leads:write', 'nope'] } }, expires_at: { type: 'string', format: 'date-time' } } },
  },
  { method: 'DELETE', path: '/app/api/keys/{id}', query: {}, pathParams: ['id'], session: true },
  { method: 'POST', path: '/app/api/invites', query: {}, pathParams: [], session: true, mediaType: 'application/json', body: { type: 'object', properties: { role: { type: 'string', enum: ['admin', 'member', 'owner'] } } } },
  { method: 'GET', path: '/app/api/invites/{token}', query: {}, pathParams: ['token'] },
  { method: 'POST', path: '/app/api/invites/{token}/accept', query: {}, pathParams: ['token'], mediaType: 'application/json', body: { type: 'object', properties: { name: str(), email: str(), password: str() } } },
  { method: 'DELETE', path: '/app/api/team/{id}', query: {}, pathParams: ['id'], session: true },
  { method: 'GET', path: '/q/{token}', query: {}, pathParams: ['token'] },
  { method: 'POST', path: '/q/{token}/accept', query: {}, pathParams: ['token'], mediaType: 'application/x-www-form-urlencoded', body: { type: 'object', properties: {} } },
];

// Answers the contract itself makes 500s (A7): the suite's server has no Twilio.
const CONTRACT_500 = new Set(['Twilio not configured', 'No Twilio number configured', 'Failed to send SMS']);

type Company = {
  tenant: Tenant;
  user: DashboardUser;
  ids: Record<string, string>;
};

let server: TestServer;
let companies: Company[] = [];
let doc: any;

beforeAll(async () => {
  // A real API quota, so that a 429 would show; the cases are spread over companies.
  server = await startTestServer({ rateLimit: QUOTA });
  doc = (await server.fetch('GET', '/v1/openapi.json')).body;
  companies = await Promise.all(
    Array.from({ length: COMPANIES }, async () => {
      const tenant = await server.tenant();
      const user = await server.user({ companyId: tenant.companyId });
      const lead = (await tenant.call('POST', '/v1/leads', { name: 'Fuzz Lead', phone: '0412 000 333' })).body.data.id;
      const quote = (await tenant.call('POST', '/v1/quotes', { lead_id: lead, line_items: [{ description: 'Roof', quantity: 1, unit_price: 10 }] })).body.data;
      const appointment = (await tenant.call('POST', '/v1/appointments', { lead_id: lead, appointment_type: 'onsite', start_time: '2030-01-01T09:00:00Z' })).body.data.id;
      const webhook = await webhookOf(tenant.companyId);
      const key = (await server.token(tenant.companyId)).tokenId; // a key the dashboard may revoke
      const priceBookItem = (await tenant.call('POST', '/v1/price-book', { name: 'Fuzz Item', unit_price: 10 })).body.data.id;
      return { tenant, user, ids: { lead, quote: quote.id, appointment, webhook, key, 'price-book': priceBookItem } };
    }),
  );
}, 120_000);
afterAll(async () => {
  // Its companies go with it (their rows cascade), so that the tests after it see tables of the
  // size they expect (src/features/quotes/list-plans.test.ts reads query plans).
  // Leads first: deleting a company with leads trips lead_counters' trigger (its FK, in the cascade).
  for (const c of companies) {
    await server.database.db.delete(leadsTable).where(eq(leadsTable.companyId, c.tenant.companyId));
    await server.database.db.delete(companiesTable).where(eq(companiesTable.id, c.tenant.companyId));
  }
  await server.close();
});

/**
 * A webhook endpoint written straight to the database at a loopback address: a test send is refused
 * at connect time, so nothing generated here ever leaves the machine.
 */
async function webhookOf(companyId: string): Promise<string> {
  const id = randomUUID();
  const now = new Date();
  await server.database.db.insert(webhookEndpoints).values({
    id,
    companyId,
    url: 'http://127.0.0.1:9/hook',
    secretCiphertext: loadSecretBox(server.config, server.database.engine).seal('whsec_ZnV6eg==', id),
    createdAt: now,
    updatedAt: now,
  });
  return id;
}

/** The path parameter's value: mostly a real id of the company (to reach the handler), else hostile. */
function paramArbitrary(path: string, name: string, company: () => Company): fc.Arbitrary<string> {
  const real = () => {
    const ids = company().ids;
    if (path.startsWith('/v1/leads') || path.startsWith('/v1/sms')) return ids.lead;
    if (path.startsWith('/v1/quotes')) return ids.quote;
    if (path.startsWith('/v1/appointments')) return ids.appointment;
    if (path.startsWith('/v1/webhooks')) return name === 'delivery_id' ? randomUUID() : ids.webhook;
    if (path.startsWith('/v1/price-book')) return ids['price-book'];
    if (path.startsWith('/app/api/keys')) return ids.key;
    if (path.startsWith('/app/api/inbox')) return ids.lead;
    return randomUUID();
  };
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(null).map(real) },
    { weight: 1, arbitrary: fc.constantFrom('%00', '%ED%A0%80', '%2e%2e', 'x'.repeat(5000), '%F0%9F%98%80', 'not-a-uuid', '00000000-0000-0000-0000-000000000000', 'A'.repeat(43)) },
  );
}

type Case = { op: Operation; company: number; params: Record<string, string>; query: [string, string][]; body: unknown; media: string; idempotencyKey: string | null };

function caseArbitrary(ops: Operation[], company: number): fc.Arbitrary<Case> {
  return fc.integer({ min: 0, max: ops.length - 1 }).chain((i) => {
    const op = ops[i];
    return fc.constant(company).chain(() => {
      const ids = () => Object.values(companies[company].ids);
      const params = fc.record(Object.fromEntries(op.pathParams.map((p) => [p, paramArbitrary(op.path, p, () => companies[company])])));
      const keys = Object.keys(op.query);
      const query: fc.Arbitrary<[string, string][]> = keys.length
        ? fc.array(
            fc.tuple(
              fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: protoKeys }),
              fc.oneof(
                { weight: 3, arbitrary: fc.constantFrom(...keys).chain((k) => validish(op.query[k], doc, 2, ids)).map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? '')) },
                { weight: 2, arbitrary: hostileText },
                { weight: 1, arbitrary: fc.constantFrom('-1', '0', '1e9', '101', '99999999999999999999', '2.5', '', 'NaN') },
              ),
            ),
            { maxLength: 4 },
          )
        : fc.constant([]);
      const body = op.body ? fc.oneof({ weight: 8, arbitrary: arbitraryFor(op.body, doc, 0, ids) }, { weight: 1, arbitrary: anyJson }) : fc.constant(undefined);
      const media = fc.oneof(
        { weight: 12, arbitrary: fc.constant(op.mediaType ?? 'application/json') },
        { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', '', 'application/json-invalid') },
      );
      // B2's key on some POSTs: its own handling reads the whole body too.
      const idempotencyKey = op.method === 'POST'
        ? fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.oneof(fc.uuid(), fc.constantFrom('k'.repeat(255), 'k'.repeat(256), ' ', 'a,b')) })
        : fc.constant(null);
      return fc.record({ op: fc.constant(op), company: fc.constant(company), params, query, body, media, idempotencyKey });
    });
  });
}

/** Percent-encoded; a lone surrogate, which has no UTF-8 form, goes as the bytes of one (invalid UTF-8). */
function encodeQuery(v: string): string {
  try {
    return encodeURIComponent(v);
  } catch {
    return encodeURIComponent(v.replace(/\p{Cs}/gu, '')) + '%ED%A0%80';
  }
}

function encodeBody(body: unknown, media: string): string | undefined {
  if (body === undefined) return undefined;
  if (media === 'application/json-invalid') return '{"name": "unterminated';
  if (media.startsWith('application/x-www-form-urlencoded') && body && typeof body === 'object') {
    return new URLSearchParams(Object.entries(body as object).map(([k, v]) => [k, typeof v === 'string' ? v : v instanceof RawJson ? v.text : JSON.stringify(v) ?? ''])).toString();
  }
  const raws: string[] = [];
  const text = JSON.stringify(body, (_key, value) => (value instanceof RawJson ? `__raw_json_${raws.push(value.text) - 1}__` : value));
  return text?.replace(/"__raw_json_(\d+)__"/g, (_, i) => raws[Number(i)]);
}

/** What must not change when a request is refused: the resource it names, or its collection's size. */
function witnessOf(c: Case, path: string): string | null {
  if (c.op.method === 'GET') return null;
  const m = /^(\/v1\/(?:leads|quotes|appointments|webhooks|price-book))(\/[^/]+)?/.exec(path);
  if (!m) return null;
  if (c.op.method === 'POST' && !m[2]) return m[1];
  const fixture = m[1] === '/v1/price-book' ? 'price-book' : m[1].slice(4, -1); // /v1/leads → lead
  return c.op.pathParams.length && c.params.id === (companies[c.company].ids[fixture] ?? '') ? m[1] + m[2] : null;
}

async function read(company: Company, witness: string): Promise<string> {
  const res = await company.tenant.call('GET', witness, undefined, { 'cache-control': 'no-cache' });
  return witness.split('/').length === 3 ? String(res.body?.meta?.total) : JSON.stringify(res.body);
}

describe('fuzz: bad input never yields a 500', () => {
  it(`${RUNS} generated requests over every route, seed ${SEED}`, async () => {
    const ops = [...operationsOf(doc).filter((o) => !o.path.startsWith('/health')), ...DASHBOARD];
    // Companies in turn, so that each takes an equal share of the cases (and of A3's quota).
    const cases = Array.from({ length: RUNS }, (_, i) => fc.sample(caseArbitrary(ops, i % COMPANIES), { numRuns: 1, seed: SEED + i })[0]);
    const failures: string[] = [];
    const changed: string[] = [];
    const statuses: Record<number, number> = {};
    const reached = new Set<string>();
    let quotaRefusals = 0;
    const started = Date.now();
    for (const c of cases) {
      const company = companies[c.company];
      const path = c.op.path.replace(/\{(\w+)\}/g, (_, name) => c.params[name]);
      const qs = c.query.length ? '?' + c.query.map(([k, v]) => `${encodeQuery(k)}=${encodeQuery(v)}`).join('&') : '';
      const text = encodeBody(c.body, c.media);
      const headers: Record<string, string> = {};
      if (text !== undefined && c.media) headers['content-type'] = c.media;
      if (c.idempotencyKey !== null) headers['idempotency-key'] = c.idempotencyKey;
      const witness = witnessOf(c, path);
      const before = witness ? await read(company, witness) : null;
      let res: ApiAnswer;
      const caller = c.op.session ? company.user : company.tenant;
      try {
        res = c.op.path.startsWith('/app/api') || c.op.path.startsWith('/q/') || c.op.path.startsWith('/webhooks/')
          ? await server.fetch(c.op.method, path + qs, { body: text, headers: { ...headers, origin: server.url, ...(c.op.session ? { cookie: company.user.cookie } : {}) } })
          : await caller.call(c.op.method, path + qs, text, headers);
      } catch (err) {
        failures.push(`${c.op.method} ${path.slice(0, 120)}: no answer (${(err as Error).message})`);
        continue;
      }
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      // The log-in and sign-up limits' own 429s are answers of those routes; A3's would hide one.
      const quota = res.status === 429 && /^Rate limit exceeded/.test(res.body?.error ?? '');
      if (quota) quotaRefusals++;
      else reached.add(`${c.op.method} ${c.op.path}`);
      if (res.status >= 500 && !CONTRACT_500.has(res.body?.error)) {
        failures.push(`${c.op.method} ${path.slice(0, 120)}${qs.slice(0, 120)} [${c.media}] ${(text ?? '').slice(0, 300)} → ${res.status} ${res.text.slice(0, 200)}`);
        if (process.env.FUZZ_DUMP) fs.appendFileSync(process.env.FUZZ_DUMP, JSON.stringify({ method: c.op.method, path: path + qs, media: c.media, body: text }) + '\n');
      }
      if (witness && res.status >= 400 && (await read(company, witness)) !== before) {
        changed.push(`${c.op.method} ${path} → ${res.status}, yet ${witness} changed`);
      }
      // A deleted fixture is made again, so that later cases still reach the handlers.
      if (c.op.method === 'DELETE' && res.status < 300) await refill(company);
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `fuzz: ${cases.length} requests (seed ${SEED}) in ${seconds.toFixed(1)} s over ${COMPANIES} companies; ` +
        `${reached.size} of ${ops.length} routes answered; statuses ${JSON.stringify(statuses)}; 5xx outside A7: ${failures.length}`,
    );
    expect(failures).toEqual([]);
    expect(changed).toEqual([]);
    expect(quotaRefusals).toBe(0);
    expect(reached.size).toBe(ops.length);
  }, 60_000 + RUNS * 100);
});

async function refill(company: Company) {
  const t = company.tenant;
  const ids = company.ids;
  if ((await t.call('GET', `/v1/leads/${ids.lead}`)).status === 404) {
    ids.lead = (await t.call('POST', '/v1/leads', { name: 'Fuzz Lead', phone: '0412 000 333' })).body.data.id;
    ids.quote = (await t.call('POST', '/v1/quotes', { lead_id: ids.lead, line_items: [{ description: 'Roof', quantity: 1, unit_price: 10 }] })).body.data.id;
    ids.appointment = (await t.call('POST', '/v1/appointments', { lead_id: ids.lead, appointment_type: 'onsite', start_time: '2030-01-01T09:00:00Z' })).body.data.id;
  }
  if ((await t.call('GET', `/v1/webhooks/${ids.webhook}`)).status === 404) {
    ids.webhook = await webhookOf(t.companyId);
  }
  if ((await t.call('GET', `/v1/price-book/${ids['price-book']}`)).status === 404) {
    ids['price-book'] = (await t.call('POST', '/v1/price-book', { name: 'Fuzz Item', unit_price: 10 })).body.data.id;
  }
}
