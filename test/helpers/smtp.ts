/**
 * A real SMTP server for tests: it accepts every message on 127.0.0.1 and parses it, so a
 * test can wait for the mail a person would receive and read its text and links. It can
 * also act as a slow mail server: `hold` keeps each message's final answer back until
 * `release` (or `discardHeld`).
 */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { waitFor } from './wait.ts';

export interface ReceivedMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  messageId: string;
  attachments: { filename: string; contentType: string; content: Buffer }[];
}

export interface TestSmtpServer {
  url: string;
  /** Messages accepted, parsed. */
  mails: ReceivedMail[];
  /** Messages whose data has arrived, held or not. */
  readonly begun: number;
  /** From now on, each message's final answer waits for `release` or `discardHeld`. */
  hold(): void;
  /** Accepts the held messages, and the next ones at once. */
  release(): void;
  /** Refuses the held messages (their sender is gone). */
  discardHeld(): void;
  /** Waits for a mail to this address (and matching `predicate`), and returns it. */
  waitForMail(to: string, predicate?: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export async function startTestSmtpServer(): Promise<TestSmtpServer> {
  const mails: ReceivedMail[] = [];
  let holding = false;
  let begun = 0;
  const held: ((take: boolean) => void)[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          begun += 1;
          const to = (Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : []).flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase()));
          const accept = (take: boolean) => {
            if (!take) return callback(new Error('discarded'));
            mails.push({ to, from: parsed.from?.text ?? '', subject: parsed.subject ?? '', text: parsed.text ?? '', messageId: parsed.messageId ?? '',
              attachments: parsed.attachments.map((a) => ({ filename: a.filename ?? '', contentType: a.contentType, content: a.content })),
            });
            callback();
          };
          if (holding) held.push(accept);
          else accept(true);
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    get begun() {
      return begun;
    },
    hold: () => void (holding = true),
    release() {
      holding = false;
      for (const accept of held.splice(0)) accept(true);
    },
    discardHeld() {
      for (const accept of held.splice(0)) accept(false);
    },
    waitForMail: (to, predicate = () => true, timeoutMs = 15_000) =>
      waitFor(async () => mails.find((m) => m.to.includes(to.toLowerCase()) && predicate(m)), { timeoutMs, what: `a mail to ${to}` }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The first link in a mail's text that starts with `prefix`. */
export function linkIn(mail: ReceivedMail, prefix: string): string {
  const link = mail.text.split(/\s+/).find((word) => word.startsWith(prefix));
  if (!link) throw new Error(`no link starting ${prefix} in the mail "${mail.subject}":\n${mail.text}`);
  return link;
}
