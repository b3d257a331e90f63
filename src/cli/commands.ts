import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { createWebhookFromCommand, deleteWebhookFromCommand, listWebhooksFromCommand } from '../features/webhooks/webhooks.commands.js';
import type { Clock } from '../lib/clock.js';
import { createCompanies } from '../features/companies/companies.service.js';
import { createTokens } from '../features/tokens/tokens.service.js';
import { createAgentSettings } from '../features/agent/agent-settings.service.js';
import { receiveSmsFromCommand, tryAgentFromCommand } from '../features/agent/agent.commands.js';
import { createAppointments } from '../features/appointments/appointments.service.js';
import { reminderAnswers } from '../features/follow-ups/reminder-answers.js';
import { importChunkFromCommand } from '../features/leads/leads.commands.js';
import type { AppError } from '../lib/errors.js';
import type { Command } from './args.js';

/** A refused command: 2 for what the operator typed (bad value, unknown id), 1 for a conflict. */
export const exitCodeOf = (err: AppError) => (err.status === 409 ? 1 : 2);

export type CommandContext = { db: Db; clock: Clock; config: Config; engine: 'pglite' | 'postgres' };
// `leads import` reads its file in the command's process and sends it as `leads import-chunk`s (src/cli/leads-import.ts).
export type DataCommand = Exclude<Command, { kind: 'serve' } | { kind: 'worker' } | { kind: 'migrate' } | { kind: 'leads import' }>;

/** Runs a command against an open database: in the command's own process, or inside a running server. */
export async function runDataCommand(ctx: CommandContext, c: DataCommand): Promise<Record<string, unknown>> {
  switch (c.kind) {
    case 'company create': {
      const { kind: _, ...input } = c;
      return createCompanies(ctx).create(input);
    }
    case 'company update': {
      const { kind: _, id, ...input } = c;
      return createCompanies(ctx).change(id, input);
    }
    case 'token create':
      return createTokens(ctx).issue(c);
    case 'token revoke':
      return createTokens(ctx).revokeAnyCompany(c.id);
    case 'token list':
      return { tokens: await createTokens(ctx).list(c.companyId) };
    case 'token import':
      return createTokens(ctx).importByDigest(c);
    case 'webhook create':
      return createWebhookFromCommand(ctx, c);
    case 'webhook list':
      return listWebhooksFromCommand(ctx, c.companyId);
    case 'webhook delete':
      return deleteWebhookFromCommand(ctx, c.id);
    case 'agent show':
      return createAgentSettings(ctx).show(c.companyId);
    case 'agent update':
      return createAgentSettings(ctx).update(c.companyId, c.changes);
    case 'agent try':
      return tryAgentFromCommand(ctx, c);
    case 'sms receive':
      return receiveSmsFromCommand(ctx, c, reminderAnswers({ appointments: createAppointments(ctx) }));
    case 'leads import-chunk':
      return importChunkFromCommand(ctx, c);
  }
}

const quietHoursText = (q: unknown) => {
  const hours = q as { start: string; end: string } | null;
  return hours ? `${hours.start}-${hours.end}` : 'none';
};

/** What a person reads; --json prints the object itself instead. */
export function describeResult(c: DataCommand, result: Record<string, unknown>): string {
  switch (c.kind) {
    case 'company create':
    case 'company update':
      return `Company ${result.name} (${result.id}), country ${result.country}, ${result.sms_credits} SMS credits${
        result.twilio_number ? `, Twilio number ${result.twilio_number}` : ''
      }; quotes in ${result.currency}, tax ${Number(result.tax_rate) * 100}% ${result.tax_mode}, ${result.timezone}; instant reply ${
        result.instant_reply ? 'on' : 'off'
      }; quiet hours ${quietHoursText(result.quiet_hours)}`;
    case 'token create':
      return [
        `Token ${result.name} (${result.id}) with scopes ${(result.scopes as string[]).join(', ')}`,
        `  ${result.token}`,
        'Copy it now: it is shown only this once.',
      ].join('\n');
    case 'token revoke':
      return `Token ${result.id} revoked at ${result.revoked_at}`;
    case 'token import':
      return `Imported token ${result.prefix}… (${result.id}) with scopes ${(result.scopes as string[]).join(', ')}`;
    case 'webhook create':
      return [
        `Webhook ${result.id} → ${result.url} (${(result.events as string[]).join(', ') || 'every event'})`,
        `  ${result.secret}`,
        'Copy the secret now: it is shown only this once.',
      ].join('\n');
    case 'webhook list': {
      const hooks = result.webhooks as Array<Record<string, unknown>>;
      if (!hooks.length) return 'No webhooks.';
      return hooks
        .map((h) => `${h.id}  ${h.enabled ? 'enabled ' : `disabled (${h.disabled_reason})`}  ${h.url}  ${(h.events as string[]).join(',') || 'every event'}`)
        .join('\n');
    }
    case 'webhook delete':
      return `Webhook ${result.id} deleted`;
    case 'agent show':
    case 'agent update':
      return JSON.stringify(result, null, 2);
    case 'agent try': {
      const actions = result.actions as { tool: string; ok: boolean; result: string }[];
      const replies = result.replies as string[];
      return [
        `Engine: ${result.engine}`,
        ...(replies.length ? replies.map((r) => `Reply: ${r}`) : ['Reply: (none)']),
        ...actions.map((a) => `  ${a.tool}: ${a.ok ? '' : 'refused: '}${a.result}`),
      ].join('\n');
    }
    case 'leads import-chunk':
      return `created ${result.created}, updated ${result.updated}, refused ${result.refused}`;
    case 'sms receive':
      return `Received from ${result.from} for company ${result.company_id}: ${result.text}`;
    case 'token list': {
      const tokens = result.tokens as Array<Record<string, unknown>>;
      if (!tokens.length) return 'No tokens.';
      return tokens
        .map((t) => {
          const state = t.revoked_at ? 'revoked' : t.expires_at && Date.parse(String(t.expires_at)) < Date.now() ? 'expired' : 'active';
          return `${t.id}  ${t.prefix}…  ${state.padEnd(7)}  ${String(t.name).padEnd(20)}  ${(t.scopes as string[]).join(',')}  last used ${t.last_used_at ?? 'never'}`;
        })
        .join('\n');
    }
  }
}
