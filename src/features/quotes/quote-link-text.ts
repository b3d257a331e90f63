import { AlreadySentError, type SmsService } from '../sms/sms.service.js';
import type { TextQuoteLink } from './quotes.service.js';

/**
 * A quote's link texted through the one SMS send path (credits, opt-out, the thread), once per
 * quote: a send retried after a crash finds it gone already and goes on.
 */
export function quoteLinkTexter(sms: SmsService): TextQuoteLink {
  return (a) =>
    sms
      .send({ companyId: a.companyId }, { leadId: a.leadId, body: a.message, sender: a.sender, originKey: `quote_link:${a.quoteId}` })
      .catch((err) => {
        if (!(err instanceof AlreadySentError)) throw err;
      });
}
