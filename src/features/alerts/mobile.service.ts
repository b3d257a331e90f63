import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../db/client.js';
import { uniqueViolation } from '../../db/errors.js';
import type { Clock } from '../../lib/clock.js';
import { ConflictError, NotFoundError, RateLimitedError, ValidationError } from '../../lib/errors.js';
import { normalizePhone } from '../../lib/phone.js';
import { findCompany } from '../companies/companies.repo.js';
import { refundSmsCredits } from '../sms/sms.repo.js';
import { SmsProviderError, type SmsProvider } from '../sms/sms.provider.js';
import { SmsSendFailedError } from '../sms/sms.service.js';
import {
  clearMobile,
  countWrongCode,
  dropMobileCode,
  findMobileState,
  isMobileVerifiedByOther,
  markMobileVerified,
  storeMobileCode,
} from './mobile.repo.js';
import { sendTeamSms, spendTeamSmsCredits, teamSmsProblem } from './team-sms.js';

// A code is typed from the phone into the dashboard within minutes; ten is plenty and short enough
// that a code seen over a shoulder is soon worthless.
export const CODE_TTL_MS = 10 * 60_000;
// One text a minute per user at most: each one costs the company a credit, and a button pressed
// again and again must not drain them.
export const RESEND_AFTER_MS = 60_000;
// 5 guesses of a million codes: a guesser's chance is 1 in 200,000 per code sent (and codes are rate limited).
export const MAX_WRONG_CODES = 5;
// Twilio's "not a valid / not a mobile number" codes: the user's typo, not our failure.
const NUMBER_REFUSED = new Set(['21211', '21614', '21612']);

/** The code's digest, salted with its user: a code taken from one row is no use for another. */
const codeDigest = (userId: string, code: string) => createHash('sha256').update(`${userId}:${code}`, 'utf8').digest('hex');

function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

type Session = { companyId: string; userId: string };

/**
 * A user's own mobile for SMS alerts (issue 17): a code texted to it from the company's number, typed
 * back in the dashboard, makes it verified; only then do alerts go to it and texts from it count as
 * the team's (team-texts.ts).
 */
export function createMobiles(deps: { db: Db; clock: Clock; provider: SmsProvider; publicUrl: string }) {
  const { db, clock, provider } = deps;

  async function requestCode(session: Session, input: { mobile: string }) {
    const company = await findCompany(db, session.companyId);
    if (!company) throw new NotFoundError('User not found');
    const mobile = normalizePhone(input.mobile, company.country);
    if (!mobile) throw new ValidationError("'mobile' is not a valid phone number", [{ field: 'mobile', message: 'is not a valid phone number' }]);
    if (mobile === company.twilioNumber) {
      throw new ValidationError("'mobile' is the company's own SMS number", [{ field: 'mobile', message: "is the company's own SMS number" }]);
    }
    const problem = teamSmsProblem(provider, company);
    if (problem) throw problem;
    if (await isMobileVerifiedByOther(db, session.companyId, mobile, session.userId)) {
      throw new ConflictError('Another member of your team has verified this mobile');
    }
    const now = clock.now();
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const codeHash = codeDigest(session.userId, code);
    const expiresAt = new Date(now + CODE_TTL_MS);
    const body = `${code} is your QuoteLeads code to get ${company.name} alerts on this mobile. It expires in 10 minutes.`;

    const segments = await db.transaction(async (tx) => {
      // Locked: two requests at once send one code, and the second is told to wait.
      const user = await findMobileState(tx, session.companyId, session.userId, { lock: true });
      if (!user) throw new NotFoundError('User not found');
      // The last code was sent CODE_TTL_MS before it expires: no column of its own is needed.
      const sentAt = user.mobileCodeExpiresAt ? user.mobileCodeExpiresAt.getTime() - CODE_TTL_MS : null;
      if (sentAt !== null && now < sentAt + RESEND_AFTER_MS) {
        const seconds = Math.ceil((sentAt + RESEND_AFTER_MS - now) / 1000);
        throw new RateLimitedError(`A code was sent less than a minute ago; ask for a new one in ${seconds} seconds`, { 'Retry-After': String(seconds) });
      }
      const spent = await spendTeamSmsCredits(tx, session.companyId, body);
      await storeMobileCode(tx, session.companyId, session.userId, { mobile, codeHash, expiresAt });
      return spent;
    });
    try {
      await sendTeamSms(provider, deps.publicUrl, { from: company.twilioNumber, to: mobile, body });
    } catch (err) {
      if (!(err instanceof SmsProviderError)) throw err;
      // Refused: the code never went, its credits come back and the next may be asked for at once.
      if (err.outcome === 'refused') {
        await db.transaction(async (tx) => {
          await refundSmsCredits(tx, session.companyId, segments);
          await dropMobileCode(tx, session.companyId, session.userId, codeHash);
        });
        if (NUMBER_REFUSED.has(err.code)) {
          throw new ValidationError("'mobile' cannot receive texts (the SMS provider refused it)", [{ field: 'mobile', message: 'cannot receive texts' }]);
        }
      }
      // Unknown: the code may have arrived; it stays valid, and the minute's wait holds.
      throw new SmsSendFailedError(err.code);
    }
    return { mobile, mobile_verified: false as const, code_expires_at: expiresAt.toISOString() };
  }

  async function verify(session: Session, input: { code: string }) {
    const now = clock.now();
    // The guess is counted in the transaction that holds the user's row: two guesses at once are two.
    const outcome = await db.transaction(async (tx) => {
      const user = await findMobileState(tx, session.companyId, session.userId, { lock: true });
      if (!user) throw new NotFoundError('User not found');
      if (!user.mobile) return { error: new ValidationError('No mobile to verify: add one first') } as const;
      if (user.mobileVerifiedAt && !user.mobileCodeHash) return { mobile: user.mobile } as const;
      if (!user.mobileCodeHash || !user.mobileCodeExpiresAt) return { error: new ValidationError('No code to check: ask for a new one') } as const;
      if (user.mobileCodeAttempts >= MAX_WRONG_CODES) {
        return { error: new RateLimitedError('Too many wrong codes: this code no longer works; ask for a new one', {}) } as const;
      }
      if (now >= user.mobileCodeExpiresAt.getTime()) return { error: new ValidationError('The code has expired: ask for a new one') } as const;
      if (!sameDigest(codeDigest(session.userId, input.code), user.mobileCodeHash)) {
        const attempts = await countWrongCode(tx, session.companyId, session.userId);
        const left = MAX_WRONG_CODES - attempts;
        return { error: new ValidationError(left > 0 ? 'Wrong code' : 'Wrong code: that was the last try; ask for a new one', [{ field: 'code', message: 'is wrong' }]) } as const;
      }
      await markMobileVerified(tx, session.companyId, session.userId, new Date(now));
      return { mobile: user.mobile } as const;
    }).catch((err) => {
      // Another user of the company verified the same number meanwhile (the unique index holds).
      if (uniqueViolation(err)) throw new ConflictError('Another member of your team has verified this mobile');
      throw err;
    });
    // Thrown after the commit, so that the wrong guess stays counted.
    if ('error' in outcome) throw outcome.error;
    return { mobile: outcome.mobile, mobile_verified: true as const };
  }

  async function remove(session: Session) {
    await clearMobile(db, session.companyId, session.userId);
  }

  return { requestCode, verify, remove };
}

export type MobilesService = ReturnType<typeof createMobiles>;
