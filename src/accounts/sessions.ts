/**
 * Portal sessions: a random token in an httpOnly cookie, stored only as its SHA-256. A
 * session ends after `idleMinutes` without use or `maxHours` after login, whichever is
 * first; logging in always makes a new one (the old token dies with it).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Config } from '../config.ts';
import type { Database } from '../db/schema.ts';

type Db = Kysely<Database>;

export function hashSessionToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export interface NewSession {
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

export async function createSession(
  db: Db,
  config: Config,
  input: { userId: string; activeClientId: string | null; userAgent: string | undefined; replacing?: string | undefined },
): Promise<NewSession> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const expiresAt = new Date(Date.now() + config.sessions.maxHours * 3_600_000);
  await db.transaction().execute(async (trx) => {
    if (input.replacing) await trx.deleteFrom('sessions').where('token_hash', '=', hashSessionToken(input.replacing)).execute();
    await trx
      .insertInto('sessions')
      .values({
        token_hash: hashSessionToken(token),
        user_id: input.userId,
        active_client_id: input.activeClientId,
        csrf_token: csrfToken,
        expires_at: expiresAt,
        user_agent: input.userAgent?.slice(0, 300) ?? null,
      })
      .execute();
    // Expired sessions of anyone are swept on the way: no job needed for a small table.
    await trx.deleteFrom('sessions').where('expires_at', '<', new Date()).execute();
  });
  return { token, csrfToken, expiresAt };
}

export interface ActiveSession {
  tokenHash: Buffer;
  userId: string;
  activeClientId: string | null;
  csrfToken: string;
  createdAt: Date;
  expiresAt: Date;
}

/** The live session for a cookie's token, or null; refreshes its idle clock (at most once a minute). */
export async function findActiveSession(db: Db, config: Config, token: string): Promise<ActiveSession | null> {
  const tokenHash = hashSessionToken(token);
  const row = await db.selectFrom('sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  if (!row) return null;
  const now = Date.now();
  const idleDeadline = row.last_seen_at.getTime() + config.sessions.idleMinutes * 60_000;
  if (row.expires_at.getTime() <= now || idleDeadline <= now) {
    await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
    return null;
  }
  if (now - row.last_seen_at.getTime() > 60_000) {
    await db.updateTable('sessions').set({ last_seen_at: new Date(now) }).where('token_hash', '=', tokenHash).execute();
  }
  return { tokenHash, userId: row.user_id, activeClientId: row.active_client_id, csrfToken: row.csrf_token, createdAt: row.created_at, expiresAt: row.expires_at };
}

export async function endSession(db: Db, tokenHash: Buffer): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}

/** Ends every session of a user, except optionally the one in use (after a password change). */
export async function endSessionsOfUser(db: Db, userId: string, except?: Buffer): Promise<void> {
  let query = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (except) query = query.where('token_hash', '!=', except);
  await query.execute();
}

export async function switchSessionClient(db: Db, tokenHash: Buffer, clientId: string): Promise<void> {
  await db.updateTable('sessions').set({ active_client_id: clientId }).where('token_hash', '=', tokenHash).execute();
}
