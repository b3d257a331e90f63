import { randomBytes } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import { UnprocessableError, ValidationError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { findCompany } from '../companies/companies.repo.js';
import { createLeads } from '../leads/leads.service.js';
import { createTwilioWebhooks, type InboundAnswers } from '../sms/sms.inbound.js';
import { teamTextsInbound } from '../alerts/team-texts.js';
import { createSmsProvider } from '../sms/sms.provider.js';
import { createSms } from '../sms/sms.service.js';
import { createAgentSettings } from './agent-settings.service.js';
import { createAgentTry, tryBody } from './agent-try.js';
import { llmEngineOf } from './llm-engine.js';

type Ctx = { db: Db; clock: Clock; config: Config };
const quiet = { warn() {}, info() {} };

/** `quoteleads agent try <company-id> --text "…"`: what the agent would answer and do; nothing sent or stored. */
export async function tryAgentFromCommand(ctx: Ctx, c: { companyId: string; text: string; name?: string }) {
  const parsed = tryBody.safeParse({ text: c.text, name: c.name });
  if (!parsed.success) throw new ValidationError(`--text ${parsed.error.issues[0].message}`);
  const agentTry = createAgentTry({ ...ctx, agentSettings: createAgentSettings(ctx), llm: llmEngineOf(ctx.config), publicUrl: ctx.config.publicUrl });
  return agentTry.tryTurn(c.companyId, parsed.data);
}

/**
 * `quoteleads sms receive --company <id> --from +614… --text "…"`: an inbound text delivered as
 * Twilio's webhook would deliver it (the thread, STOP/START, the agent's turn), without Twilio: only
 * with SMS_PROVIDER=console, so that the whole loop can be tried on a laptop.
 */
export async function receiveSmsFromCommand(ctx: Ctx, c: { companyId: string; from: string; text: string }, answers?: InboundAnswers) {
  if (ctx.config.smsProvider !== 'console') {
    throw new UnprocessableError('sms receive works with SMS_PROVIDER=console only: with Twilio, texts arrive by its webhook', 'not_console');
  }
  const company = isUuid(c.companyId) ? await findCompany(ctx.db, c.companyId) : undefined;
  if (!company) throw new ValidationError(`Company not found: ${c.companyId}`);
  const leads = createLeads(ctx);
  const sms = createSms({ ...ctx, leads, provider: createSmsProvider(ctx.config, quiet), publicUrl: ctx.config.publicUrl });
  const twilio = createTwilioWebhooks({ ...ctx, leads, sms, answers, team: teamTextsInbound({ leads }), authToken: ctx.config.twilioAuthToken, publicUrl: ctx.config.publicUrl });
  const sid = `SMconsole${randomBytes(12).toString('hex')}`;
  await twilio.receive({ MessageSid: sid, To: company.twilioNumber ?? 'console', From: c.from, Body: c.text }, { companyId: company.id });
  return { company_id: company.id, from: c.from, text: c.text, message_sid: sid };
}
