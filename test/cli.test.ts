import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { onPostgres } from './helpers.js';

// The `quoteleads` command as an operator runs it: a real process, on PostgreSQL when DATABASE_URL is
// set, otherwise on an embedded data directory of its own.
const BIN = path.resolve('bin/quoteleads.js');
const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function dataDir() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ql-cli-'));
  dirs.push(d);
  return d;
}

function run(dir: string, args: string[], extraEnv: Record<string, string> = {}) {
  const res = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, DATA_DIR: dir, LOG_LEVEL: 'warn', ...extraEnv },
    encoding: 'utf8',
  });
  const lines = res.stdout.trim().split('\n');
  let json: any;
  try {
    json = JSON.parse(lines[lines.length - 1]);
  } catch {
    json = undefined;
  }
  return { code: res.status, stdout: res.stdout, stderr: res.stderr, json };
}

describe('quoteleads', () => {
  const dir = dataDir();

  it('creates and updates a company, then issues, lists, imports and revokes tokens', () => {
    const company = run(dir, ['company', 'create', '--name', 'Acme Roofing', '--country', 'au', '--sms-credits', '25', '--json']);
    expect(company.code).toBe(0);
    expect(company.json).toMatchObject({ name: 'Acme Roofing', country: 'AU', sms_credits: 25 });
    const id = company.json.id;

    // A Twilio number belongs to one company only: a fresh one per run, as the database may be shared.
    const digits = String(Math.floor(Math.random() * 1e6)).padStart(6, '0');
    const updated = run(dir, ['company', 'update', id, '--sms-credits', '40', '--twilio-number', `0412 ${digits}`, '--json']);
    expect(updated.json).toMatchObject({ id, sms_credits: 40, twilio_number: `+61412${digits}`, currency: 'AUD', tax_rate: 0.1 });
    const settings = run(dir, [
      'company', 'update', id, '--currency', 'nzd', '--tax-rate', '0.15', '--tax-mode', 'inclusive',
      '--timezone', 'Pacific/Auckland', '--instant-reply', 'Hi {first_name}, {company} here.', '--json',
    ]);
    expect(settings.json).toMatchObject({
      currency: 'NZD', tax_rate: 0.15, tax_mode: 'inclusive', timezone: 'Pacific/Auckland', instant_reply: 'Hi {first_name}, {company} here.',
    });
    expect(run(dir, ['company', 'update', id, '--instant-reply', '', '--json']).json.instant_reply).toBeNull();
    expect(settings.json.quiet_hours).toEqual({ start: '20:00', end: '08:00' });
    expect(run(dir, ['company', 'update', id, '--quiet-hours', '21:00-07:30', '--json']).json.quiet_hours).toEqual({ start: '21:00', end: '07:30' });
    expect(run(dir, ['company', 'update', id, '--quiet-hours', 'none', '--json']).json.quiet_hours).toBeNull();
    const badHours = run(dir, ['company', 'update', id, '--quiet-hours', '25:00-07:00']);
    expect(badHours.code).toBe(2);
    expect(badHours.stderr).toContain("'quiet-hours' must be a time of day as HH:MM");
    const taken = run(dir, ['company', 'create', '--name', 'Copycat', '--twilio-number', `+61412${digits}`]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('already belongs to another company');

    const token = run(dir, ['token', 'create', '--company', id, '--name', 'ci', '--scopes', 'leads:read,leads:write', '--json']);
    expect(token.code).toBe(0);
    expect(token.json).toMatchObject({ name: 'ci', scopes: ['leads:read', 'leads:write'], expires_at: null });
    expect(token.json.token).toMatch(/^qlhq_[0-9A-Za-z]{46}$/);
    expect(token.json.prefix).toBe(token.json.token.slice(0, 12));

    const legacy = 'qlhq_' + randomBytes(48).toString('hex');
    const imported = run(dir, [
      'token', 'import', '--company', id, '--sha256', createHash('sha256').update(legacy).digest('hex'),
      '--prefix', legacy.slice(0, 12), '--scopes', 'leads:read', '--json',
    ]);
    expect(imported.code).toBe(0);
    expect(imported.json.prefix).toBe(legacy.slice(0, 12));

    const revoked = run(dir, ['token', 'revoke', token.json.id, '--json']);
    expect(revoked.json.revoked_at).toMatch(/Z$/);

    const list = run(dir, ['token', 'list', '--company', id, '--json']);
    expect(list.json.tokens.map((t: { name: string; revoked_at: string | null }) => [t.name, t.revoked_at !== null]).sort()).toEqual([
      ['Imported token', false],
      ['ci', true],
    ]);
    expect(JSON.stringify(list.json)).not.toContain(token.json.token);
    const human = run(dir, ['token', 'list', '--company', id]);
    expect(human.stdout).toContain('revoked');

    const agent = run(dir, ['agent', 'show', id, '--json']);
    expect(agent.code).toBe(0);
    expect(agent.json).toMatchObject({ enabled: false, engine: 'rules', updated_at: null, slot_minutes: { callback: 15, onsite: 60 } });
    const changed = run(dir, ['agent', 'update', id, '--json', '{"enabled": true, "service_postcodes": ["2000-2234"], "business_hours": {"sat": [["09:00", "12:00"]]}}']);
    expect(changed.code).toBe(0);
    expect(changed.json).toMatchObject({ enabled: true, service_postcodes: ['2000-2234'], business_hours: { mon: [['08:00', '17:00']], sat: [['09:00', '12:00']] } });
    expect(run(dir, ['agent', 'show', id]).stdout).toContain('"enabled": true');
  }, 300_000); // a dozen commands, each opening the embedded database: slow on a busy machine

  it.each([
    [['company', 'create'], '--name is required'],
    [['company', 'create', '--name', 'X', '--sms-credits', 'lots'], "--sms-credits must be a whole number, got 'lots'"],
    [['company', 'create', '--name', 'X', '--colour', 'red'], "Unknown option '--colour'"],
    [['token', 'create', '--company', '00000000-0000-4000-8000-000000000000'], 'Company not found'],
    [['token', 'create', '--company', 'nope', '--scopes', 'leads:read,leads:destroy'], "Unknown scope 'leads:destroy'"],
    [['token', 'create', '--company', 'nope', '--expires-at', 'tomorrow'], "'expires-at' must be an ISO 8601 date-time"],
    [['token', 'import', '--company', 'x', '--sha256', 'abc', '--prefix', 'qlhq_1234567'], "'sha256' must be 64 hexadecimal characters"],
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['company', 'update', 'not-a-uuid', '--name', 'X'], 'Company not found: not-a-uuid'],
    [['company', 'update', 'not-a-uuid', '--tax-rate', '10'], "'tax-rate' must be a fraction: 0.1 for 10%"],
    [['company', 'update', 'not-a-uuid', '--tax-rate', '10%'], "--tax-rate must be a fraction such as 0.1, got '10%'"],
    [['company', 'update', 'not-a-uuid', '--tax-mode', 'gross'], "'tax-mode' must be exclusive or inclusive"],
    [['company', 'update', 'not-a-uuid', '--timezone', 'Mars/Olympus'], "'timezone' must be an IANA time zone"],
    [['company', 'update', 'not-a-uuid', '--currency', 'XYZW'], "'currency' must be an ISO 4217 code"],
    [['agent', 'show', '00000000-0000-4000-8000-000000000000'], 'Company not found'],
    [['agent', 'update', 'x', '--json', '{"days_ahead": 99}'], "'days_ahead' must be from 1 to 60 days"],
    [['agent', 'update', 'x', '--json', '{"engine": "llm"}'], "'engine' must be rules: the llm engine needs a model"],
    [['agent', 'update', 'x', '--json', 'enabled'], '--json must be a JSON object'],
    [['agent', 'update', 'x'], "--json '{…}' is required"],
  ])('%j fails with one line and exit code 2', (args, message) => {
    const res = run(dir, args);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(message);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('quoteleads agent try and sms receive', () => {
  const dir = dataDir();

  it('tries the agent with nothing sent or stored, and delivers a console text that the agent answers', () => {
    const company = run(dir, ['company', 'create', '--name', 'Try Roofing', '--sms-credits', '10', '--json']).json;
    expect(run(dir, ['agent', 'update', company.id, '--json', '{"enabled": true}']).code).toBe(0);
    const tried = run(dir, ['agent', 'try', company.id, '--text', 'Hi, I need a roof quote', '--json']);
    expect(tried.code).toBe(0);
    expect(tried.json.engine).toBe('rules');
    expect(tried.json.replies[0]).toMatch(/postcode/i);

    const refused = run(dir, ['sms', 'receive', '--company', company.id, '--from', '+61412000999', '--text', 'Hi']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('SMS_PROVIDER=console');
    const received = run(dir, ['sms', 'receive', '--company', company.id, '--from', '+61412000999', '--text', 'Hi', '--json'], { SMS_PROVIDER: 'console' });
    expect(received.code).toBe(0);
    expect(received.json).toMatchObject({ company_id: company.id, from: '+61412000999' });
  });
});

describe('quoteleads webhook', () => {
  const dir = dataDir();
  const key = randomBytes(32).toString('base64');
  // PostgreSQL needs the key from configuration; the embedded default generates its own.
  const withKey: Record<string, string> = onPostgres ? { ENCRYPTION_KEY: key } : {};

  it('creates, lists and deletes webhook endpoints; the secret is printed once and sealed at rest', () => {
    const company = run(dir, ['company', 'create', '--name', 'Hook Co', '--json'], withKey);
    const id = company.json.id;
    const created = run(dir, ['webhook', 'create', '--company', id, '--url', 'https://1.1.1.1/hook', '--events', 'lead.created,sale.completed', '--json'], withKey);
    expect(created.code).toBe(0);
    expect(Object.keys(created.json).sort()).toEqual(['events', 'id', 'secret', 'url']);
    expect(created.json).toMatchObject({ url: 'https://1.1.1.1/hook', events: ['lead.created', 'sale.completed'] });
    expect(created.json.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    if (!onPostgres) {
      // The embedded default's key: generated once, beside the database directory, owner-only.
      const keyFile = path.join(dir, 'encryption.key');
      expect(fs.existsSync(path.join(dir, 'pglite'))).toBe(true);
      expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    }

    const list = run(dir, ['webhook', 'list', '--company', id, '--json'], withKey);
    expect(list.json.webhooks).toHaveLength(1);
    expect(JSON.stringify(list.json)).not.toContain(created.json.secret);

    const deleted = run(dir, ['webhook', 'delete', created.json.id, '--json'], withKey);
    expect(deleted.code).toBe(0);
    expect(run(dir, ['webhook', 'list', '--company', id, '--json'], withKey).json.webhooks).toHaveLength(0);
    expect(run(dir, ['webhook', 'delete', created.json.id], withKey).code).toBe(2);
  }, 150_000); // six processes, each opening the database

  it.each([
    [['webhook', 'create', '--url', 'https://1.1.1.1/'], '--company is required'],
    [['webhook', 'create', '--company', '00000000-0000-4000-8000-000000000000', '--url', 'gopher://x'], "'url' must be an http:// or https:// URL"],
    [['webhook', 'create', '--company', '00000000-0000-4000-8000-000000000000', '--url', 'https://1.1.1.1/', '--events', 'lead.exploded'], "'events' must be one of: lead.created"],
    [['webhook', 'create', '--company', '00000000-0000-4000-8000-000000000000', '--url', 'http://127.0.0.1:9/'], "'url' must point to a public address"],
    [['webhook', 'create', '--company', '00000000-0000-4000-8000-000000000000', '--url', 'https://1.1.1.1/'], 'Company not found'],
    [['webhook', 'delete'], 'expected 1 argument(s), got 0'],
  ])('%j fails with one line and exit code 2', (args, message) => {
    const res = run(dir, args, withKey);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(message);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
  });

  it.runIf(onPostgres)('refuses to run without ENCRYPTION_KEY on PostgreSQL, in one line', () => {
    const res = run(dir, ['webhook', 'list', '--company', '00000000-0000-4000-8000-000000000000'], { ENCRYPTION_KEY: '' });
    const created = run(dir, ['webhook', 'create', '--company', '00000000-0000-4000-8000-000000000000', '--url', 'https://1.1.1.1/'], { ENCRYPTION_KEY: '' });
    expect(res.code).toBe(2); // listing needs no key: the company is simply not found
    expect(created.code).toBe(1);
    const message = 'quoteleads: ENCRYPTION_KEY is required on PostgreSQL: set it to 32 random bytes, base64 (openssl rand -base64 32)';
    expect(created.stderr.trim()).toBe(message);
    // A worker (like a server) refuses to start rather than run without the key.
    const worker = run(dir, ['worker'], { ENCRYPTION_KEY: '' });
    expect(worker.code).toBe(1);
    expect(worker.stderr.trim()).toBe(message);
  });
});

describe('quoteleads leads import', () => {
  const dir = dataDir();
  const csv = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  it('imports a CSV with progress on stderr and a summary on stdout; again, it updates; --json and --dry-run', () => {
    const company = run(dir, ['company', 'create', '--name', 'Import Roofing', '--instant-reply', 'Hi {first_name}', '--json']).json;
    const good = Array.from({ length: 1_140 }, (_, i) => `Lead ${i},04${20_000_000 + i},`);
    const bad = Array.from({ length: 60 }, (_, i) => `Bad ${i},,bad-email-${i}`);
    const file = csv('leads.csv', ['Name,Mobile,E-mail', ...bad, ...good].join('\n'));

    const first = run(dir, ['leads', 'import', '--company', company.id, file]);
    expect(first.code).toBe(0);
    // Not a terminal: one progress line per chunk of 500.
    expect(first.stderr.trim().split('\n')).toEqual(['imported 500 / 1,200 rows', 'imported 1,000 / 1,200 rows', 'imported 1,200 / 1,200 rows']);
    const out = first.stdout.trim().split('\n');
    expect(out[0]).toBe('created 1,140, updated 0, refused 60');
    expect(out[1]).toBe("line 2: 'email' must be a valid email address");
    expect(out[50]).toBe("line 51: 'email' must be a valid email address");
    expect(out.slice(51)).toEqual(['… and 10 more']);

    const dry = run(dir, ['leads', 'import', '--company', company.id, file, '--dry-run']);
    expect(dry.stdout.split('\n')[0]).toBe('Dry run, nothing written: would have created 0, updated 1,140, refused 60');
    expect(dry.stderr).toContain('checked 1,200 / 1,200 rows');

    const again = run(dir, ['leads', 'import', '--company', company.id, file, '--json']);
    expect(again.code).toBe(0);
    expect(Object.keys(again.json)).toEqual(['created', 'updated', 'refused', 'errors']);
    expect(again.json).toMatchObject({ created: 0, updated: 1_140, refused: 60 });
    expect(again.json.errors).toHaveLength(60);
    expect(again.json.errors[59]).toEqual({ line: 61, error: "'email' must be a valid email address", field: 'email' });
  }, 120_000);

  it.each([
    [['leads', 'import', '--company', '00000000-0000-4000-8000-000000000000', 'FILE'], 'Company not found: 00000000-0000-4000-8000-000000000000'],
    [['leads', 'import', 'FILE'], '--company is required'],
    [['leads', 'import', '--company', 'x'], 'expected 1 argument(s), got 0'],
    [['leads', 'import', '--company', 'x', 'FILE', '--source', ''], '--source must not be empty'],
    [['leads', 'import', '--company', 'x', '/nonexistent/leads.csv'], '/nonexistent/leads.csv cannot be read: no such file'],
    [['leads', 'import', '--company', 'x', 'EMPTY'], 'is empty: the first line must be a header row'],
    [['leads', 'import-chunk', '--company', 'x'], "unknown command 'leads import-chunk'"],
  ])('%j fails with one line and exit code 2', (args, message) => {
    const file = csv('one.csv', 'Name,Phone\nSam,0412 345 678\n');
    const empty = csv('empty.csv', '');
    const res = run(dir, args.map((a) => (a === 'FILE' ? file : a === 'EMPTY' ? empty : a)));
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(message);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe.skipIf(onPostgres)('quoteleads serve on the embedded database', () => {
  it('seeds a demo on first start, refuses a second server, and runs commands through the running one', async () => {
    const dir = dataDir();
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, [BIN, 'serve'], { env });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    const deadline = Date.now() + 60_000;
    while (!/Try it:/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const demoToken = /qlhq_[0-9A-Za-z]+/.exec(out)![0];
    const base = `http://127.0.0.1:${port}`;
    expect(out).toContain(`curl -H "Authorization: Bearer ${demoToken}" http://localhost:${port}/v1/leads`);
    const pipeline = await (await fetch(`${base}/v1/pipeline`, { headers: { authorization: `Bearer ${demoToken}` } })).json();
    expect(Object.values(pipeline.data).every((n) => (n as number) > 0)).toBe(true);
    const demoAuth = { authorization: `Bearer ${demoToken}` };
    const demoQuotes = await (await fetch(`${base}/v1/quotes?per_page=100`, { headers: demoAuth })).json();
    expect(demoQuotes.data.map((q: { status: string }) => q.status).sort()).toEqual(['draft', 'draft', 'sent', 'sent', 'sent']);
    const demoAppointments = await (await fetch(`${base}/v1/appointments`, { headers: demoAuth })).json();
    expect(demoAppointments.meta.total).toBe(3);
    expect((await (await fetch(`${base}/v1/price-book`, { headers: demoAuth })).json()).meta.total).toBe(5);
    expect((await (await fetch(`${base}/v1/agent`, { headers: demoAuth })).json()).data).toMatchObject({ enabled: true, engine: 'rules' });
    // The printed quote link opens the customer's page (PUBLIC_URL is localhost; the server listens on 127.0.0.1).
    const quoteUrl = /A quote as the customer sees it[^:]*: (\S+)/.exec(out)![1];
    expect(demoQuotes.data.map((q: { public_url: string }) => q.public_url)).toContain(quoteUrl);
    const quotePage = await fetch(base + new URL(quoteUrl).pathname, { method: 'HEAD' });
    expect(quotePage.status).toBe(200);
    // The printed demo login opens the dashboard as the demo company's owner.
    const [, demoEmail, demoPassword] = /log in as (\S+) with the password (\S+), shown only this once/.exec(out)!;
    const login = await fetch(`${base}/app/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      body: JSON.stringify({ email: demoEmail, password: demoPassword }),
    });
    expect(login.status).toBe(200);
    expect((await login.json()).company.name).toBe('Demo Roofing Co');

    const second = run(dir, ['serve'], { PORT: String(await freePort()) });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`in use by another QuoteLeads process (pid ${child.pid})`);

    // The command cannot open the directory while the server holds it; it goes through the server.
    const company = run(dir, ['company', 'create', '--name', 'Live Co', '--json']);
    expect(company.code).toBe(0);
    const token = run(dir, ['token', 'create', '--company', company.json.id, '--scopes', 'leads:read', '--json']);
    const auth = { authorization: `Bearer ${token.json.token}` };
    expect((await fetch(`${base}/v1/leads`, { headers: auth })).status).toBe(200);
    // An import sends each chunk to the server, which writes it.
    const file = path.join(dir, 'live.csv');
    fs.writeFileSync(file, 'Name,Phone\nLive One,0412 345 678\nLive Two,0412 345 679\n');
    const imported = run(dir, ['leads', 'import', '--company', company.json.id, file, '--json']);
    expect(imported.json).toEqual({ created: 2, updated: 0, refused: 0, errors: [] });
    expect((await (await fetch(`${base}/v1/leads`, { headers: auth })).json()).meta.total).toBe(2);
    expect(run(dir, ['leads', 'import', '--company', '00000000-0000-4000-8000-000000000000', file]).code).toBe(2);
    expect(run(dir, ['token', 'revoke', token.json.id]).code).toBe(0);
    const after = await fetch(`${base}/v1/leads`, { headers: auth });
    expect(after.status).toBe(401);
    expect(run(dir, ['token', 'create', '--company', company.json.id, '--scopes', 'nope']).code).toBe(2);

    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    expect(fs.existsSync(path.join(dir, 'quoteleads.lock'))).toBe(false);
    // Restarted: the data is still there, and no second demo is made.
    const again = run(dir, ['token', 'list', '--company', company.json.id, '--json']);
    expect(again.json.tokens).toHaveLength(1);
  });
});
