/** A loopback SMTP server that files every message it receives as an .eml file. */
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface LocalMailbox {
  url: string;
  close(): Promise<void>;
}

export async function startLocalMailbox(dir: string): Promise<LocalMailbox> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let sequence = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        sequence += 1;
        const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${sequence}.eml`;
        writeFile(path.join(dir, name), Buffer.concat(chunks), { mode: 0o600 }).then(
          () => callback(),
          (error: Error) => callback(error),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
