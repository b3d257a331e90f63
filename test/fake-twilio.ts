import { randomBytes } from 'node:crypto';
import http from 'node:http';
import twilio from 'twilio';
import { countSegments } from '../src/lib/sms-segments.js';
import { createCompanies } from '../src/features/companies/companies.service.js';
import type { Database } from '../src/db/client.js';
import type { Clock } from '../src/lib/clock.js';
import { startTestServer, type Tenant, type TestServer } from './helpers.js';

/**
 * A local stand-in for Twilio's Messages API (2010-04-01), as documented: a form-encoded POST to
 * /2010-04-01/Accounts/{AccountSid}/Messages.json with HTTP Basic auth (account sid : auth token);
 * 201 with the message resource (sid, status "queued", num_segments…); 400 with Twilio's error codes
 * (21211 invalid To number, 21610 unsubscribed recipient); 401 (20003) for bad credentials.
 *
 * It also plays Twilio's side of the webhooks: status callbacks to the StatusCallback URL it was given
 * and inbound messages to /webhooks/twilio/sms, signed with the official `twilio` library (so our own
 * signature check is tested against Twilio's implementation, not against itself).
 */
export type SentMessage = { sid: string; from: string; to: string; body: string; statusCallback: string | null; numSegments: number };

export type FakeTwilio = {
  url: string;
  accountSid: string;
  authToken: string;
  /** Every message it accepted, in order. */
  sent: SentMessage[];
  /** Every request to the Messages API, accepted or not. */
  requests: number;
  /** Numbers refused with 21211 (not a valid phone number) and 21610 (unsubscribed recipient). */
  invalidNumbers: Set<string>;
  unsubscribed: Set<string>;
  /** Answer the next `n` sends with a 500 (an outage). */
  failNext(n: number): void;
  /**
   * From now on, accept each message (it is in `sent`: Twilio has it) but hold the answer until
   * `release()`: a sender that dies meanwhile never learns that its text went.
   */
  holdAnswers(): { release(): void };
  /**
   * The next `n` messages are accepted (they are in `sent`: Twilio has them) and the connection is cut
   * before the answer: a sender learns nothing of them, as after a reset or a lost reply.
   */
  dropAnswers(n: number): void;
  /** Where our server really listens; Twilio signs with the public URL it was given. */
  deliverTo(serverUrl: string, publicUrl: string): void;
  postStatus(message: SentMessage, status: string, extra?: Record<string, string>): Promise<Response>;
  postInbound(o: { from: string; to: string; body: string; sid?: string }, opts?: { signature?: string }): Promise<Response>;
  close(): Promise<void>;
};

const newSid = (prefix: string) => prefix + randomBytes(16).toString('hex');
const E164 = /^\+[1-9]\d{6,14}$/;

export async function startFakeTwilio(
  o: {
    accountSid?: string;
    authToken?: string;
    /** Called with each message as it is accepted (the benchmark times replies by it). */
    onSent?: (message: SentMessage) => void;
  } = {},
): Promise<FakeTwilio> {
  const accountSid = o.accountSid ?? newSid('AC');
  const authToken = o.authToken ?? randomBytes(16).toString('hex');
  let failures = 0;
  let drops = 0;
  let held: Promise<void> | null = null;
  let target: { serverUrl: string; publicUrl: string } | null = null;

  const fake: FakeTwilio = {
    url: '',
    accountSid,
    authToken,
    sent: [],
    requests: 0,
    invalidNumbers: new Set(),
    unsubscribed: new Set(),
    failNext: (n) => {
      failures = n;
    },
    dropAnswers: (n) => {
      drops = n;
    },
    holdAnswers: () => {
      let release = () => {};
      held = new Promise<void>((r) => (release = r));
      return {
        release: () => {
          held = null;
          release();
        },
      };
    },
    deliverTo: (serverUrl, publicUrl) => {
      target = { serverUrl, publicUrl };
    },
    postStatus: (message, status, extra = {}) => {
      if (!message.statusCallback) throw new Error('the message had no StatusCallback');
      const params = { AccountSid: accountSid, MessageSid: message.sid, SmsSid: message.sid, MessageStatus: status, SmsStatus: status, From: message.from, To: message.to, ...extra };
      return signedPost(message.statusCallback, params);
    },
    postInbound: (m, opts = {}) => {
      const sid = m.sid ?? newSid('SM');
      const params = {
        AccountSid: accountSid,
        MessageSid: sid,
        SmsMessageSid: sid,
        SmsSid: sid,
        From: m.from,
        To: m.to,
        Body: m.body,
        NumMedia: '0',
        NumSegments: String(countSegments(m.body).segments || 1),
        SmsStatus: 'received',
        ApiVersion: '2010-04-01',
      };
      if (!target) throw new Error('deliverTo() first');
      return signedPost(target.publicUrl + '/webhooks/twilio/sms', params, opts.signature);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  async function signedPost(publicUrl: string, params: Record<string, string>, signature?: string) {
    if (!target) throw new Error('deliverTo() first');
    if (!publicUrl.startsWith(target.publicUrl)) throw new Error(`not our server: ${publicUrl}`);
    const realUrl = target.serverUrl + publicUrl.slice(target.publicUrl.length);
    return fetch(realUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signature ?? twilio.getExpectedTwilioSignature(authToken, publicUrl, params),
        'user-agent': 'TwilioProxy/1.1',
      },
      body: new URLSearchParams(params).toString(),
    });
  }

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const answer = (status: number, body: object) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const error = (status: number, code: number, message: string) =>
        answer(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });

      const path = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
      if (req.method !== 'POST' || !req.url?.startsWith(`/2010-04-01/Accounts/`)) return error(404, 20404, 'The requested resource was not found');
      fake.requests++;
      const expected = 'Basic ' + Buffer.from(`${accountSid}:${authToken}`).toString('base64');
      if (req.headers.authorization !== expected || req.url !== path) return error(401, 20003, 'Authenticate');
      if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
        return error(400, 20001, 'Content-Type must be application/x-www-form-urlencoded');
      }
      if (failures > 0) {
        failures--;
        return error(500, 20500, 'Internal Server Error');
      }
      const form = new URLSearchParams(raw);
      const to = form.get('To') ?? '';
      const from = form.get('From') ?? '';
      const body = form.get('Body') ?? '';
      if (!to) return error(400, 21604, "A 'To' phone number is required.");
      if (!from) return error(400, 21603, "A 'From' phone number is required.");
      if (!body) return error(400, 21602, 'Message body is required.');
      if (!E164.test(to) || fake.invalidNumbers.has(to)) return error(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
      if (fake.unsubscribed.has(to)) return error(400, 21610, 'Attempt to send to unsubscribed recipient');
      const message: SentMessage = { sid: newSid('SM'), from, to, body, statusCallback: form.get('StatusCallback'), numSegments: countSegments(body).segments };
      fake.sent.push(message);
      o.onSent?.(message);
      if (drops > 0) {
        drops--;
        return req.socket.destroy();
      }
      void (held ?? Promise.resolve()).then(() => answer(201, {
        sid: message.sid,
        account_sid: accountSid,
        from,
        to,
        body,
        status: 'queued',
        num_segments: String(message.numSegments),
        num_media: '0',
        direction: 'outbound-api',
        api_version: '2010-04-01',
        price: null,
        error_code: null,
        error_message: null,
        date_created: new Date().toUTCString(),
        uri: `${path.replace('.json', '')}/${message.sid}.json`,
      }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return fake;
}

/** The public address our test servers pretend to have: what Twilio is given, and signs. */
export const PUBLIC_URL = 'https://api.quoteleads.test';

/** Environment for a server that talks to `fake` (Twilio configured, callbacks to PUBLIC_URL). */
export function twilioEnv(fake: FakeTwilio): Record<string, string> {
  return {
    TWILIO_ACCOUNT_SID: fake.accountSid,
    TWILIO_AUTH_TOKEN: fake.authToken,
    TWILIO_API_BASE_URL: fake.url,
    PUBLIC_URL,
  };
}

/** A mobile number no other test (or earlier run on the same database) has: Twilio numbers are unique. */
export function randomAuMobile(): string {
  return '+614' + String(Math.floor(Math.random() * 1e8)).padStart(8, '0');
}

/**
 * A test server that talks to a fresh fake Twilio, and the fake to it (status callbacks and inbound
 * messages reach the server, signed for PUBLIC_URL). `close` stops both (not a `database` given, which
 * stays the caller's to close).
 */
export async function startServerWithFakeTwilio(
  env: Record<string, string> = {},
  o: { database?: Database; clock?: Clock } = {},
): Promise<{ fake: FakeTwilio; server: TestServer; close(): Promise<void> }> {
  const fake = await startFakeTwilio();
  const server = await startTestServer({ env: { ...twilioEnv(fake), ...env }, database: o.database, clock: o.clock });
  fake.deliverTo(server.url, PUBLIC_URL);
  return {
    fake,
    server,
    async close() {
      await server.close();
      await fake.close();
    },
  };
}

/** A new company on `server` with a Twilio number of its own and `credits` SMS credits. */
export async function smsTenant(server: TestServer, credits = 10): Promise<Tenant & { number: string }> {
  const t = await server.tenant();
  const number = randomAuMobile();
  await createCompanies({ db: server.database.db, clock: server.clock }).change(t.companyId, { smsCredits: credits, twilioNumber: number });
  return { ...t, number };
}
