/**
 * Feedback by text, end to end: signed webhooks in, the stand-in provider's REST API out,
 * feedback stored as the web form would store it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClient } from '../../src/db/tenancy.ts';
import { createSubMeasure } from '../../src/programmes/index.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { enableSms, startSmsTestHark, TestPhone, type SmsTestClient, type SmsTestHark } from '../helpers/sms.ts';

let sms: SmsTestHark;
let client: TestClient;
let numbers: SmsTestClient;
let drawClient: TestClient;
let drawNumbers: SmsTestClient;

beforeAll(async () => {
  sms = await startSmsTestHark();
  client = await createTestClient(sms.hark.services);
  numbers = await enableSms(sms.hark.services, client);
  drawClient = await createTestClient(sms.hark.services, { prizeDraw: true, scale: 'nps_10' });
  drawNumbers = await enableSms(sms.hark.services, drawClient);
});
afterAll(async () => {
  await sms?.close();
});

async function feedbackOf(c: TestClient) {
  return withClient(sms.hark.services.db, c.clientId, (trx) =>
    trx
      .selectFrom('feedback')
      .select(['id', 'score', 'comment', 'channel', 'location_id', 'sub_measure_id', 'receipt_code', 'end_customer_id'])
      .where('client_id', '=', c.clientId)
      .orderBy('submitted_at')
      .execute(),
  );
}

describe('a conversation by text', () => {
  it('asks the lead question, then the follow-up, then thanks, and stores the feedback', async () => {
    const phone = new TestPhone(sms, numbers.number);
    const opening = await phone.ask(numbers.smsCode.toLowerCase());
    expect(opening).toContain('How likely are you to recommend us to a friend?');
    expect(opening).toContain('Reply 1-5');
    expect(opening).toContain('STOP');
    expect(await phone.ask(' 4 ')).toContain('What is the main reason for your score?');
    expect(await phone.ask('Lovely staff, slow coffee')).toMatch(/^Cheers for that! The team reads every comment\./);
    const stored = (await feedbackOf(client)).at(-1);
    expect(stored).toMatchObject({ score: 4, comment: 'Lovely staff, slow coffee', channel: 'sms', location_id: client.location.id });
    expect(stored?.end_customer_id).not.toBeNull();
  });

  it('takes everything in one text', async () => {
    const phone = new TestPhone(sms, numbers.number);
    const before = (await feedbackOf(client)).length;
    expect(await phone.ask(`${numbers.otherSmsCode} 5 great flat white`)).toContain('Cheers for that!');
    const all = await feedbackOf(client);
    expect(all).toHaveLength(before + 1);
    expect(all.at(-1)).toMatchObject({ score: 5, comment: 'great flat white', location_id: client.otherLocation.id });
  });

  it('forgives sloppy answers: a comment before the score, 4/5, a number word, an out-of-range score', async () => {
    const phone = new TestPhone(sms, numbers.number);
    await phone.ask(numbers.smsCode);
    expect(await phone.ask('the muffins were stale')).toMatch(/^Thanks! And your score\?/);
    expect(await phone.ask('7')).toBe('Please reply with a number from 1 to 5.');
    expect(await phone.ask('2/5')).toContain('Cheers for that!');
    expect((await feedbackOf(client)).at(-1)).toMatchObject({ score: 2, comment: 'the muffins were stale' });

    await phone.ask(numbers.smsCode);
    expect(await phone.ask('five')).toContain('main reason');
    expect(await phone.ask('skip')).toContain('Cheers for that!');
    expect((await feedbackOf(client)).at(-1)).toMatchObject({ score: 5, comment: '' });

    await phone.ask(numbers.smsCode);
    expect(await phone.ask('3\uFE0F\u20E3 Too loud in there')).toContain('Cheers for that!');
    expect((await feedbackOf(client)).at(-1)).toMatchObject({ score: 3, comment: 'Too loud in there' });
  });

  it('takes a receipt code once: it names the location and cannot be used again', async () => {
    const code = client.otherLocationReceiptCodes[0] as string;
    const phone = new TestPhone(sms, numbers.number);
    expect(await phone.ask(`${code} 3 ok`)).toContain('Cheers');
    expect((await feedbackOf(client)).at(-1)).toMatchObject({ score: 3, receipt_code: code, location_id: client.otherLocation.id });
    const again = new TestPhone(sms, numbers.number);
    expect(await again.ask(code)).toContain('already been used');
  });

  it('starts afresh when a new code arrives mid-conversation, keeping the score already given', async () => {
    const phone = new TestPhone(sms, numbers.number);
    await phone.ask(numbers.smsCode);
    await phone.ask('3');
    const before = (await feedbackOf(client)).length;
    expect(await phone.ask(numbers.otherSmsCode)).toContain('How likely');
    const after = await feedbackOf(client);
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)).toMatchObject({ score: 3, comment: '', location_id: client.location.id });
  });

  it('files the feedback under a staff member whose code follows the location’s, and names them', async () => {
    const staff = client.subMeasure;
    const phone = new TestPhone(sms, numbers.number);
    const opening = await phone.ask(`${numbers.smsCode} ${staff.code.toUpperCase()}`);
    expect(opening).toContain(`(Main Street, ${staff.name})`);
    expect(opening).toContain('How likely');
    await phone.ask('5');
    expect(await phone.ask('remembered my order')).toContain('Cheers');
    expect((await feedbackOf(client)).at(-1)).toMatchObject({ score: 5, comment: 'remembered my order', location_id: client.location.id, sub_measure_id: staff.id });

    // All in one text, the staff code in any case and with a comma after it.
    expect(await phone.ask(`${numbers.smsCode.toLowerCase()} ${staff.code}, 4 quick`)).toContain('Cheers');
    expect((await feedbackOf(client)).at(-1)).toMatchObject({ score: 4, comment: 'quick', sub_measure_id: staff.id });

    // A receipt code can be followed by a staff code of its location too.
    expect(await phone.ask(`${client.receiptCodes[4]} ${staff.code} 3`)).toContain('main reason');
    expect(await phone.ask('skip')).toContain('Cheers');
    expect((await feedbackOf(client)).at(-1)).toMatchObject({ score: 3, receipt_code: client.receiptCodes[4], sub_measure_id: staff.id });
  });

  it('leaves the feedback with the location when the word after the code is no staff member of it, or reads as a score', async () => {
    // A staff member whose code reads as a score, one of another location, one archived.
    const scoreLike = await createSubMeasure(sms.hark.services.db, client.clientId, { locationId: client.location.id, name: 'Till five', code: '5' });
    const archived = await createSubMeasure(sms.hark.services.db, client.clientId, { locationId: client.location.id, name: 'Back till', code: 'back-till' });
    await withClient(sms.hark.services.db, client.clientId, (trx) => trx.updateTable('sub_measures').set({ archived_at: new Date() }).where('client_id', '=', client.clientId).where('id', '=', archived.id).execute());
    const phone = new TestPhone(sms, numbers.number);

    expect(await phone.ask(`${numbers.smsCode} 5 fine`)).toContain('Cheers');
    expect((await feedbackOf(client)).at(-1)).toMatchObject({ score: 5, comment: 'fine', sub_measure_id: null });
    expect(scoreLike.code).toBe('5');

    expect(await phone.ask(`${numbers.otherSmsCode} ${client.subMeasure.code}`)).toMatch(/^Thanks! And your score\?/);
    expect(await phone.ask('2')).toContain('Cheers');
    expect((await feedbackOf(client)).at(-1)).toMatchObject({ score: 2, location_id: client.otherLocation.id, sub_measure_id: null });

    expect(await phone.ask(`${numbers.smsCode} ${archived.code}`)).toMatch(/^Thanks! And your score\?/);
    expect(await phone.ask('1')).toContain('Cheers');
    expect((await feedbackOf(client)).at(-1)).toMatchObject({ score: 1, location_id: client.location.id, sub_measure_id: null });
  });

  it('processes a repeated MessageSid once', async () => {
    const phone = new TestPhone(sms, numbers.number);
    const before = (await feedbackOf(client)).length;
    await phone.send(`${numbers.smsCode} 4 twice?`, 'SM0000000000000000000000000000dupe');
    await phone.send(`${numbers.smsCode} 4 twice?`, 'SM0000000000000000000000000000dupe');
    await phone.nextTexts(1);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(phone.received()).toHaveLength(1);
    expect(await feedbackOf(client)).toHaveLength(before + 1);
  });

  it('offers the prize draw, takes a name and an email, and enters the customer once', async () => {
    const phone = new TestPhone(sms, drawNumbers.number);
    expect(await phone.ask(`${drawNumbers.smsCode} 9`)).toContain('main reason');
    expect(await phone.ask('fast service')).toContain('Reply YES to enter');
    expect(await phone.ask('yes')).toContain('What is your name?');
    expect(await phone.ask('Aroha')).toContain('email');
    expect(await phone.ask('Aroha@Example.com')).toContain('You are in the draw.');
    const [stored] = await feedbackOf(drawClient);
    const entries = await withClient(sms.hark.services.db, drawClient.clientId, (trx) =>
      trx.selectFrom('prize_entries').select(['feedback_id', 'end_customer_id']).where('client_id', '=', drawClient.clientId).execute(),
    );
    expect(entries).toEqual([{ feedback_id: stored?.id, end_customer_id: stored?.end_customer_id }]);
    const consents = await withClient(sms.hark.services.db, drawClient.clientId, (trx) =>
      trx.selectFrom('consents').select('kind').where('client_id', '=', drawClient.clientId).orderBy('kind').execute(),
    );
    expect(consents.map((c) => c.kind)).toEqual(['privacy_policy', 'prize_draw_terms']);
  });
});
