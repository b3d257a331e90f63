import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

// A local SMTP relay that speaks the real protocol (smtp-server) and parses what it takes (mailparser),
// so the product's mailer is pointed at it by SMTP_URL alone. It can refuse, or hold or drop the
// answer to a message's data, to play a relay that is down or a connection that dies.

export type FakeSmtp = {
  url: string;
  /** Messages taken, in order, parsed. */
  received: (ParsedMail & { envelope: { from: string; to: string[] } })[];
  /** The next `n` messages are refused with this reply code (421: try later; 550: no such mailbox). */
  refuse(n: number, code?: number): void;
  /** Messages whose data arrived but were not answered yet (while held). */
  waiting(): number;
  /** Holds the answer to every message's data until released (the message is not taken). */
  hold(): { release(): void };
  close(): Promise<void>;
};

export async function startFakeSmtp(): Promise<FakeSmtp> {
  const received: FakeSmtp['received'] = [];
  let refusals: { n: number; code: number } = { n: 0, code: 421 };
  let held: (() => void)[] | null = null;
  let waiting = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        if (refusals.n > 0) {
          refusals.n--;
          const err = Object.assign(new Error(refusals.code >= 500 ? 'Mailbox unavailable' : 'Try again later'), { responseCode: refusals.code });
          return callback(err);
        }
        const take = async () => {
          const parsed = await simpleParser(Buffer.concat(chunks));
          received.push(
            Object.assign(parsed, {
              envelope: { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address) },
            }),
          );
          callback();
        };
        if (held) {
          waiting++;
          held.push(() => {
            waiting--;
            void take();
          });
        } else await take();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as { port: number };
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    refuse(n, code = 421) {
      refusals = { n, code };
    },
    waiting: () => waiting,
    hold() {
      held ??= [];
      return {
        release() {
          const all = held ?? [];
          held = null;
          for (const go of all) go();
        },
      };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
