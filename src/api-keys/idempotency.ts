/**
 * Idempotency-Key for API submits. The key is claimed by inserting its row in the same
 * transaction that stores the feedback: a second request with the key waits for the first
 * to commit (or roll back) on the primary key, then finds its answer. Refused requests roll
 * back and leave nothing, so the key can be used again once the request is fixed.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { ClientId, Trx } from '../db/tenancy.ts';

export interface StoredAnswer {
  statusCode: number;
  body: unknown;
}

export type IdempotencyClaim = { kind: 'claimed' } | { kind: 'replay'; answer: StoredAnswer } | { kind: 'mismatch' };

/** A request body's fingerprint, independent of the order of its JSON keys. */
export function fingerprintOf(body: unknown): Buffer {
  return createHash('sha256').update(canonicalJson(body)).digest();
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export async function claimIdempotencyKey(
  trx: Trx,
  clientId: ClientId,
  input: { key: string; fingerprint: Buffer; apiKeyId: string | null; ttlHours: number },
): Promise<IdempotencyClaim> {
  await trx.deleteFrom('api_idempotency').where('client_id', '=', clientId).where('idempotency_key', '=', input.key).where('expires_at', '<', new Date()).execute();
  const inserted = await trx
    .insertInto('api_idempotency')
    .values({
      client_id: clientId,
      idempotency_key: input.key,
      api_key_id: input.apiKeyId,
      request_hash: input.fingerprint,
      status_code: 0,
      response: '{}',
      expires_at: sql<Date>`now() + make_interval(hours => ${input.ttlHours})`,
    })
    .onConflict((oc) => oc.columns(['client_id', 'idempotency_key']).doNothing())
    .returning('idempotency_key')
    .executeTakeFirst();
  if (inserted) return { kind: 'claimed' };
  const first = await trx
    .selectFrom('api_idempotency')
    .select(['request_hash', 'status_code', 'response'])
    .where('client_id', '=', clientId)
    .where('idempotency_key', '=', input.key)
    .executeTakeFirstOrThrow();
  if (!first.request_hash.equals(input.fingerprint)) return { kind: 'mismatch' };
  return { kind: 'replay', answer: { statusCode: first.status_code, body: first.response } };
}

export async function recordIdempotentAnswer(trx: Trx, clientId: ClientId, key: string, answer: StoredAnswer): Promise<void> {
  await trx
    .updateTable('api_idempotency')
    .set({ status_code: answer.statusCode, response: JSON.stringify(answer.body) })
    .where('client_id', '=', clientId)
    .where('idempotency_key', '=', key)
    .execute();
}

/** Forgets answers past their time (called by the webhook worker's rounds). */
export async function purgeExpiredIdempotencyKeys(db: Trx | import('../db/connect.ts').Db): Promise<number> {
  const result = await db.deleteFrom('api_idempotency').where('expires_at', '<', new Date()).executeTakeFirst();
  return Number(result.numDeletedRows);
}
