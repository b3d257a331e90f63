import nodemailer from 'nodemailer';
import type { Config } from '../config.js';

/** One email: plain text always, HTML beside it when given. */
export type Mail = {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Our own Message-ID (without brackets' host part decided here): the same for every try of one email. */
  messageId: string;
  headers?: Record<string, string>;
};

/**
 * How a send ended when it did not succeed:
 * - `refused`: the relay answered no (a 4xx or 5xx reply, or no connection at all): the email was
 *   not taken, so trying again later is safe; `permanent` for a 5xx (a bad address) that another
 *   try would not change;
 * - `unknown`: the message was handed over but the relay's answer never came (the connection died
 *   after the data): it may have been taken, so it is not sent again.
 */
export class MailError extends Error {
  constructor(
    message: string,
    readonly outcome: 'refused' | 'unknown',
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

/**
 * What a failed send leaves on its record: `unknown` (it may have been taken: never sent again),
 * `failed` (refused for good, or the last try), or null: back to pending, for the queue to retry.
 */
export function settledStatusOf(err: MailError, attempts: number, maxAttempts: number): 'unknown' | 'failed' | null {
  if (err.outcome === 'unknown') return 'unknown';
  return err.permanent || attempts >= maxAttempts ? 'failed' : null;
}

export type Mailer = {
  /** Why email is off (no SMTP_URL), or null when it can be sent. */
  problem: string | null;
  send(mail: Mail): Promise<{ messageId: string; response: string }>;
  close(): void;
};

export const NO_SMTP = 'Email is off: the server has no SMTP_URL (an SMTP relay) configured.';

/** Email through the SMTP relay of SMTP_URL (nodemailer), or a mailer that says why it cannot. */
export function createMailer(config: Pick<Config, 'smtpUrl' | 'mailFrom' | 'smtpTimeoutMs' | 'publicUrl'>): Mailer {
  if (!config.smtpUrl) {
    return {
      problem: NO_SMTP,
      send: async () => {
        throw new MailError(NO_SMTP, 'refused', true);
      },
      close() {},
    };
  }
  const transport = nodemailer.createTransport(config.smtpUrl, {
    from: config.mailFrom,
    connectionTimeout: config.smtpTimeoutMs,
    greetingTimeout: config.smtpTimeoutMs,
    socketTimeout: config.smtpTimeoutMs,
  } as Parameters<typeof nodemailer.createTransport>[1]);
  const host = new URL(config.publicUrl).hostname || 'quoteleads.local';
  return {
    problem: null,
    async send(mail) {
      try {
        const info = await transport.sendMail({
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: `<${mail.messageId}@${host}>`,
          headers: { 'Auto-Submitted': 'auto-generated', ...mail.headers },
        });
        return { messageId: String(info.messageId), response: String(info.response ?? '') };
      } catch (err) {
        throw mailErrorOf(err);
      }
    },
    close: () => transport.close(),
  };
}

function mailErrorOf(err: unknown): MailError {
  const e = err as { message?: string; responseCode?: number; command?: string; code?: string };
  const message = e.message ?? String(err);
  if (typeof e.responseCode === 'number') return new MailError(message, 'refused', e.responseCode >= 500);
  // Nodemailer names the step that failed: `DT` is the message data, after which the relay may have
  // taken it without our hearing so; before it (connecting, greeting, envelope) nothing was taken.
  if (e.command === 'DT') return new MailError(message, 'unknown', false);
  return new MailError(message, 'refused', false);
}
