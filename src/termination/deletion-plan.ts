/**
 * What terminating a client deletes, and in which order, read from the database itself so
 * that every table any domain adds is covered without being listed here: every table of the
 * public schema with a `client_id` column, then `clients`. Children go before the tables
 * they reference; a foreign key inside a cycle (a self reference such as a location's
 * parent, or feedback ↔ receipt codes) is first cleared when it may be null, which breaks
 * the cycle.
 */
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';

export interface ClearStep {
  table: string;
  /** The referencing columns to set to null (never client_id). */
  columns: string[];
}

export interface DeletionPlan {
  clears: ClearStep[];
  /** Tables in the order to empty them of the client's rows; `clients` last. */
  tables: string[];
}

/** Operator records about a client that outlive it on purpose (they name it in subject_client_id). */
export const KEPT_TABLES = new Set(['client_terminations']);

export class DeletionPlanError extends Error {}

interface ForeignKey {
  child: string;
  parent: string;
  columns: string[];
  nullable: boolean;
}

export async function planClientDeletion(db: Db): Promise<DeletionPlan> {
  const { rows: tableRows } = await sql<{ name: string }>`
    select c.table_name as name from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = 'public' and c.column_name = 'client_id' and t.table_type = 'BASE TABLE'
    order by c.table_name`.execute(db);
  const tables = new Set(tableRows.map((r) => r.name).filter((name) => !KEPT_TABLES.has(name)));
  tables.add('clients');

  const { rows: keyRows } = await sql<{ child: string; parent: string; columns: string[]; nullable: boolean[] }>`
    select con.conrelid::regclass::text as child, con.confrelid::regclass::text as parent,
      array_agg(a.attname::text order by k.ord) as columns,
      array_agg(not a.attnotnull order by k.ord) as nullable
    from pg_constraint con
    join pg_namespace n on n.oid = con.connamespace and n.nspname = 'public'
    cross join lateral unnest(con.conkey) with ordinality as k(attnum, ord)
    join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum
    where con.contype = 'f'
    group by con.oid, con.conrelid, con.confrelid`.execute(db);
  const keys: ForeignKey[] = keyRows
    .map((r) => {
      const own = r.columns.map((column, i) => ({ column, nullable: r.nullable[i] ?? false })).filter((c) => c.column !== 'client_id');
      return { child: r.child, parent: r.parent, columns: own.map((c) => c.column), nullable: own.length > 0 && own.every((c) => c.nullable) };
    })
    .filter((k) => tables.has(k.child) && tables.has(k.parent));

  const reaches = (from: string, to: string, edges: ForeignKey[]): boolean => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length) {
      const table = stack.pop() as string;
      if (table === to) return true;
      if (seen.has(table)) continue;
      seen.add(table);
      for (const edge of edges) if (edge.child === table) stack.push(edge.parent);
    }
    return false;
  };

  // A key is in a cycle when its parent leads back to its child.
  const inCycle = keys.filter((k) => k.child === k.parent || reaches(k.parent, k.child, keys));
  const cleared = inCycle.filter((k) => k.nullable);
  const clears = new Map<string, Set<string>>();
  for (const key of cleared) {
    const columns = clears.get(key.child) ?? new Set<string>();
    for (const column of key.columns) columns.add(column);
    clears.set(key.child, columns);
  }
  const remaining = keys.filter((k) => !cleared.includes(k) && k.child !== k.parent);

  // Children first: repeatedly take a table that no remaining table still references.
  const order: string[] = [];
  // `clients` goes last whatever references it: its row is what names the client at all.
  const left = new Set([...tables].filter((t) => t !== 'clients'));
  while (left.size) {
    const next = [...left].filter((t) => !remaining.some((k) => k.parent === t && left.has(k.child))).sort();
    if (!next.length) {
      throw new DeletionPlanError(`cannot order the deletion of ${[...left].join(', ')}: their foreign keys form a cycle with no column that may be null`);
    }
    for (const table of next) {
      order.push(table);
      left.delete(table);
    }
  }
  order.push('clients');
  return { clears: [...clears].map(([table, columns]) => ({ table, columns: [...columns].sort() })), tables: order };
}
