/**
 * Operations endpoints over real HTTP: /readyz (ready, and not ready while a migration is
 * pending) and /metrics (Prometheus text: HTTP metrics by route pattern, queue and alert
 * gauges, process metrics, domain counters; who may read it, with and without a token).
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createTestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';

/** The value of the sample of `name` whose labels include all of `labels`, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) return Number(match[3]);
  }
  return undefined;
}

describe('without HARK_METRICS_TOKEN', () => {
  let hark: TestHark;
  beforeAll(async () => {
    hark = await startTestHark();
  });
  afterAll(() => hark?.close());

  it('/readyz answers 200 with every check ok', async () => {
    const response = await hark.fetch('/readyz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', checks: { database: 'ok', queue: 'ok', migrations: 'ok' } });
  });

  it('/readyz answers 503 with retry-after while a migration is pending', async () => {
    const db = hark.services.db;
    const { rows } = await sql<{ name: string; timestamp: string }>`select name, timestamp from kysely_migration order by name desc limit 1`.execute(db);
    const last = rows[0];
    if (!last) throw new Error('no migration recorded');
    // Forget the last migration for a moment: to this process it is on disk and not applied.
    await sql`delete from kysely_migration where name = ${last.name}`.execute(db);
    try {
      const response = await hark.fetch('/readyz');
      expect(response.status).toBe(503);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await response.json()).toEqual({ status: 'not_ready', checks: { database: 'ok', queue: 'ok', migrations: 'pending' } });
    } finally {
      await sql`insert into kysely_migration (name, timestamp) values (${last.name}, ${last.timestamp})`.execute(db);
    }
    expect((await hark.fetch('/readyz')).status).toBe(200);
  });

  it('/readyz and /metrics stay out of the OpenAPI document', async () => {
    const document = (await (await hark.fetch('/api/v1/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).not.toContain('/readyz');
    expect(Object.keys(document.paths)).not.toContain('/metrics');
  });

  it('/metrics counts requests by route pattern, never by the address asked for', async () => {
    const client = await createTestClient(hark.services);
    for (let i = 0; i < 3; i++) expect((await hark.fetch(`/f/${client.location.code}`)).status).toBe(200);
    const unknownCode = `nope${randomBytes(4).toString('hex')}`;
    expect((await hark.fetch(`/f/${unknownCode}`)).status).toBe(404);
    const unmatchedPath = `/no-such-page-${randomBytes(4).toString('hex')}`;
    expect((await hark.fetch(unmatchedPath)).status).toBe(404);
    // A made-up method is labelled 'other', not by its name.
    await hark.fetch('/healthz', { method: 'PROPFIND' }).catch(() => {});

    const response = await hark.fetch('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();

    expect(sample(text, 'hark_http_requests_total', { method: 'GET', route: '/f/:locationCode', status: '200' })).toBe(3);
    expect(sample(text, 'hark_http_requests_total', { method: 'GET', route: '/f/:locationCode', status: '404' })).toBe(1);
    expect(sample(text, 'hark_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'hark_http_request_duration_seconds_count', { method: 'GET', route: '/f/:locationCode' })).toBe(4);
    expect(sample(text, 'hark_http_request_duration_seconds_bucket', { method: 'GET', route: '/f/:locationCode', le: '+Inf' })).toBe(4);
    for (const secret of [client.location.code, unknownCode, unmatchedPath, 'PROPFIND']) expect(text).not.toContain(secret);
  });

  it('/metrics has the queue, alert, process and domain metrics', async () => {
    const earlier = await (await hark.fetch('/metrics')).text();
    const before = sample(earlier, 'hark_feedback_ingested_total', { channel: 'web' }) ?? 0;
    const batchesBefore = sample(earlier, 'hark_feedback_batch_size_count') ?? 0;
    const client = await createTestClient(hark.services);
    const given = await giveFeedback(hark, `/f/${client.location.code}`, { score: '4', comment: 'counted' });
    expect(given.status).toBe(200);
    const text = await (await hark.fetch('/metrics')).text();

    const { rows: queues } = await sql<{ name: string }>`select name from pgboss.queue order by name`.execute(hark.services.db);
    expect(queues.length).toBeGreaterThan(0);
    for (const { name } of queues) {
      for (const state of ['created', 'retry', 'active']) expect(sample(text, 'hark_jobs', { queue: name, state })).toBeGreaterThanOrEqual(0);
      expect(sample(text, 'hark_job_queue_oldest_seconds', { queue: name })).toBeGreaterThanOrEqual(0);
    }
    for (const status of ['pending', 'sending', 'failed']) expect(sample(text, 'hark_alerts', { status })).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'hark_alerts', { status: 'sent' })).toBeUndefined();
    expect(sample(text, 'hark_metrics_source_up', { source: 'jobs' })).toBe(1);
    expect(sample(text, 'hark_metrics_source_up', { source: 'alerts' })).toBe(1);

    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);

    expect(sample(text, 'hark_feedback_ingested_total', { channel: 'web' })).toBe(before + 1);
    // The form's submission went in a group-commit transaction of its own (nothing else was sent).
    expect(sample(text, 'hark_feedback_batch_size_count')).toBe(batchesBefore + 1);
    expect(sample(text, 'hark_feedback_batch_size_bucket', { le: '1' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'hark_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
    for (const outcome of ['sent', 'failed']) {
      expect(sample(text, 'hark_sms_sent_total', { outcome })).toBeGreaterThanOrEqual(0);
      expect(sample(text, 'hark_email_sent_total', { outcome })).toBeGreaterThanOrEqual(0);
    }
  });

  it('/metrics answers 404 to a request that came through a proxy', async () => {
    expect((await hark.fetch('/metrics', { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(404);
    expect((await hark.fetch('/metrics', { headers: { forwarded: 'for=203.0.113.9' } })).status).toBe(404);
  });
});

describe('with HARK_METRICS_TOKEN', () => {
  const token = randomBytes(24).toString('hex');
  let hark: TestHark;
  beforeAll(async () => {
    hark = await startTestHark({ env: { HARK_METRICS_TOKEN: token } });
  });
  afterAll(() => hark?.close());

  it('/metrics needs the token as a bearer token', async () => {
    const none = await hark.fetch('/metrics');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await hark.fetch('/metrics', { headers: { authorization: `Bearer ${token.slice(0, -1)}x` } })).status).toBe(401);
    expect((await hark.fetch('/metrics', { headers: { authorization: `Bearer ${token}extra` } })).status).toBe(401);
    expect((await hark.fetch('/metrics', { headers: { authorization: `Basic ${token}` } })).status).toBe(401);
    expect((await hark.fetch('/metrics', { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(401);

    const right = await hark.fetch('/metrics', { headers: { authorization: `Bearer ${token}` } });
    expect(right.status).toBe(200);
    expect(await right.text()).toContain('hark_http_requests_total');
    // Through a proxy too: the token is what counts.
    expect((await hark.fetch('/metrics', { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': '203.0.113.9' } })).status).toBe(200);
  });

  it('refuses a token shorter than 16 characters', () => {
    expect(() => loadConfig({ HARK_METRICS_TOKEN: 'short' })).toThrow(/HARK_METRICS_TOKEN: must be at least 16 characters/);
  });
});
