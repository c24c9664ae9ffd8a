/**
 * Privacy requests end to end, over real HTTP with a real SMTP server and SMS gateway: a
 * person asks on the public page, proves their address with a code, and the operator
 * searches every client, builds the access package, corrects, extends and answers. Bad
 * input (forged, expired, reused, over-tried codes; other people's requests and links;
 * oversized bodies) gets a clear answer and changes nothing.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/accounts/index.ts';
import { sendPrivacyRequestReminders } from '../../src/privacy/requests/index.ts';
import { addWorkingDays, nzDay, responseDueOn } from '../../src/privacy/working-days.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser, signIn, testPassword, type PortalClient } from '../helpers/portal.ts';
import { startTestSmsGateway, type TestSmsGateway } from '../helpers/sms-gateway.ts';
import { startTestSmtpServer, type ReceivedMail, type TestSmtpServer } from '../helpers/smtp.ts';

const person = { name: 'Aroha Ngata', email: 'aroha.ngata@example.com', mobile: '021 555 0101', e164: '+64215550101' };
const decoy = { name: 'Aroha Ngata', email: 'aroha-ngata@example.com', mobile: '021 555 0110' };

interface Started {
  id: string;
  cookie: string;
}

describe(`privacy requests (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let smtp: TestSmtpServer;
  let gateway: TestSmsGateway;
  let a: TestClient;
  let b: TestClient;
  let operator: PortalClient;
  let operatorId: string;
  let ownerA: { email: string };

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    gateway = await startTestSmsGateway();
    hark = await startTestHark({
      env: {
        SMTP_URL: smtp.url,
        HARK_SMS_PROVIDER: 'twilio',
        TWILIO_ACCOUNT_SID: gateway.accountSid,
        TWILIO_AUTH_TOKEN: gateway.authToken,
        TWILIO_API_BASE_URL: gateway.url,
        HARK_PRIVACY_SMS_FROM: '+6498870000',
        HARK_PRIVACY_REQUEST_LIMIT_PER_IP: '200',
      },
    });
    a = await createTestClient(hark.services, { name: 'Alpha Bakery', prizeDraw: true });
    b = await createTestClient(hark.services, { name: 'Beta Garage' });
    await giveFeedback(hark, `/f/${a.location.code}`, {
      score: '2',
      comment: 'The pie was cold',
      name: person.name,
      email: person.email,
      mobile: person.mobile,
      prize_draw: 'on',
      accept_terms: 'on',
      accept_privacy: 'on',
    });
    await giveFeedback(hark, `/f/${b.location.code}`, { score: '5', comment: 'Great service from Tama at the desk', name: person.name, mobile: person.mobile });
    await giveFeedback(hark, `/f/${a.location.code}`, { score: '4', comment: 'Decoy comment', name: decoy.name, email: decoy.email, mobile: decoy.mobile });
    await giveFeedback(hark, `/f/${b.location.code}`, { score: '3', comment: 'Decoy in B', name: decoy.name, email: decoy.email });

    const owner = await createTestUser(hark.services, a.clientId, 'owner');
    ownerA = owner;
    const staff = await signIn(hark, owner);
    const aroha = await customerFeedback(a, person.email);
    await staff.post(`/api/v1/feedback/${aroha}/responses`, { kind: 'note', body: 'Spoke to Sam on the ovens about this one.' });

    operatorId = await createUser(hark.services.db, { email: 'privacy-ops@hark.example', name: 'Privacy Officer', password: testPassword, kind: 'operator' });
    operator = await signIn(hark, { id: operatorId, email: 'privacy-ops@hark.example', password: testPassword });
  });
  afterAll(async () => {
    await hark?.close();
    await smtp?.close();
    await gateway?.close();
  });

  /** The id of the feedback given with this email in this client (found through the client's own index). */
  async function customerFeedback(client: TestClient, email: string): Promise<string> {
    const { withClient } = await import('../../src/db/tenancy.ts');
    return withClient(hark.services.db, client.clientId, async (trx) => {
      const keyring = await hark.services.keyrings.keyringFor(trx, client.clientId);
      const row = await trx
        .selectFrom('feedback as f')
        .innerJoin('end_customers as c', (j) => j.onRef('c.client_id', '=', 'f.client_id').onRef('c.id', '=', 'f.end_customer_id'))
        .select('f.id')
        .where('c.email_index', '=', keyring.blindIndex('email', email))
        .executeTakeFirstOrThrow();
      return row.id;
    });
  }

  async function counts() {
    const { rows } = await sql<Record<string, number>>`select
      (select count(*)::int from privacy_requests) as requests,
      (select count(*)::int from privacy_request_identifiers) as identifiers,
      (select count(*)::int from privacy_request_identifiers where verified_at is not null) as verified,
      (select coalesce(sum(attempts), 0)::int from privacy_request_identifiers) as attempts,
      (select count(*)::int from privacy_access_packages) as packages,
      (select count(*)::int from privacy_access_packages where downloaded_at is not null) as downloads,
      (select count(*)::int from privacy_request_subjects) as subjects,
      (select count(*)::int from privacy_correction_statements) as statements,
      (select count(*)::int from end_customers) as end_customers`.execute(hark.services.db);
    return rows[0];
  }

  async function post(pathname: string, fields: Record<string, string>, cookie = '') {
    const response = await hark.fetch(pathname, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
      body: new URLSearchParams(fields).toString(),
    });
    return { status: response.status, html: await response.text(), headers: response.headers };
  }

  async function startRequest(fields: Record<string, string>): Promise<Started> {
    const response = await post('/privacy/request', fields);
    expect(response.status, response.html).toBe(303);
    const location = response.headers.get('location') ?? '';
    const id = /\/privacy\/request\/([0-9a-f-]{36})\/verify/.exec(location)?.[1] ?? '';
    const cookie = (response.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
    return { id, cookie };
  }

  async function codeMailed(email: string, requestId: string): Promise<string> {
    const mail: ReceivedMail = await smtp.waitForMail(email, (m) => m.messageId.includes(`privacy-code-${requestId}`));
    return /\b(\d{6})\b/.exec(mail.text)?.[1] ?? '';
  }

  async function verifiedRequest(fields: Record<string, string>): Promise<string> {
    const started = await startRequest(fields);
    const code = await codeMailed(fields.email ?? '', started.id);
    const verified = await post(`/privacy/request/${started.id}/verify`, { code_email: code }, started.cookie);
    expect(verified.status, verified.html).toBe(200);
    return started.id;
  }

  describe('the public page', () => {
    it('shows a form that works without JavaScript', async () => {
      const response = await hark.fetch('/privacy/request');
      const html = await response.text();
      expect(response.status).toBe(200);
      expect(html).toContain('<form method="post" action="/privacy/request"');
      expect(html).not.toContain('<script');
    });

    it('names what is missing and stores nothing', async () => {
      const before = await counts();
      const response = await post('/privacy/request', { name: '', email: 'not-an-email', kind: 'correction' });
      expect(response.status).toBe(400);
      expect(response.html).toContain('Enter your name.');
      expect(response.html).toContain('Enter an email address like name@example.com.');
      expect(response.html).toContain('Say what should be corrected');
      expect(await counts()).toEqual(before);
    });

    it('answers the same whether Hark holds anything or not', async () => {
      const known = await post('/privacy/request', { name: 'X', email: person.email, kind: 'access' });
      const unknown = await post('/privacy/request', { name: 'X', email: 'nobody-at-all@example.net', kind: 'access' });
      expect(known.status).toBe(303);
      expect(unknown.status).toBe(303);
      const knownPage = await hark.fetch(known.headers.get('location') ?? '', { headers: { cookie: (known.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '' } });
      const unknownPage = await hark.fetch(unknown.headers.get('location') ?? '', { headers: { cookie: (unknown.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '' } });
      const strip = (html: string) => html.replace(/[0-9a-f-]{36}/g, 'ID');
      expect(strip(await knownPage.text())).toBe(strip(await unknownPage.text()));
    });

    it('refuses an oversized body with 413 and stores nothing', async () => {
      const before = await counts();
      const response = await post('/privacy/request', { name: 'Big', email: 'big@example.com', kind: 'correction', details: 'x'.repeat(20_000) });
      expect(response.status).toBe(413);
      expect(response.html).toContain('too large');
      expect(await counts()).toEqual(before);
    });
  });

  describe('codes', () => {
    it('verifies a request with the emailed code, once', async () => {
      const started = await startRequest({ name: person.name, email: 'code-once@example.com', kind: 'access' });
      const code = await codeMailed('code-once@example.com', started.id);
      expect(code).toMatch(/^\d{6}$/);
      const ok = await post(`/privacy/request/${started.id}/verify`, { code_email: code }, started.cookie);
      expect(ok.status).toBe(200);
      expect(ok.html).toContain('your request is confirmed');
      const before = await counts();
      const again = await post(`/privacy/request/${started.id}/verify`, { code_email: code }, started.cookie);
      expect(again.status).toBe(409);
      expect(again.html).toContain('already confirmed');
      expect(await counts()).toEqual(before);
    });

    it('texts a code to a mobile through the SMS provider', async () => {
      const started = await startRequest({ name: person.name, mobile: '021 555 0199', kind: 'access' });
      const messages = await gateway.waitForMessages(1);
      const text = messages.find((m) => m.to === '+64215550199');
      expect(text?.from).toBe('+6498870000');
      const code = /\b(\d{6})\b/.exec(text?.body ?? '')?.[1] ?? '';
      const ok = await post(`/privacy/request/${started.id}/verify`, { code_mobile: code }, started.cookie);
      expect(ok.status).toBe(200);
    });

    it('refuses a forged code, counting the try, and says how many are left', async () => {
      const started = await startRequest({ name: 'Forger', email: 'forged@example.com', kind: 'access' });
      const code = await codeMailed('forged@example.com', started.id);
      const forged = code === '000000' ? '000001' : '000000';
      const before = await counts();
      const response = await post(`/privacy/request/${started.id}/verify`, { code_email: forged }, started.cookie);
      expect(response.status).toBe(400);
      expect(response.html).toContain('That code is not right. You have 4 tries left.');
      const after = await counts();
      expect(after).toEqual({ ...before, attempts: (before?.attempts ?? 0) + 1 });
    });

    it('stops after 5 tries, even for the right code', async () => {
      const started = await startRequest({ name: 'Guesser', email: 'guesser@example.com', kind: 'access' });
      const code = await codeMailed('guesser@example.com', started.id);
      const wrong = code === '111111' ? '222222' : '111111';
      for (let i = 0; i < 5; i += 1) await post(`/privacy/request/${started.id}/verify`, { code_email: wrong }, started.cookie);
      const before = await counts();
      const response = await post(`/privacy/request/${started.id}/verify`, { code_email: code }, started.cookie);
      expect(response.status).toBe(429);
      expect(response.html).toContain('Too many wrong codes');
      expect(await counts()).toEqual(before);
    });

    it('refuses an expired code and changes nothing', async () => {
      const started = await startRequest({ name: 'Slow', email: 'slow@example.com', kind: 'access' });
      const code = await codeMailed('slow@example.com', started.id);
      await hark.services.db.updateTable('privacy_request_identifiers').set({ code_expires_at: new Date(Date.now() - 1000) }).where('request_id', '=', started.id).execute();
      const before = await counts();
      const response = await post(`/privacy/request/${started.id}/verify`, { code_email: code }, started.cookie);
      expect(response.status).toBe(410);
      expect(response.html).toContain('That code has expired');
      expect(await counts()).toEqual(before);
    });

    it('answers 404 for another request’s id or an unknown one, and changes nothing', async () => {
      const mine = await startRequest({ name: 'Mine', email: 'mine@example.com', kind: 'access' });
      const theirs = await startRequest({ name: 'Theirs', email: 'theirs@example.com', kind: 'access' });
      const code = await codeMailed('theirs@example.com', theirs.id);
      const before = await counts();
      const other = await post(`/privacy/request/${theirs.id}/verify`, { code_email: code }, mine.cookie);
      expect(other.status).toBe(404);
      expect(other.html).toContain('could not find this request');
      const unknown = await post(`/privacy/request/00000000-0000-4000-8000-000000000000/verify`, { code_email: '123456' }, mine.cookie);
      expect(unknown.status).toBe(404);
      expect((await hark.fetch(`/privacy/request/${theirs.id}/verify`)).status).toBe(404);
      expect(await counts()).toEqual(before);
    });
  });

  describe('the operator', () => {
    let requestId: string;

    beforeAll(async () => {
      requestId = await verifiedRequest({ name: person.name, email: person.email, kind: 'access' });
    });

    it('sees verified requests in a queue sorted by working days left, with the holiday table version', async () => {
      const overdue = await verifiedRequest({ name: 'Early Bird', email: 'early@example.com', kind: 'access' });
      const received = addWorkingDays(nzDay(), 0);
      await hark.services.db.updateTable('privacy_requests').set({ due_on: received }).where('id', '=', overdue).execute();
      const list = await operator.get<Array<{ id: string; workingDaysLeft: number; holidayTableVersion: string; dueOn: string }>>('/api/v1/operator/privacy-requests');
      expect(list.status).toBe(200);
      expect(list.body[0]?.id).toBe(overdue);
      const mine = list.body.find((r) => r.id === requestId);
      expect(mine?.dueOn).toBe(responseDueOn(nzDay()));
      expect(mine?.holidayTableVersion).toMatch(/^nz-privacy-act/);
      const days = list.body.map((r) => r.workingDaysLeft);
      expect(days).toEqual([...days].sort((x, y) => x - y));
      await hark.services.db.updateTable('privacy_requests').set({ due_on: responseDueOn(nzDay()) }).where('id', '=', overdue).execute();
    });

    it('is refused to personnel', async () => {
      const staff = await signIn(hark, await createTestUser(hark.services, a.clientId, 'owner'));
      expect((await staff.get('/api/v1/operator/privacy-requests')).status).toBe(403);
    });

    it('searches every client by blind index, audits each client touched, and finds no decoy', async () => {
      const result = await operator.post<{ clients: Array<{ clientId: string; counts: Record<string, number> }>; clientsSearched: number }>(`/api/v1/operator/privacy-requests/${requestId}/search`, {});
      expect(result.status).toBe(200);
      expect(result.body.clientsSearched).toBeGreaterThanOrEqual(2);
      const byClient = new Map(result.body.clients.map((c) => [c.clientId, c.counts]));
      // By email only: client A holds Aroha's email; in B she gave only her mobile.
      expect(byClient.get(a.clientId)).toMatchObject({ endCustomers: 1, feedback: 1, responses: 1, consents: 2, prizeEntries: 1 });
      expect(byClient.has(b.clientId)).toBe(false);
      const audit = await hark.services.db.selectFrom('audit_log').select(['chain_id', 'action']).where('action', '=', 'privacy.request_searched').where('subject_id', '=', requestId).execute();
      expect(audit.map((e) => e.chain_id).sort()).toEqual([a.clientId, '00000000-0000-0000-0000-000000000000'].sort());
    });

    it('refuses to search an identifier the requester did not verify, and changes nothing', async () => {
      const before = await counts();
      const response = await operator.post<{ error: { message: string } }>(`/api/v1/operator/privacy-requests/${requestId}/search`, { identifiers: [{ kind: 'email', value: decoy.email }] });
      expect(response.status).toBe(403);
      expect(response.body.error.message).toContain('Only the identifiers this requester verified');
      expect(await counts()).toEqual(before);
    });

    it('answers 404 for an unknown request', async () => {
      expect((await operator.get('/api/v1/operator/privacy-requests/00000000-0000-4000-8000-000000000000')).status).toBe(404);
      expect((await operator.post('/api/v1/operator/privacy-requests/00000000-0000-4000-8000-000000000000/search', {})).status).toBe(404);
    });
  });

  describe('the access package', () => {
    let requestId: string;
    let started: Started;

    beforeAll(async () => {
      // Both addresses, each proved by its own code.
      started = await startRequest({ name: person.name, email: 'aroha.ngata@example.com', mobile: person.mobile, kind: 'access' });
      const emailCode = await codeMailed(person.email, started.id);
      const messages = await gateway.waitForMessages(2);
      const text = [...messages].reverse().find((m) => m.to === person.e164);
      const mobileCode = /\b(\d{6})\b/.exec(text?.body ?? '')?.[1] ?? '';
      const verified = await post(`/privacy/request/${started.id}/verify`, { code_email: emailCode, code_mobile: mobileCode }, started.cookie);
      expect(verified.status, verified.html).toBe(200);
      requestId = started.id;
    });

    it('holds all the person’s rows in both clients, none of the decoy’s, and flags what names others', async () => {
      expect((await operator.post(`/api/v1/operator/privacy-requests/${requestId}/search`, {})).status).toBe(200);
      const built = await operator.post<{ id: string; items: number; flagged: number }>(`/api/v1/operator/privacy-requests/${requestId}/package`, {});
      expect(built.status).toBe(200);
      const pkg = await operator.get<string>(`/api/v1/operator/privacy-requests/${requestId}/package`);
      expect(pkg.status).toBe(200);
      const content = JSON.parse(typeof pkg.body === 'string' ? pkg.body : JSON.stringify(pkg.body)) as {
        schema: string;
        clients: Array<{ clientId: string; contactRecords: Array<{ email: string | null; mobile: string | null }>; feedback: Array<{ comment: string; review: { flagged: boolean; reasons: string[] } }>; responses: Array<{ body: string; review: { flagged: boolean; reasons: string[] } }>; consents: unknown[]; prizeEntries: unknown[] }>;
      };
      expect(content.schema).toBe('hark.privacy-access-package');
      const clientA = content.clients.find((c) => c.clientId === a.clientId);
      const clientB = content.clients.find((c) => c.clientId === b.clientId);
      expect(clientA?.feedback.map((f) => f.comment)).toEqual(['The pie was cold']);
      expect(clientB?.feedback.map((f) => f.comment)).toEqual(['Great service from Tama at the desk']);
      expect(clientA?.contactRecords).toEqual([expect.objectContaining({ email: person.email, mobile: person.e164 })]);
      expect(clientA?.prizeEntries).toHaveLength(1);
      expect(clientA?.consents).toHaveLength(2);
      expect(clientA?.responses[0]).toMatchObject({ body: 'Spoke to Sam on the ovens about this one.', review: { flagged: true } });
      expect(clientB?.feedback[0]?.review).toEqual({ flagged: true, reasons: ['may_name_others'] });
      expect(clientA?.feedback[0]?.review.flagged).toBe(false);
      const text = JSON.stringify(content);
      expect(text).not.toContain('Decoy');
      expect(text).not.toContain(decoy.email);
      expect(text).not.toContain('+64215550110');
    });

    it('is sent by a single-use link valid 7 days: 200, then 410; unknown 404; expired 410', async () => {
      const answered = await operator.post<{ sentTo: string; linkExpiresAt: string }>(`/api/v1/operator/privacy-requests/${requestId}/respond`, { message: 'Here is everything we hold about you.' });
      expect(answered.status).toBe(200);
      expect(answered.body.sentTo).toBe('email');
      expect(new Date(answered.body.linkExpiresAt).getTime() - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
      const mail = await smtp.waitForMail(person.email, (m) => m.messageId.includes(`privacy-response-${requestId}`));
      const link = mail.text.split(/\s+/).find((w) => w.startsWith(`${hark.url}/privacy/download/`)) ?? '';
      const path = link.slice(hark.url.length);
      const first = await hark.fetch(path);
      const page = await first.text();
      expect(first.status).toBe(200);
      expect(page).toContain('The pie was cold');
      expect(page).toContain('Beta Garage');
      expect(page).not.toContain('Spoke to Sam on the ovens about this one. (review');
      const before = await counts();
      const second = await hark.fetch(path);
      expect(second.status).toBe(410);
      expect((await hark.fetch('/privacy/download/not-a-real-token')).status).toBe(404);
      expect(await counts()).toEqual(before);
      // A fresh link, expired by its date.
      await operator.post(`/api/v1/operator/privacy-requests/${requestId}/respond`, { message: 'again' }).then((r) => expect(r.status).toBe(409));
      const { issueDownloadLink } = await import('../../src/privacy/requests/access-package.ts');
      const pkg = await hark.services.db.selectFrom('privacy_access_packages').select('id').where('request_id', '=', requestId).executeTakeFirstOrThrow();
      const fresh = await issueDownloadLink(hark.services, pkg.id);
      await hark.services.db.updateTable('privacy_access_packages').set({ link_expires_at: new Date(Date.now() - 1000) }).where('id', '=', pkg.id).execute();
      const expired = await hark.fetch(fresh.url.slice(hark.url.length));
      expect(expired.status).toBe(410);
      expect(await expired.text()).toContain('used or has expired');
    });

    it('ends the hold on the person’s rows once answered', async () => {
      const { endCustomersUnderOpenRequest } = await import('../../src/privacy/requests/index.ts');
      const { withClient } = await import('../../src/db/tenancy.ts');
      const rows = await hark.services.db.selectFrom('privacy_request_subjects').select(['end_customer_id', 'closed_at']).where('request_id', '=', requestId).where('client_id', '=', b.clientId).execute();
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.closed_at !== null)).toBe(true);
      // In B only this request found her (the earlier open one searched by email alone).
      const held = await withClient(hark.services.db, b.clientId, (trx) => endCustomersUnderOpenRequest(trx, b.clientId));
      for (const r of rows) if (r.end_customer_id) expect(held.has(r.end_customer_id)).toBe(false);
    });
  });

  describe('corrections, extensions and reminders', () => {
    let requestId: string;
    let endCustomerId: string;

    beforeAll(async () => {
      requestId = await verifiedRequest({ name: person.name, email: person.email, kind: 'correction', details: 'My name is spelt Aroha Ngātā' });
      const search = await operator.post<{ clients: Array<{ clientId: string; endCustomers: string[] }> }>(`/api/v1/operator/privacy-requests/${requestId}/search`, {});
      endCustomerId = search.body.clients.find((c) => c.clientId === a.clientId)?.endCustomers[0] ?? '';
    });

    it('holds the found end customers while the request is open', async () => {
      const { endCustomersUnderOpenRequest } = await import('../../src/privacy/requests/index.ts');
      const { withClient } = await import('../../src/db/tenancy.ts');
      const held = await withClient(hark.services.db, a.clientId, (trx) => endCustomersUnderOpenRequest(trx, a.clientId));
      expect(held.has(endCustomerId)).toBe(true);
    });

    it('corrects a value, encrypted, with the old value only hashed in the audit log, and tells the client', async () => {
      const response = await operator.post<{ kind: string; clientNotified: number }>(`/api/v1/operator/privacy-requests/${requestId}/correct`, { clientId: a.clientId, endCustomerId, field: 'name', value: 'Aroha Ngātā' });
      expect(response.status).toBe(200);
      expect(response.body.kind).toBe('value');
      expect(response.body.clientNotified).toBeGreaterThanOrEqual(1);
      const stored = await hark.services.db.selectFrom('end_customers').select('name_enc').where('id', '=', endCustomerId).executeTakeFirstOrThrow();
      expect(stored.name_enc?.toString('utf8')).not.toContain('Ng');
      const entry = await hark.services.db.selectFrom('audit_log').select(['details']).where('chain_id', '=', a.clientId).where('action', '=', 'privacy.correction_made').executeTakeFirstOrThrow();
      const { createHash } = await import('node:crypto');
      expect(entry.details).toMatchObject({ field: 'name', oldValueSha256: createHash('sha256').update(person.name).digest('hex') });
      expect(JSON.stringify(entry.details)).not.toContain('Aroha');
      const told = await smtp.waitForMail(ownerA.email, (m) => m.subject.includes('was corrected'));
      expect(told.text).toContain('corrected the name');
    });

    it('keeps a statement of correction with the record, shown in the client’s feedback detail', async () => {
      const feedbackId = await customerFeedback(a, person.email);
      const response = await operator.post(`/api/v1/operator/privacy-requests/${requestId}/correct`, { clientId: a.clientId, endCustomerId, feedbackId, statement: 'The pie was warm when served; it cooled while I waited.' });
      expect(response.status).toBe(200);
      const staff = await signIn(hark, await createTestUser(hark.services, a.clientId, 'manager'));
      await staff.post('/api/v1/auth/switch-client', { clientId: a.clientId });
      const detail = await staff.get<{ correctionStatements: Array<{ statement: string }> }>(`/api/v1/feedback/${feedbackId}`);
      expect(detail.status).toBe(200);
      expect(detail.body.correctionStatements.map((s) => s.statement)).toEqual(['The pie was warm when served; it cooled while I waited.']);
    });

    it('refuses to correct a record its search did not find (another person’s), and changes nothing', async () => {
      const { withClient } = await import('../../src/db/tenancy.ts');
      const decoyId = await withClient(hark.services.db, a.clientId, async (trx) => {
        const keyring = await hark.services.keyrings.keyringFor(trx, a.clientId);
        return (await trx.selectFrom('end_customers').select('id').where('email_index', '=', keyring.blindIndex('email', decoy.email)).executeTakeFirstOrThrow()).id;
      });
      const before = await counts();
      const response = await operator.post<{ error: { message: string } }>(`/api/v1/operator/privacy-requests/${requestId}/correct`, { clientId: a.clientId, endCustomerId: decoyId, field: 'name', value: 'Someone Else' });
      expect(response.status).toBe(404);
      expect(response.body.error.message).toContain('found no such record');
      expect(await counts()).toEqual(before);
    });

    it('extends only with a notice to the requester before the due date', async () => {
      const response = await operator.post<{ dueOn: string }>(`/api/v1/operator/privacy-requests/${requestId}/extend`, { extraWorkingDays: 10, reason: 'The records of several businesses need consulting.' });
      expect(response.status).toBe(200);
      expect(response.body.dueOn).toBe(addWorkingDays(responseDueOn(nzDay()), 10));
      const notice = await smtp.waitForMail(person.email, (m) => m.messageId.includes(`privacy-extension-${requestId}`));
      expect(notice.text).toContain('several businesses');
      const detail = await operator.get<{ state: string; extension: { noticeSentAt: string } | null }>(`/api/v1/operator/privacy-requests/${requestId}`);
      expect(detail.body.state).toBe('extended');
      expect(detail.body.extension?.noticeSentAt).toBeTruthy();
    });

    it('refuses an extension once the due date has passed, and changes nothing', async () => {
      const late = await verifiedRequest({ name: 'Late', email: 'late@example.com', kind: 'access' });
      await hark.services.db.updateTable('privacy_requests').set({ due_on: '2026-01-05', received_on: '2025-12-01' }).where('id', '=', late).execute();
      const before = await hark.services.db.selectFrom('privacy_requests').selectAll().where('id', '=', late).executeTakeFirstOrThrow();
      const response = await operator.post<{ error: { message: string } }>(`/api/v1/operator/privacy-requests/${late}/extend`, { extraWorkingDays: 5, reason: 'Too late for this, surely.' });
      expect(response.status).toBe(409);
      expect(response.body.error.message).toContain('due date has passed');
      const after = await hark.services.db.selectFrom('privacy_requests').selectAll().where('id', '=', late).executeTakeFirstOrThrow();
      expect({ ...after, state: after.state, updated_at: null }).toEqual({ ...before, state: 'in_progress', updated_at: null });
    });

    it('reminds operator staff at 10 and 15 working days, once each', async () => {
      const waiting = await verifiedRequest({ name: 'Waiting', email: 'waiting@example.com', kind: 'access' });
      const today = nzDay();
      // Received 11 working days ago (found by walking back through the calendar).
      let received = today;
      const { workingDaysBetween } = await import('../../src/privacy/working-days.ts');
      const back = (days: number) => {
        let day = today;
        while (workingDaysBetween(day, today) < days) day = new Date(new Date(`${day}T00:00:00Z`).getTime() - 86_400_000).toISOString().slice(0, 10);
        return day;
      };
      received = back(11);
      await hark.services.db.updateTable('privacy_requests').set({ received_on: received, due_on: responseDueOn(received) }).where('id', '=', waiting).execute();
      await sendPrivacyRequestReminders(hark.services);
      const ten = await smtp.waitForMail('privacy-ops@hark.example', (m) => m.messageId.includes(`privacy-reminder-10-${waiting}`));
      expect(ten.subject).toContain('10 working days gone');
      await sendPrivacyRequestReminders(hark.services);
      received = back(16);
      await hark.services.db.updateTable('privacy_requests').set({ received_on: received, due_on: responseDueOn(received) }).where('id', '=', waiting).execute();
      await sendPrivacyRequestReminders(hark.services);
      await smtp.waitForMail('privacy-ops@hark.example', (m) => m.messageId.includes(`privacy-reminder-15-${waiting}`));
      await sendPrivacyRequestReminders(hark.services);
      const reminders = smtp.mails.filter((m) => m.messageId.includes(waiting) && m.messageId.includes('privacy-reminder'));
      expect(reminders).toHaveLength(2);
    });

    it('enforces the states: a refused request cannot be answered', async () => {
      const refused = await verifiedRequest({ name: 'Refused', email: 'refused@example.com', kind: 'access' });
      const refusal = await operator.post(`/api/v1/operator/privacy-requests/${refused}/refuse`, { message: 'We could not confirm who you are.' });
      expect(refusal.status).toBe(200);
      const before = await counts();
      const answer = await operator.post<{ error: { message: string } }>(`/api/v1/operator/privacy-requests/${refused}/respond`, { message: 'x' });
      expect(answer.status).toBe(409);
      expect((await operator.post(`/api/v1/operator/privacy-requests/${refused}/package`, {})).status).toBe(409);
      expect(await counts()).toEqual(before);
    });
  });
});
