/** Queries of policy_versions. Any role may read them; only the owning role writes them. */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';

type Q = Kysely<Database>;

export function findCurrentPolicyVersion(db: Q) {
  return db.selectFrom('policy_versions').selectAll().orderBy('version', 'desc').limit(1).executeTakeFirst();
}

export function findPolicyVersion(db: Q, version: number) {
  return db.selectFrom('policy_versions').selectAll().where('version', '=', version).executeTakeFirst();
}

/** Every version, newest first, with the name of whoever published it. Operator use only (names staff). */
export function listPolicyVersions(db: Q) {
  return db
    .selectFrom('policy_versions as p')
    .leftJoin('users as u', 'u.id', 'p.published_by')
    .select(['p.version', 'p.format', 'p.sha256', 'p.source', 'p.published_by', 'p.published_at', 'u.name as publisher_name'])
    .orderBy('p.version', 'desc')
    .execute();
}

export function findPolicyVersionWithPublisher(db: Q, version: number) {
  return db
    .selectFrom('policy_versions as p')
    .leftJoin('users as u', 'u.id', 'p.published_by')
    .select(['p.version', 'p.format', 'p.body', 'p.sha256', 'p.source', 'p.published_by', 'p.published_at', 'u.name as publisher_name'])
    .where('p.version', '=', version)
    .executeTakeFirst();
}

/** `currentPolicyVersionNumber` as an expression, to write it inside an insert without a round trip of its own. */
export const currentPolicyVersionExpression = sql<number | null>`(select max(version) from policy_versions)`;

/** The number of the version in force, or null before any is published. */
export async function currentPolicyVersionNumber(db: Q): Promise<number | null> {
  const row = await db.selectFrom('policy_versions').select((eb) => eb.fn.max('version').as('version')).executeTakeFirst();
  return row?.version ?? null;
}
