/**
 * API keys over real HTTP: admins make and revoke keys in settings; a key reads only its
 * client's feedback (and only its locations when scoped), works within its scopes, is
 * refused with a clear 401 when revoked, unknown or malformed, and every write it makes is
 * attributed to it in the audit log. Feedback posted by key is stored once per
 * Idempotency-Key, on the same path as web feedback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser, signIn, type PortalClient } from '../helpers/portal.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { waitFor } from '../helpers/wait.ts';

interface MadeKey {
  apiKey: { id: string; prefix: string; scopes: string[]; locationIds: string[] | null; lastUsedAt: string | null; revokedAt: string | null };
  key: string;
}
interface Page {
  items: { id: string; locationId: string; channel: string; comment: string }[];
}
interface ApiError {
  error: { code: string; message: string };
}

async function byKey(hark: TestHark, key: string, method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await hark.fetch(pathname, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as unknown };
}

async function countRows(hark: TestHark, table: 'feedback' | 'api_idempotency' | 'api_keys', clientId: string): Promise<number> {
  const row = await hark.services.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('client_id', '=', clientId).executeTakeFirstOrThrow();
  return Number(row.n);
}

describe(`API keys (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let a: TestClient;
  let b: TestClient;
  let adminA: PortalClient;
  let adminB: PortalClient;
  let readKey: MadeKey;
  let writeKey: MadeKey;

  beforeAll(async () => {
    hark = await startTestHark({ env: { HARK_API_KEY_LIMIT_PER_MINUTE: '1000' } });
    a = await createTestClient(hark.services, { name: 'Client A' });
    b = await createTestClient(hark.services, { name: 'Client B' });
    await giveFeedback(hark, `/f/${a.location.code}`, { score: '5', comment: 'A main street' });
    await giveFeedback(hark, `/f/${a.otherLocation.code}`, { score: '4', comment: 'A harbour' });
    await giveFeedback(hark, `/f/${b.location.code}`, { score: '2', comment: 'B main street' });
    adminA = await signIn(hark, await createTestUser(hark.services, a.clientId, 'admin'));
    adminB = await signIn(hark, await createTestUser(hark.services, b.clientId, 'admin'));
    const made = await adminA.post<MadeKey>('/api/v1/api-keys', { name: 'Reporting', scopes: ['feedback:read'] });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    readKey = made.body;
    writeKey = (await adminA.post<MadeKey>('/api/v1/api-keys', { name: 'Till', scopes: ['feedback:write', 'feedback:read'] })).body;
  });
  afterAll(() => hark?.close());

  it('shows a key once and stores only its hash, with the prefix visible', async () => {
    expect(readKey.key).toMatch(/^hk_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(readKey.key.startsWith(readKey.apiKey.prefix)).toBe(true);
    const list = await adminA.get<MadeKey['apiKey'][]>('/api/v1/api-keys');
    expect(list.status).toBe(200);
    expect(list.body.map((k) => k.prefix).sort()).toEqual([readKey.apiKey.prefix, writeKey.apiKey.prefix].sort());
    expect(JSON.stringify(list.body)).not.toContain(readKey.key.slice(12));
    const rows = await hark.services.db.selectFrom('api_keys').selectAll().where('client_id', '=', a.clientId).execute();
    for (const row of rows) expect(JSON.stringify({ ...row, key_hash: row.key_hash.toString('base64url') })).not.toContain(readKey.key.slice(12));
  });

  it('reads only its own client’s feedback, and records when it was last used', async () => {
    const page = await byKey(hark, readKey.key, 'GET', '/api/v1/feedback');
    expect(page.status).toBe(200);
    const comments = (page.body as Page).items.map((i) => i.comment).sort();
    expect(comments).toEqual(['A harbour', 'A main street']);
    const bFeedback = await hark.services.db.selectFrom('feedback').select('id').where('client_id', '=', b.clientId).executeTakeFirstOrThrow();
    expect((await byKey(hark, readKey.key, 'GET', `/api/v1/feedback/${bFeedback.id}`)).status).toBe(404);
    const list = await adminA.get<MadeKey['apiKey'][]>('/api/v1/api-keys');
    expect(list.body.find((k) => k.id === readKey.apiKey.id)?.lastUsedAt).not.toBeNull();
  });

  it('sees only its locations when scoped to some', async () => {
    const scoped = await adminA.post<MadeKey>('/api/v1/api-keys', { name: 'Harbour only', scopes: ['feedback:read', 'feedback:write'], locationIds: [a.otherLocation.id] });
    expect(scoped.status).toBe(201);
    const page = await byKey(hark, scoped.body.key, 'GET', '/api/v1/feedback');
    expect((page.body as Page).items.map((i) => i.comment)).toEqual(['A harbour']);
    const before = await countRows(hark, 'feedback', a.clientId);
    const refused = await byKey(hark, scoped.body.key, 'POST', '/api/v1/feedback', { locationId: a.location.id, score: 3 }, { 'idempotency-key': 'scope-1' });
    expect(refused.status).toBe(400);
    expect((refused.body as ApiError).error.message).toMatch(/locationId is not an active location this key may submit/);
    expect(await countRows(hark, 'feedback', a.clientId)).toBe(before);
  });

  it('refuses unknown, malformed and revoked keys with a 401 that says why', async () => {
    const unknown = await byKey(hark, `${readKey.apiKey.prefix}_${'A'.repeat(43)}`, 'GET', '/api/v1/feedback');
    expect(unknown.status).toBe(401);
    expect((unknown.body as ApiError).error.message).toMatch(/not known/);
    const malformed = await byKey(hark, 'not-a-key', 'GET', '/api/v1/feedback');
    expect(malformed.status).toBe(401);
    expect((malformed.body as ApiError).error.message).toMatch(/not a Hark API key/);
    const basic = await hark.fetch('/api/v1/feedback', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(basic.status).toBe(401);
    expect(((await basic.json()) as ApiError).error.message).toMatch(/Authorization: Bearer/);

    const doomed = (await adminA.post<MadeKey>('/api/v1/api-keys', { name: 'Doomed', scopes: ['feedback:read'] })).body;
    expect((await byKey(hark, doomed.key, 'GET', '/api/v1/feedback')).status).toBe(200);
    expect((await adminA.delete(`/api/v1/api-keys/${doomed.apiKey.id}`)).status).toBe(200);
    const revoked = await byKey(hark, doomed.key, 'GET', '/api/v1/feedback');
    expect(revoked.status).toBe(401);
    expect((revoked.body as ApiError).error.message).toMatch(/revoked/);
    expect((await adminA.delete(`/api/v1/api-keys/${doomed.apiKey.id}`)).status).toBe(409);
  });

  it('answers 403 naming the scope a key lacks, and never lets a key manage keys', async () => {
    const refused = await byKey(hark, readKey.key, 'POST', '/api/v1/feedback', { locationId: a.location.id, score: 4 }, { 'idempotency-key': 'no-scope' });
    expect(refused.status).toBe(403);
    expect((refused.body as ApiError).error.message).toMatch(/feedback:write/);
    const settings = await byKey(hark, readKey.key, 'DELETE', '/api/v1/alert-rules/00000000-0000-4000-8000-000000000000');
    expect(settings.status).toBe(403);
    const admin = (await adminA.post<MadeKey>('/api/v1/api-keys', { name: 'Settings', scopes: ['settings:manage'] })).body;
    const made = await byKey(hark, admin.key, 'POST', '/api/v1/api-keys', { name: 'Sneaky', scopes: ['feedback:read'] });
    expect(made.status).toBe(403);
    expect((made.body as ApiError).error.message).toMatch(/not by API keys/);
  });

  it('does not let another client revoke or see a key, nor a viewer make one', async () => {
    expect((await adminB.delete(`/api/v1/api-keys/${readKey.apiKey.id}`)).status).toBe(404);
    expect((await adminB.get<unknown[]>('/api/v1/api-keys')).body).toEqual([]);
    const viewer = await signIn(hark, await createTestUser(hark.services, a.clientId, 'viewer'));
    expect((await viewer.post('/api/v1/api-keys', { name: 'Mine', scopes: ['feedback:read'] })).status).toBe(403);
  });

  it('refuses bad key requests and stores nothing', async () => {
    const before = await countRows(hark, 'api_keys', a.clientId);
    for (const body of [
      { name: '', scopes: ['feedback:read'] },
      { name: 'x', scopes: [] },
      { name: 'x', scopes: ['everything'] },
      { name: 'x', scopes: ['feedback:read'], locationIds: [b.location.id] },
      { name: 'x'.repeat(101), scopes: ['feedback:read'] },
    ]) {
      const response = await adminA.post<ApiError>('/api/v1/api-keys', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.message.length).toBeGreaterThan(10);
    }
    expect(await countRows(hark, 'api_keys', a.clientId)).toBe(before);
  });

  describe('POST /api/v1/feedback', () => {
    const body = () => ({ locationId: a.location.id, score: 2, comment: 'Till said the card failed twice', contact: { email: 'Tama@Example.com' }, contactRequested: true });

    it('stores feedback once per Idempotency-Key and answers a retry with the first result', async () => {
      const before = await countRows(hark, 'feedback', a.clientId);
      const first = await byKey(hark, writeKey.key, 'POST', '/api/v1/feedback', body(), { 'idempotency-key': 'order-1001' });
      expect(first.status, JSON.stringify(first.body)).toBe(201);
      const id = (first.body as { id: string }).id;
      // The same body with its keys in another order is the same request.
      const { contactRequested, ...rest } = body();
      const again = await byKey(hark, writeKey.key, 'POST', '/api/v1/feedback', { contactRequested, ...rest }, { 'idempotency-key': 'order-1001' });
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect((again.body as { id: string }).id).toBe(id);
      expect(await countRows(hark, 'feedback', a.clientId)).toBe(before + 1);

      const stored = await hark.services.db.selectFrom('feedback').selectAll().where('client_id', '=', a.clientId).where('id', '=', id).executeTakeFirstOrThrow();
      expect(stored.channel).toBe('api');
      expect(stored.score).toBe(2);
      expect(stored.end_customer_id).not.toBeNull();
      // The same path as web feedback: the default rule's alert and case for a low score.
      const theCase = await hark.services.db.selectFrom('cases').select('reason').where('client_id', '=', a.clientId).where('feedback_id', '=', id).executeTakeFirst();
      expect(theCase?.reason).toBe('low_score');
      await waitFor(
        async () => {
          const rollup = await hark.services.db.selectFrom('feedback_daily_rollups').select('responses').where('client_id', '=', a.clientId).where('channel', '=', 'api').executeTakeFirst();
          return rollup && rollup.responses >= 1 ? true : undefined;
        },
        { what: 'the api rollup' },
      );
      // Attributed to the key in the audit log.
      const entry = await hark.services.db.selectFrom('audit_log').selectAll().where('chain_id', '=', a.clientId).where('actor_kind', '=', 'api_key').where('actor_id', '=', writeKey.apiKey.id).executeTakeFirst();
      expect(entry?.action).toBe('api_key.used');
    });

    it('refuses the same Idempotency-Key with another body, and stores nothing', async () => {
      const before = await countRows(hark, 'feedback', a.clientId);
      const other = await byKey(hark, writeKey.key, 'POST', '/api/v1/feedback', { ...body(), score: 5 }, { 'idempotency-key': 'order-1001' });
      expect(other.status).toBe(409);
      expect((other.body as ApiError).error.message).toMatch(/already used with a different request body/);
      expect(await countRows(hark, 'feedback', a.clientId)).toBe(before);
    });

    it('refuses bad submissions with a message and changes nothing', async () => {
      const feedbackBefore = await countRows(hark, 'feedback', a.clientId);
      const keysBefore = await countRows(hark, 'api_idempotency', a.clientId);
      const cases: [Record<string, string>, unknown, number, RegExp][] = [
        [{}, body(), 400, /Idempotency-Key header/],
        [{ 'idempotency-key': 'has space' }, body(), 400, /printable characters/],
        [{ 'idempotency-key': 'bad-1' }, { ...body(), score: 9 }, 400, /score from 1 to 5/],
        [{ 'idempotency-key': 'bad-2' }, { ...body(), locationId: b.location.id }, 400, /not an active location/],
        [{ 'idempotency-key': 'bad-3' }, { ...body(), locationId: 'nope' }, 400, /locationId/],
        [{ 'idempotency-key': 'bad-4' }, { ...body(), contact: { email: 'not-an-address' } }, 400, /email address/],
        [{ 'idempotency-key': 'bad-5' }, { ...body(), extra: true }, 400, /not valid/],
        [{ 'idempotency-key': 'bad-6' }, { ...body(), subMeasureId: b.subMeasure.id }, 400, /subMeasureId/],
        [{ 'idempotency-key': 'bad-7' }, { ...body(), comment: 'x'.repeat(20_000) }, 413, /too large/],
        [{ 'idempotency-key': 'bad-8' }, '{"locationId":', 400, /could not be read|not valid/],
      ];
      for (const [headers, sent, status, message] of cases) {
        const response = await byKey(hark, writeKey.key, 'POST', '/api/v1/feedback', sent, headers);
        expect(response.status, `${JSON.stringify(headers)} ${JSON.stringify(response.body)}`).toBe(status);
        expect((response.body as ApiError).error.message).toMatch(message);
      }
      expect(await countRows(hark, 'feedback', a.clientId)).toBe(feedbackBefore);
      expect(await countRows(hark, 'api_idempotency', a.clientId)).toBe(keysBefore);
      // A refused request leaves its key free for the fixed request.
      const fixed = await byKey(hark, writeKey.key, 'POST', '/api/v1/feedback', { ...body(), score: 4 }, { 'idempotency-key': 'bad-1' });
      expect(fixed.status).toBe(201);
    });

    it('stores a sub-measure given by id', async () => {
      const response = await byKey(hark, writeKey.key, 'POST', '/api/v1/feedback', { locationId: a.location.id, subMeasureId: a.subMeasure.id, score: 5 }, { 'idempotency-key': 'sub-1' });
      expect(response.status).toBe(201);
      expect((response.body as { subMeasureId: string }).subMeasureId).toBe(a.subMeasure.id);
    });
  });
});

describe(`API key rate limit (${testDatabaseKind})`, () => {
  let hark: TestHark;
  afterAll(() => hark?.close());

  it('limits each key on its own, with retry-after', async () => {
    hark = await startTestHark({ env: { HARK_API_KEY_LIMIT_PER_MINUTE: '3' } });
    const client = await createTestClient(hark.services);
    const admin = await signIn(hark, await createTestUser(hark.services, client.clientId, 'owner'));
    const first = (await admin.post<MadeKey>('/api/v1/api-keys', { name: 'One', scopes: ['feedback:read'] })).body;
    const second = (await admin.post<MadeKey>('/api/v1/api-keys', { name: 'Two', scopes: ['feedback:read'] })).body;
    for (let i = 0; i < 3; i++) expect((await byKey(hark, first.key, 'GET', '/api/v1/feedback')).status).toBe(200);
    const limited = await byKey(hark, first.key, 'GET', '/api/v1/feedback');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await byKey(hark, second.key, 'GET', '/api/v1/feedback')).status).toBe(200);
  });
});
