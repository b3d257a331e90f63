import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.js';
import type { Role } from '../../db/schema/index.js';
import { uniqueViolation } from '../../db/errors.js';
import type { Clock } from '../../lib/clock.js';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../../lib/errors.js';
import type { SecretBox } from '../../lib/secret-box.js';
import { enqueueJob } from '../../jobs/jobs.repo.js';
import { INVITE_EMAIL_JOB } from './invite-email.js';
import { isUuid } from '../../lib/ids.js';
import { hashPassword, verifyAgainstDecoy, verifyPassword } from '../../lib/passwords.js';
import { guardedPasswordCheck, loginKeys, refuse, type LoginLimits } from './login-limits.js';
import { insertCompany } from '../companies/companies.repo.js';
import {
  claimInviteAnyCompany,
  countUsers,
  deleteCompanyInvite,
  deleteCompanyUser,
  deleteSessionByHash,
  extendSessionAnyCompany,
  findOpenInviteByToken,
  findSessionForAuthentication,
  findUserForLogin,
  insertInvite,
  insertSession,
  insertUserIfNew,
  listCompanyUsers,
  listOpenInvites,
} from './accounts.repo.js';
import type { SessionPrincipal, SessionView } from '../../auth/principal.js';
import type { AcceptInviteInput, LoginInput, SignupInput } from './accounts.schemas.js';
import { scopesOfRole } from '../../auth/roles.js';

const DAY_MS = 86_400_000;
export const SESSION_IDLE_MS = 7 * DAY_MS;
export const SESSION_MAX_MS = 30 * DAY_MS;
// Moving the idle expiry on every request would write on every request; a few minutes' slack is enough.
const EXTEND_AFTER_MS = 5 * 60_000;
const INVITE_MS = 7 * DAY_MS;

const digest = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');
const newSecret = () => randomBytes(32).toString('base64url'); // 256 bits

/** A new session for a user; answers the cookie value (the random id), which is stored only as a digest. */
export async function startSession(db: Db, clock: Clock, userId: string): Promise<string> {
  const token = newSecret();
  const at = new Date(clock.now());
  await insertSession(db, {
    tokenHash: digest(token),
    userId,
    createdAt: at,
    lastSeenAt: at,
    idleExpiresAt: new Date(at.getTime() + SESSION_IDLE_MS),
    expiresAt: new Date(at.getTime() + SESSION_MAX_MS),
  });
  return token;
}

/** Thrown inside sign-up's transaction to roll back a company whose owner's email was just taken. */
class SignupRaceLost extends Error {}

export type AccountsDeps = {
  db: Db;
  clock: Clock;
  publicUrl: string;
  /** Seals an emailed invitation's link in its job (only the token's hash is kept on the invite). */
  secrets: SecretBox;
  /** Why email cannot be sent (no SMTP_URL), or null. */
  mailProblem: string | null;
  loginLimits: LoginLimits;
};

export function createAccounts(deps: AccountsDeps) {
  const { db, clock } = deps;
  const now = () => new Date(clock.now());

  const openSession = (userId: string) => startSession(db, clock, userId);

  function view(u: { id: string; name: string; email: string; role: Role }, company: { id: string; name: string }): SessionView {
    return {
      user: { id: u.id, name: u.name, email: u.email, role: u.role },
      company,
      scopes: [...scopesOfRole(u.role)],
    };
  }

  // Each new account costs a password hash (and a sign-up a company): 50 per client address per
  // 15 minutes, counting every attempt, so no one address can flood either.
  async function limitAccountCreation(clientIp: string) {
    const d = await deps.loginLimits.perIp.check(`create:${clientIp}`);
    if (!d.allowed) refuse(d, 'new accounts from this address');
  }
  return {
    hasUsers: async () => (await countUsers(db)) > 0,

    /**
     * Creates the company and its owner, or, when the email already has an account, nothing. Both
     * answer alike and take alike (the password is hashed either way), so sign-up never tells
     * whether an email is registered; the client logs in next.
     */
    async signup(input: SignupInput, clientIp: string): Promise<void> {
      await limitAccountCreation(clientIp);
      const passwordHash = await hashPassword(input.password);
      try {
        await db.transaction(async (tx) => {
          if (await findUserForLogin(tx, input.email)) return;
          const company = await insertCompany(tx, { name: input.company_name });
          // The same email signing up twice at once: one wins, the other's company is rolled back.
          const owner = await insertUserIfNew(tx, { companyId: company.id, email: input.email, name: input.name, passwordHash, role: 'owner' });
          if (!owner) throw new SignupRaceLost();
        });
      } catch (err) {
        if (!(err instanceof SignupRaceLost || uniqueViolation(err))) throw err;
      }
    },

    async login(input: LoginInput, clientIp: string): Promise<{ token: string; session: SessionView }> {
      return guardedPasswordCheck(
        deps.loginLimits,
        loginKeys(clientIp, input.email),
        async () => {
          const found = await findUserForLogin(db, input.email);
          const ok = found ? await verifyPassword(input.password, found.user.passwordHash) : await verifyAgainstDecoy(input.password);
          if (!found || !ok) return false;
          const token = await openSession(found.user.id);
          return { token, session: view(found.user, { id: found.user.companyId, name: found.companyName }) };
        },
        () => new UnauthorizedError('Invalid email or password'),
      );
    },

    async logout(token: string | undefined) {
      if (token) await deleteSessionByHash(db, digest(token));
    },

    /** The principal of a session cookie, or null when it is unknown, expired or logged out. */
    async authenticate(token: string): Promise<SessionPrincipal | null> {
      if (token.length > 100) return null;
      const at = now();
      const row = await findSessionForAuthentication(db, digest(token), at);
      if (!row) return null;
      if (at.getTime() - row.lastSeenAt.getTime() >= EXTEND_AFTER_MS) {
        await extendSessionAnyCompany(db, row.sessionId, at, new Date(at.getTime() + SESSION_IDLE_MS));
      }
      return {
        kind: 'session',
        sessionId: row.sessionId,
        userId: row.userId,
        role: row.role,
        companyId: row.companyId,
        scopes: scopesOfRole(row.role),
        country: row.country,
        view: view({ id: row.userId, name: row.name, email: row.email, role: row.role }, { id: row.companyId, name: row.companyName }),
      };
    },

    async team(companyId: string) {
      const [people, open] = await Promise.all([listCompanyUsers(db, companyId), listOpenInvites(db, companyId, now())]);
      return {
        users: people.map((u) => ({ id: u.id, name: u.name, email: u.email, role: u.role, created_at: u.createdAt.toISOString() })),
        invites: open.map((i) => ({
          id: i.id,
          role: i.role,
          email: i.email,
          email_status: i.emailStatus,
          created_at: i.createdAt.toISOString(),
          expires_at: i.expiresAt.toISOString(),
        })),
      };
    },

    /**
     * An invitation link, answered once to the inviter; with an `email`, also emailed to the invitee by
     * the worker after commit (the link rides sealed in the job, bound to the invite).
     */
    async createInvite(principal: SessionPrincipal, role: 'admin' | 'member', email?: string) {
      if (email !== undefined && deps.mailProblem) {
        throw new ValidationError(`${deps.mailProblem} Leave out the email and share the link yourself.`, [{ field: 'email', message: 'cannot be emailed: no SMTP relay' }]);
      }
      const token = newSecret();
      const at = now();
      const id = randomUUID();
      const url = `${deps.publicUrl}/app/invite/${token}`;
      const row = await db.transaction(async (tx) => {
        const row = await insertInvite(tx, {
          id,
          companyId: principal.companyId,
          tokenHash: digest(token),
          role,
          createdBy: principal.userId,
          createdAt: at,
          expiresAt: new Date(at.getTime() + INVITE_MS),
          email: email ?? null,
          emailStatus: email === undefined ? null : 'pending',
        });
        if (email !== undefined) {
          await enqueueJob(tx, { kind: INVITE_EMAIL_JOB, companyId: principal.companyId, uniqueKey: id, payload: { link: deps.secrets.seal(url, id) } });
        }
        return row;
      });
      // The link leaves the server here, once (and in the email).
      return { id: row.id, role: row.role, expires_at: row.expiresAt.toISOString(), url, email: row.email, email_status: row.emailStatus };
    },

    async deleteInvite(companyId: string, inviteId: string) {
      if (!isUuid(inviteId) || !(await deleteCompanyInvite(db, companyId, inviteId))) {
        throw new NotFoundError('Invitation not found');
      }
    },

    async removeUser(principal: SessionPrincipal, userId: string) {
      if (userId === principal.userId) throw new ForbiddenError('You cannot remove yourself');
      if (!isUuid(userId) || !(await deleteCompanyUser(db, principal.companyId, userId))) {
        throw new NotFoundError('User not found (the owner cannot be removed)');
      }
    },

    async inviteInfo(token: string) {
      const found = token.length <= 100 ? await findOpenInviteByToken(db, digest(token), now()) : undefined;
      if (!found) throw new NotFoundError('Invitation not found or expired');
      return { company_name: found.companyName, role: found.invite.role };
    },

    /**
     * Joins the invitation's company. The invitation is used up only with the new account, in one
     * transaction. An email that already has an account is refused: the invitee, who holds the link,
     * learns that; nobody without a link can ask.
     */
    async acceptInvite(token: string, input: AcceptInviteInput, clientIp: string): Promise<{ token: string; session: SessionView }> {
      await limitAccountCreation(clientIp);
      const found = token.length <= 100 ? await findOpenInviteByToken(db, digest(token), now()) : undefined;
      if (!found) throw new NotFoundError('Invitation not found or expired');
      const passwordHash = await hashPassword(input.password);
      const user = await db.transaction(async (tx) => {
        if (!(await claimInviteAnyCompany(tx, found.invite.id, now()))) throw new NotFoundError('Invitation not found or expired');
        const created = await insertUserIfNew(tx, {
          companyId: found.invite.companyId,
          email: input.email,
          name: input.name,
          passwordHash,
          role: found.invite.role,
        });
        if (!created) throw new ConflictError('That email already has an account; log in with it, or use another email');
        return created;
      });
      const session = await openSession(user.id);
      return { token: session, session: view(user, { id: user.companyId, name: found.companyName }) };
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
