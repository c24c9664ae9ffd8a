/**
 * Alert rules end to end: feedback over HTTP, alerts by real SMTP (and SMS through the
 * stand-in provider), each rule shape, digests and deferrals with due times checked
 * against the business's clock, and what an alert email carries.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withClient } from '../../src/db/tenancy.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { createTestUser, signIn, type PortalClient, type TestUser } from '../helpers/portal.ts';
import { enableSms, startSmsTestHark, type SmsTestHark } from '../helpers/sms.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';
import { waitFor } from '../helpers/wait.ts';

let sms: SmsTestHark;
let smtp: TestSmtpServer;
let client: TestClient;
let admin: PortalClient;
let manager: TestUser;
let owner: TestUser;

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  sms = await startSmsTestHark({ SMTP_URL: smtp.url, HARK_ALERT_POLL_SECONDS: '0.2' });
  client = await createTestClient(sms.hark.services, { name: 'Alert Café' });
  await enableSms(sms.hark.services, client);
  owner = await createTestUser(sms.hark.services, client.clientId, 'owner');
  manager = await createTestUser(sms.hark.services, client.clientId, 'manager', { locationScope: [client.location.id] });
  const adminUser = await createTestUser(sms.hark.services, client.clientId, 'admin');
  admin = await signIn(sms.hark, adminUser);
});
afterAll(async () => {
  await sms?.close();
  await smtp?.close();
});

async function give(score: number, comment: string, options: { location?: 'main' | 'other'; contact?: boolean } = {}) {
  const code = options.location === 'other' ? client.otherLocation.code : client.location.code;
  const response = await giveFeedback(sms.hark, `/f/${code}`, {
    score: String(score),
    comment,
    ...(options.contact ? { name: 'Pat', email: `pat${Math.random().toString(16).slice(2)}@example.com`, contact_requested: 'yes' } : {}),
  });
  expect(response.status).toBeLessThan(400);
  return withClient(sms.hark.services.db, client.clientId, (trx) =>
    trx.selectFrom('feedback').select('id').where('client_id', '=', client.clientId).where('comment', '=', comment).executeTakeFirstOrThrow(),
  );
}

function alertsOf(feedbackId: string) {
  return withClient(sms.hark.services.db, client.clientId, (trx) =>
    trx.selectFrom('alerts').selectAll().where('client_id', '=', client.clientId).where('feedback_id', '=', feedbackId).orderBy('created_at').execute(),
  );
}

function mailTo(address: string) {
  return smtp.mails.filter((m) => m.to.includes(address));
}

describe('the default rule', () => {
  it('tells the location’s manager about a low score at once, by email, and opens a case', async () => {
    const { id } = await give(1, 'cold and rude, default rule');
    const mail = await waitFor(async () => mailTo(manager.email).find((m) => m.text.includes('cold and rude, default rule')), { what: 'the alert email' });
    expect(mail.subject).toBe('1/5 at Main Street: "cold and rude, default rule"');
    expect(mail.text).toContain(`${sms.hark.url}/portal/feedback/${id}`);
    expect(mail.text).toMatch(/Reply with a template:\n- /);
    expect(mail.text).toContain(`/portal/feedback/${id}?template=`);
    expect(mail.text).toContain('A case is open, due');
    const c = await admin.get(`/api/v1/feedback/${id}/case`);
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ status: 'new', reason: 'low_score', escalationLevel: 0 });
    // The owner and admin are not told: a manager covers the location.
    expect(mailTo(owner.email).filter((m) => m.text.includes('default rule'))).toHaveLength(0);
  });

  it('goes to the admins and owners when no manager covers the location', async () => {
    await give(2, 'no manager here', { location: 'other' });
    await waitFor(async () => mailTo(owner.email).find((m) => m.text.includes('no manager here')), { what: 'the fallback alert' });
    expect(mailTo(manager.email).filter((m) => m.text.includes('no manager here'))).toHaveLength(0);
  });

  it('carries no contact details, even when the customer left them', async () => {
    const { id } = await give(1, 'call me about this', { contact: true });
    const mail = await waitFor(async () => mailTo(manager.email).find((m) => m.text.includes('call me about this')));
    expect(mail.text).toContain('The customer asked to be contacted.');
    expect(mail.text).not.toMatch(/Pat|@example\.com/);
    expect(await alertsOf(id)).toHaveLength(1);
  });

  it('stays quiet for a good score', async () => {
    const { id } = await give(5, 'lovely, no alert');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await alertsOf(id)).toHaveLength(0);
  });
});

describe('rule shapes', () => {
  let ruleIds: string[] = [];
  beforeEach(async () => {
    for (const id of ruleIds) await admin.delete(`/api/v1/alert-rules/${id}`);
    ruleIds = [];
  });
  async function addRule(body: object) {
    const response = await admin.post('/api/v1/alert-rules', body);
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    const rule = response.body as { id: string };
    ruleIds.push(rule.id);
    return rule;
  }

  it('matches words in the comment, as whole words, and sends to extra addresses by email and text', async () => {
    await addRule({ name: 'Hygiene', conditions: { keywords: ['dirty', 'food poisoning'] }, recipients: { roles: [], emails: ['safety@example.org'], mobiles: ['+6421000777'] }, channels: ['email', 'sms'] });
    await give(4, 'the toilets were DIRTY today');
    await waitFor(async () => mailTo('safety@example.org').find((m) => m.text.includes('the toilets were DIRTY today')));
    const [text] = await sms.gateway.waitForMessages(1).then(() => sms.gateway.messages.filter((m) => m.to === '+6421000777'));
    expect(text?.body).toMatch(/Alert Café: Feedback 4\/5 at Main Street\. "the toilets were DIRTY today" http/);
    const { id } = await give(4, 'a very undirty place');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await alertsOf(id)).toHaveLength(0);
  });

  it('texts members of the rule’s roles who gave a mobile in their account, and only them', async () => {
    const managerSession = await signIn(sms.hark, manager);
    const bad = await managerSession.patch<{ error: { code: string } }>('/api/v1/auth/profile', { mobile: 'not a phone' });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid_mobile']);
    const saved = await managerSession.patch<{ user: { mobile: string } }>('/api/v1/auth/profile', { mobile: '021 555 4321' });
    expect(saved.body.user.mobile).toBe('+64215554321');
    await addRule({ name: 'Text managers', conditions: { keywords: ['flooded'] }, recipients: { roles: ['manager', 'owner'] }, channels: ['sms'] });
    await give(3, 'the floor was flooded');
    const text = await waitFor(async () => sms.gateway.messages.find((m) => m.to === '+64215554321' && m.body.includes('the floor was flooded')));
    expect(text.body).toMatch(/^Alert Café: Feedback 3\/5 at Main Street/);
    // The owner gave no mobile: no text, and no failed alert either.
    const { id } = await withClient(sms.hark.services.db, client.clientId, (trx) =>
      trx.selectFrom('feedback').select('id').where('client_id', '=', client.clientId).where('comment', '=', 'the floor was flooded').executeTakeFirstOrThrow(),
    );
    expect((await alertsOf(id)).map((a) => [a.channel, a.recipient_user_id, a.status])).toEqual([['sms', manager.id, 'sent']]);
  });

  it('matches a score at most a threshold, only at the rule’s locations (and below)', async () => {
    await addRule({ name: 'Harbour only', conditions: { scoreAtMost: 3 }, locationIds: [client.otherLocation.id], recipients: { emails: ['harbour@example.org'] } });
    await give(3, 'meh at main');
    await give(3, 'meh at harbour', { location: 'other' });
    await waitFor(async () => mailTo('harbour@example.org').find((m) => m.text.includes('meh at harbour')));
    expect(mailTo('harbour@example.org').filter((m) => m.text.includes('meh at main'))).toHaveLength(0);
  });

  it('matches a request to be contacted, and a complaint once staff call it one', async () => {
    await addRule({ name: 'Call back', conditions: { contactRequested: true }, recipients: { emails: ['callback@example.org'] } });
    await addRule({ name: 'Complaints', conditions: { complaint: true }, recipients: { emails: ['complaints@example.org'] } });
    await give(4, 'please ring me', { contact: true });
    await waitFor(async () => mailTo('callback@example.org').find((m) => m.text.includes('please ring me')));
    const { id } = await give(4, 'the music was too loud');
    expect(mailTo('complaints@example.org')).toHaveLength(0);
    expect((await admin.patch(`/api/v1/feedback/${id}`, { category: 'complaint' })).status).toBe(200);
    await waitFor(async () => mailTo('complaints@example.org').find((m) => m.text.includes('the music was too loud')));
  });

  it('with match "all" needs every condition', async () => {
    await addRule({ name: 'Low and rude', match: 'all', conditions: { scoreAtMost: 2, keywords: ['rude'] }, recipients: { emails: ['both@example.org'] } });
    await give(2, 'rude and bad, both');
    await give(2, 'bad only, one');
    await give(5, 'rude but fine, one');
    await waitFor(async () => mailTo('both@example.org').find((m) => m.text.includes('rude and bad, both')));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(mailTo('both@example.org')).toHaveLength(1);
  });

  it('holds a digest until its hour, and weekend/out-of-hours deferral until business time, on the business’s clock', async () => {
    await addRule({ name: 'Digest', conditions: { scoreAtMost: 4 }, recipients: { emails: ['digest@example.org'] }, delivery: 'daily_digest', digestHour: 7 });
    await addRule({ name: 'Office hours', conditions: { scoreAtMost: 4 }, recipients: { emails: ['office@example.org'] }, deferWeekends: true, deferOutsideHours: true });
    const before = DateTime.now().setZone('Pacific/Auckland');
    const { id } = await give(4, 'deferred ones');
    const alerts = await alertsOf(id);
    const digest = alerts.find((a) => a.recipient_address === 'digest@example.org');
    const office = alerts.find((a) => a.recipient_address === 'office@example.org');
    // The digest goes at the next 07:00 in Auckland.
    const digestAt = DateTime.fromJSDate(digest?.send_after as Date).setZone('Pacific/Auckland');
    expect(digest?.digest).toBe(true);
    expect(digestAt.toFormat('HH:mm')).toBe('07:00');
    expect(digestAt > before && digestAt.diff(before, 'hours').hours <= 24).toBe(true);
    // Office hours: now, if it is 09:00–17:00 on a weekday in Auckland, else the next such opening.
    const officeAt = DateTime.fromJSDate(office?.send_after as Date).setZone('Pacific/Auckland');
    const after = DateTime.now().setZone('Pacific/Auckland');
    const isOpen = (t: DateTime) => t.weekday <= 5 && t.hour >= 9 && t.hour < 17;
    // (Should the submission straddle an opening or closing time, either answer is right.)
    if (isOpen(before) && isOpen(after)) expect(officeAt.diff(before, 'seconds').seconds).toBeLessThan(5);
    else if (!isOpen(before) && !isOpen(after)) expect([officeAt.toFormat('HH:mm'), officeAt.weekday <= 5]).toEqual(['09:00', true]);
  });

  it('sends one digest for all of a recipient’s due alerts', async () => {
    await addRule({ name: 'Digest now', conditions: { keywords: ['digestme'] }, recipients: { emails: ['many@example.org'] }, delivery: 'daily_digest', digestHour: 7 });
    const a = await give(4, 'digestme one');
    const b = await give(4, 'digestme two');
    // Seven o'clock comes: make both due now rather than wait for it.
    await withClient(sms.hark.services.db, client.clientId, (trx) =>
      trx.updateTable('alerts').set({ send_after: new Date() }).where('client_id', '=', client.clientId).where('feedback_id', 'in', [a.id, b.id]).execute(),
    );
    const mail = await waitFor(async () => mailTo('many@example.org')[0]);
    expect(mail.subject).toBe('2 feedback to look at, Alert Café');
    expect(mail.text).toContain('digestme one');
    expect(mail.text).toContain('digestme two');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(mailTo('many@example.org')).toHaveLength(1);
  });

  it('refuses a rule without conditions, or texts with no mobile, with clear messages', async () => {
    const none = await admin.post('/api/v1/alert-rules', { name: 'Nothing', conditions: {} });
    expect(none.status).toBe(400);
    expect(JSON.stringify(none.body)).toContain('choose at least one condition');
    const noMobile = await admin.post('/api/v1/alert-rules', { name: 'Text', conditions: { lowBand: true }, recipients: { roles: [] }, channels: ['sms'] });
    expect(noMobile.status).toBe(400);
    expect(JSON.stringify(noMobile.body)).toContain('alerts by text need roles (members with a mobile in their account) or mobiles to go to');
    const elsewhere = await admin.post('/api/v1/alert-rules', { name: 'Elsewhere', conditions: { lowBand: true }, locationIds: ['00000000-0000-4000-8000-000000000000'] });
    expect(elsewhere.status).toBe(400);
  });
});
