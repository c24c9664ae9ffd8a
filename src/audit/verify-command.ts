/** `hark audit verify`: every chain recomputed, the first bad entry of each named; exit 1 on any break. */
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import { formatChainReports, verifyAllAuditChains } from './verify-chains.ts';

export async function runAuditVerify(db: Db, print: (line: string) => void = console.log): Promise<number> {
  const { rows } = await sql<{ present: boolean }>`select to_regclass('public.audit_log') is not null as present`.execute(db);
  if (!rows[0]?.present) {
    print('This database has no audit log yet: run `hark migrate` (or start Hark) first.');
    return 1;
  }
  const { lines, ok } = formatChainReports(await verifyAllAuditChains(db));
  for (const line of lines) print(line);
  return ok ? 0 : 1;
}
