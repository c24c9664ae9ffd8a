/**
 * The public privacy-request endpoints are rate limited per IP, and one address may start
 * only a few requests a day; a refused request stores nothing.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUESTS_PER_ADDRESS_PER_DAY } from '../../src/privacy/requests/intake.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';

describe(`privacy request limits (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    hark = await startTestHark({ env: { SMTP_URL: smtp.url, HARK_PRIVACY_REQUEST_LIMIT_PER_IP: String(REQUESTS_PER_ADDRESS_PER_DAY + 2) } });
  });
  afterAll(async () => {
    await hark?.close();
    await smtp?.close();
  });

  const requests = async () => (await sql<{ n: number }>`select count(*)::int as n from privacy_requests`.execute(hark.services.db)).rows[0]?.n;
  const ask = (email: string) =>
    hark.fetch('/privacy/request', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: 'Kiri', email, kind: 'access' }).toString(),
    });

  it('lets one address start only a few requests a day', async () => {
    for (let i = 0; i < REQUESTS_PER_ADDRESS_PER_DAY; i += 1) expect((await ask('kiri@example.com')).status).toBe(303);
    const before = await requests();
    const refused = await ask('kiri@example.com');
    expect(refused.status).toBe(429);
    expect(await refused.text()).toContain('Several requests were made for this address today');
    expect(await requests()).toBe(before);
  });

  it('limits each IP, answering 429 and storing nothing', async () => {
    expect((await ask('other@example.com')).status).toBe(303);
    const before = await requests();
    const refused = await ask('third@example.com');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    expect(await requests()).toBe(before);
  });
});
