/**
 * Which database the tests run on: embedded PGlite (default) or PostgreSQL when
 * HARK_TEST_DB=postgres. On PostgreSQL each test file gets a database of its own, made
 * fresh and dropped afterwards, so files run in parallel without touching each other.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type TestDatabaseKind = 'pglite' | 'postgres';

export const testDatabaseKind: TestDatabaseKind = process.env.HARK_TEST_DB === 'postgres' ? 'postgres' : 'pglite';

const adminUrl = process.env.HARK_TEST_POSTGRES_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** A DATABASE_URL for Hark, or undefined for embedded PGlite in memory. */
  url: string | undefined;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (testDatabaseKind === 'pglite') return { url: undefined, drop: async () => {} };
  const name = `hark_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
