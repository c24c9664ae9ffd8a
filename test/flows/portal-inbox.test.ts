/**
 * The portal's feedback API over real HTTP: the inbox with every filter and deep paging,
 * a feedback's detail, replying by email (received by a real SMTP server), notes, status
 * and category changes, and what managers, viewers and other clients can and cannot see.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser, signIn, type PortalClient } from '../helpers/portal.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';
import { testDatabaseKind } from '../helpers/database.ts';

interface Item {
  id: string;
  score: number;
  scoreBand: string;
  comment: string;
  channel: string;
  status: string;
  category: string;
  locationId: string;
  subMeasureId: string | null;
  hasContact: boolean;
  responded: boolean;
}
interface Page {
  items: Item[];
  nextCursor: string | null;
}
interface Detail extends Item {
  contact: { name: string | null; email: string | null; mobile: string | null } | null;
  contactHidden: boolean;
  timeline: { kind: string; body: string; author: { name: string } | null; status: string | null }[];
  suggestedTemplates: { id: string; name: string; subject: string; body: string }[];
}

describe(`portal feedback API (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let smtp: TestSmtpServer;
  let client: TestClient;
  let other: TestClient;
  let admin: PortalClient;
  const given: { comment: string; score: string; path: string; email?: string }[] = [];

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    hark = await startTestHark({ env: { SMTP_URL: smtp.url, HARK_JOB_POLL_SECONDS: '0.5', HARK_MAIL_FROM: 'Hark <feedback@hark.example>' } });
    client = await createTestClient(hark.services, { name: 'Kōwhai Café' });
    other = await createTestClient(hark.services, { name: 'Other Café' });
    const main = `/f/${client.location.code}`;
    const harbour = `/f/${client.otherLocation.code}`;
    const staff = `/f/${client.location.code}/${client.subMeasure.code}`;
    given.push(
      { path: main, score: '1', comment: 'Cold coffee and a long wait', email: 'aroha@example.com' },
      { path: main, score: '5', comment: 'Lovely staff, great flat white' },
      { path: harbour, score: '3', comment: 'Fine but the music was loud' },
      { path: staff, score: '4', comment: 'Kiri was very helpful with the order' },
      { path: harbour, score: '2', comment: 'Wait was long, table was sticky' },
    );
    for (const g of given) {
      const response = await giveFeedback(hark, g.path, {
        score: g.score,
        comment: g.comment,
        ...(g.email ? { name: 'Aroha', email: g.email, contact_requested: 'yes' } : {}),
      });
      expect(response.status, response.html).toBe(200);
    }
    await giveFeedback(hark, `/f/${other.location.code}`, { score: '1', comment: 'Another business entirely' });
    admin = await signIn(hark, await createTestUser(hark.services, client.clientId, 'admin'));
  });
  afterAll(async () => {
    await hark?.close();
    await smtp?.close();
  });

  it('lists the client’s feedback newest first, and nothing of another client', async () => {
    const page = await admin.get<Page>('/api/v1/feedback');
    expect(page.status).toBe(200);
    expect(page.body.items.map((i) => i.comment)).toEqual(given.map((g) => g.comment).reverse());
    expect(page.body.nextCursor).toBeNull();
  });

  it('filters by score band, location (with everything below it), staff member, contact and words', async () => {
    const comments = async (query: string) => (await admin.get<Page>(`/api/v1/feedback?${query}`)).body.items.map((i) => i.comment).sort();
    expect(await comments('scoreBand=low')).toEqual(['Cold coffee and a long wait', 'Wait was long, table was sticky']);
    expect(await comments('scoreBand=middle')).toEqual(['Fine but the music was loud']);
    expect(await comments(`locationId=${client.otherLocation.id}`)).toEqual(['Fine but the music was loud', 'Wait was long, table was sticky']);
    const region = await hark.services.db.selectFrom('locations').select('parent_id').where('id', '=', client.location.id).executeTakeFirstOrThrow();
    expect(await comments(`locationId=${region.parent_id}`)).toHaveLength(5);
    expect(await comments(`subMeasureId=${client.subMeasure.id}`)).toEqual(['Kiri was very helpful with the order']);
    expect(await comments('hasContact=true')).toEqual(['Cold coffee and a long wait']);
    expect(await comments('q=wait')).toEqual(['Cold coffee and a long wait', 'Wait was long, table was sticky']);
    expect(await comments('q=waiting')).toEqual(['Cold coffee and a long wait', 'Wait was long, table was sticky']);
    expect(await comments('channel=sms')).toEqual([]);
    expect(await comments('status=new&category=general')).toHaveLength(5);
  });

  it('filters by the client’s own calendar days', async () => {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Pacific/Auckland' }).format(new Date());
    expect((await admin.get<Page>(`/api/v1/feedback?from=${today}&to=${today}`)).body.items).toHaveLength(5);
    expect((await admin.get<Page>('/api/v1/feedback?from=2020-01-01&to=2020-12-31')).body.items).toHaveLength(0);
  });

  it('pages with a cursor without repeating or skipping anything', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { body: Page } = await admin.get<Page>(`/api/v1/feedback?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.body.items.map((i) => i.comment));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(given.map((g) => g.comment).reverse());
  });

  it('answers bad filters with a message that names the problem', async () => {
    const bad = [
      ['from=2024-13-45x', 'YYYY-MM-DD'],
      ['from=2024-05-02&to=2024-05-01', 'must not be after'],
      ['scoreBand=terrible', 'scoreBand'],
      ['limit=1000', 'limit'],
      ['cursor=not-a-cursor', 'cursor'],
      ['locationId=not-a-uuid', 'locationId'],
    ] as const;
    for (const [query, words] of bad) {
      const response = await admin.get<{ error: { code: string; message: string } }>(`/api/v1/feedback?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error.message, query).toContain(words);
    }
    const elsewhere = await admin.get<{ error: { code: string } }>(`/api/v1/feedback?locationId=${other.location.id}`);
    expect(elsewhere.status).toBe(404);
  });

  it('shows a feedback with its contact details, templates filled for the customer, and its timeline', async () => {
    const [low] = (await admin.get<Page>('/api/v1/feedback?hasContact=true')).body.items;
    const detail = await admin.get<Detail>(`/api/v1/feedback/${low?.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.contact).toEqual({ name: 'Aroha', email: 'aroha@example.com', mobile: null });
    expect(detail.body.contactHidden).toBe(false);
    // The default alert rule opened a case on this low score.
    expect(detail.body.timeline.map((t) => t.kind)).toEqual(['feedback', 'case']);
    expect(detail.body.suggestedTemplates.length).toBeGreaterThan(0);
    expect(detail.body.suggestedTemplates[0]?.body).toContain('Kia ora Aroha');
    expect(detail.body.suggestedTemplates[0]?.body).toContain('Kōwhai Café');
    expect(detail.body.suggestedTemplates[0]?.subject).toContain('Main Street');
  });

  it('emails a reply to the customer, records it on the timeline, and moves the feedback to in progress', async () => {
    const [low] = (await admin.get<Page>('/api/v1/feedback?hasContact=true')).body.items;
    const sent = await admin.post<{ id: string; status: string }>(`/api/v1/feedback/${low?.id}/responses`, {
      kind: 'email',
      subject: 'Sorry about the cold coffee',
      body: 'Kia ora Aroha, your next coffee is on us.',
    });
    expect(sent.status).toBe(201);
    expect(sent.body.status).toBe('queued');
    const mail = await smtp.waitForMail('aroha@example.com');
    expect(mail.subject).toBe('Sorry about the cold coffee');
    expect(mail.text).toContain('your next coffee is on us');
    expect(mail.messageId).toContain(`response-${sent.body.id}`);

    const detail = await admin.get<Detail>(`/api/v1/feedback/${low?.id}`);
    expect(detail.body.status).toBe('in_progress');
    expect(detail.body.responded).toBe(true);
    const reply = detail.body.timeline.find((t) => t.kind === 'email');
    expect(reply?.author?.name).toBe('Test admin');
    // The job marks it sent once the SMTP server has taken it.
    await hark.services.jobs.drained('send-response', 15_000);
    const after = await admin.get<Detail>(`/api/v1/feedback/${low?.id}`);
    expect(after.body.timeline.find((t) => t.kind === 'email')?.status).toBe('sent');
  });

  it('refuses to email a customer who left no address, and sends nothing', async () => {
    const [noContact] = (await admin.get<Page>('/api/v1/feedback?hasContact=false&scoreBand=high')).body.items;
    const before = smtp.mails.length;
    const response = await admin.post<{ error: { message: string } }>(`/api/v1/feedback/${noContact?.id}/responses`, { kind: 'email', subject: 'Hi', body: 'Thanks' });
    expect(response.status).toBe(409);
    expect(response.body.error.message).toContain('no email address');
    const rows = await hark.services.db.selectFrom('responses').select('id').where('feedback_id', '=', noContact?.id ?? '').execute();
    expect(rows).toHaveLength(0);
    expect(smtp.mails.length).toBe(before);
  });

  it('adds internal notes, and changes status and category with the change on the timeline', async () => {
    const [item] = (await admin.get<Page>('/api/v1/feedback?scoreBand=middle')).body.items;
    expect((await admin.post(`/api/v1/feedback/${item?.id}/responses`, { kind: 'note', body: 'Asked the team to turn the music down' })).status).toBe(201);
    const patched = await admin.patch<Detail>(`/api/v1/feedback/${item?.id}`, { status: 'resolved', category: 'complaint' });
    expect(patched.status).toBe(200);
    expect(patched.body.status).toBe('resolved');
    expect(patched.body.category).toBe('complaint');
    expect(patched.body.timeline.map((t) => [t.kind, t.body])).toEqual([
      ['feedback', 'Fine but the music was loud'],
      ['note', 'Asked the team to turn the music down'],
      ['status', 'new → resolved'],
      ['category', 'general → complaint'],
    ]);
    expect((await admin.get<Page>('/api/v1/feedback?status=resolved&category=complaint')).body.items.map((i) => i.id)).toEqual([item?.id]);
    const audit = await hark.services.db.selectFrom('audit_log').select('action').where('chain_id', '=', client.clientId).where('subject_id', '=', item?.id ?? '').execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['feedback.category_changed', 'feedback.note_added', 'feedback.status_changed']);
  });

  it('refuses bad changes with a clear message and leaves the feedback as it was', async () => {
    const [item] = (await admin.get<Page>('/api/v1/feedback?scoreBand=high&hasContact=false')).body.items;
    for (const body of [{}, { status: 'archived' }, { category: 'rant' }]) {
      const response = await admin.patch<{ error: { message: string } }>(`/api/v1/feedback/${item?.id}`, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.message.length).toBeGreaterThan(10);
    }
    for (const body of [{ kind: 'email', subject: '', body: 'x' }, { kind: 'note', body: '   ' }, { kind: 'fax', body: 'x' }, { kind: 'note', body: 'x'.repeat(5001) }]) {
      const response = await admin.post(`/api/v1/feedback/${item?.id}/responses`, body);
      expect(response.status, JSON.stringify(body).slice(0, 60)).toBe(400);
    }
    const row = await hark.services.db.selectFrom('feedback').select(['status', 'category']).where('id', '=', item?.id ?? '').executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'new', category: 'general' });
  });

  it('gives a manager only the feedback of their locations, and 404 for the rest', async () => {
    const manager = await signIn(hark, await createTestUser(hark.services, client.clientId, 'manager', { locationScope: [client.otherLocation.id] }));
    const page = await manager.get<Page>('/api/v1/feedback');
    expect(page.body.items.map((i) => i.locationId)).toEqual([client.otherLocation.id, client.otherLocation.id]);
    const outside = (await admin.get<Page>(`/api/v1/feedback?locationId=${client.location.id}`)).body.items[0];
    expect((await manager.get(`/api/v1/feedback/${outside?.id}`)).status).toBe(404);
    expect((await manager.patch(`/api/v1/feedback/${outside?.id}`, { status: 'resolved' })).status).toBe(404);
    expect((await manager.post(`/api/v1/feedback/${outside?.id}/responses`, { kind: 'note', body: 'sneaky' })).status).toBe(404);
    expect((await manager.get(`/api/v1/feedback?locationId=${client.location.id}`)).status).toBe(404);
    const row = await hark.services.db.selectFrom('feedback').select('status').where('id', '=', outside?.id ?? '').executeTakeFirstOrThrow();
    expect(row.status).not.toBe('resolved');
  });

  it('lets a viewer read but not change, and hides contact details from them', async () => {
    const viewer = await signIn(hark, await createTestUser(hark.services, client.clientId, 'viewer'));
    const [withContact] = (await viewer.get<Page>('/api/v1/feedback?hasContact=true')).body.items;
    const detail = await viewer.get<Detail>(`/api/v1/feedback/${withContact?.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.contact).toBeNull();
    expect(detail.body.contactHidden).toBe(true);
    expect(JSON.stringify(detail.body)).not.toContain('aroha@example.com');
    expect(detail.body.suggestedTemplates).toEqual([]);
    expect((await viewer.patch(`/api/v1/feedback/${withContact?.id}`, { status: 'resolved' })).status).toBe(403);
    expect((await viewer.post(`/api/v1/feedback/${withContact?.id}/responses`, { kind: 'note', body: 'x' })).status).toBe(403);
  });

  it('shows another client’s staff nothing of this client', async () => {
    const outsider = await signIn(hark, await createTestUser(hark.services, other.clientId, 'owner'));
    const theirs = (await outsider.get<Page>('/api/v1/feedback')).body.items;
    expect(theirs.map((i) => i.comment)).toEqual(['Another business entirely']);
    const ours = (await admin.get<Page>('/api/v1/feedback')).body.items[0];
    expect((await outsider.get(`/api/v1/feedback/${ours?.id}`)).status).toBe(404);
    expect((await outsider.patch(`/api/v1/feedback/${ours?.id}`, { category: 'suggestion' })).status).toBe(404);
    expect((await outsider.post(`/api/v1/feedback/${ours?.id}/responses`, { kind: 'note', body: 'x' })).status).toBe(404);
  });

  it('asks for a session, and for the CSRF token on changes', async () => {
    expect((await hark.fetch('/api/v1/feedback')).status).toBe(401);
    const [item] = (await admin.get<Page>('/api/v1/feedback')).body.items;
    const withoutToken = await admin.request('PATCH', `/api/v1/feedback/${item?.id}`, { status: 'resolved' }, { 'x-csrf-token': 'forged' });
    expect(withoutToken.status).toBe(403);
    // What a form on another site could send: the browser's cookie, a urlencoded body, no token.
    const cookie = [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const crossSite = await hark.fetch(`/api/v1/feedback/${item?.id}/responses`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'kind=note&body=planted',
    });
    expect(crossSite.status).toBe(415);
    const withoutHeader = await hark.fetch(`/api/v1/feedback/${item?.id}/responses`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'note', body: 'planted' }),
    });
    expect(withoutHeader.status).toBe(403);
    const notes = await hark.services.db.selectFrom('responses').select('body').where('body', '=', 'planted').execute();
    expect(notes).toEqual([]);
  });
});
