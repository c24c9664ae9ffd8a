/**
 * Policy versions: version 1 is published from the bundled text on first start; operator
 * staff publish version 2; /privacy serves the newest, /privacy/v/1 the earlier one; every
 * consent records the version in force when given, and bad input changes nothing.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/accounts/index.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser, signIn, testPassword, type PortalClient } from '../helpers/portal.ts';

interface ErrorBody {
  error: { code: string; message: string };
}

describe(`privacy policy versions (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let client: TestClient;
  let operator: PortalClient;

  beforeAll(async () => {
    hark = await startTestHark();
    client = await createTestClient(hark.services, { prizeDraw: true, name: 'Policy Café' });
    // This business has no privacy policy of its own: its page links to Hark's.
    await hark.services.db.updateTable('clients').set({ privacy_policy_url: null }).where('id', '=', client.clientId).execute();
    await hark.services.db.updateTable('programmes').set({ privacy_policy_url: null }).where('client_id', '=', client.clientId).execute();
    const id = await createUser(hark.services.db, { email: 'policy-ops@hark.example', name: 'Pania Ops', password: testPassword, kind: 'operator' });
    operator = await signIn(hark, { id, email: 'policy-ops@hark.example', password: testPassword });
  });
  afterAll(() => hark?.close());

  const versionCount = async () => Number((await hark.services.db.selectFrom('policy_versions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  /** Every consent of the test's business, as stored. */
  async function storedConsents() {
    return hark.services.db.selectFrom('consents').select(['kind', 'policy_version', 'feedback_id']).where('client_id', '=', client.clientId).execute();
  }

  async function enterDraw(email: string) {
    const response = await giveFeedback(hark, `/f/${client.location.code}`, {
      score: '5',
      comment: 'Lovely',
      email,
      prize_draw: 'yes',
      accept_terms: 'yes',
      accept_privacy: 'yes',
    });
    expect(response.status).toBe(200);
  }

  it('publishes version 1 from the bundled text on first start and serves it at /privacy', async () => {
    expect(await versionCount()).toBe(1);
    const page = await hark.fetch('/privacy');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const text = await page.text();
    expect(text).toContain('<h1>Privacy policy</h1>');
    expect(text).toContain('Version 1');
    expect(text).toContain('applies to all personal information Hark holds');
    expect(text).toContain('reply within 30 days at the latest');
    expect(text).not.toContain('<script');
  });

  it('links the feedback page of a business without its own policy to /privacy, and records version 1 with consents', async () => {
    const form = await (await hark.fetch(`/f/${client.location.code}`)).text();
    expect(form).toContain('I accept the <a href="/privacy">privacy policy</a>');
    await enterDraw('first@example.com');
    const consents = await storedConsents();
    expect(consents.map((c) => c.kind).sort()).toEqual(['privacy_policy', 'prize_draw_terms']);
    expect(consents.every((c) => c.policy_version === 1)).toBe(true);
  });

  it('keeps a business’s own privacy policy link as it is', async () => {
    const other = await createTestClient(hark.services, { prizeDraw: true });
    const form = await (await hark.fetch(`/f/${other.location.code}`)).text();
    expect(form).toContain('href="https://example.com/privacy"');
    expect(form).not.toContain('href="/privacy"');
  });

  it('refuses bad texts with a clear message and changes nothing', async () => {
    const before = await versionCount();
    const empty = await operator.post<ErrorBody>('/api/v1/operator/policy-versions', { text: '  \n\n ' });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toContain('empty');
    const huge = await operator.post<ErrorBody>('/api/v1/operator/policy-versions', { text: 'a'.repeat(256 * 1024 + 1) });
    expect(huge.status).toBe(413);
    expect(huge.body.error.message).toContain('256 KB');
    const hugeBody = await operator.post<ErrorBody>('/api/v1/operator/policy-versions', { text: 'b'.repeat(2 * 1024 * 1024) });
    expect(hugeBody.status).toBe(413);
    const noText = await operator.post<ErrorBody>('/api/v1/operator/policy-versions', { format: 'markdown' });
    expect(noText.status).toBe(400);
    // A JSON body whose string holds a byte that is not UTF-8 arrives as U+FFFD.
    const raw = Buffer.concat([Buffer.from('{"text":"Policy '), Buffer.from([0xff, 0xfe]), Buffer.from(' text"}')]);
    const cookie = [...operator.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const badBytes = await hark.fetch('/api/v1/operator/policy-versions', { method: 'POST', headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': operator.csrfToken }, body: raw });
    expect(badBytes.status).toBe(400);
    expect(((await badBytes.json()) as ErrorBody).error.message).toContain('UTF-8');
    const nul = await operator.post<ErrorBody>('/api/v1/operator/policy-versions', { text: 'Policy\u0000text' });
    expect(nul.status).toBe(400);
    const badFormat = await operator.post<ErrorBody>('/api/v1/operator/policy-versions', { text: 'Fine text', format: 'pdf' });
    expect(badFormat.status).toBe(400);
    const owner = await signIn(hark, await createTestUser(hark.services, client.clientId, 'owner'));
    expect((await owner.post('/api/v1/operator/policy-versions', { text: 'A takeover' })).status).toBe(403);
    expect((await owner.get('/api/v1/operator/policy-versions')).status).toBe(403);
    expect(await versionCount()).toBe(before);
  });

  it('publishes version 2: /privacy shows it, /privacy/v/1 the earlier one; new consents record 2, old ones keep 1', async () => {
    const text = '# Our policy, second edition\r\n\r\nWe now keep **less**. <script>alert(1)</script>\r\n';
    const published = await operator.post<{ version: number; sha256: string; url: string }>('/api/v1/operator/policy-versions', { text, format: 'markdown' });
    expect(published.status).toBe(201);
    expect(published.body.version).toBe(2);
    expect(published.body.url).toBe('/privacy');
    const { createHash } = await import('node:crypto');
    expect(published.body.sha256).toBe(createHash('sha256').update(text.replace(/\r\n/g, '\n')).digest('hex'));

    const current = await (await hark.fetch('/privacy')).text();
    expect(current).toContain('Our policy, second edition');
    expect(current).toContain('<strong>less</strong>');
    expect(current).toContain('&lt;script&gt;');
    expect(current).not.toContain('<script>');
    expect(current).toContain('Version 2');
    expect(current).toContain('href="/privacy/v/1"');

    const first = await hark.fetch('/privacy/v/1');
    expect(first.status).toBe(200);
    const firstText = await first.text();
    expect(firstText).toContain('an earlier version');
    expect(firstText).toContain('reply within 30 days at the latest');
    expect(firstText).toContain('read version 2, the policy in force');

    await enterDraw('second@example.com');
    const consents = await storedConsents();
    expect(consents.map((c) => c.policy_version).sort()).toEqual([1, 1, 2, 2]);

    const list = await operator.get<{ version: number; current: boolean; source: string; publishedBy: string | null }[]>('/api/v1/operator/policy-versions');
    expect(list.body.map((v) => [v.version, v.current, v.source, v.publishedBy])).toEqual([
      [2, true, 'api', 'Pania Ops'],
      [1, false, 'default', null],
    ]);
    const one = await operator.get<{ text: string; url: string }>('/api/v1/operator/policy-versions/1');
    expect(one.body.url).toBe('/privacy/v/1');
    expect(one.body.text).toContain('# Hark privacy policy');
    const audit = await hark.services.db.selectFrom('audit_log').select(['action', 'subject_id', 'actor_kind']).where('action', '=', 'privacy_policy.published').orderBy('seq').execute();
    expect(audit.map((a) => [a.subject_id, a.actor_kind])).toEqual([
      ['1', 'system'],
      ['2', 'operator'],
    ]);
  });

  it('answers 404 for an unknown version and 400 for one that is not a number', async () => {
    expect((await hark.fetch('/privacy/v/3')).status).toBe(404);
    expect((await hark.fetch('/privacy/v/999999999')).status).toBe(404);
    for (const bad of ['abc', '0', '-1', '1.5', '01', '2e3']) {
      const response = await hark.fetch(`/privacy/v/${bad}`);
      expect(response.status, bad).toBe(400);
      expect(await response.text()).toContain('numbered 1, 2, 3');
    }
    expect((await operator.get('/api/v1/operator/policy-versions/7')).status).toBe(404);
    expect((await operator.get('/api/v1/operator/policy-versions/x')).status).toBe(400);
  });

  it('renders a plain-text version as paragraphs, escaped', async () => {
    const published = await operator.post<{ version: number }>('/api/v1/operator/policy-versions', { text: 'First line\nsecond line <b>not bold</b>\n\nNext paragraph', format: 'text' });
    expect(published.body.version).toBe(3);
    const page = await (await hark.fetch('/privacy')).text();
    expect(page).toContain('<p>First line<br>second line &lt;b&gt;not bold&lt;/b&gt;</p><p>Next paragraph</p>');
  });

  it('never lets a published version change', async () => {
    await expect(sql`update policy_versions set body = 'changed' where version = 1`.execute(hark.services.db)).rejects.toThrow(/never changed/);
    await expect(sql`delete from policy_versions where version = 1`.execute(hark.services.db)).rejects.toThrow(/never changed/);
  });
});
