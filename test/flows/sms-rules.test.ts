/**
 * The rules around texting: STOP / START / HELP, quiet hours, quarantine, signatures,
 * retries, delivery reports, expiry, and staff replying by text.
 */
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClient } from '../../src/db/tenancy.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { createTestUser, signIn, type PortalClient } from '../helpers/portal.ts';
import { enableSms, randomMobile, startSmsTestHark, TestPhone, type SmsTestClient, type SmsTestHark } from '../helpers/sms.ts';
import { inboundSmsParams, postSignedTwilioForm, TEST_AUTH_TOKEN } from '../helpers/twilio-signing.ts';
import { waitFor } from '../helpers/wait.ts';

let sms: SmsTestHark;
let client: TestClient;
let numbers: SmsTestClient;
let admin: PortalClient;
type ErrorBody = { error: { message: string } };

beforeAll(async () => {
  sms = await startSmsTestHark();
  client = await createTestClient(sms.hark.services);
  numbers = await enableSms(sms.hark.services, client);
  const user = await createTestUser(sms.hark.services, client.clientId, 'admin');
  admin = await signIn(sms.hark, user);
});
afterAll(async () => {
  await sms?.close();
});

function messagesTo(mobile: string) {
  return sms.gateway.messages.filter((m) => m.to === mobile);
}

async function setRules(c: TestClient, rules: { quietStart?: string; quietEnd?: string; quarantineDays?: number }) {
  await withClient(sms.hark.services.db, c.clientId, (trx) =>
    trx
      .updateTable('clients')
      .set({
        ...(rules.quietStart ? { sms_quiet_start: rules.quietStart, sms_quiet_end: rules.quietEnd ?? rules.quietStart } : {}),
        ...(rules.quarantineDays !== undefined ? { sms_quarantine_days: rules.quarantineDays } : {}),
      })
      .where('id', '=', c.clientId)
      .execute(),
  );
}

describe('webhook signatures', () => {
  it('refuses (403) an inbound text or status report whose signature does not match, and stores nothing', async () => {
    const params = inboundSmsParams({ from: randomMobile(), to: numbers.number, body: `${numbers.smsCode} 1 forged` });
    const forged = await postSignedTwilioForm({ url: `${sms.hark.url}/sms/twilio/inbound`, authToken: 'not-the-real-token-000000', params });
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as ErrorBody).error.message).toMatch(/signature/i);
    const missing = await postSignedTwilioForm({ url: `${sms.hark.url}/sms/twilio/inbound`, authToken: TEST_AUTH_TOKEN, params, signature: null });
    expect(missing.status).toBe(403);
    const tampered = await postSignedTwilioForm({
      url: `${sms.hark.url}/sms/twilio/inbound`,
      authToken: TEST_AUTH_TOKEN,
      params: { ...params, Body: `${numbers.smsCode} 5 forged` },
      signature: twilio.getExpectedTwilioSignature(TEST_AUTH_TOKEN, `${sms.hark.url}/sms/twilio/inbound`, params),
    });
    expect(tampered.status).toBe(403);
    const status = await postSignedTwilioForm({ url: `${sms.hark.url}/sms/twilio/status`, authToken: 'wrong-token-000000000000', params: { MessageSid: 'SMx', MessageStatus: 'delivered' } });
    expect(status.status).toBe(403);
    const stored = await withClient(sms.hark.services.db, client.clientId, (trx) =>
      trx.selectFrom('sms_messages').select('id').where('client_id', '=', client.clientId).where('mobile_index', 'is not', null).execute(),
    );
    expect(stored).toHaveLength(0);
  });

  it('answers a text to a number no business uses with an empty reply, and sends nothing', async () => {
    const phone = new TestPhone(sms, '+6499000001');
    await phone.send('HELLO 5');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(phone.received()).toHaveLength(0);
  });
});

describe('STOP, START and HELP', () => {
  it('confirms STOP once, sends nothing more (invitations refused), and START undoes it', async () => {
    const phone = new TestPhone(sms, numbers.number);
    await phone.ask(numbers.smsCode);
    expect(await phone.ask('Stop')).toMatch(/no more texts.*Reply START/);
    await phone.send('STOP');
    await phone.send(`${numbers.smsCode} 5 still here`);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(phone.received()).toHaveLength(2);

    const refused = await admin.post('/api/v1/sms/invitations', { mobile: phone.mobile, locationId: client.location.id });
    expect(refused.status).toBe(409);
    expect((refused.body as ErrorBody).error.message).toMatch(/opted out/);

    expect(await phone.ask('start')).toMatch(/texts from us again/);
    expect(await phone.ask('HELP')).toMatch(/text the code on your receipt.*STOP/);
  });

  it('treats the usual synonyms as STOP, but not feedback that contains the word', async () => {
    for (const word of ['UNSUBSCRIBE', 'cancel', 'End', 'quit', 'Stop all', 'OPT-OUT']) {
      const phone = new TestPhone(sms, numbers.number);
      expect(await phone.ask(word), word).toMatch(/no more texts/);
    }
    const phone = new TestPhone(sms, numbers.number);
    await phone.ask(numbers.smsCode);
    expect(await phone.ask('stop making the coffee so weak 2')).not.toMatch(/no more texts/);
  });
});

describe('invitations', () => {
  it('texts an invitation whose answer is taken as the score, and refuses a second within the quarantine', async () => {
    const mobile = randomMobile();
    const sent = await admin.post('/api/v1/sms/invitations', { mobile, name: 'Mere', locationId: client.location.id });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ status: 'queued', sendAfter: null });
    const phone = new TestPhone(sms, numbers.number, mobile);
    const [invitation] = await phone.nextTexts(1);
    expect(invitation).toMatch(/^Hi Mere, thanks for visiting .*Main Street.*How likely.*Reply 1-5.*STOP/);
    expect(await phone.ask('4 nice')).toContain('Cheers');

    const again = await admin.post('/api/v1/sms/invitations', { mobile, locationId: client.otherLocation.id });
    expect(again.status).toBe(409);
    expect((again.body as ErrorBody).error.message).toMatch(/invited recently; it may be invited again from \d{4}-\d{2}-\d{2}/);
  });

  it('refuses a staff member who is not one of the location’s, or no id at all, sending nothing', async () => {
    const cases: [unknown, number, RegExp][] = [
      [{ mobile: randomMobile(), locationId: client.otherLocation.id, subMeasureId: client.subMeasure.id }, 404, /no active staff member or sub-measure with this id/],
      [{ mobile: randomMobile(), locationId: client.location.id, subMeasureId: '00000000-0000-4000-8000-000000000000' }, 404, /no active staff member or sub-measure with this id/],
      [{ mobile: randomMobile(), locationId: client.location.id, subMeasureId: 'kiri' }, 400, /subMeasureId.*staff member’s id/],
    ];
    const written = async () =>
      (await withClient(sms.hark.services.db, client.clientId, (trx) => trx.selectFrom('sms_messages').select('id').where('client_id', '=', client.clientId).execute())).length;
    const before = await written();
    for (const [body, status, message] of cases) {
      const response = await admin.post('/api/v1/sms/invitations', body);
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect((response.body as ErrorBody).error.message).toMatch(message);
    }
    expect(await written()).toBe(before);
  });

  it('normalises local numbers with the business country, and refuses nonsense with a clear message', async () => {
    const local = await admin.post('/api/v1/sms/invitations', { mobile: '021 555 7788', locationId: client.location.id });
    expect(local.status).toBe(201);
    await waitFor(async () => (messagesTo('+64215557788').length === 1 ? true : undefined));
    const bad = await admin.post('/api/v1/sms/invitations', { mobile: 'call me', locationId: client.location.id });
    expect(bad.status).toBe(400);
    expect((bad.body as ErrorBody).error.message).toMatch(/mobile number is not valid/);
  });

  it('holds an invitation made in quiet hours until they end', async () => {
    const quiet = await createTestClient(sms.hark.services);
    // Quiet all day but a minute, ending two to three minutes from now: whatever the clock
    // says, it is quiet now, and the end is more than a minute away.
    const now = new Date();
    const nz = new Intl.DateTimeFormat('en-GB', { timeZone: 'Pacific/Auckland', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    const inThreeMinutes = nz.format(new Date(now.getTime() + 3 * 60_000));
    const inTwoMinutes = nz.format(new Date(now.getTime() + 2 * 60_000));
    await enableSms(sms.hark.services, quiet, { quietHours: { start: inThreeMinutes, end: inTwoMinutes } });
    const user = await createTestUser(sms.hark.services, quiet.clientId, 'manager');
    const manager = await signIn(sms.hark, user);
    const mobile = randomMobile();
    const sent = await manager.post('/api/v1/sms/invitations', { mobile, locationId: quiet.location.id });
    expect(sent.status).toBe(201);
    const body = sent.body as { status: string; sendAfter: string };
    expect(body.status).toBe('scheduled');
    const sendAfter = new Date(body.sendAfter).getTime();
    expect(sendAfter).toBeGreaterThan(now.getTime() + 60_000);
    expect(sendAfter).toBeLessThanOrEqual(now.getTime() + 3 * 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(messagesTo(mobile)).toHaveLength(0);
    const row = await withClient(sms.hark.services.db, quiet.clientId, (trx) =>
      trx.selectFrom('sms_messages').select(['status', 'send_after']).where('client_id', '=', quiet.clientId).executeTakeFirstOrThrow(),
    );
    expect(row.status).toBe('queued');
    expect(row.send_after?.getTime()).toBe(sendAfter);
  });

  it('takes a CSV row by row and reports each refused row', async () => {
    const good = randomMobile();
    const csv = [
      'name,mobile,location',
      `Ana,${good},${client.location.code}`,
      `Ben,not a number,${client.location.code}`,
      `Cara,${randomMobile()},nowhere`,
      `Dan,${good},${numbers.otherSmsCode}`,
      `,${randomMobile()},Harbour`,
    ].join('\n');
    const response = await admin.post('/api/v1/sms/invitations/csv', { csv });
    expect(response.status).toBe(200);
    const report = response.body as { rejected: unknown[] };
    expect(report).toMatchObject({ accepted: 2, scheduled: 0 });
    expect(report.rejected).toEqual([
      { row: 3, reason: 'not a valid mobile number' },
      { row: 4, reason: 'no location "nowhere" that you may invite for' },
      { row: 5, reason: expect.stringMatching(/invited recently/) },
    ]);
    await waitFor(async () => (messagesTo(good).length === 1 ? true : undefined));

    const noHeader = await admin.post('/api/v1/sms/invitations/csv', { csv: `${randomMobile()},${client.location.code}` });
    expect(noHeader.status).toBe(400);
    expect((noHeader.body as ErrorBody).error.message).toMatch(/header row must name the columns mobile and location/);
  });

  it('takes a staff column in a CSV: a staff member of the row’s location by code or name, and refuses one who is not there', async () => {
    const staff = client.subMeasure;
    const csv = [
      'mobile,location,staff',
      `${randomMobile()},${client.location.code},${staff.code}`,
      `${randomMobile()},main street,${staff.name.toUpperCase()}`,
      `${randomMobile()},${client.location.code},`,
      `${randomMobile()},${client.location.code},nobody`,
      `${randomMobile()},Harbour,${staff.code}`,
    ].join('\n');
    const response = await admin.post('/api/v1/sms/invitations/csv', { csv });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      accepted: 3,
      scheduled: 0,
      rejected: [
        { row: 5, reason: 'no staff member "nobody" at Main Street' },
        { row: 6, reason: `no staff member "${staff.code}" at Harbour` },
      ],
    });
    const conversations = await withClient(sms.hark.services.db, client.clientId, (trx) =>
      trx.selectFrom('sms_conversations').select(['location_id', 'sub_measure_id']).where('client_id', '=', client.clientId).where('origin', '=', 'invitation').where('sub_measure_id', 'is not', null).execute(),
    );
    expect(conversations).toEqual([
      { location_id: client.location.id, sub_measure_id: staff.id },
      { location_id: client.location.id, sub_measure_id: staff.id },
    ]);
  });

  it('refuses a viewer', async () => {
    const user = await createTestUser(sms.hark.services, client.clientId, 'viewer');
    const viewer = await signIn(sms.hark, user);
    const response = await viewer.post('/api/v1/sms/invitations', { mobile: randomMobile(), locationId: client.location.id });
    expect(response.status).toBe(403);
  });
});

describe('sending', () => {
  it('retries a text the provider failed temporarily, and records a refusal without retrying', async () => {
    const phone = new TestPhone(sms, numbers.number);
    sms.gateway.failNext(2, { status: 503, to: phone.mobile });
    await phone.send(numbers.smsCode);
    const [opening] = await phone.nextTexts(1, 30_000);
    expect(opening).toContain('How likely');
    const lastSent = () =>
      withClient(sms.hark.services.db, client.clientId, (trx) =>
        trx
          .selectFrom('sms_messages')
          .select(['status', 'attempts', 'error_code'])
          .where('client_id', '=', client.clientId)
          .where('direction', '=', 'outbound')
          .where('mobile_index', '=', (eb) =>
            eb.selectFrom('sms_messages as i').select('i.mobile_index').where('i.client_id', '=', client.clientId).where('i.direction', '=', 'inbound').orderBy('i.created_at', 'desc').limit(1),
          )
          .orderBy('created_at', 'desc')
          .executeTakeFirstOrThrow(),
      );
    await waitFor(async () => ((await lastSent()).status === 'sent' ? true : undefined));
    expect(await lastSent()).toMatchObject({ status: 'sent', attempts: 3 });
    expect(sms.gateway.attempts.filter((a) => a.form.To === phone.mobile)).toHaveLength(3);

    sms.gateway.failNext(1, { status: 400, body: { code: 21211, message: 'Invalid To', status: 400 }, to: phone.mobile });
    await phone.send('5');
    await waitFor(async () => ((await lastSent()).status === 'failed' ? true : undefined));
    expect(await lastSent()).toMatchObject({ status: 'failed', attempts: 1, error_code: '21211' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(sms.gateway.attempts.filter((a) => a.form.To === phone.mobile)).toHaveLength(4);
  });

  it('moves a message forward on delivery reports, in any order, once', async () => {
    const phone = new TestPhone(sms, numbers.number);
    await phone.ask(numbers.smsCode);
    const [message] = phone.received();
    expect(message?.statusCallback).toBe(`${sms.hark.url}/sms/twilio/status`);
    const statusOf = async () =>
      (
        await withClient(sms.hark.services.db, client.clientId, (trx) =>
          trx.selectFrom('sms_messages').select(['status', 'error_code']).where('client_id', '=', client.clientId).where('provider_message_id', '=', message?.sid ?? '').executeTakeFirstOrThrow(),
        )
      );
    expect((await sms.gateway.deliverStatus(message!, 'delivered')).status).toBe(200);
    expect((await statusOf()).status).toBe('delivered');
    expect((await sms.gateway.deliverStatus(message!, 'sent')).status).toBe(200);
    expect((await statusOf()).status).toBe('delivered');
  });

  it('marks a number opted out when the carrier reports it unsubscribed', async () => {
    const phone = new TestPhone(sms, numbers.number);
    await phone.ask(numbers.smsCode);
    const [message] = phone.received();
    await sms.gateway.deliverStatus(message!, 'undelivered', { errorCode: '21610' });
    const refused = await admin.post('/api/v1/sms/invitations', { mobile: phone.mobile, locationId: client.location.id });
    expect(refused.status).toBe(409);
  });
});

describe('a customer who goes quiet', () => {
  it('keeps the score given when the conversation expires', async () => {
    const phone = new TestPhone(sms, numbers.number);
    await phone.ask(numbers.smsCode);
    await phone.ask('2');
    const db = sms.hark.services.db;
    const conversation = await withClient(db, client.clientId, (trx) =>
      trx.selectFrom('sms_conversations').select(['id', 'feedback_id']).where('client_id', '=', client.clientId).where('state', '=', 'open').where('score', '=', 2).executeTakeFirstOrThrow(),
    );
    expect(conversation.feedback_id).toBeNull();
    // Time is up: the expiry job, run now, closes it and keeps the score as feedback.
    await withClient(db, client.clientId, async (trx) => {
      await trx.updateTable('sms_conversations').set({ expires_at: new Date(Date.now() - 1000) }).where('client_id', '=', client.clientId).where('id', '=', conversation.id).execute();
      await sms.hark.services.jobs.sendInTransaction(trx, 'close-sms-conversation', { clientId: client.clientId, conversationId: conversation.id });
    });
    await waitFor(async () => {
      const row = await withClient(db, client.clientId, (trx) =>
        trx.selectFrom('sms_conversations').select(['state', 'feedback_id']).where('client_id', '=', client.clientId).where('id', '=', conversation.id).executeTakeFirstOrThrow(),
      );
      return row.state === 'expired' && row.feedback_id !== null ? true : undefined;
    });
    const feedback = await withClient(db, client.clientId, (trx) =>
      trx.selectFrom('feedback as f').innerJoin('sms_conversations as c', (j) => j.onRef('c.client_id', '=', 'f.client_id').onRef('c.feedback_id', '=', 'f.id')).select(['f.score', 'f.comment', 'f.channel']).where('c.id', '=', conversation.id).executeTakeFirstOrThrow(),
    );
    expect(feedback).toEqual({ score: 2, comment: '', channel: 'sms' });
  });
});

describe('staff replying by text', () => {
  it('texts the customer, and their answer joins the feedback thread', async () => {
    const phone = new TestPhone(sms, numbers.number);
    await phone.ask(`${numbers.smsCode} 1 cold food`);
    const feedback = await withClient(sms.hark.services.db, client.clientId, (trx) =>
      trx.selectFrom('feedback').select('id').where('client_id', '=', client.clientId).where('comment', '=', 'cold food').executeTakeFirstOrThrow(),
    );
    expect(((await admin.get(`/api/v1/feedback/${feedback.id}`)).body as { textReply: string }).textReply).toBe('available');
    const reply = await admin.post(`/api/v1/feedback/${feedback.id}/responses`, { kind: 'sms', body: 'Sorry about that. Can we make it up to you?' });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ status: 'queued', sendAfter: null });
    expect(await phone.nextTexts(1)).toEqual(['Sorry about that. Can we make it up to you?']);
    await phone.send('Yes please, a free coffee would be great');
    await waitFor(async () => {
      const detail = (await admin.get(`/api/v1/feedback/${feedback.id}`)).body;
      return JSON.stringify(detail).includes('a free coffee would be great') ? true : undefined;
    });
    const texts = (await admin.get(`/api/v1/feedback/${feedback.id}/texts`)).body as { direction: string; kind: string; body: string }[];
    expect(texts.map((t) => [t.direction, t.kind, t.body])).toEqual([
      ['inbound', 'conversation', `${numbers.smsCode} 1 cold food`],
      ['outbound', 'conversation', expect.stringContaining('Cheers')],
      ['outbound', 'reply', 'Sorry about that. Can we make it up to you?'],
      ['inbound', 'reply', 'Yes please, a free coffee would be great'],
    ]);
    await waitFor(async () => {
      const responses = await withClient(sms.hark.services.db, client.clientId, (trx) =>
        trx.selectFrom('responses').select(['status', 'direction']).where('client_id', '=', client.clientId).where('feedback_id', '=', feedback.id).where('direction', '=', 'outbound').execute(),
      );
      return responses.length === 1 && responses[0]?.status === 'sent' ? true : undefined;
    });
  });

  it('refuses to text a customer who opted out, and says so in the feedback before anyone writes', async () => {
    const phone = new TestPhone(sms, numbers.number);
    await phone.ask(`${numbers.smsCode} 2 meh`);
    await phone.ask('STOP');
    const feedback = await withClient(sms.hark.services.db, client.clientId, (trx) =>
      trx.selectFrom('feedback').select('id').where('client_id', '=', client.clientId).where('comment', '=', 'meh').executeTakeFirstOrThrow(),
    );
    expect(((await admin.get(`/api/v1/feedback/${feedback.id}`)).body as { textReply: string }).textReply).toBe('opted_out');
    const reply = await admin.post(`/api/v1/feedback/${feedback.id}/responses`, { kind: 'sms', body: 'Sorry!' });
    expect(reply.status).toBe(409);
    expect((reply.body as ErrorBody).error.message).toMatch(/opted out of texts/);
  });

  it('refuses to text a customer who left no mobile, with a reason', async () => {
    const web = await withClient(sms.hark.services.db, client.clientId, (trx) =>
      trx
        .insertInto('feedback')
        .values({ client_id: client.clientId, programme_id: client.programmeId, location_id: client.location.id, channel: 'web', scale: 'recommend_5', score: 2 })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
    const reply = await admin.post(`/api/v1/feedback/${web.id}/responses`, { kind: 'sms', body: 'Hello' });
    expect(reply.status).toBe(409);
    expect((reply.body as ErrorBody).error.message).toMatch(/no mobile number/);
  });
});

describe('SMS settings', () => {
  it('refuses bad values with messages that name them, and changes nothing', async () => {
    const before = (await admin.get('/api/v1/sms/settings')).body;
    for (const [body, words] of [
      [{ number: '021 555' }, 'international form'],
      [{ quarantineDays: 400 }, 'at most 365'],
      [{ quietHours: { start: '9pm', end: '09:00' } }, 'HH:MM'],
      [{ conversationMinutes: 2 }, 'at least 5'],
      [{ provider: 'twilio' }, ''],
    ] as const) {
      const response = await admin.patch<ErrorBody>('/api/v1/sms/settings', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.message).toContain(words);
    }
    expect((await admin.get('/api/v1/sms/settings')).body).toEqual(before);
    const viewer = await signIn(sms.hark, await createTestUser(sms.hark.services, client.clientId, 'viewer'));
    expect((await viewer.patch('/api/v1/sms/settings', { quarantineDays: 1 })).status).toBe(403);
  });
});

describe('usage', () => {
  it('counts messages and segments sent and received', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const usage = (await admin.get(`/api/v1/sms/usage?from=${yesterday}&to=${tomorrow}`)).body as { sent: { messages: number; segments: number }; received: { messages: number }; failed: number; blocked: number };
    expect(usage.sent.messages).toBeGreaterThan(5);
    expect(usage.sent.segments).toBeGreaterThanOrEqual(usage.sent.messages);
    expect(usage.received.messages).toBeGreaterThan(5);
    expect(usage.failed).toBeGreaterThanOrEqual(1);
    expect(usage.blocked).toBeGreaterThanOrEqual(0);
    const bad = await admin.get(`/api/v1/sms/usage?from=${tomorrow}&to=${today}`);
    expect(bad.status).toBe(400);
  });
});
