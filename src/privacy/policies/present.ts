import type { Selectable } from 'kysely';
import type { PolicyVersionsTable } from '../tables.ts';

type Row = Omit<Selectable<PolicyVersionsTable>, 'body'> & { body?: string; publisher_name?: string | null };

export function policyUrl(version: number, current: number | null): string {
  return version === current ? '/privacy' : `/privacy/v/${version}`;
}

export function presentPolicyVersion(row: Row, current: number | null) {
  return {
    version: row.version,
    format: row.format,
    sha256: row.sha256.toString('hex'),
    source: row.source,
    publishedAt: row.published_at.toISOString(),
    publishedBy: row.publisher_name ?? null,
    current: row.version === current,
    url: policyUrl(row.version, current),
  };
}
