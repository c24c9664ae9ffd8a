import { sql, type Kysely } from 'kysely';
import type { ActorKind, Database } from '../db/schema.ts';
import type { ClientId } from '../db/tenancy.ts';

export interface AuditEntry {
  /** The client the entry concerns; null for operator-wide events. */
  clientId: ClientId | null;
  actorKind: ActorKind;
  actorId?: string | null;
  action: string;
  subjectKind?: string | null;
  subjectId?: string | null;
  details?: Record<string, string | number | boolean | null>;
}

/** Appends an entry in the caller's transaction; returns its sequence number in the chain. */
export async function appendAudit(db: Kysely<Database>, entry: AuditEntry): Promise<number> {
  const result = await sql<{ seq: number }>`
    select audit_append(
      ${entry.clientId}::uuid, ${entry.actorKind}, ${entry.actorId ?? null}, ${entry.action},
      ${entry.subjectKind ?? null}, ${entry.subjectId ?? null}, ${JSON.stringify(entry.details ?? {})}::jsonb
    ) as seq`.execute(db);
  return Number(result.rows[0]?.seq);
}

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

export interface ChainVerification {
  entries: number;
  /** The first sequence number whose stored hash or link does not match, if any. */
  brokenAt: number | null;
}

/** Recomputes every hash of a chain in the database and checks each link. */
export async function verifyAuditChain(db: Kysely<Database>, clientId: ClientId | null): Promise<ChainVerification> {
  const chain = clientId ?? NIL_UUID;
  const result = await sql<{ seq: number; ok: boolean }>`
    select seq,
      hash = audit_entry_hash(prev_hash, chain_id, seq, at, actor_kind, actor_id, action, subject_kind, subject_id, details)
        and prev_hash = coalesce(lag(hash) over (order by seq), '\\x'::bytea)
        and seq = row_number() over (order by seq) as ok
    from audit_log where chain_id = ${chain}::uuid order by seq`.execute(db);
  const broken = result.rows.find((r) => !r.ok);
  return { entries: result.rows.length, brokenAt: broken ? Number(broken.seq) : null };
}

export async function listAuditEntries(db: Kysely<Database>, clientId: ClientId | null, limit = 100) {
  return db
    .selectFrom('audit_log')
    .select(['seq', 'at', 'actor_kind', 'actor_id', 'action', 'subject_kind', 'subject_id', 'details'])
    .where('chain_id', '=', clientId ?? NIL_UUID)
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
}
