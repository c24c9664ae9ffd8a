/**
 * Privacy complaints: a person complains through the public form (no JavaScript) and gets a
 * reference by email; operator staff record one that came by phone, see the queue overdue
 * first, move each on received → investigating → responded → closed, and are reminded by
 * email 7 days before and on the due date — once per complaint and reminder. Receipt times
 * are set on the rows (no fake clock).
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/accounts/index.ts';
import { OPERATOR_TIMEZONE } from '../../src/privacy/complaints/due-dates.ts';
import { queueComplaintReminders } from '../../src/privacy/complaints/index.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { postForm } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser, signIn, testPassword, type PortalClient } from '../helpers/portal.ts';
import { createTestClient } from '../helpers/factories.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';
import { waitFor } from '../helpers/wait.ts';

interface Summary {
  id: string;
  reference: string;
  status: string;
  dueOn: string;
  daysLeft: number;
  overdue: boolean;
  business: string | null;
}
interface Complaint extends Summary {
  name: string;
  email: string | null;
  phone: string | null;
  details: string;
  response: string | null;
  allowedNext: string[];
  remindersSent: { kind: string; sentAt: string | null }[];
}
interface ErrorBody {
  error: { code: string; message: string };
}

const DAY = 86_400_000;

describe(`privacy complaints (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let smtp: TestSmtpServer;
  let operator: PortalClient;
  let operatorId: string;

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    hark = await startTestHark({ env: { SMTP_URL: smtp.url, HARK_JOB_POLL_SECONDS: '0.5', HARK_PRIVACY_REMINDER_POLL_SECONDS: '1', HARK_RATE_LIMIT_WINDOW_SECONDS: '600' } });
    operatorId = await createUser(hark.services.db, { email: 'complaints-ops@hark.example', name: 'Hemi Ops', password: testPassword, kind: 'operator' });
    await createUser(hark.services.db, { email: 'second-ops@hark.example', name: 'Second Ops', password: testPassword, kind: 'operator' });
    operator = await signIn(hark, { id: operatorId, email: 'complaints-ops@hark.example', password: testPassword });
  });
  afterAll(async () => {
    await hark?.close();
    await smtp?.close();
  });

  const complaintCount = async () => Number((await hark.services.db.selectFrom('privacy_complaints').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const setReceivedAt = (id: string, at: Date) => hark.services.db.updateTable('privacy_complaints').set({ received_at: at }).where('id', '=', id).execute();

  let webComplaintId = '';

  it('takes a complaint from the public form, without JavaScript, and emails a reference', async () => {
    const page = await hark.fetch('/privacy/complaint');
    expect(page.status).toBe(200);
    const form = await page.text();
    expect(form).toContain('<form method="post" action="/privacy/complaint">');
    expect(form).not.toContain('<script');

    const sent = await postForm(hark, '/privacy/complaint', {
      name: 'Aroha Smith',
      email: 'Aroha@Example.com',
      business: 'Harbour Fish & Chips',
      details: 'They read my phone number out loud to the whole queue and then texted me ads.',
    });
    expect(sent.status).toBe(200);
    const reference = /PC-[0-9A-Z]{8}/.exec(sent.html)?.[0] ?? '';
    expect(reference).not.toBe('');
    expect(sent.html).toContain('respond by');

    const mail = await smtp.waitForMail('aroha@example.com');
    expect(mail.subject).toContain(reference);
    expect(mail.text).toContain(`Your reference: ${reference}`);
    expect(mail.text).toContain('30 days');

    const stored = await hark.services.db.selectFrom('privacy_complaints').selectAll().where('reference', '=', reference).executeTakeFirstOrThrow();
    webComplaintId = stored.id;
    // Sealed at rest: no plaintext in the row.
    expect(JSON.stringify(stored)).not.toContain('Aroha');
    expect(stored.name_enc.toString('latin1')).not.toContain('Aroha');
    expect(stored.details_enc.toString('latin1')).not.toContain('phone number');
    expect(stored.business).toBe('Harbour Fish & Chips');
  });

  it('shows the form again with clear messages for bad input, storing nothing', async () => {
    const before = await complaintCount();
    const bad = await postForm(hark, '/privacy/complaint', { name: '', email: 'not-an-email', details: 'short' });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('Please check your complaint');
    expect(bad.html).toContain('Give your name.');
    expect(bad.html).toContain('Give an email address like name@example.com.');
    expect(bad.html).toContain('Tell us what happened');
    expect(bad.html).toContain('value="not-an-email"');
    const huge = await postForm(hark, '/privacy/complaint', { name: 'A', email: 'a@example.com', details: 'x'.repeat(6000) });
    expect(huge.status).toBe(400);
    expect(huge.html).toContain('Keep it under 5000 characters');
    const tooBig = await postForm(hark, '/privacy/complaint', { name: 'A', email: 'a@example.com', details: 'x'.repeat(70 * 1024) });
    expect(tooBig.status).toBe(413);
    const json = await hark.fetch('/privacy/complaint', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 1 }) });
    expect(json.status).toBe(400);
    expect(await complaintCount()).toBe(before);
  });

  it('lets operator staff record a phoned-in complaint; bad input changes nothing', async () => {
    const before = await complaintCount();
    const noContact = await operator.post<ErrorBody>('/api/v1/operator/complaints', { channel: 'phone', name: 'Wiremu', details: 'Called about a survey he never agreed to.' });
    expect(noContact.status).toBe(400);
    expect(noContact.body.error.message).toContain('email address or a phone number');
    const future = await operator.post<ErrorBody>('/api/v1/operator/complaints', {
      channel: 'phone',
      name: 'Wiremu',
      phone: '+64 21 555 0199',
      details: 'Called about a survey he never agreed to.',
      receivedAt: new Date(Date.now() + 3 * DAY).toISOString(),
    });
    expect(future.status).toBe(400);
    expect(future.body.error.message).toContain('future');
    const badChannel = await operator.post<ErrorBody>('/api/v1/operator/complaints', { channel: 'web', name: 'Wiremu', phone: '+64 21 555 0199', details: 'Called about a survey.' });
    expect(badChannel.status).toBe(400);
    const owner = await signIn(hark, await createTestUser(hark.services, (await createTestClient(hark.services)).clientId, 'owner'));
    expect((await owner.post('/api/v1/operator/complaints', { channel: 'phone', name: 'X', phone: '+6421555019', details: 'Not allowed to do this.' })).status).toBe(403);
    expect((await owner.get('/api/v1/operator/complaints')).status).toBe(403);
    expect((await owner.get(`/api/v1/operator/complaints/${webComplaintId}`)).status).toBe(403);
    expect(await complaintCount()).toBe(before);

    const phoned = await operator.post<Summary>('/api/v1/operator/complaints', {
      channel: 'phone',
      name: 'Wiremu Tane',
      phone: '+64 21 555 0199',
      details: 'Called about a survey text he never agreed to receive.',
      receivedAt: new Date(Date.now() - 2 * DAY).toISOString(),
    });
    expect(phoned.status).toBe(201);
    expect(phoned.body.status).toBe('received');
    expect(phoned.body.daysLeft).toBe(28);
    const shown = await operator.get<Complaint>(`/api/v1/operator/complaints/${phoned.body.id}`);
    expect(shown.body).toMatchObject({ name: 'Wiremu Tane', phone: '+64 21 555 0199', email: null, allowedNext: ['investigating'] });
  });

  it('lists overdue first, then by due date, answered ones last, with days left', async () => {
    const make = async (name: string, daysAgo: number) => {
      const created = await operator.post<Summary>('/api/v1/operator/complaints', { channel: 'letter', name, phone: '+6495550100', details: `Letter from ${name} about a privacy matter.` });
      await setReceivedAt(created.body.id, new Date(Date.now() - daysAgo * DAY));
      return created.body.id;
    };
    const overdueLong = await make('Overdue Long', 45);
    const overdueShort = await make('Overdue Short', 33);
    const soon = await make('Due Soon', 25);
    const list = await operator.get<Summary[]>('/api/v1/operator/complaints?state=open');
    const ids = list.body.map((c) => c.id);
    expect(ids.indexOf(overdueLong)).toBe(0);
    expect(ids.indexOf(overdueShort)).toBe(1);
    expect(ids.indexOf(soon)).toBe(2);
    expect(list.body[0]).toMatchObject({ overdue: true, daysLeft: -15 });
    expect(list.body[2]).toMatchObject({ overdue: false, daysLeft: 5 });
    expect(JSON.stringify(list.body)).not.toContain('Overdue Long'); // the queue holds no personal details
    expect((await operator.get('/api/v1/operator/complaints?state=sideways')).status).toBe(400);
  });

  it('enforces received → investigating → responded → closed, keeps the response and emails it', async () => {
    const id = webComplaintId;
    const skip = await operator.post<ErrorBody>(`/api/v1/operator/complaints/${id}/status`, { status: 'responded', response: 'Sorted.' });
    expect(skip.status).toBe(409);
    expect(skip.body.error.message).toContain('received → investigating → responded → closed');
    expect((await operator.post(`/api/v1/operator/complaints/${id}/status`, { status: 'received' })).status).toBe(400);
    expect((await operator.post(`/api/v1/operator/complaints/${id}/status`, { status: 'investigating', response: 'too early' })).status).toBe(400);
    expect((await operator.post(`/api/v1/operator/complaints/00000000-0000-4000-8000-000000000000/status`, { status: 'investigating' })).status).toBe(404);
    expect((await operator.post(`/api/v1/operator/complaints/not-a-uuid/status`, { status: 'investigating' })).status).toBe(400);
    expect((await operator.get(`/api/v1/operator/complaints/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    const unchanged = await hark.services.db.selectFrom('privacy_complaints').select(['status', 'response_enc']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(unchanged).toEqual({ status: 'received', response_enc: null });

    const investigating = await operator.post<Complaint>(`/api/v1/operator/complaints/${id}/status`, { status: 'investigating' });
    expect(investigating.body.status).toBe('investigating');
    const noResponse = await operator.post<ErrorBody>(`/api/v1/operator/complaints/${id}/status`, { status: 'responded' });
    expect(noResponse.status).toBe(400);
    expect(noResponse.body.error.message).toContain('Write the response');
    const response = 'We spoke with the business; they have stopped reading numbers aloud and removed you from their list.';
    const responded = await operator.post<Complaint>(`/api/v1/operator/complaints/${id}/status`, { status: 'responded', response });
    expect(responded.body).toMatchObject({ status: 'responded', response, allowedNext: ['closed'] });
    const mail = await smtp.waitForMail('aroha@example.com', (m) => m.subject.startsWith('Our response'));
    expect(mail.text).toContain(response);
    const closed = await operator.post<Complaint>(`/api/v1/operator/complaints/${id}/status`, { status: 'closed' });
    expect(closed.body).toMatchObject({ status: 'closed', response, allowedNext: [] });
    expect((await operator.post(`/api/v1/operator/complaints/${id}/status`, { status: 'investigating' })).status).toBe(409);

    const audit = await hark.services.db.selectFrom('audit_log').select(['action', 'actor_kind']).where('subject_id', '=', id).orderBy('seq').execute();
    expect(audit.map((a) => a.action)).toEqual([
      'privacy_complaint.received',
      'privacy_complaint.investigating',
      'privacy_complaint.read',
      'privacy_complaint.responded',
      'privacy_complaint.read',
      'privacy_complaint.closed',
      'privacy_complaint.read',
    ]);
    expect(audit[0]?.actor_kind).toBe('end_customer');
  });

  it('reminds every operator 7 days before and on the due date, once per complaint and reminder', async () => {
    const make = async (name: string) =>
      (await operator.post<Summary>('/api/v1/operator/complaints', { channel: 'email', name, email: `${name.toLowerCase()}@example.com`, details: `An email from ${name} about a privacy matter.` })).body.id;
    const weekAhead = await make('Weekahead');
    const dueToday = await make('Duetoday');
    const notYet = await make('Notyet');
    const answered = await make('Answered');
    // Noon on the operator's calendar, so the days left do not depend on the hour the test runs
    // (an hour before now was yesterday there for the first hour of every day).
    const noonDaysAgo = (days: number) => DateTime.now().setZone(OPERATOR_TIMEZONE).startOf('day').minus({ days }).set({ hour: 12 }).toJSDate();
    await setReceivedAt(weekAhead, noonDaysAgo(23));
    await setReceivedAt(dueToday, noonDaysAgo(30));
    await setReceivedAt(notYet, new Date(Date.now() - 10 * DAY));
    // Answered before it is back-dated: the reminder poller runs meanwhile, and must never see
    // it due and unanswered.
    await operator.post(`/api/v1/operator/complaints/${answered}/status`, { status: 'investigating' });
    await operator.post(`/api/v1/operator/complaints/${answered}/status`, { status: 'responded', response: 'Answered in time.' });
    await setReceivedAt(answered, new Date(Date.now() - 30 * DAY));

    const reference = async (id: string) => (await hark.services.db.selectFrom('privacy_complaints').select('reference').where('id', '=', id).executeTakeFirstOrThrow()).reference;
    const weekRef = await reference(weekAhead);
    const dueRef = await reference(dueToday);
    for (const to of ['complaints-ops@hark.example', 'second-ops@hark.example']) {
      const week = await smtp.waitForMail(to, (m) => m.subject.includes(weekRef));
      expect(week.subject).toContain('is due in 7 days');
      expect(week.text).not.toContain('Weekahead'); // no personal details in reminders
      const due = await smtp.waitForMail(to, (m) => m.subject.includes(dueRef));
      expect(due.subject).toContain('is due today');
    }
    await waitFor(async () => {
      const rows = await hark.services.db.selectFrom('privacy_complaint_reminders').select(['sent_at']).where('complaint_id', 'in', [weekAhead, dueToday]).execute();
      return rows.length === 2 && rows.every((r) => r.sent_at) ? true : undefined;
    });
    // More rounds of the poller, and direct runs, queue nothing again.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await queueComplaintReminders(hark.services)).toBe(0);
    expect(await queueComplaintReminders(hark.services)).toBe(0);
    const reminders = await hark.services.db.selectFrom('privacy_complaint_reminders').select(['complaint_id', 'kind', 'recipients']).execute();
    const ours = reminders.filter((r) => [weekAhead, dueToday, notYet, answered].includes(r.complaint_id));
    expect(ours.map((r) => [r.complaint_id, r.kind, r.recipients]).sort()).toEqual(
      [
        [weekAhead, 'week_before', 2],
        [dueToday, 'due_date', 2],
      ].sort(),
    );
    const staffMails = () => smtp.mails.filter((m) => m.to.some((to) => to.endsWith('@hark.example')));
    expect(staffMails().filter((m) => m.subject.includes(weekRef) || m.subject.includes(dueRef))).toHaveLength(4);

    // A week later the first one is due: its due-date reminder goes, once.
    await setReceivedAt(weekAhead, new Date(Date.now() - 30 * DAY - 3_600_000));
    await smtp.waitForMail('second-ops@hark.example', (m) => m.subject.includes(weekRef) && /due today|overdue/.test(m.subject));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(staffMails().filter((m) => m.subject.includes(weekRef))).toHaveLength(4);
    const detail = await operator.get<Complaint>(`/api/v1/operator/complaints/${weekAhead}`);
    expect(detail.body.remindersSent.map((r) => r.kind)).toEqual(['week_before', 'due_date']);
  });

  it('rate limits the public form by IP (HARK_PRIVACY_COMPLAINT_LIMIT_PER_IP)', async () => {
    const limited = await startTestHark({ env: { HARK_RATE_LIMIT_WINDOW_SECONDS: '600', HARK_PRIVACY_COMPLAINT_LIMIT_PER_IP: '4' } });
    try {
      const fields = { name: 'Flood', email: 'flood@example.com', details: 'The same complaint, many times over.' };
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await postForm(limited, '/privacy/complaint', fields)).status);
      expect(statuses.slice(0, 4).every((s) => s === 200)).toBe(true);
      expect(statuses[4]).toBe(429);
      const page = await postForm(limited, '/privacy/complaint', fields);
      expect(page.html).toContain('Nothing was lost');
      expect(page.html).toContain('value="flood@example.com"');
      const count = await limited.services.db.selectFrom('privacy_complaints').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      expect(Number(count.n)).toBe(4);
    } finally {
      await limited.close();
    }
  });
});
