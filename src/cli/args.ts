import type { ImportTokenInput } from '../features/tokens/tokens.service.js';
import { IMPORT_COLUMNS_HELP } from '../features/leads/leads-import.js';
import { parseArgs } from 'node:util';
import { UsageError } from '../lib/errors.js';

// What the operator typed, checked for shape only; the services check the values. A parsed command is
// plain JSON, so it can be handed to a running server over the admin socket.
export type Command =
  | { kind: 'serve'; worker: boolean }
  | { kind: 'worker' }
  | { kind: 'migrate' }
  | ({ kind: 'company create'; name: string } & CompanyOptions)
  | ({ kind: 'company update'; id: string; name?: string } & CompanyOptions)
  | { kind: 'token create'; companyId: string; name?: string; scopes?: string[]; expiresAt?: string }
  | { kind: 'token revoke'; id: string }
  | { kind: 'token list'; companyId: string }
  | { kind: 'webhook create'; companyId: string; url: string; events?: string[] }
  | { kind: 'webhook list'; companyId: string }
  | { kind: 'webhook delete'; id: string }
  | ({ kind: 'token import' } & ImportTokenInput)
  | { kind: 'agent show'; companyId: string }
  | { kind: 'agent update'; companyId: string; changes: unknown }
  | { kind: 'agent try'; companyId: string; text: string; name?: string }
  | { kind: 'sms receive'; companyId: string; from: string; text: string }
  | { kind: 'leads import'; companyId: string; file: string; source: string; dryRun: boolean }
  // Internal, not in the usage: one chunk of `leads import`, sent by the command's own process.
  | { kind: 'leads import-chunk'; companyId: string; items: unknown[]; lines: number[]; dryRun: boolean };

type CompanyOptions = {
  country?: string;
  smsCredits?: number;
  twilioNumber?: string;
  currency?: string;
  taxRate?: number;
  taxMode?: 'exclusive' | 'inclusive';
  timezone?: string;
  instantReply?: string;
  quietHours?: { start: string; end: string } | null;
};

export type Invocation = { command: Command; json: boolean };

export const USAGE = `Usage: quoteleads <command> [options]

  serve [--no-worker]                     start the API server (PORT, HOST) and, unless --no-worker,
                                          the background worker in the same process
  worker                                  run only the background worker (webhook delivery, …)
  migrate                                 apply database migrations
  company create --name <name> [--country AU] [--sms-credits N] [--twilio-number +61…] [settings]
  company update <company-id> [--name …] [--country …] [--sms-credits N] [--twilio-number …] [settings]
      settings: [--currency AUD] [--tax-rate 0.1] [--tax-mode exclusive|inclusive]
                [--timezone Australia/Sydney] [--instant-reply "Hi {first_name}, thanks…" ('' turns it off)]
                [--quiet-hours 20:00-08:00 (none: no quiet hours)]
  token create --company <company-id> [--name ci] [--scopes leads:read,leads:write] [--expires-at <ISO 8601>]
  token revoke <token-id>
  token list --company <company-id>
  token import --company <company-id> --sha256 <hex digest> --prefix <first 12 chars> [--name …] [--scopes …]
  webhook create --company <company-id> --url <url> [--events lead.created,sale.completed]
  webhook list --company <company-id>
  webhook delete <webhook-id>
  agent show <company-id>                 the lead agent's settings (the defaults until changed)
  agent update <company-id> --json '{"enabled": true, "days_ahead": 14}'
                                          change them: the fields of PATCH /v1/agent; answers JSON
  agent try <company-id> --text "Hi, need a roof quote" [--name "Sam Sample"]
                                          what the agent would answer and do; nothing sent or stored
  sms receive --company <company-id> --from +61412345678 --text "…"
                                          (SMS_PROVIDER=console only) a customer's text, as if from Twilio
  leads import --company <company-id> <file.csv> [--source csv_import] [--dry-run]
                                          record the leads of a CSV file with a header row, 500 rows a
                                          transaction, as POST /v1/leads/batch records them (matched by
                                          external id, else phone, else email: importing again updates);
                                          --source is stamped on rows without one; --dry-run checks every
                                          row and writes nothing. Imported leads are old contacts: the
                                          leads it creates are marked auto_text_held: import, so no
                                          instant reply or agent greeting is texted to them (the agent
                                          still answers one who texts in).
      ${IMPORT_COLUMNS_HELP}

Every command takes --json: its last line of output is then one JSON object.`;

type Spec = Record<string, { type: 'string' | 'boolean' }>;
const str = { type: 'string' } as const;
const companyOptions: Spec = {
  name: str,
  country: str,
  'sms-credits': str,
  'twilio-number': str,
  currency: str,
  'tax-rate': str,
  'tax-mode': str,
  timezone: str,
  'instant-reply': str,
  'quiet-hours': str,
};
const tokenOptions: Spec = { company: str, name: str, scopes: str, 'expires-at': str };

function parse(args: string[], options: Spec, positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
  if (parsed.positionals.length !== positionals) {
    throw new UsageError(
      positionals ? `expected ${positionals} argument(s), got ${parsed.positionals.length}` : `unexpected argument '${parsed.positionals[0]}'`,
    );
  }
  return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals };
}

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`--${name} is required`);
  return v;
}

const optional = (values: Record<string, unknown>, name: string) => values[name] as string | undefined;

function credits(values: Record<string, unknown>): number | undefined {
  const v = optional(values, 'sms-credits');
  if (v === undefined) return undefined;
  if (!/^\d{1,9}$/.test(v)) throw new UsageError(`--sms-credits must be a whole number, got '${v}'`);
  return Number(v);
}

function scopes(values: Record<string, unknown>): string[] | undefined {
  const v = optional(values, 'scopes');
  return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean);
}

/** The options `company create` and `company update` share. */
function companyValues(values: Record<string, unknown>) {
  return {
    name: optional(values, 'name'),
    country: optional(values, 'country'),
    smsCredits: credits(values),
    twilioNumber: optional(values, 'twilio-number'),
    currency: optional(values, 'currency'),
    taxRate: taxRate(values),
    // Checked by the service, which names the allowed values.
    taxMode: optional(values, 'tax-mode') as 'exclusive' | 'inclusive' | undefined,
    timezone: optional(values, 'timezone'),
    instantReply: optional(values, 'instant-reply'),
    quietHours: quietHours(values),
  };
}

/** `20:00-08:00`, or `none` for no quiet hours; the service checks the times. */
function quietHours(values: Record<string, unknown>): { start: string; end: string } | null | undefined {
  const v = optional(values, 'quiet-hours');
  if (v === undefined) return undefined;
  if (v === 'none' || v === '') return null;
  const m = /^([^-]+)-([^-]+)$/.exec(v.trim());
  if (!m) throw new UsageError(`--quiet-hours must be HH:MM-HH:MM (e.g. 20:00-08:00) or none, got '${v}'`);
  return { start: m[1].trim(), end: m[2].trim() };
}

function taxRate(values: Record<string, unknown>): number | undefined {
  const v = optional(values, 'tax-rate');
  if (v === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(v)) throw new UsageError(`--tax-rate must be a fraction such as 0.1, got '${v}'`);
  return Number(v);
}

/** The options `token create` and `token import` share. */
function tokenValues(values: Record<string, unknown>) {
  return {
    companyId: required(values, 'company'),
    name: optional(values, 'name'),
    scopes: scopes(values),
    expiresAt: optional(values, 'expires-at'),
  };
}

/**
 * `agent update <company-id> --json '{…}'`: here --json carries the change (the body of PATCH
 * /v1/agent) instead of asking for JSON output, and the answer is always JSON.
 */
function agentChanges(args: string[]): { companyId: string; changes: unknown } {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { json: str }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
  if (parsed.positionals.length !== 1) throw new UsageError(`expected 1 argument(s), got ${parsed.positionals.length}`);
  const text = parsed.values.json;
  if (text === undefined) throw new UsageError(`--json '{…}' is required: the settings to change`);
  let changes: unknown;
  try {
    changes = JSON.parse(text);
  } catch {
    throw new UsageError('--json must be a JSON object, e.g. \'{"enabled": true}\'');
  }
  if (changes === null || typeof changes !== 'object' || Array.isArray(changes)) throw new UsageError('--json must be a JSON object, e.g. \'{"enabled": true}\'');
  return { companyId: parsed.positionals[0], changes };
}

export function parseInvocation(argv: string[]): Invocation {
  const [first, second, ...rest] = argv;
  if (!first || first === '--help' || first === 'help') throw new UsageError(USAGE);
  const group = `${first} ${second ?? ''}`.trim();
  switch (first) {
    case 'serve': {
      const { values } = parse(argv.slice(1), { 'no-worker': { type: 'boolean' } }, 0);
      return { command: { kind: 'serve', worker: !values['no-worker'] }, json: !!values.json };
    }
    case 'worker': {
      const { values } = parse(argv.slice(1), {}, 0);
      return { command: { kind: 'worker' }, json: !!values.json };
    }
    case 'migrate': {
      const { values } = parse(argv.slice(1), {}, 0);
      return { command: { kind: 'migrate' }, json: !!values.json };
    }
  }
  switch (group) {
    case 'company create': {
      const { values } = parse(rest, companyOptions, 0);
      return {
        command: { kind: 'company create', ...companyValues(values), name: required(values, 'name') },
        json: !!values.json,
      };
    }
    case 'company update': {
      const { values, positionals } = parse(rest, companyOptions, 1);
      return {
        command: { kind: 'company update', id: positionals[0], ...companyValues(values) },
        json: !!values.json,
      };
    }
    case 'token create': {
      const { values } = parse(rest, tokenOptions, 0);
      return {
        command: { kind: 'token create', ...tokenValues(values) },
        json: !!values.json,
      };
    }
    case 'token revoke': {
      const { values, positionals } = parse(rest, {}, 1);
      return { command: { kind: 'token revoke', id: positionals[0] }, json: !!values.json };
    }
    case 'token list': {
      const { values } = parse(rest, { company: str }, 0);
      return { command: { kind: 'token list', companyId: required(values, 'company') }, json: !!values.json };
    }
    case 'webhook create': {
      const { values } = parse(rest, { company: str, url: str, events: str }, 0);
      const events = optional(values, 'events');
      return {
        command: {
          kind: 'webhook create',
          companyId: required(values, 'company'),
          url: required(values, 'url'),
          events: events === undefined ? undefined : events.split(',').map((s) => s.trim()).filter(Boolean),
        },
        json: !!values.json,
      };
    }
    case 'webhook list': {
      const { values } = parse(rest, { company: str }, 0);
      return { command: { kind: 'webhook list', companyId: required(values, 'company') }, json: !!values.json };
    }
    case 'webhook delete': {
      const { values, positionals } = parse(rest, {}, 1);
      return { command: { kind: 'webhook delete', id: positionals[0] }, json: !!values.json };
    }
    case 'agent show': {
      const { values, positionals } = parse(rest, {}, 1);
      return { command: { kind: 'agent show', companyId: positionals[0] }, json: !!values.json };
    }
    case 'agent update':
      return { command: { kind: 'agent update', ...agentChanges(rest) }, json: true };
    case 'agent try': {
      const { values, positionals } = parse(rest, { text: str, name: str }, 1);
      return { command: { kind: 'agent try', companyId: positionals[0], text: required(values, 'text'), name: optional(values, 'name') }, json: !!values.json };
    }
    case 'sms receive': {
      const { values } = parse(rest, { company: str, from: str, text: str }, 0);
      return {
        command: { kind: 'sms receive', companyId: required(values, 'company'), from: required(values, 'from'), text: required(values, 'text') },
        json: !!values.json,
      };
    }
    case 'leads import': {
      const { values, positionals } = parse(rest, { company: str, source: str, 'dry-run': { type: 'boolean' } }, 1);
      const source = optional(values, 'source') ?? 'csv_import';
      if (source.trim() === '') throw new UsageError('--source must not be empty');
      return {
        command: { kind: 'leads import', companyId: required(values, 'company'), file: positionals[0], source, dryRun: !!values['dry-run'] },
        json: !!values.json,
      };
    }
    case 'token import': {
      const { values } = parse(rest, { ...tokenOptions, sha256: str, prefix: str }, 0);
      return {
        command: {
          kind: 'token import',
          ...tokenValues(values),
          sha256: required(values, 'sha256'),
          prefix: required(values, 'prefix'),
        },
        json: !!values.json,
      };
    }
  }
  throw new UsageError(`unknown command '${group}'; run 'quoteleads --help'`);
}
