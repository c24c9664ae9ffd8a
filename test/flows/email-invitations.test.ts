/**
 * Invitations by key, through a real SMTP server and a real SMS gateway endpoint.
 *
 * Email, with one-click score links: a key (or a person) asks for an invitation, the
 * customer's mail carries one link per score, opening a link records nothing (mail scanners
 * open links), one tap records the score as email feedback and offers the comment box; used,
 * forged and expired links are refused.
 *
 * Text: the same request with a mobile goes out through the SMS adapter under the SMS rules
 * (opted-out numbers refused, quarantine refused, quiet hours waited out), within the key's
 * locations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClient } from '../../src/db/tenancy.ts';
import { createSubMeasure } from '../../src/programmes/index.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import type { TestHark } from '../helpers/hark.ts';
import { createTestUser, signIn, type PortalClient } from '../helpers/portal.ts';
import { enableSms, randomMobile, startSmsTestHark, TestPhone, type SmsTestClient, type SmsTestHark } from '../helpers/sms.ts';
import { startTestSmtpServer, type ReceivedMail, type TestSmtpServer } from '../helpers/smtp.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { waitFor } from '../helpers/wait.ts';

function scoreLinks(mail: ReceivedMail): Map<number, string> {
  const links = new Map<number, string>();
  for (const match of mail.text.matchAll(/^(\d{1,2}): (http\S+\/r\/\S+)$/gm)) links.set(Number(match[1]), match[2] as string);
  return links;
}

interface Refused {
  status: 'refused';
  reason: string;
  message: string;
  until: string | null;
}
interface InvitationAnswer {
  email: { status: 'queued'; id: string; expiresAt: string } | Refused | null;
  sms: { status: 'queued' | 'scheduled'; id: string; sendAfter: string | null } | Refused | null;
  error?: { code: string; message: string };
}

describe(`invitations by email and text (${testDatabaseKind})`, () => {
  let sms: SmsTestHark;
  let hark: TestHark;
  let smtp: TestSmtpServer;
  let client: TestClient;
  let numbers: SmsTestClient;
  let admin: PortalClient;
  let key: string;

  async function invite(body: unknown, bearer = key) {
    const response = await hark.fetch('/api/v1/invitations/email', { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { id?: string; error?: { message: string } } };
  }

  async function inviteBy(body: unknown, bearer = key) {
    const response = await hark.fetch('/api/v1/invitations', { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as InvitationAnswer };
  }

  /** Texts written for the client (queued, sent or held), whatever their number. */
  const outboundTexts = async (clientId: TestClient['clientId']) =>
    withClient(hark.services.db, clientId, (trx) =>
      trx.selectFrom('sms_messages').select(['id', 'kind', 'status', 'send_after']).where('client_id', '=', clientId).where('direction', '=', 'outbound').where('kind', '=', 'invitation').execute(),
    );

  const feedbackCount = async () =>
    Number((await hark.services.db.selectFrom('feedback').select((eb) => eb.fn.countAll<number>().as('n')).where('client_id', '=', client.clientId).executeTakeFirstOrThrow()).n);

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    sms = await startSmsTestHark({ SMTP_URL: smtp.url });
    hark = sms.hark;
    client = await createTestClient(hark.services, { name: 'Invite Café' });
    numbers = await enableSms(hark.services, client);
    admin = await signIn(hark, await createTestUser(hark.services, client.clientId, 'admin'));
    key = (await admin.post<{ key: string }>('/api/v1/api-keys', { name: 'Shop', scopes: ['invitations:write'] })).body.key;
  });
  afterAll(async () => {
    await sms?.close();
    await smtp?.close();
  });

  it('sends one link per score; GET confirms without recording, one POST records email feedback, then the comment', async () => {
    const sent = await invite({ email: 'Mere@Example.com', locationId: client.location.id, subMeasureId: client.subMeasure.id, orderRef: 'A-1001' });
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    const stored = await hark.services.db.selectFrom('email_invitations').selectAll().where('id', '=', sent.body.id ?? '').executeTakeFirstOrThrow();
    expect(stored.email_enc.toString('latin1')).not.toContain('mere@example.com');

    const mail = await smtp.waitForMail('mere@example.com');
    expect(mail.text).toContain('How likely are you to recommend us to a friend?');
    const links = scoreLinks(mail);
    expect([...links.keys()]).toEqual([1, 2, 3, 4, 5]);
    const link = links.get(4) as string;
    const path = new URL(link).pathname;

    const before = await feedbackCount();
    for (let i = 0; i < 2; i++) {
      const confirm = await hark.fetch(path);
      expect(confirm.status).toBe(200);
      const page = await confirm.text();
      expect(page).toContain('Send my score of 4');
      expect(page).not.toContain('<script');
    }
    expect(await feedbackCount()).toBe(before);

    const recorded = await hark.fetch(path, { method: 'POST' });
    expect(recorded.status).toBe(200);
    const thanks = await recorded.text();
    expect(thanks).toContain('Your score of 4 was recorded');
    const commentToken = /name="token" value="([^"]+)"/.exec(thanks)?.[1] ?? '';
    expect(await feedbackCount()).toBe(before + 1);
    const feedback = await hark.services.db.selectFrom('feedback').selectAll().where('client_id', '=', client.clientId).where('channel', '=', 'email').executeTakeFirstOrThrow();
    expect(feedback).toMatchObject({ score: 4, sub_measure_id: client.subMeasure.id, location_id: client.location.id, comment: '' });

    const commented = await hark.fetch('/r/comment', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: commentToken, comment: 'Quick and friendly' }).toString() });
    expect(commented.status).toBe(200);
    expect(await commented.text()).toContain('Cheers for that');
    const after = await hark.services.db.selectFrom('feedback').select('comment').where('id', '=', feedback.id).executeTakeFirstOrThrow();
    expect(after.comment).toBe('Quick and friendly');
    // The comment is given once.
    const again = await hark.fetch('/r/comment', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: commentToken, comment: 'Changed my mind' }).toString() });
    expect(again.status).toBe(410);

    // The link is used up: another score from the same mail, or the same one again, is refused.
    for (const used of [path, new URL(links.get(1) as string).pathname]) {
      expect((await hark.fetch(used)).status).toBe(410);
      expect((await hark.fetch(used, { method: 'POST' })).status).toBe(410);
    }
    expect(await feedbackCount()).toBe(before + 1);
  });

  it('refuses forged and tampered links with a 404 page, and expired ones with 410', async () => {
    const before = await feedbackCount();
    expect((await hark.fetch('/r/not-a-token/3')).status).toBe(404);
    expect((await hark.fetch(`/r/${crypto.randomUUID()}.AAAA/3`, { method: 'POST' })).status).toBe(404);

    const sent = await invite({ email: 'expired@example.com', locationId: client.location.id });
    const mail = await smtp.waitForMail('expired@example.com');
    const path = new URL(scoreLinks(mail).get(2) as string).pathname;
    const [, , token] = path.split('/');
    const [id] = (token as string).split('.');
    expect((await hark.fetch(`/r/${id}.${'x'.repeat(43)}/2`)).status).toBe(404);
    expect((await hark.fetch(path.replace(/\/2$/, '/9'))).status).toBe(400);
    await hark.services.db.updateTable('email_invitations').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', sent.body.id ?? '').execute();
    expect((await hark.fetch(path)).status).toBe(410);
    expect((await hark.fetch(path, { method: 'POST' })).status).toBe(410);
    expect(await feedbackCount()).toBe(before);
  });

  it('keeps to the rules: scopes, quarantine, locations and bad input change nothing', async () => {
    const count = async () => Number((await hark.services.db.selectFrom('email_invitations').select((eb) => eb.fn.countAll<number>().as('n')).where('client_id', '=', client.clientId).executeTakeFirstOrThrow()).n);
    const before = await count();
    const again = await invite({ email: 'MERE@example.com', locationId: client.location.id });
    expect(again.status).toBe(409);
    expect(again.body.error?.message).toMatch(/invited recently/);
    const other = await createTestClient(hark.services);
    const cases: [unknown, number, RegExp][] = [
      [{ email: 'nobody', locationId: client.location.id }, 400, /email address/],
      [{ email: 'a@example.com', locationId: other.location.id }, 400, /not an active location/],
      [{ email: 'a@example.com' }, 400, /locationId/],
      [{ email: 'a@example.com', locationId: client.location.id, extra: 1 }, 400, /not valid/],
      [{ email: 'a@example.com', locationId: client.location.id, orderRef: 'x'.repeat(20_000) }, 413, /too large/],
    ];
    for (const [body, status, message] of cases) {
      const response = await invite(body);
      expect(response.status, JSON.stringify(response.body)).toBe(status);
      expect(response.body.error?.message).toMatch(message);
    }
    const readOnly = (await admin.post<{ key: string }>('/api/v1/api-keys', { name: 'Read', scopes: ['feedback:read'] })).body.key;
    const refused = await invite({ email: 'b@example.com', locationId: client.location.id }, readOnly);
    expect(refused.status).toBe(403);
    expect(refused.body.error?.message).toMatch(/invitations:write/);
    expect(await count()).toBe(before);
    // A person who may send invitations can do it from the portal too.
    const byPerson = await admin.post('/api/v1/invitations/email', { email: 'walk-in@example.com', locationId: client.otherLocation.id });
    expect(byPerson.status).toBe(202);
    await waitFor(async () => smtp.mails.find((m) => m.to.includes('walk-in@example.com')), { what: 'the portal invitation' });
  });
  it('texts an invitation by key through the SMS gateway, alone or with the email, and attributes it to the key', async () => {
    const mobile = randomMobile();
    const sent = await inviteBy({ mobile, name: 'Mere', locationId: client.location.id, orderRef: 'A-2001' });
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    expect(sent.body).toMatchObject({ email: null, sms: { status: 'queued', sendAfter: null } });
    const phone = new TestPhone(sms, numbers.number, mobile);
    const [text] = await phone.nextTexts(1);
    expect(text).toMatch(/^Hi Mere, thanks for visiting .*Main Street.*How likely.*Reply 1-5.*STOP/);
    // The customer's answer is taken as the score, as for any text invitation.
    expect(await phone.ask('5 lovely')).toContain('Cheers');
    const audit = await hark.services.db.selectFrom('audit_log').select(['actor_kind', 'actor_id']).where('chain_id', '=', client.clientId).where('action', '=', 'sms.invitations_queued').execute();
    const keyRow = await hark.services.db.selectFrom('api_keys').select('id').where('client_id', '=', client.clientId).where('name', '=', 'Shop').executeTakeFirstOrThrow();
    expect(audit).toEqual([{ actor_kind: 'api_key', actor_id: keyRow.id }]);

    const both = await inviteBy({ email: 'both@example.com', mobile: randomMobile(), locationId: client.otherLocation.id });
    expect(both.status, JSON.stringify(both.body)).toBe(202);
    expect(both.body).toMatchObject({ email: { status: 'queued' }, sms: { status: 'queued' } });
    await smtp.waitForMail('both@example.com');
    await waitFor(async () => (await outboundTexts(client.clientId)).filter((t) => t.status === 'sent').length === 2 || undefined, { what: 'the second text to be sent' });
  });

  it('takes the answer for the location when the staff member was archived after the invitation went', async () => {
    const temp = await createSubMeasure(hark.services.db, client.clientId, { locationId: client.location.id, name: 'Summer temp', code: 'summer-temp' });
    const sent = await invite({ email: 'late@example.com', locationId: client.location.id, subMeasureId: temp.id });
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    const mail = await smtp.waitForMail('late@example.com');
    expect(mail.text).toContain('Main Street (Summer temp)');
    await withClient(hark.services.db, client.clientId, (trx) => trx.updateTable('sub_measures').set({ archived_at: new Date() }).where('client_id', '=', client.clientId).where('id', '=', temp.id).execute());

    const path = new URL(scoreLinks(mail).get(2) as string).pathname;
    expect((await hark.fetch(path)).status).toBe(200);
    const recorded = await hark.fetch(path, { method: 'POST' });
    expect(recorded.status).toBe(200);
    expect(await recorded.text()).toContain('Your score of 2 was recorded');
    const stored = await withClient(hark.services.db, client.clientId, (trx) =>
      trx.selectFrom('feedback as f').innerJoin('email_invitations as i', (j) => j.onRef('i.client_id', '=', 'f.client_id').onRef('i.feedback_id', '=', 'f.id')).select(['f.score', 'f.location_id', 'f.sub_measure_id']).where('i.id', '=', sent.body.id ?? '').execute(),
    );
    expect(stored).toEqual([{ score: 2, location_id: client.location.id, sub_measure_id: null }]);
    // A new invitation for them is refused: they are archived.
    const refused = await invite({ email: 'later@example.com', locationId: client.location.id, subMeasureId: temp.id });
    expect(refused.status).toBe(400);
    expect(refused.body.error?.message).toMatch(/not an active sub-measure/);
  });

  it('texts an invitation for a staff member, names them, and files the answer under them', async () => {
    const mobile = randomMobile();
    const sent = await inviteBy({ mobile, locationId: client.location.id, subMeasureId: client.subMeasure.id });
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    const phone = new TestPhone(sms, numbers.number, mobile);
    const [text] = await phone.nextTexts(1);
    expect(text).toContain(`(Main Street, ${client.subMeasure.name})`);
    expect(await phone.ask('4 quick and friendly')).toContain('Cheers');
    const stored = await withClient(hark.services.db, client.clientId, (trx) =>
      trx.selectFrom('feedback').select(['location_id', 'sub_measure_id', 'score', 'channel']).where('client_id', '=', client.clientId).where('comment', '=', 'quick and friendly').execute(),
    );
    expect(stored).toEqual([{ location_id: client.location.id, sub_measure_id: client.subMeasure.id, score: 4, channel: 'sms' }]);
  });

  it('refuses a number that opted out or was invited within the quarantine, and sends nothing to it', async () => {
    const phone = new TestPhone(sms, numbers.number);
    expect(await phone.ask('STOP')).toMatch(/no more texts/);
    const before = (await outboundTexts(client.clientId)).length;
    const optedOut = await inviteBy({ mobile: phone.mobile, locationId: client.location.id });
    expect(optedOut.status).toBe(409);
    expect(optedOut.body.error).toEqual({ code: 'opted_out', message: 'Not sent: this number has opted out of texts (STOP).' });
    // With an email too, the email goes and the text is refused, saying why.
    const mixed = await inviteBy({ mobile: phone.mobile, email: 'stopped@example.com', locationId: client.location.id });
    expect(mixed.status).toBe(202);
    expect(mixed.body).toMatchObject({ email: { status: 'queued' }, sms: { status: 'refused', reason: 'opted_out', until: null } });
    await smtp.waitForMail('stopped@example.com');

    const mobile = randomMobile();
    expect((await inviteBy({ mobile, locationId: client.location.id })).status).toBe(202);
    const again = await inviteBy({ mobile, locationId: client.otherLocation.id });
    expect(again.status).toBe(409);
    expect(again.body.error?.code).toBe('quarantined');
    expect(again.body.error?.message).toMatch(/invited recently; it may be invited again from \d{4}-\d{2}-\d{2}/);
    expect((await outboundTexts(client.clientId)).length).toBe(before + 1);
    expect(sms.gateway.attempts.filter((a) => a.form.To === phone.mobile)).toHaveLength(1); // the STOP confirmation only
  });

  it('holds a text invited in quiet hours until they end, on the business’s clock', async () => {
    const quiet = await createTestClient(hark.services);
    // Quiet all day but a minute, ending two to three minutes from now: whatever the clock
    // says, it is quiet now, and the end is more than a minute away.
    const now = new Date();
    const nz = new Intl.DateTimeFormat('en-GB', { timeZone: 'Pacific/Auckland', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    await enableSms(hark.services, quiet, { quietHours: { start: nz.format(new Date(now.getTime() + 3 * 60_000)), end: nz.format(new Date(now.getTime() + 2 * 60_000)) } });
    const quietAdmin = await signIn(hark, await createTestUser(hark.services, quiet.clientId, 'admin'));
    const quietKey = (await quietAdmin.post<{ key: string }>('/api/v1/api-keys', { name: 'Till', scopes: ['invitations:write'] })).body.key;
    const mobile = randomMobile();
    const held = await inviteBy({ mobile, locationId: quiet.location.id }, quietKey);
    expect(held.status, JSON.stringify(held.body)).toBe(202);
    const text = held.body.sms as { status: string; sendAfter: string };
    expect(text.status).toBe('scheduled');
    const sendAfter = new Date(text.sendAfter).getTime();
    expect(sendAfter).toBeGreaterThan(now.getTime() + 60_000);
    expect(sendAfter).toBeLessThanOrEqual(now.getTime() + 3 * 60_000);
    const [row] = await outboundTexts(quiet.clientId);
    expect(row).toMatchObject({ status: 'queued' });
    expect(row?.send_after?.getTime()).toBe(sendAfter);
    expect(sms.gateway.attempts.filter((a) => a.form.To === mobile)).toEqual([]);
  });

  it('keeps a key to its scope and locations, and refuses bad input with a message, sending nothing', async () => {
    const before = (await outboundTexts(client.clientId)).length;
    const scoped = (await admin.post<{ key: string }>('/api/v1/api-keys', { name: 'Harbour till', scopes: ['invitations:write'], locationIds: [client.otherLocation.id] })).body.key;
    const outside = await inviteBy({ mobile: randomMobile(), locationId: client.location.id }, scoped);
    expect(outside.status).toBe(400);
    expect(outside.body.error?.message).toMatch(/not an active location you may invite to/);
    const readOnly = (await admin.post<{ key: string }>('/api/v1/api-keys', { name: 'Reader', scopes: ['feedback:read'] })).body.key;
    const refused = await inviteBy({ mobile: randomMobile(), locationId: client.location.id }, readOnly);
    expect(refused.status).toBe(403);
    expect(refused.body.error?.message).toMatch(/invitations:write/);
    const cases: [unknown, RegExp][] = [
      [{ locationId: client.location.id }, /email, mobile, or both/],
      [{ mobile: 'call me', locationId: client.location.id }, /mobile number is not valid/],
      [{ mobile: randomMobile(), email: 'nobody', locationId: client.location.id }, /email address/],
      // A staff member of another location, or none at all.
      [{ mobile: randomMobile(), subMeasureId: client.subMeasure.id, locationId: client.otherLocation.id }, /subMeasureId is not an active sub-measure of that location/],
      [{ mobile: randomMobile(), email: 'staffless@example.com', subMeasureId: '00000000-0000-4000-8000-000000000000', locationId: client.location.id }, /subMeasureId is not an active sub-measure/],
      [{ mobile: randomMobile(), locationId: 'not-a-uuid' }, /locationId/],
    ];
    for (const [body, message] of cases) {
      const response = await inviteBy(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error?.message).toMatch(message);
    }
    expect((await outboundTexts(client.clientId)).length).toBe(before);
  });
});
