/**
 * Publishing versions of Hark's privacy policy: each is numbered one above the last, kept
 * with its SHA-256, and never changed. The newest governs all data held.
 */
import { readFile } from 'node:fs/promises';
import { sql } from 'kysely';
import { appendAudit } from '../../audit/index.ts';
import type { Db } from '../../db/connect.ts';
import type { PolicyFormat } from '../tables.ts';
import { checkPolicyString, type CheckedPolicyText } from './policy-text.ts';
import { currentPolicyVersionNumber } from './queries.ts';

export interface PublishedPolicy {
  version: number;
  sha256: string;
  publishedAt: Date;
}

export type PublishResult = { ok: true; policy: PublishedPolicy } | { ok: false; problem: Extract<CheckedPolicyText, { ok: false }>['problem']; message: string };

export interface PublishInput {
  text: CheckedPolicyText;
  format: PolicyFormat;
  source: 'cli' | 'api';
  publishedBy: string | null;
}

/** Publishes a checked text as the next version; a text that failed its check changes nothing. */
export async function publishPolicy(db: Db, input: PublishInput): Promise<PublishResult> {
  const { text } = input;
  if (!text.ok) return text;
  const policy = await db.transaction().execute(async (trx) => {
    // Two publishers at once take turns, so numbers stay 1, 2, 3 … with no gap or clash.
    await sql`select pg_advisory_xact_lock(hashtextextended('hark:policy-versions', 0))`.execute(trx);
    const version = ((await currentPolicyVersionNumber(trx)) ?? 0) + 1;
    const row = await trx
      .insertInto('policy_versions')
      .values({ version, format: input.format, body: text.body, sha256: text.sha256, source: input.source, published_by: input.publishedBy })
      .returning(['version', 'published_at'])
      .executeTakeFirstOrThrow();
    await appendAudit(trx, {
      clientId: null,
      actorKind: input.publishedBy ? 'operator' : 'system',
      actorId: input.publishedBy,
      action: 'privacy_policy.published',
      subjectKind: 'policy_version',
      subjectId: String(version),
      details: { sha256: text.sha256.toString('hex'), source: input.source, bytes: Buffer.byteLength(text.body, 'utf8') },
    });
    return { version: row.version, sha256: text.sha256.toString('hex'), publishedAt: row.published_at };
  });
  return { ok: true, policy };
}

const defaultPolicyFile = new URL('./default-policy.md', import.meta.url);

/**
 * On start: when no version exists, publishes the bundled default text as version 1.
 * Processes starting together publish it once (the primary key decides).
 */
export async function ensurePolicyPublished(db: Db): Promise<void> {
  if ((await currentPolicyVersionNumber(db)) !== null) return;
  const checked = checkPolicyString(await readFile(defaultPolicyFile, 'utf8'));
  if (!checked.ok) throw new Error(`the bundled default privacy policy is not publishable: ${checked.message}`);
  await db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('policy_versions')
      .values({ version: 1, format: 'markdown', body: checked.body, sha256: checked.sha256, source: 'default', published_by: null })
      .onConflict((oc) => oc.column('version').doNothing())
      .returning('version')
      .executeTakeFirst();
    if (inserted) {
      await appendAudit(trx, {
        clientId: null,
        actorKind: 'system',
        action: 'privacy_policy.published',
        subjectKind: 'policy_version',
        subjectId: '1',
        details: { sha256: checked.sha256.toString('hex'), source: 'default' },
      });
    }
  });
}
