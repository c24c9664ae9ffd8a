/**
 * Input that the security scan (npm run security, docs/security.md) found Hark did not
 * handle, each answered now with a clear 4xx that changes nothing: a NUL character anywhere
 * in a request (it was a 500 from PostgreSQL), an email address that is more than one plain
 * address (the privacy request form answered 503 when the code could not be mailed), and
 * posts of the privacy forms made from another website.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKind } from '../helpers/database.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { openForm, postForm } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser, signIn, type PortalClient } from '../helpers/portal.ts';

interface ErrorBody {
  error: { code: string; message: string };
}

describe(`hostile input found by the security scan (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let client: TestClient;
  let owner: PortalClient;

  const count = async (table: 'feedback' | 'privacy_requests' | 'privacy_complaints') => {
    const row = await hark.services.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  };

  beforeAll(async () => {
    hark = await startTestHark({ env: { HARK_PRIVACY_REQUEST_LIMIT_PER_IP: '100', HARK_PRIVACY_COMPLAINT_LIMIT_PER_IP: '100' } });
    client = await createTestClient(hark.services);
    owner = await signIn(hark, await createTestUser(hark.services, client.clientId, 'owner', { name: 'Olive Owner' }));
  });

  afterAll(async () => {
    await hark?.close();
  });

  describe('a NUL character', () => {
    it('in an API query is refused with 400 and a message, where the same query without it works', async () => {
      expect((await owner.get('/api/v1/feedback?q=coffee')).status).toBe(200);
      for (const url of ['/api/v1/feedback?q=%2Fe%00', '/api/v1/comments?term=%2Fe%00']) {
        const refused = await owner.get<ErrorBody>(url);
        expect(refused.status, url).toBe(400);
        expect(refused.body.error.code).toBe('validation_failed');
        expect(refused.body.error.message).toContain('NUL character');
      }
    });

    it('in a JSON body is refused, and nothing is changed', async () => {
      const refused = await owner.patch<ErrorBody>('/api/v1/auth/profile', { name: 'Olive\u0000Owner' });
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toContain('NUL character');
      const session = await owner.get<{ user: { name: string } }>('/api/v1/auth/session');
      expect(session.body.user.name).toBe('Olive Owner');
    });

    it('in a public page address or form is refused with a page that says so, and no feedback is stored', async () => {
      const page = await hark.fetch('/f/%00');
      expect(page.status).toBe(400);
      expect(await page.text()).toContain('NUL character');

      const before = await count('feedback');
      const form = await openForm(hark, `/f/${client.location.code}`);
      const sent = await postForm(hark, `/f/${client.location.code}`, { token: form.token, score: '4', comment: 'Lovely\u0000 pie' });
      expect(sent.status).toBe(400);
      expect(sent.html).toContain('NUL character');
      expect(await count('feedback')).toBe(before);
    });
  });

  describe('an email address that is not one plain address', () => {
    const privacyRequest = (email: string, headers: Record<string, string> = {}) =>
      postForm(hark, '/privacy/request', { name: 'Sam Scan', email, mobile: '', kind: 'access', details: '' }, headers);

    it('is refused by the privacy request form with the field message, and no request is stored', async () => {
      const before = await count('privacy_requests');
      for (const email of [`scan@example.com'jBFbsA<'">cZBBEE`, 'victim<scan@example.net>', 'scan@example.com,other', 'scan(note)@example.com', 'scan@example.com;']) {
        const refused = await privacyRequest(email);
        expect(refused.status, email).toBe(400);
        expect(refused.html).toContain('Enter an email address like name@example.com.');
      }
      expect(await count('privacy_requests')).toBe(before);
      // An apostrophe is part of many real addresses.
      expect((await privacyRequest(`o'brien.${Date.now()}@example.com`)).status).toBe(303);
      expect(await count('privacy_requests')).toBe(before + 1);
    });

    it('is refused by the feedback form, which keeps what was typed', async () => {
      const before = await count('feedback');
      const form = await openForm(hark, `/f/${client.location.code}`);
      const sent = await postForm(hark, `/f/${client.location.code}`, { token: form.token, score: '4', comment: 'Nice', email: 'victim<scan@example.net>', contact_requested: 'yes' });
      expect(sent.status).toBe(400);
      expect(sent.html).toContain('Please enter an email address like name@example.com.');
      expect(sent.html).toContain('value="victim&lt;scan@example.net&gt;"');
      expect(await count('feedback')).toBe(before);
    });
  });

  describe('a post of a privacy form from another website', () => {
    const requestFields = () => ({ name: 'Sam Scan', email: `sam.${Date.now()}.${Math.random().toString(36).slice(2)}@example.com`, mobile: '', kind: 'access', details: '' });
    const complaintFields = { name: 'Sam Scan', email: 'sam.scan@example.com', business: 'Test Café', details: 'Nobody answered my request for a copy of my data.' };
    const foreign: Record<string, string>[] = [{ origin: 'https://attacker.example' }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site' }];

    it('is refused with 403 and a page that says why, and nothing is stored', async () => {
      const requests = await count('privacy_requests');
      const complaints = await count('privacy_complaints');
      for (const headers of foreign) {
        const request = await postForm(hark, '/privacy/request', requestFields(), headers);
        expect(request.status, JSON.stringify(headers)).toBe(403);
        expect(request.html).toContain('This form was sent from another website.');
        const complaint = await postForm(hark, '/privacy/complaint', complaintFields, headers);
        expect(complaint.status, JSON.stringify(headers)).toBe(403);
        expect(complaint.html).toContain('This form was sent from another website.');
        // The code form too (without the request's cookie it would be a 404 anyway).
        expect((await postForm(hark, '/privacy/request/00000000-0000-4000-8000-000000000000/verify', { code_email: '123456' }, headers)).status).toBe(403);
      }
      expect(await count('privacy_requests')).toBe(requests);
      expect(await count('privacy_complaints')).toBe(complaints);
    });

    it('is taken when it comes from Hark’s own page (or says nothing of where it comes from)', async () => {
      const own = { origin: hark.url, 'sec-fetch-site': 'same-origin' };
      expect((await postForm(hark, '/privacy/request', requestFields(), own)).status).toBe(303);
      expect((await postForm(hark, '/privacy/complaint', complaintFields, own)).status).toBe(200);
      expect((await postForm(hark, '/privacy/request', requestFields())).status).toBe(303);
    });
  });
});
