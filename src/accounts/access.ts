/**
 * What a signed-in person may reach in the client they are working in: the client, their
 * role, and the locations in their scope (with everything below them). Every tenant query
 * of the portal and the API runs inside `withAccess`, which sets both row-level-security
 * settings for its transaction.
 */
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { MembershipRole } from '../db/schema.ts';
import { setLocationScope, withClient, type ClientId, type Trx } from '../db/tenancy.ts';
import { roleAllows, type Permission } from './policy.ts';

export interface Access {
  clientId: ClientId;
  userId: string;
  role: MembershipRole;
  /** Every location id the person may see, or null for all of the client's locations. */
  locationIds: readonly string[] | null;
  /** Operator staff looking in (read-only, audited); absent for the client's own personnel. */
  operator?: true;
  /**
   * Set when an API key calls instead of a person: its scopes decide (the role is unused),
   * and `userId` is the person who made the key.
   */
  apiKey?: { id: string; permissions: ReadonlySet<Permission> };
}

export function can(access: Access, permission: Permission): boolean {
  if (access.apiKey) return access.apiKey.permissions.has(permission);
  return roleAllows(access.role, permission);
}

export function inScope(access: Access, locationId: string): boolean {
  return access.locationIds === null || access.locationIds.includes(locationId);
}

export function withAccess<T>(db: Db, access: Access, work: (trx: Trx) => Promise<T>): Promise<T> {
  return withClient(db, access.clientId, async (trx) => {
    await setLocationScope(trx, access.locationIds);
    return work(trx);
  });
}

/** The scope roots and every location below them (the hierarchy may be any depth). */
export async function expandLocationScope(trx: Trx, clientId: ClientId, roots: readonly string[]): Promise<string[]> {
  if (roots.length === 0) return [];
  const { rows } = await sql<{ id: string }>`
    with recursive tree(id) as (
      select id from locations where client_id = ${clientId} and id = any(${roots as string[]}::uuid[])
      union
      select l.id from locations l join tree t on l.parent_id = t.id where l.client_id = ${clientId}
    )
    select id from tree`.execute(trx);
  return rows.map((r) => r.id);
}

/** Members with one of these roles whose location scope covers a location (given with its ancestors). */
export async function membersCovering(trx: Trx, clientId: ClientId, roles: readonly string[], locationPath: readonly string[]): Promise<string[]> {
  const rows = await trx
    .selectFrom('memberships')
    .select('user_id')
    .where('client_id', '=', clientId)
    .where('role', 'in', roles as ('owner' | 'admin' | 'manager' | 'viewer')[])
    .where((eb) => eb.or([eb('location_scope', 'is', null), sql<boolean>`location_scope && ${sql.val(locationPath)}::uuid[]`]))
    .orderBy('user_id')
    .execute();
  return rows.map((r) => r.user_id);
}

/** The location and every location above it, nearest first. */
export async function locationAndAncestors(trx: Trx, clientId: ClientId, locationId: string): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    WITH RECURSIVE up(id, parent_id, depth) AS (
      SELECT id, parent_id, 0 FROM locations WHERE client_id = ${clientId} AND id = ${locationId}
      UNION ALL
      SELECT l.id, l.parent_id, up.depth + 1 FROM locations l JOIN up ON l.client_id = ${clientId} AND l.id = up.parent_id
      WHERE up.depth < 20
    )
    SELECT id FROM up ORDER BY depth`.execute(trx);
  return rows.map((r) => r.id);
}
