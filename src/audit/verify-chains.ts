/**
 * Verification of every audit chain at once (each client's and the operator's), naming the
 * first bad entry of each and what is wrong with it: an entry missing from the sequence
 * (deleted), a stored hash that does not match the entry (changed after it was written),
 * or a link that does not match the entry before (changed, hash and all).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export const OPERATOR_CHAIN_ID = '00000000-0000-0000-0000-000000000000';

export type ChainProblemKind = 'missing_seq' | 'hash_mismatch' | 'broken_link';

export interface ChainProblem {
  seq: number;
  kind: ChainProblemKind;
  /** One sentence for a person. */
  message: string;
}

export interface ChainReport {
  chainId: string;
  /** 'operator', or the client's name (null when the client row is gone). */
  label: string | null;
  entries: number;
  lastSeq: number;
  problem: ChainProblem | null;
}

interface Row {
  chain_id: string;
  seq: number | string;
  prev_seq: number | string | null;
  hash_ok: boolean;
  link_ok: boolean;
}

/** Recomputes every entry's hash and link, chain by chain, as the owning role. */
export async function verifyAllAuditChains(db: Kysely<Database>): Promise<ChainReport[]> {
  const { rows } = await sql<Row>`
    select chain_id::text as chain_id, seq, lag(seq) over w as prev_seq,
      hash = audit_entry_hash(prev_hash, chain_id, seq, at, actor_kind, actor_id, action, subject_kind, subject_id, details) as hash_ok,
      prev_hash = coalesce(lag(hash) over w, '\\x'::bytea) as link_ok
    from audit_log
    window w as (partition by chain_id order by seq)
    order by chain_id, seq`.execute(db);
  const { rows: names } = await sql<{ id: string; name: string }>`select id::text as id, name from clients`.execute(db);
  const nameOf = new Map(names.map((n) => [n.id, n.name]));
  const reports = new Map<string, ChainReport>();
  for (const row of rows) {
    const seq = Number(row.seq);
    let report = reports.get(row.chain_id);
    if (!report) {
      report = {
        chainId: row.chain_id,
        label: row.chain_id === OPERATOR_CHAIN_ID ? 'operator' : (nameOf.get(row.chain_id) ?? null),
        entries: 0,
        lastSeq: 0,
        problem: null,
      };
      reports.set(row.chain_id, report);
    }
    report.entries += 1;
    report.lastSeq = seq;
    if (report.problem) continue;
    const expected = row.prev_seq === null ? 1 : Number(row.prev_seq) + 1;
    if (seq !== expected) {
      const missing = seq - 1 === expected ? `entry ${expected} is` : `entries ${expected} to ${seq - 1} are`;
      report.problem = { seq, kind: 'missing_seq', message: `missing seq: ${missing} missing before entry ${seq} (deleted)` };
    } else if (!row.hash_ok) {
      report.problem = { seq, kind: 'hash_mismatch', message: `hash mismatch: entry ${seq} is not what was written (its stored hash does not match its contents)` };
    } else if (!row.link_ok) {
      report.problem = { seq, kind: 'broken_link', message: `broken link: entry ${seq} does not link to the hash of entry ${seq - 1} (an earlier entry was changed and rehashed)` };
    }
  }
  return [...reports.values()];
}

/** The report as lines for a terminal, and whether every chain verified. */
export function formatChainReports(reports: ChainReport[]): { lines: string[]; ok: boolean } {
  const lines: string[] = [];
  let broken = 0;
  for (const r of reports) {
    const who = r.label === 'operator' ? 'operator chain' : `client ${r.label ?? '(no client row)'}`;
    if (r.problem) {
      broken += 1;
      lines.push(`BROKEN  chain ${r.chainId} (${who}): ${r.entries} entries; first bad entry seq ${r.problem.seq}: ${r.problem.message}`);
    } else {
      lines.push(`ok      chain ${r.chainId} (${who}): ${r.entries} entries, seq 1 to ${r.lastSeq}`);
    }
  }
  const total = reports.reduce((n, r) => n + r.entries, 0);
  lines.push(
    broken === 0
      ? `All ${reports.length} audit chains verify (${total} entries).`
      : `${broken} of ${reports.length} audit chains are broken (${total} entries checked).`,
  );
  return { lines, ok: broken === 0 };
}
