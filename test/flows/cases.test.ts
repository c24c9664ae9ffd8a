/**
 * The life of a case through the API: opened by the default rule (due by the service level
 * in business hours), listed, assigned, moved on by the first reply, escalated when overdue,
 * resolved with a code and note, and followed up by text and by email.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addBusinessHours } from '../../src/cases/business-time.ts';
import { withClient } from '../../src/db/tenancy.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { createTestUser, signIn, type PortalClient, type TestUser } from '../helpers/portal.ts';
import { enableSms, startSmsTestHark, TestPhone, type SmsTestClient, type SmsTestHark } from '../helpers/sms.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';
import { waitFor } from '../helpers/wait.ts';

interface CaseBody {
  id: string;
  feedbackId: string;
  status: string;
  reason: string;
  assignee: { id: string; name: string } | null;
  openedAt: string;
  dueAt: string;
  overdue: boolean;
  escalationLevel: number;
  firstResponseAt: string | null;
  resolutionCode: string | null;
  followUp: { channel: string; answer: string | null } | null;
  followUpSentBy?: string | null;
}
type ErrorBody = { error: { message: string } };

let sms: SmsTestHark;
let smtp: TestSmtpServer;
let client: TestClient;
let numbers: SmsTestClient;
let admin: PortalClient;
let adminUser: TestUser;
let owner: TestUser;
let manager: TestUser;
let otherManager: TestUser;

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  sms = await startSmsTestHark({ SMTP_URL: smtp.url, HARK_ALERT_POLL_SECONDS: '0.2' });
  client = await createTestClient(sms.hark.services, { name: 'Case Café' });
  numbers = await enableSms(sms.hark.services, client);
  owner = await createTestUser(sms.hark.services, client.clientId, 'owner');
  adminUser = await createTestUser(sms.hark.services, client.clientId, 'admin');
  manager = await createTestUser(sms.hark.services, client.clientId, 'manager', { locationScope: [client.location.id] });
  otherManager = await createTestUser(sms.hark.services, client.clientId, 'manager', { locationScope: [client.otherLocation.id] });
  admin = await signIn(sms.hark, adminUser);
});
afterAll(async () => {
  await sms?.close();
  await smtp?.close();
});

async function lowScoreByWeb(comment: string, email?: string): Promise<CaseBody> {
  await giveFeedback(sms.hark, `/f/${client.location.code}`, { score: '1', comment, ...(email ? { name: 'Kim', email } : {}) });
  const feedback = await withClient(sms.hark.services.db, client.clientId, (trx) =>
    trx.selectFrom('feedback').select('id').where('client_id', '=', client.clientId).where('comment', '=', comment).executeTakeFirstOrThrow(),
  );
  const found = await admin.get<CaseBody>(`/api/v1/feedback/${feedback.id}/case`);
  expect(found.status).toBe(200);
  return found.body;
}

describe('a case', () => {
  it('is opened by the default rule, due after the service level’s business hours', async () => {
    const opened = await lowScoreByWeb('the eggs were raw');
    expect(opened).toMatchObject({ status: 'new', reason: 'low_score', assignee: null, escalationLevel: 0, overdue: false });
    const due = addBusinessHours(new Date(opened.openedAt), 16, { timezone: 'Pacific/Auckland', start: '09:00', end: '17:00', days: [1, 2, 3, 4, 5] });
    expect(opened.dueAt).toBe(due.toISOString());
    const team = await admin.get<CaseBody[]>('/api/v1/cases?view=team');
    expect(team.body.map((c) => c.id)).toContain(opened.id);
    const unassigned = await admin.get<CaseBody[]>('/api/v1/cases?view=unassigned');
    expect(unassigned.body.map((c) => c.id)).toContain(opened.id);
  });

  it('is assigned to someone who can see its location, and not to others', async () => {
    const opened = await lowScoreByWeb('waited forty minutes');
    const refused = await admin.patch<ErrorBody>(`/api/v1/cases/${opened.id}`, { assigneeUserId: otherManager.id });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/can see its location/);
    const assigned = await admin.patch<CaseBody>(`/api/v1/cases/${opened.id}`, { assigneeUserId: manager.id });
    expect(assigned.status).toBe(200);
    expect(assigned.body.assignee?.id).toBe(manager.id);
    const mine = await (await signIn(sms.hark, manager)).get<CaseBody[]>('/api/v1/cases?view=mine');
    expect(mine.body.map((c) => c.id)).toEqual([opened.id]);
    // The other manager cannot see it at all.
    const other = await signIn(sms.hark, otherManager);
    expect((await other.get(`/api/v1/cases/${opened.id}`)).status).toBe(404);
    expect((await other.get<CaseBody[]>('/api/v1/cases?view=team')).body.map((c) => c.id)).not.toContain(opened.id);
  });

  it('moves to in progress with the first reply, and records when', async () => {
    const opened = await lowScoreByWeb('no reply yet', 'kim.reply@example.com');
    const reply = await admin.post(`/api/v1/feedback/${opened.feedbackId}/responses`, { kind: 'email', subject: 'Sorry', body: 'We are sorry.' });
    expect(reply.status).toBe(201);
    const after = await admin.get<CaseBody>(`/api/v1/cases/${opened.id}`);
    expect(after.body.status).toBe('in_progress');
    expect(after.body.firstResponseAt).not.toBeNull();
  });

  it('is resolved with a code and note, resolving its feedback; a second resolve is refused', async () => {
    const opened = await lowScoreByWeb('broken chair');
    const bad = await admin.post<ErrorBody>(`/api/v1/cases/${opened.id}/resolve`, { resolutionCode: 'magic' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/must be one of fixed, apologised/);
    const resolved = await admin.post<CaseBody>(`/api/v1/cases/${opened.id}/resolve`, { resolutionCode: 'fixed', note: 'Chair replaced.' });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'resolved', resolutionCode: 'fixed', followUp: null, followUpSentBy: null });
    const feedback = await admin.get<{ status: string; timeline: { kind: string; body: string }[] }>(`/api/v1/feedback/${opened.feedbackId}`);
    expect(feedback.body.status).toBe('resolved');
    expect(feedback.body.timeline.filter((t) => t.kind === 'case').map((t) => t.body)).toEqual(['Case opened: a low score', 'Case resolved: fixed the problem']);
    expect((await admin.post(`/api/v1/cases/${opened.id}/resolve`, { resolutionCode: 'fixed' })).status).toBe(409);
    expect((await admin.patch(`/api/v1/cases/${opened.id}`, { status: 'in_progress' })).status).toBe(409);
  });

  it('is resolved when its feedback is marked resolved', async () => {
    const opened = await lowScoreByWeb('resolved from the status');
    expect((await admin.patch(`/api/v1/feedback/${opened.feedbackId}`, { status: 'resolved' })).status).toBe(200);
    const after = await admin.get<CaseBody>(`/api/v1/cases/${opened.id}`);
    expect(after.body).toMatchObject({ status: 'resolved', resolutionCode: 'other' });
  });

  it('refuses a list query it does not understand, naming the parameter', async () => {
    const bad = await admin.get<ErrorBody>('/api/v1/cases?view=everyone');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('must be mine, team or unassigned');
    const rule = (await admin.get<{ id: string }[]>('/api/v1/alert-rules')).body[0];
    const elsewhere = await admin.request<ErrorBody>('PUT', `/api/v1/alert-rules/${rule?.id}`, { name: 'x', conditions: { lowBand: true }, locationIds: ['00000000-0000-4000-8000-000000000000'] });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error.message).toContain('not one of this business’s locations');
  });

  it('can be opened by hand on any feedback, once', async () => {
    await giveFeedback(sms.hark, `/f/${client.location.code}`, { score: '4', comment: 'fine but the bill was wrong' });
    const feedback = await withClient(sms.hark.services.db, client.clientId, (trx) =>
      trx.selectFrom('feedback').select('id').where('client_id', '=', client.clientId).where('comment', '=', 'fine but the bill was wrong').executeTakeFirstOrThrow(),
    );
    expect((await admin.get(`/api/v1/feedback/${feedback.id}/case`)).status).toBe(404);
    const opened = await admin.post<CaseBody>(`/api/v1/feedback/${feedback.id}/case`, { assigneeUserId: manager.id });
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({ reason: 'manual', assignee: { id: manager.id } });
    expect((await admin.post(`/api/v1/feedback/${feedback.id}/case`, {})).status).toBe(409);
    const viewer = await signIn(sms.hark, await createTestUser(sms.hark.services, client.clientId, 'viewer'));
    expect((await viewer.post(`/api/v1/cases/${opened.body.id}/resolve`, { resolutionCode: 'fixed' })).status).toBe(403);
  });
});

describe('escalation', () => {
  it('tells the admins when a case is overdue, then the owners when it stays open as long again', async () => {
    const opened = await lowScoreByWeb('escalate me');
    const db = sms.hark.services.db;
    const hour = 3_600_000;
    // Opened two hours ago, due an hour ago: overdue, but not yet for as long again.
    await withClient(db, client.clientId, (trx) =>
      trx.updateTable('cases').set({ opened_at: new Date(Date.now() - 2 * hour), due_at: new Date(Date.now() - hour) }).where('client_id', '=', client.clientId).where('id', '=', opened.id).execute(),
    );
    const toAdmin = await smtp.waitForMail(adminUser.email, (m) => m.subject.startsWith('Overdue case'));
    expect(toAdmin.text).toContain('is past its due time and still open');
    expect(toAdmin.text).toContain(`/portal/feedback/${opened.feedbackId}`);
    await waitFor(async () => ((await admin.get<CaseBody>(`/api/v1/cases/${opened.id}`)).body.escalationLevel === 1 ? true : undefined));
    expect(smtp.mails.filter((m) => m.to.includes(owner.email) && m.subject.startsWith('Overdue case'))).toHaveLength(0);
    // Opened three hours ago, due ninety minutes ago: as long again has passed.
    await withClient(db, client.clientId, (trx) =>
      trx.updateTable('cases').set({ opened_at: new Date(Date.now() - 3 * hour), due_at: new Date(Date.now() - 1.5 * hour) }).where('client_id', '=', client.clientId).where('id', '=', opened.id).execute(),
    );
    await smtp.waitForMail(owner.email, (m) => m.subject.startsWith('Overdue case'));
    await waitFor(async () => ((await admin.get<CaseBody>(`/api/v1/cases/${opened.id}`)).body.escalationLevel === 2 ? true : undefined));
    const timeline = (await admin.get<{ timeline: { kind: string; body: string }[] }>(`/api/v1/feedback/${opened.feedbackId}`)).body.timeline;
    expect(timeline.filter((t) => t.kind === 'case').map((t) => t.body)).toEqual([
      'Case opened: a low score',
      'Case overdue: escalated to the admins',
      'Case long overdue: escalated to the owners',
    ]);
    // Each level is told once.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(smtp.mails.filter((m) => m.to.includes(adminUser.email) && m.subject.startsWith('Overdue case') && m.text.includes('escalate me'))).toHaveLength(1);
  });
});

describe('"did we fix it?"', () => {
  it('asks by text when the customer texted, and records their YES', async () => {
    const phone = new TestPhone(sms, numbers.number);
    await phone.ask(`${numbers.smsCode} 1 burnt toast`);
    const feedback = await withClient(sms.hark.services.db, client.clientId, (trx) =>
      trx.selectFrom('feedback').select('id').where('client_id', '=', client.clientId).where('comment', '=', 'burnt toast').executeTakeFirstOrThrow(),
    );
    const opened = (await admin.get<CaseBody>(`/api/v1/feedback/${feedback.id}/case`)).body;
    const resolved = await admin.post<CaseBody>(`/api/v1/cases/${opened.id}/resolve`, { resolutionCode: 'apologised', note: 'New toast.', followUp: true });
    expect(resolved.body.followUpSentBy).toBe('sms');
    expect(await phone.nextTexts(1)).toEqual([expect.stringMatching(/Did we fix it\? Reply YES or NO\.$/)]);
    expect(await phone.ask('Yes!')).toMatch(/glad it is fixed/);
    const after = (await admin.get<CaseBody>(`/api/v1/cases/${opened.id}`)).body;
    expect(after.followUp).toMatchObject({ channel: 'sms', answer: 'yes' });
  });

  it('asks by email with a link; the page records the answer only when the customer presses a button', async () => {
    const opened = await lowScoreByWeb('soup was cold', 'kim.soup@example.com');
    const resolved = await admin.post<CaseBody>(`/api/v1/cases/${opened.id}/resolve`, { resolutionCode: 'refunded', followUp: true });
    expect(resolved.body.followUpSentBy).toBe('email');
    const mail = await smtp.waitForMail('kim.soup@example.com', (m) => m.subject.startsWith('Did we fix it?'));
    const link = /(http\S+\/follow-up\/\S+)\?answer=no/.exec(mail.text)?.[1];
    expect(link).toBeDefined();
    const page = await fetch(`${link}?answer=no`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('No, not yet (confirm)');
    expect((await admin.get<CaseBody>(`/api/v1/cases/${opened.id}`)).body.followUp?.answer).toBeNull();
    const answer = await fetch(link as string, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'answer=no' });
    expect(await answer.text()).toContain('We will keep working on it');
    expect((await admin.get<CaseBody>(`/api/v1/cases/${opened.id}`)).body.followUp?.answer).toBe('no');
    const again = await fetch(link as string, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'answer=yes' });
    expect(await again.text()).toContain('We have your answer already');
    const forged = await fetch(`${(link as string).slice(0, -4)}AAAA`);
    expect(forged.status).toBe(404);
  });

  it('says when there is no way to ask', async () => {
    const opened = await lowScoreByWeb('anonymous complaint');
    const resolved = await admin.post<CaseBody>(`/api/v1/cases/${opened.id}/resolve`, { resolutionCode: 'no_action_needed', followUp: true });
    expect(resolved.body.followUpSentBy).toBeNull();
  });
});

describe('figures', () => {
  it('counts open and overdue cases, time to first response, resolution in time and the recovery rate', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    const to = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const summary = await admin.get<Record<string, number | null>>(`/api/v1/cases/summary?from=${from}&to=${to}`);
    expect(summary.status).toBe(200);
    expect(summary.body).toMatchObject({ followUpsAnswered: 2, recoveryRate: 0.5 });
    expect(summary.body.open).toBeGreaterThanOrEqual(3);
    expect(summary.body.overdue).toBeGreaterThanOrEqual(1);
    expect(summary.body.resolved).toBeGreaterThanOrEqual(4);
    expect(summary.body.resolvedWithinServiceLevel).toBe(1);
    expect(summary.body.medianMinutesToFirstResponse).not.toBeNull();
    expect((await admin.get(`/api/v1/cases/summary?from=${to}&to=${today}`)).status).toBe(400);
  });

  it('takes a new service level for cases opened from then on, and refuses nonsense', async () => {
    const bad = await admin.patch<ErrorBody>('/api/v1/cases/service-level', { businessHours: { start: '17:00', end: '09:00' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/end after they start/);
    const changed = await admin.patch<{ caseDueHours: number; businessDays: number[] }>('/api/v1/cases/service-level', { caseDueHours: 4, businessDays: [1, 2, 3, 4, 5, 6, 7] });
    expect(changed.body).toMatchObject({ caseDueHours: 4, businessDays: [1, 2, 3, 4, 5, 6, 7] });
    const opened = await lowScoreByWeb('after the change');
    const due = addBusinessHours(new Date(opened.openedAt), 4, { timezone: 'Pacific/Auckland', start: '09:00', end: '17:00', days: [1, 2, 3, 4, 5, 6, 7] });
    expect(opened.dueAt).toBe(due.toISOString());
  });
});
