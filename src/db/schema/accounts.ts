import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { companyRef } from './core.js';

export const ROLES = ['owner', 'admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

/** What each kind of alert does for one user: per channel, on or off; what is left out follows the role's default. */
export type AlertPrefs = Partial<Record<string, Partial<Record<'in_app' | 'email' | 'sms', boolean>>>>;

const at = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/** People who log in to the dashboard. One company each; an email is one account across the platform. */
export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    companyId: companyRef(),
    // Lower-cased on the way in, so the unique index is case-insensitive.
    email: text('email').notNull(),
    name: text('name').notNull(),
    // argon2id, as a PHC string that names its parameters (src/lib/passwords.ts).
    passwordHash: text('password_hash').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    // Alerts (issue 17): which kinds reach this user by which channel, where they chose; a kind or
    // channel left out follows the default of their role (alert_default in drizzle/0032).
    alertPrefs: jsonb('alert_prefs').$type<AlertPrefs>().notNull().default({}),
    // The mobile SMS alerts go to (E.164). Used only once verified: a code texted to it, kept hashed
    // with its expiry and the wrong guesses so far.
    mobile: text('mobile'),
    mobileVerifiedAt: at('mobile_verified_at'),
    mobileCodeHash: text('mobile_code_hash'),
    mobileCodeExpiresAt: at('mobile_code_expires_at'),
    mobileCodeAttempts: integer('mobile_code_attempts').notNull().default(0),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('users_email_idx').on(t.email),
    index('users_company_idx').on(t.companyId, t.createdAt),
    // A verified mobile is one person's within a company, so a text from it has one author.
    uniqueIndex('users_verified_mobile_idx')
      .on(t.companyId, t.mobile)
      .where(sql`mobile_verified_at is not null`),
  ],
);

/** Server-side sessions: the cookie holds a random id, the table only its SHA-256. */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tokenHash: text('token_hash').notNull().unique(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: at('created_at').notNull(),
    lastSeenAt: at('last_seen_at').notNull(),
    // The earlier of the two ends the session: idle (moves with use) and absolute (never moves).
    idleExpiresAt: at('idle_expires_at').notNull(),
    expiresAt: at('expires_at').notNull(),
  },
  (t) => [index('sessions_user_idx').on(t.userId), index('sessions_expires_idx').on(t.expiresAt)],
);

/** One-time team invitations; the link carries a random token, the table only its SHA-256. */
export const invites = pgTable(
  'invites',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    companyId: companyRef(),
    tokenHash: text('token_hash').notNull().unique(),
    role: text('role', { enum: ['admin', 'member'] }).notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: at('created_at').notNull(),
    expiresAt: at('expires_at').notNull(),
    acceptedAt: at('accepted_at'),
    // Where the link was emailed (issue 17), when it was, and how that went (ALERT_SEND_STATUSES).
    email: text('email'),
    emailStatus: text('email_status'),
  },
  (t) => [index('invites_company_idx').on(t.companyId, t.createdAt).where(sql`accepted_at is null`)],
);
