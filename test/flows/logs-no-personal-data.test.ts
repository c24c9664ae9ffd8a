/**
 * The logs of a full run hold no personal information and no secret: a Hark logging at
 * info takes feedback with contact details on the web and by text, a staff sign-in, a reply
 * by text, a resolved case with its follow-up link opened, and not one of the names,
 * addresses, numbers, passwords or tokens appears in what it logged.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { withClient } from '../../src/db/tenancy.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { createTestUser, signIn, testPassword } from '../helpers/portal.ts';
import { enableSms, startSmsTestHark, TestPhone, type SmsTestClient, type SmsTestHark } from '../helpers/sms.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';
import { TEST_AUTH_TOKEN } from '../helpers/twilio-signing.ts';

const lines: string[] = [];
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});

let sms: SmsTestHark;
let smtp: TestSmtpServer;
let client: TestClient;
let numbers: SmsTestClient;

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  // The logger Hark builds for itself (createLogger: redaction, request serializer), writing here.
  sms = await startSmsTestHark({ SMTP_URL: smtp.url, HARK_ALERT_POLL_SECONDS: '0.2' }, createLogger(loadConfig({ HARK_LOG_LEVEL: 'info' }), capture));
  client = await createTestClient(sms.hark.services, { prizeDraw: true });
  numbers = await enableSms(sms.hark.services, client);
});
afterAll(async () => {
  await sms?.close();
  await smtp?.close();
});

it('logs requests, and no name, email, mobile, password or token', async () => {
  await giveFeedback(sms.hark, `/f/${client.location.code}`, {
    score: '1',
    comment: 'cold and slow',
    name: 'Zebedee Quill',
    email: 'zebedee.quill@example.com',
    contact_requested: 'yes',
  });
  await giveFeedback(sms.hark, `/f/${client.location.code}`, { score: '5', comment: 'lovely', name: 'Zebedee Quill', mobile: '021 555 8642', contact_requested: 'yes' });
  const phone = new TestPhone(sms, numbers.number, '+64215551357');
  await phone.ask(`${numbers.smsCode} 2 meh`);
  await phone.ask('yes');
  await phone.ask('Ottoline Marsh');
  await phone.ask('ottoline.marsh@example.com');

  const admin = await createTestUser(sms.hark.services, client.clientId, 'admin');
  const session = await signIn(sms.hark, admin);
  const feedback = await withClient(sms.hark.services.db, client.clientId, (trx) =>
    trx.selectFrom('feedback').select('id').where('client_id', '=', client.clientId).where('comment', '=', 'cold and slow').executeTakeFirstOrThrow(),
  );
  await session.post(`/api/v1/feedback/${feedback.id}/responses`, { kind: 'email', subject: 'Sorry', body: 'So sorry, Zebedee' });
  await sms.gateway.waitForMessages(4);
  const found = await session.get<{ id: string }>(`/api/v1/feedback/${feedback.id}/case`);
  await session.post(`/api/v1/cases/${found.body.id}/resolve`, { resolutionCode: 'apologised', followUp: true });
  const followUp = await smtp.waitForMail('zebedee.quill@example.com', (m) => m.subject.startsWith('Did we fix it?'));
  const link = /(http\S+\/follow-up\/[^?\s]+)/.exec(followUp.text)?.[1] as string;
  const token = link.split('/follow-up/')[1] as string;
  await fetch(`${link}?answer=yes`);
  await sms.hark.fetch(`/api/v1/feedback?q=${encodeURIComponent('zebedee')}`, { headers: { cookie: [...session.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });

  const log = lines.join('\n');
  expect(lines.length).toBeGreaterThan(10);
  expect(log).toContain('"url":"/f/');
  const cookies = [...session.cookies.values()];
  const secrets = [
    'Zebedee',
    'zebedee',
    'Quill',
    'example.com',
    '5558642',
    '555 8642',
    '+64215551357',
    '5551357',
    'Ottoline',
    'Marsh',
    testPassword,
    TEST_AUTH_TOKEN,
    session.csrfToken,
    ...cookies,
    token,
  ];
  const leaked = secrets.filter((secret) => secret && log.includes(secret));
  expect(leaked).toEqual([]);
  // The follow-up page was reached, and logged without its token.
  expect(log).toContain('"url":"/follow-up/:token"');
});
