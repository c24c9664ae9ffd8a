/**
 * A real SMTP server for tests that need to see how mail arrives, not only what arrives:
 * which connection (session) brought each message, the envelope sender, when it came, and
 * whether the server accepted it. It can answer each message slowly (`replyDelayMs`), or
 * never (`stallWhen`): the client sends DATA and the whole message, then waits for the reply
 * that would accept it, which never comes — so that message is not accepted.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface RecordedMessage {
  /** The smtp-server session id: one per connection. */
  session: string;
  remotePort: number;
  /** The envelope sender (MAIL FROM). */
  envelopeFrom: string;
  to: string[];
  /** As in the header, with its angle brackets: `<alert-…@…>`. */
  messageId: string;
  /** When the whole message had arrived (ms since the epoch). */
  receivedAt: number;
  /** 'accepted': the server answered 250. 'stalled': it never answers. 'waiting': it will answer after `replyDelayMs`. */
  outcome: 'waiting' | 'accepted' | 'stalled';
  /** When the 250 went out, for accepted messages. */
  acceptedAt: number | null;
}

export interface RecordedConnection {
  session: string;
  remotePort: number;
  openedAt: number;
  closedAt: number | null;
}

export interface RecordingSmtpOptions {
  /** Wait this long before accepting each message. */
  replyDelayMs?: number;
  /** Never answer a message for which this returns true (`index`: messages seen before it). */
  stallWhen?: (message: { messageId: string; envelopeFrom: string; index: number }) => boolean;
}

export interface RecordingSmtpServer {
  url: string;
  /** Every message whose data arrived, in order of arrival (a stalled one too). */
  messages: RecordedMessage[];
  connections: RecordedConnection[];
  /** Connection errors the server reported (a client killed mid-transaction, say). */
  errors: Error[];
  close(): Promise<void>;
}

export async function startRecordingSmtpServer(options: RecordingSmtpOptions = {}): Promise<RecordingSmtpServer> {
  const messages: RecordedMessage[] = [];
  const connections: RecordedConnection[] = [];
  const errors: Error[] = [];
  let seen = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // A stalled session whose client is gone should not hold `close` for the default 30 s.
    closeTimeout: 500,
    onConnect(session, callback) {
      connections.push({ session: session.id, remotePort: session.remotePort, openedAt: Date.now(), closedAt: null });
      callback();
    },
    onClose(session) {
      const connection = connections.find((c) => c.session === session.id);
      if (connection) connection.closedAt = Date.now();
    },
    onData(stream, session, callback) {
      const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address.toLowerCase() : '';
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const receivedAt = Date.now();
        simpleParser(Buffer.concat(chunks)).then(
          (parsed) => {
            const to = (Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : []).flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase()));
            const messageId = parsed.messageId ?? '';
            const index = seen++;
            const stall = options.stallWhen?.({ messageId, envelopeFrom, index }) ?? false;
            const record: RecordedMessage = { session: session.id, remotePort: session.remotePort, envelopeFrom, to, messageId, receivedAt, outcome: stall ? 'stalled' : 'waiting', acceptedAt: null };
            messages.push(record);
            if (stall) return; // never calls back: no reply to the message, so it is not accepted
            setTimeout(() => {
              record.outcome = 'accepted';
              record.acceptedAt = Date.now();
              callback();
            }, options.replyDelayMs ?? 0);
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  server.on('error', (error: Error) => errors.push(error));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    connections,
    errors,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
