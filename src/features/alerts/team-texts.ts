import type { Actor } from '../../auth/principal.js';
import type { Db } from '../../db/client.js';
import { findLead } from '../leads/leads.repo.js';
import type { LeadsService } from '../leads/leads.service.js';
import type { TeamTextsInbound } from '../sms/sms.inbound.js';
import { clearMobile, findTeamMobile, insertTeamText, latestSmsAlertLead } from './mobile.repo.js';

// A reply to an SMS alert is about the alert's lead for a week; after that a text is only recorded.
const REPLY_WINDOW_MS = 7 * 24 * 3_600_000;
// The API's limit on a lead's notes (leads.schemas.ts): notes past it could no longer be saved from the
// lead's form, so a text that would take them past it is kept in team_texts only.
const NOTES_LIMIT = 10_000;

function stamp(at: Date, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat('en-AU', { timeZone, day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' }).format(at);
  } catch {
    return at.toISOString().slice(0, 16).replace('T', ' ');
  }
}

/**
 * Texts to the company's number from a verified team mobile (issue 17): the team's, never a lead's.
 * No lead is made, no agent greets it, nothing is texted back and nothing enters a lead's thread. Each
 * is recorded once per MessageSid in team_texts. One sent within a week of an SMS alert to its author
 * is about the lead of the latest such alert: it shows on that lead as a dated line of its notes
 * ("3 Jun, 4:05 pm Dana (by SMS): call them"), written through the leads service, so lead.updated
 * names the user. STOP (any opt-out keyword) from it turns that user's SMS alerts off by unverifying
 * the mobile; START from a mobile so unverified is recorded and does nothing else (verifying again is
 * done in the dashboard).
 */
export function teamTextsInbound(deps: { leads: LeadsService }): TeamTextsInbound {
  return {
    async claim(tx, o) {
      const user = await findTeamMobile(tx, o.companyId, o.from, { evenUnverified: o.keyword === 'opt_in' });
      if (!user) return null;
      const leadId = o.keyword ? null : await latestSmsAlertLead(tx, o.companyId, user.id, new Date(o.now.getTime() - REPLY_WINDOW_MS));
      const recorded = await insertTeamText(tx, {
        companyId: o.companyId,
        userId: user.id,
        leadId,
        fromNumber: o.from,
        body: o.body,
        providerSid: o.sid,
        createdAt: o.now,
      });
      if (!recorded) return { duplicate: true };
      if (o.keyword === 'opt_out') await clearMobile(tx, o.companyId, user.id, { keepNumber: true });
      else if (leadId && o.body.trim()) await noteOnLead(tx, o.companyId, leadId, user, `${stamp(o.now, o.timeZone)} ${user.name} (by SMS): ${o.body.trim()}`);
      return { duplicate: false };
    },
  };

  async function noteOnLead(tx: Db, companyId: string, leadId: string, user: { id: string; name: string }, line: string) {
    const lead = await findLead(tx, companyId, leadId, { lock: true });
    if (!lead) return;
    const notes = lead.notes ? `${lead.notes}\n${line}` : line;
    if (notes.length > NOTES_LIMIT) return;
    const actor: Actor = { type: 'user', id: user.id, name: user.name };
    await deps.leads.applyLeadChange(tx, companyId, lead, { notes }, actor);
  }
}
