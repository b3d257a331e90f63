import type { Db } from '../../db/client.js';
import { AppError, PaymentRequiredError } from '../../lib/errors.js';
import { countSegments } from '../../lib/sms-segments.js';
import { deductSmsCredits, isSmsPaused } from '../sms/sms.repo.js';
import { SmsNotConfiguredError, SmsPausedError } from '../sms/sms.service.js';
import type { ProviderAnswer, SmsProvider } from '../sms/sms.provider.js';

// Texts to the team's own mobiles (a verification code, an SMS alert). They go from the company's
// Twilio number and spend its credits like any text, but they are not a lead's: no thread, no
// opt-out list, no quiet hours. The one place both senders share the checks, the spend and the send.

/** Why the company cannot text right now (the errors of the lead send path), or null. */
export function teamSmsProblem(provider: SmsProvider, company: { twilioNumber: string | null; smsPaused: boolean }): AppError | null {
  const problem = provider.problem(company.twilioNumber);
  if (problem) return new SmsNotConfiguredError(problem);
  if (company.smsPaused) return new SmsPausedError();
  return null;
}

/**
 * Spends a text's credits in the caller's transaction (the conditional UPDATE of the lead path, so a
 * pause that committed a moment ago is seen), or throws as the lead path does. The segments spent.
 */
export async function spendTeamSmsCredits(tx: Db, companyId: string, body: string): Promise<number> {
  // Twilio bills per segment, so credits are too.
  const { segments } = countSegments(body);
  const credits = await deductSmsCredits(tx, companyId, segments);
  if (credits === null) {
    if (await isSmsPaused(tx, companyId)) throw new SmsPausedError();
    throw new PaymentRequiredError('Insufficient SMS credits');
  }
  return segments;
}

/** Hands the text to the provider, outside any transaction (STYLE 5). */
export function sendTeamSms(provider: SmsProvider, publicUrl: string, sms: { from: string | null; to: string; body: string }): Promise<ProviderAnswer> {
  // No message row carries it: a delivery callback finds none and is acknowledged and dropped.
  return provider.send({ ...sms, statusCallback: `${publicUrl}/webhooks/twilio/status` });
}
