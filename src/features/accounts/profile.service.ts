import type { Db } from '../../db/client.js';
import { uniqueViolation } from '../../db/errors.js';
import type { Clock } from '../../lib/clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { hashPassword, verifyPassword } from '../../lib/passwords.js';
import type { SessionPrincipal, SessionView } from '../../auth/principal.js';
import { countLiveSessionsOfUser, deleteOtherSessionsOfUser, findCompanyUser, updateCompanyUser, type UserRow } from './accounts.repo.js';
import type { EmailChangeInput, PasswordChangeInput } from './accounts.schemas.js';
import { guardedPasswordCheck, loginKeys, type LoginLimits } from './login-limits.js';

const WRONG_PASSWORD = 'Your current password is wrong';

/** A user's own profile (docs/dashboard.md, "Profile"): any role, only their own row. */
export function createProfile(deps: { db: Db; clock: Clock; loginLimits: LoginLimits }) {
  const { db } = deps;

  const viewOf = (me: SessionPrincipal, u: UserRow): SessionView => ({ ...me.view, user: { id: u.id, name: u.name, email: u.email, role: u.role } });

  async function current(me: SessionPrincipal): Promise<UserRow> {
    const user = await findCompanyUser(db, me.companyId, me.userId);
    if (!user) throw new NotFoundError('User not found');
    return user;
  }

  /**
   * The current password, checked under the log-in limits of the account's email and the client's
   * address: a wrong one counts as a failed log-in (and past the limit even the right one is a 429).
   */
  async function checkCurrentPassword(me: SessionPrincipal, password: string, clientIp: string): Promise<UserRow> {
    const user = await current(me);
    return guardedPasswordCheck(
      deps.loginLimits,
      loginKeys(clientIp, user.email),
      async () => ((await verifyPassword(password, user.passwordHash)) ? user : false),
      () => new ValidationError(WRONG_PASSWORD, [{ field: 'current_password', message: 'is wrong' }]),
    );
  }

  return {
    async rename(me: SessionPrincipal, name: string): Promise<SessionView> {
      const user = await updateCompanyUser(db, me.companyId, me.userId, { name });
      if (!user) throw new NotFoundError('User not found');
      return viewOf(me, user);
    },

    async changeEmail(me: SessionPrincipal, input: EmailChangeInput, clientIp: string): Promise<SessionView> {
      const user = await checkCurrentPassword(me, input.current_password, clientIp);
      if (input.email === user.email) return viewOf(me, user);
      try {
        const updated = await updateCompanyUser(db, me.companyId, me.userId, { email: input.email });
        if (!updated) throw new NotFoundError('User not found');
        return viewOf(me, updated);
      } catch (err) {
        if (uniqueViolation(err)) throw new ConflictError('Another account already uses this email');
        throw err;
      }
    },

    /** A new password ends every other session: changing it is what someone does who fears it is known. */
    async changePassword(me: SessionPrincipal, input: PasswordChangeInput, clientIp: string): Promise<{ sessions: number; ended: number }> {
      await checkCurrentPassword(me, input.current_password, clientIp);
      const passwordHash = await hashPassword(input.new_password);
      const ended = await db.transaction(async (tx) => {
        if (!(await updateCompanyUser(tx, me.companyId, me.userId, { passwordHash }))) throw new NotFoundError('User not found');
        return deleteOtherSessionsOfUser(tx, me.userId, me.sessionId);
      });
      return { sessions: 1, ended };
    },

    async sessions(me: SessionPrincipal): Promise<{ sessions: number }> {
      return { sessions: await countLiveSessionsOfUser(db, me.userId, new Date(deps.clock.now())) };
    },

    async endOtherSessions(me: SessionPrincipal): Promise<{ sessions: number; ended: number }> {
      await current(me);
      return { sessions: 1, ended: await deleteOtherSessionsOfUser(db, me.userId, me.sessionId) };
    },
  };
}

export type ProfileService = ReturnType<typeof createProfile>;
