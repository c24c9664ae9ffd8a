/**
 * Queries of installation-wide account tables (users, sessions, login failures, password
 * resets). These are not tenant tables: they run as the owning role, outside `withAccess`.
 */
import type { Kysely } from 'kysely';
import type { Database, MembershipRole } from '../db/schema.ts';

type Db = Kysely<Database>;

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function findUserByEmail(db: Db, email: string) {
  return db.selectFrom('users').selectAll().where('email', '=', normaliseEmail(email)).executeTakeFirst();
}

export function findUserById(db: Db, id: string) {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface MembershipSummary {
  clientId: string;
  clientName: string;
  role: MembershipRole;
  locationScope: string[] | null;
  requireTotp: boolean;
}

export async function listMembershipsOfUser(db: Db, userId: string): Promise<MembershipSummary[]> {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('clients as c', 'c.id', 'm.client_id')
    .select(['m.client_id', 'c.name', 'm.role', 'm.location_scope', 'c.require_totp'])
    .where('m.user_id', '=', userId)
    .orderBy('c.name')
    .execute();
  return rows.map((r) => ({ clientId: r.client_id, clientName: r.name, role: r.role, locationScope: r.location_scope, requireTotp: r.require_totp }));
}

export function findUserNames(db: Db, ids: readonly string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('users').select(['id', 'name', 'email']).where('id', 'in', [...new Set(ids)]).execute();
}
