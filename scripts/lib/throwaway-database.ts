/**
 * A database made fresh for one run of a benchmark or script on the PostgreSQL server of
 * DATABASE_URL (its admin URL), and dropped after it: what bench/ and scripts/security share.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server's admin URL; the run's database is made on that server. */
export const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres';

/** The URL with its password hidden, for messages. */
export function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface ThrowawayDatabase {
  name: string;
  url: string;
  serverVersion: string;
  drop(): Promise<void>;
}

/** Makes `<prefix>_<random>`; a server that cannot be reached gives an error saying what to check. */
export async function createThrowawayDatabase(prefix: string): Promise<ThrowawayDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  let serverVersion: string;
  try {
    serverVersion = await withAdmin(async (admin) => {
      const { rows } = await admin.query<{ v: string }>("select current_setting('server_version') as v");
      await admin.query(`create database ${name}`);
      return rows[0]?.v ?? '?';
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(
      `cannot create a database on ${redact(adminUrl)}: ${message}\n` +
        '  Is PostgreSQL running? (service postgresql start). Set DATABASE_URL to the admin URL of another server if needed.',
    );
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    serverVersion,
    drop: () => withAdmin((admin) => admin.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}
