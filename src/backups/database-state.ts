/**
 * What a backup holds, computed from the database itself: every table's row count and a
 * checksum of its rows in primary-key order, the head of each audit chain, and the schema
 * version. A restore computes the same from the restored database and compares.
 */

/** Anything that runs SQL text and returns rows: a `pg` client or a PGlite instance. */
export interface Queryable {
  query<R>(text: string): Promise<{ rows: R[] }>;
}

export interface TableState {
  /** schema.table */
  name: string;
  rows: number;
  /** md5 over the md5 of each row's text, in primary-key order. */
  md5: string;
}

export interface ChainHead {
  chainId: string;
  seq: number;
  hash: string;
}

export interface DatabaseState {
  schemaVersion: string | null;
  tables: TableState[];
  auditChainHeads: ChainHead[];
}

/**
 * The job queue's schema is in every backup but not checksummed: its rows are work in
 * flight, not records, and pg-boss rewrites them as it works.
 */
const checkedSchemas = ['public'];

/** Settings that fix how a row prints as text, so the same rows give the same checksum anywhere. */
export const stableTextSettings = [
  "set local timezone to 'UTC'",
  "set local datestyle to 'ISO, YMD'",
  "set local intervalstyle to 'postgres'",
  "set local bytea_output to 'hex'",
  'set local extra_float_digits to 1',
];

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Reads the database's state; call it inside a transaction that applied `stableTextSettings`. */
export async function readDatabaseState(q: Queryable): Promise<DatabaseState> {
  const { rows: tables } = await q.query<{ schema: string; name: string; pk: string[] | string | null }>(`
    select n.nspname as schema, c.relname as name,
      (select array_agg(a.attname::text order by k.ord)
         from pg_index i
         cross join lateral unnest(i.indkey) with ordinality as k(attnum, ord)
         join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum
        where i.indrelid = c.oid and i.indisprimary) as pk
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in (${checkedSchemas.map((s) => `'${s}'`).join(', ')})
      and c.relkind in ('r', 'p') and not c.relispartition
    order by n.nspname, c.relname`);
  const states: TableState[] = [];
  for (const table of tables) {
    const qualified = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
    const pk = parseTextArray(table.pk);
    // Without a primary key the row text itself gives the order.
    const order = pk.length > 0 ? pk.map((c) => `t.${quoteIdent(c)}`).join(', ') : 't::text';
    const { rows } = await q.query<{ rows: string | number; md5: string }>(
      `select count(*)::text as rows, md5(coalesce(string_agg(md5(t::text), '' order by ${order}), '')) as md5 from ${qualified} t`,
    );
    const [row] = rows;
    states.push({ name: `${table.schema}.${table.name}`, rows: Number(row?.rows ?? 0), md5: row?.md5 ?? '' });
  }
  const hasTable = (name: string) => states.some((t) => t.name === name);
  const auditChainHeads = hasTable('public.audit_log')
    ? (
        await q.query<{ chain_id: string; seq: string | number; hash: string }>(
          `select distinct on (chain_id) chain_id::text, seq::text, encode(hash, 'hex') as hash from audit_log order by chain_id, seq desc`,
        )
      ).rows.map((r) => ({ chainId: r.chain_id, seq: Number(r.seq), hash: r.hash }))
    : [];
  const schemaVersion = hasTable('public.kysely_migration')
    ? ((await q.query<{ name: string }>(`select name from kysely_migration order by name desc limit 1`)).rows[0]?.name ?? null)
    : null;
  return { schemaVersion, tables: states, auditChainHeads };
}

/** pg returns a text[] as an array; PGlite may too, or as its text form. */
function parseTextArray(value: string[] | string | null): string[] {
  if (value === null) return [];
  if (Array.isArray(value)) return value;
  return value
    .replace(/^\{|\}$/g, '')
    .split(',')
    .filter(Boolean)
    .map((v) => v.replace(/^"|"$/g, ''));
}

export interface StateDifference {
  table: string;
  expected: { rows: number; md5: string } | null;
  found: { rows: number; md5: string } | null;
}

/** Tables whose rows differ between two states (or that only one of them has). */
export function compareTableStates(expected: TableState[], found: TableState[]): StateDifference[] {
  const differences: StateDifference[] = [];
  const foundByName = new Map(found.map((t) => [t.name, t]));
  for (const table of expected) {
    const other = foundByName.get(table.name);
    foundByName.delete(table.name);
    if (!other || other.rows !== table.rows || other.md5 !== table.md5) {
      differences.push({ table: table.name, expected: { rows: table.rows, md5: table.md5 }, found: other ? { rows: other.rows, md5: other.md5 } : null });
    }
  }
  for (const extra of foundByName.values()) differences.push({ table: extra.name, expected: null, found: { rows: extra.rows, md5: extra.md5 } });
  return differences;
}
