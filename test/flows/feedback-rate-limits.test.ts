/**
 * Floods: limits per IP and per location refuse the excess with a message that keeps the
 * customer's answers, while a busy venue behind one NAT still gets its feedback in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClient } from '../../src/db/tenancy.ts';
import { createTestClient } from '../helpers/factories.ts';
import { openForm, postForm } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';

async function countFeedback(hark: TestHark, clientId: Parameters<typeof withClient>[1]) {
  return withClient(hark.services.db, clientId, async (trx) => {
    const row = await trx.selectFrom('feedback').select((eb) => eb.fn.countAll<number>().as('n')).where('client_id', '=', clientId).executeTakeFirstOrThrow();
    return Number(row.n);
  });
}

describe('with tight limits', () => {
  let hark: TestHark;
  beforeAll(async () => {
    hark = await startTestHark({
      env: { HARK_SUBMIT_LIMIT_PER_IP: '3', HARK_SUBMIT_LIMIT_PER_LOCATION: '5', HARK_TRUST_PROXY: 'true', HARK_RATE_LIMIT_WINDOW_SECONDS: '600' },
    });
  });
  afterAll(() => hark?.close());

  it('refuses the fourth submission from one IP, keeping the answers, and stores three', async () => {
    const client = await createTestClient(hark.services);
    const path = `/f/${client.location.code}`;
    const ip = { 'x-forwarded-for': '203.0.113.7' };
    const statuses: number[] = [];
    let last = { status: 0, html: '' };
    for (let i = 0; i < 4; i++) {
      const { token } = await openForm(hark, path);
      last = await postForm(hark, path, { token, score: '4', comment: `visit ${i}` }, ip);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last.html).toContain('We have received a lot of feedback from your network just now. Nothing was lost');
    expect(last.html).toContain('visit 3');
    expect(await countFeedback(hark, client.clientId)).toBe(3);
  });

  it('refuses submissions to one location past its limit, whatever the IP, and leaves other locations open', async () => {
    const client = await createTestClient(hark.services);
    const path = `/f/${client.location.code}`;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const { token } = await openForm(hark, path);
      statuses.push((await postForm(hark, path, { token, score: '5' }, { 'x-forwarded-for': `198.51.100.${i + 1}` })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const other = `/f/${client.otherLocation.code}`;
    const { token } = await openForm(hark, other);
    const elsewhere = await postForm(hark, other, { token, score: '5' }, { 'x-forwarded-for': '198.51.100.99' });
    expect(elsewhere.status).toBe(200);
    expect(await countFeedback(hark, client.clientId)).toBe(6);
  });
});

describe('with the default limits', () => {
  let hark: TestHark;
  beforeAll(async () => {
    hark = await startTestHark();
  });
  afterAll(() => hark?.close());

  it('takes a lunchtime rush of 40 customers on one café network', async () => {
    const client = await createTestClient(hark.services);
    const path = `/f/${client.location.code}`;
    const results = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const { token } = await openForm(hark, path);
        return postForm(hark, path, { token, score: String((i % 5) + 1), comment: `customer ${i}` });
      }),
    );
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 40 }, () => 200));
    expect(await countFeedback(hark, client.clientId)).toBe(40);
  });
});

describe('with a tight page limit', () => {
  let hark: TestHark;
  beforeAll(async () => {
    hark = await startTestHark({ env: { HARK_PAGE_LIMIT_PER_IP: '4', HARK_TRUST_PROXY: 'true' } });
  });
  afterAll(() => hark?.close());

  it('answers a scan of unknown addresses with 429 once the page limit is reached', async () => {
    const ip = { 'x-forwarded-for': '203.0.113.99' };
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await hark.fetch(`/no-such-page-${i}`, { headers: ip })).status);
    expect(statuses).toEqual([404, 404, 404, 404, 429, 429]);
    const api = await hark.fetch('/api/v1/no-such-route', { headers: ip });
    expect(api.status).toBe(429);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
  });
});
