/**
 * Visitors are told apart by HMAC-SHA256(salt of the day, IP + user agent): no cookie, and
 * once the day's salt is deleted (the day after) nobody can recompute a hash from an IP and
 * user agent. The salt is made by whichever process needs it first (the database decides),
 * and every older salt is deleted in the same statement's transaction.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { AnalyticsDb } from './tables.ts';

export class DailySalt {
  #day = '';
  #salt: Promise<Buffer> | null = null;

  constructor(private readonly db: AnalyticsDb) {}

  /** The salt of `day`, made (and yesterday's deleted) if it does not exist yet. */
  saltOf(day: string): Promise<Buffer> {
    if (this.#day !== day || !this.#salt) {
      this.#day = day;
      this.#salt = ensureSalt(this.db, day);
      this.#salt.catch(() => {
        // A failed read is tried again by the next caller.
        if (this.#day === day) this.#salt = null;
      });
    }
    return this.#salt;
  }
}

async function ensureSalt(db: AnalyticsDb, day: string): Promise<Buffer> {
  return db.transaction().execute(async (trx) => {
    await trx.insertInto('analytics_salts').values({ day, salt: randomBytes(32) }).onConflict((oc) => oc.column('day').doNothing()).execute();
    await deleteOldSalts(trx, day);
    const row = await trx.selectFrom('analytics_salts').select('salt').where('day', '=', day).executeTakeFirstOrThrow();
    return row.salt;
  });
}

/** Deletes every salt older than `today`: yesterday's hashes can no longer be recomputed. */
export async function deleteOldSalts(db: AnalyticsDb, today: string): Promise<number> {
  const result = await db.deleteFrom('analytics_salts').where('day', '<', sql<string>`${today}::date`).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export function visitorHash(salt: Buffer, ip: string, userAgent: string): Buffer {
  return createHmac('sha256', salt).update(ip).update('\n').update(userAgent).digest();
}
