/**
 * The bare baseline for `bench/ingest.ts`: the least a Node.js server can do to accept the
 * same feedback form — Fastify parses the urlencoded body and one `pg` insert stores it.
 * No token, no tenancy, no encryption, no job. Started as a child process by the benchmark.
 *
 * Environment: DATABASE_URL, PORT, HOST (default 127.0.0.1), BENCH_POOL_MAX (default 10),
 * BENCH_CLIENT_ID and BENCH_LOCATION_ID (the ids stored with each row).
 */
import { randomUUID } from 'node:crypto';
import formbody from '@fastify/formbody';
import Fastify from 'fastify';
import pg from 'pg';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`baseline-server: ${name} is required`);
    process.exit(2);
  }
  return value;
}

const databaseUrl = required('DATABASE_URL');
const port = Number(required('PORT'));
const host = process.env.HOST ?? '127.0.0.1';
const poolMax = Number(process.env.BENCH_POOL_MAX ?? '10');
const clientId = required('BENCH_CLIENT_ID');
const locationId = required('BENCH_LOCATION_ID');

const pool = new pg.Pool({ connectionString: databaseUrl, max: poolMax });
pool.on('error', () => {});

const app = Fastify({ logger: false });
await app.register(formbody, { bodyLimit: 64 * 1024 });

app.get('/healthz', async () => ({ status: 'ok' }));

app.post<{ Params: { locationCode: string }; Body: Record<string, string | undefined> | undefined }>(
  '/f/:locationCode',
  async (request, reply) => {
    const form = request.body ?? {};
    const score = Number(form.score);
    if (!Number.isInteger(score) || score < 1 || score > 5) return reply.code(400).type('text/plain').send('bad score');
    await pool.query(
      'insert into baseline_feedback (id, client_id, location_id, score, comment) values ($1, $2, $3, $4, $5)',
      [randomUUID(), clientId, locationId, score, form.comment ?? ''],
    );
    return reply
      .code(200)
      .type('text/html; charset=utf-8')
      .send('<!doctype html><title>Thank you</title><p>Thank you for your feedback.</p>');
  },
);

await app.listen({ port, host });

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    app
      .close()
      .then(() => pool.end())
      .finally(() => process.exit(0));
  });
}
