import type { Db } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import { NotFoundError } from '../../lib/errors.js';
import { ALERT_CHANNELS, ALERT_KINDS, type AlertChannel, type AlertKind, type AlertPrefs } from '../../db/schema/index.js';
import { findCompany } from '../companies/companies.repo.js';
import { alertPath, alertWords, ALERT_KIND_LABELS } from './alert-words.js';
import {
  countUnread,
  findNotificationCursor,
  effectiveChoices,
  findAlertUser,
  listUserNotifications,
  markRead,
  writeAlertPrefs,
  type NotificationListRow,
} from './alerts.repo.js';
import type { AlertPrefsInput } from './alerts.schemas.js';

export type NotificationView = {
  id: string;
  kind: AlertKind;
  event_type: string;
  title: string;
  body: string;
  lead_id: string | null;
  lead_name: string | null;
  /** Where it leads in the dashboard. */
  path: string;
  read: boolean;
  read_at: string | null;
  email_status: string | null;
  sms_status: string | null;
  created_at: string;
};

function notificationView(row: NotificationListRow, timeZone: string): NotificationView {
  const kind = row.kind as AlertKind;
  const words = alertWords(kind, row.data, { leadName: row.leadName, timeZone });
  return {
    id: row.id,
    kind,
    event_type: row.eventType,
    title: words.title,
    body: words.body,
    lead_id: row.leadId,
    lead_name: row.leadName,
    path: alertPath(kind, row.leadId),
    read: row.readAt !== null,
    read_at: row.readAt?.toISOString() ?? null,
    email_status: row.emailStatus,
    sms_status: row.smsStatus,
    created_at: row.createdAt.toISOString(),
  };
}

export type ChannelState = { available: boolean; reason: string | null };

/**
 * The bell (a user's alerts) and each user's choice of alerts (issue 17). Alerts themselves are made
 * by the outbox's trigger (drizzle/0032): this reads, marks and chooses.
 */
export function createAlerts(deps: { db: Db; clock: Clock; emailProblem: string | null; smsProblem: (twilioNumber: string | null) => string | null }) {
  const { db, clock } = deps;

  async function list(session: { companyId: string; userId: string }, q: { limit: number; unread?: 'true' | 'false'; before?: string }) {
    const company = await findCompany(db, session.companyId);
    // An id that is not one of the user's alerts starts from the top, as no cursor would.
    const before = q.before ? await findNotificationCursor(db, session.userId, q.before) : undefined;
    const rows = await listUserNotifications(db, session.userId, { limit: q.limit + 1, unreadOnly: q.unread === 'true', before });
    const page = rows.slice(0, q.limit);
    return {
      data: page.map((r) => notificationView(r, company?.timezone ?? 'UTC')),
      unread: await countUnread(db, session.userId),
      next_before: rows.length > q.limit ? page[page.length - 1].id : null,
    };
  }

  async function read(session: { userId: string }, which: { ids: string[] } | { all: true }) {
    const marked = await markRead(db, session.userId, which, new Date(clock.now()));
    return { marked, unread: await countUnread(db, session.userId) };
  }

  async function preferences(session: { companyId: string; userId: string }) {
    const user = await findAlertUser(db, session.userId);
    if (!user) throw new NotFoundError('User not found');
    const company = await findCompany(db, session.companyId);
    const choices = await effectiveChoices(db, user.alertPrefs, user.role, ALERT_KINDS, ALERT_CHANNELS);
    const kinds = ALERT_KINDS.map((kind) => {
      const of = (channel: AlertChannel) => choices.find((c) => c.kind === kind && c.channel === channel)!;
      return {
        kind,
        label: ALERT_KIND_LABELS[kind],
        ...Object.fromEntries(ALERT_CHANNELS.map((c) => [c, of(c).chosen])),
        defaults: Object.fromEntries(ALERT_CHANNELS.map((c) => [c, of(c).by_default])),
        chosen: Object.fromEntries(ALERT_CHANNELS.map((c) => [c, user.alertPrefs[kind]?.[c] ?? null])),
      } as { kind: AlertKind; label: string } & Record<AlertChannel, boolean> & { defaults: Record<AlertChannel, boolean>; chosen: Record<AlertChannel, boolean | null> };
    });
    const smsProblem = deps.smsProblem(company?.twilioNumber ?? null) ?? (user.mobileVerifiedAt ? null : 'Add and verify your mobile number first.');
    return {
      kinds,
      channels: {
        in_app: { available: true, reason: null } satisfies ChannelState,
        email: { available: deps.emailProblem === null, reason: deps.emailProblem } satisfies ChannelState,
        sms: {
          available: smsProblem === null,
          reason: smsProblem,
          note: 'Each SMS alert spends the company’s SMS credits, like any text.',
          mobile: user.mobile,
          mobile_verified: user.mobileVerifiedAt !== null,
        },
      },
      low_credits_threshold: company?.lowCreditsThreshold ?? null,
    };
  }

  /** Changes only what `input` names; under the user's row lock, so two changes at once both stay. */
  async function choose(session: { companyId: string; userId: string }, input: AlertPrefsInput) {
    await db.transaction(async (tx) => {
      const user = await findAlertUser(tx, session.userId, { lock: true });
      if (!user) throw new NotFoundError('User not found');
      const next: AlertPrefs = structuredClone(user.alertPrefs);
      for (const [kind, channels] of Object.entries(input.kinds)) {
        if (!channels) continue;
        const mine = { ...(next[kind] ?? {}) };
        for (const [channel, value] of Object.entries(channels)) {
          if (value === null) delete mine[channel as AlertChannel];
          else if (value !== undefined) mine[channel as AlertChannel] = value;
        }
        if (Object.keys(mine).length) next[kind] = mine;
        else delete next[kind];
      }
      await writeAlertPrefs(tx, session.userId, next);
    });
    return preferences(session);
  }

  return { list, read, preferences, choose };
}

export type AlertsService = ReturnType<typeof createAlerts>;
