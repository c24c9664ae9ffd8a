/**
 * The portal's SMS screens in a real browser, against a real Hark that texts through a local
 * stand-in for Twilio's API: the conversation behind a feedback given by text, a reply by
 * text that reaches the gateway and the customer's answer to it, the refusal when the
 * customer opted out, the SMS settings (changed by an admin, read only for a viewer),
 * inviting one customer and a CSV file of them, and the dashboard's count of texts. Every
 * new screen passes axe and fits a 320 px phone.
 */
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withClient } from '../../src/db/tenancy.ts';
import { launchBrowser, narrowPhone } from '../helpers/browser.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { enableSms, randomMobile, startSmsTestHark, TestPhone, type SmsTestClient, type SmsTestHark } from '../helpers/sms.ts';
import { waitFor } from '../helpers/wait.ts';
import { createPerson, expectNoSidewaysScroll, expectNoViolations, signIn, type TestPerson } from './portal-support.ts';

let sms: SmsTestHark;
let browser: Browser;
let client: TestClient;
let numbers: SmsTestClient;
let admin: TestPerson;
/** The customer who texted "cold coffee", and the feedback that made. */
let customer: TestPhone;
let coldCoffeeId: string;
/** A customer who gave feedback by text, then replied STOP. */
let optedOutId: string;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

/** Axe is injected as an inline script, which the portal's CSP blocks: these contexts bypass it. */
const desktop: BrowserContextOptions = { viewport: { width: 1280, height: 900 }, bypassCSP: true };
const smallestPhone: BrowserContextOptions = { ...narrowPhone, bypassCSP: true };

async function feedbackIdWithComment(comment: string): Promise<string> {
  const row = await withClient(sms.hark.services.db, client.clientId, (trx) =>
    trx.selectFrom('feedback').select('id').where('client_id', '=', client.clientId).where('comment', '=', comment).executeTakeFirstOrThrow(),
  );
  return row.id;
}

beforeAll(async () => {
  [sms, browser] = await Promise.all([startSmsTestHark({ HARK_LOGIN_LIMIT_PER_IP: '1000' }), launchBrowser()]);
  client = await createTestClient(sms.hark.services, { name: 'Kauri Kitchen' });
  numbers = await enableSms(sms.hark.services, client);
  admin = await createPerson(sms.hark, client.clientId, 'admin', { name: 'Ana Admin' });

  customer = new TestPhone(sms, numbers.number);
  expect(await customer.ask(`${numbers.smsCode} 2 cold coffee`)).toContain('Cheers for that!');
  coldCoffeeId = await feedbackIdWithComment('cold coffee');
  // The carrier reports Hark's thank-you delivered.
  const [thanks] = customer.received();
  expect((await sms.gateway.deliverStatus(thanks!, 'delivered')).status).toBe(200);

  const leaving = new TestPhone(sms, numbers.number);
  expect(await leaving.ask(`${numbers.otherSmsCode} 4 nice scones`)).toContain('Cheers for that!');
  await leaving.ask('STOP');
  optedOutId = await feedbackIdWithComment('nice scones');
});
afterAll(async () => {
  await browser?.close();
  await sms?.close();
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
  expect(pageErrors.splice(0)).toEqual([]);
});

async function newPage(options: BrowserContextOptions = desktop): Promise<Page> {
  const context = await browser.newContext(options);
  contexts.push(context);
  const page = await context.newPage();
  // Fail within the test's time with the step that failed, not with the test's timeout.
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return page;
}

function bubble(page: Page, text: string) {
  return page.getByRole('region', { name: 'Text conversation' }).getByRole('listitem').filter({ hasText: text });
}

describe('a feedback given by text', () => {
  it('shows the conversation, replies by text through the gateway, and shows the customer’s answer', async () => {
    const page = await newPage();
    await signIn(page, sms.hark, admin.email);
    await page.goto(`${sms.hark.url}/portal/feedback/${coldCoffeeId}`);

    // The thread: the customer's text on one side, Hark's thank-you (delivered) on the other.
    const asked = bubble(page, `${numbers.smsCode} 2 cold coffee`);
    await asked.getByText('Customer', { exact: true }).waitFor();
    const thanked = bubble(page, 'Cheers for that!');
    await thanked.getByText('Hark, automatic').waitFor();
    await thanked.getByText('Delivered').waitFor();
    expect(await page.getByRole('region', { name: 'Customer' }).getByText(customer.mobile).count()).toBe(1);
    await expectNoViolations(page, 'feedback detail with a text conversation');

    // The reply form offers text; the estimate notices a character outside GSM-7.
    await page.getByRole('heading', { level: 2, name: 'Reply by text' }).waitFor();
    const message = page.getByLabel('Message');
    await message.fill('Sorry about the coffee. Your next one is on us.');
    await page.getByText('Estimate: 1 text segment, 47 of 160 characters.').waitFor();
    const reply = 'Sorry about the coffee — your next one is on us.';
    await message.fill(reply);
    await page.getByText('Estimate: 1 text segment, 48 of 70 characters. “—” is outside the plain SMS alphabet, so a segment holds 70 characters, not 160.').waitFor();

    const before = sms.gateway.messages.length;
    await page.getByRole('button', { name: 'Send text' }).click();
    await page.getByText('Your text is on its way.').waitFor();
    const sent = await sms.gateway.waitForMessages(before + 1);
    expect(sent.slice(before)).toEqual([expect.objectContaining({ to: customer.mobile, from: numbers.number, body: reply })]);
    // The thread shows it as the team's, and follows it from queued to sent without a reload.
    const ours = bubble(page, reply);
    await ours.getByText('Reply from your team').waitFor();
    await ours.getByText('Sent', { exact: true }).waitFor({ timeout: 10_000 });
    await page.getByRole('region', { name: 'Timeline' }).getByText('Text reply').waitFor();

    // The customer answers; after a reload it is in the thread and the timeline, as theirs.
    await customer.send('thanks!');
    await waitFor(
      async () => {
        await page.reload();
        await page.getByRole('heading', { level: 2, name: 'Timeline' }).waitFor();
        return (await page.getByRole('region', { name: 'Timeline' }).getByText('thanks!').count()) > 0 ? true : undefined;
      },
      { what: 'the customer’s answer in the timeline', timeoutMs: 10_000, intervalMs: 250 },
    );
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await timeline.getByRole('listitem').filter({ hasText: 'thanks!' }).getByText('Text from the customer').waitFor();
    await bubble(page, 'thanks!').getByText('Customer', { exact: true }).waitFor();
    await expectNoViolations(page, 'feedback detail after a reply and an answer');
  });

  it('says why a text reply cannot go to a customer who opted out, before anyone writes one', async () => {
    const page = await newPage();
    await signIn(page, sms.hark, admin.email);
    await page.goto(`${sms.hark.url}/portal/feedback/${optedOutId}`);
    await page.getByText('This customer opted out of texts (they replied STOP) and left no email address').waitFor();
    expect(await page.getByRole('button', { name: 'Send text' }).count()).toBe(0);
  });
});

describe('SMS settings', () => {
  it('shows the provider and saves a change; refuses a number another business uses', async () => {
    const other = await createTestClient(sms.hark.services);
    const taken = await enableSms(sms.hark.services, other);
    const page = await newPage();
    await signIn(page, sms.hark, admin.email);
    await page.goto(`${sms.hark.url}/portal/settings`);
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'SMS' }).click();
    await page.getByRole('heading', { level: 2, name: 'SMS' }).waitFor();
    await page.getByText('Texts go through: Twilio').waitFor();
    expect(await page.getByLabel('SMS number').inputValue()).toBe(numbers.number);
    expect(await page.getByLabel('Start').inputValue()).toBe('00:00');
    await expectNoViolations(page, 'SMS settings');

    await page.getByLabel('Close an unanswered conversation after (minutes)').fill('3');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Enter a whole number of minutes from 5 to 10080 (a week).').waitFor();
    await expectNoViolations(page, 'SMS settings with an error');

    await page.getByLabel('Close an unanswered conversation after (minutes)').fill('90');
    await page.getByLabel('Days between invitations to one number').fill('14');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    const stored = await withClient(sms.hark.services.db, client.clientId, (trx) =>
      trx.selectFrom('clients').select(['sms_quarantine_days', 'sms_conversation_minutes', 'sms_number']).where('id', '=', client.clientId).executeTakeFirstOrThrow(),
    );
    expect(stored).toEqual({ sms_quarantine_days: 14, sms_conversation_minutes: 90, sms_number: numbers.number });

    // Written with spaces, someone else's number: the API's 409 is shown as it says it.
    await page.getByLabel('SMS number').fill(taken.number.replace(/^(\+\d{2})(\d{2})/, '$1 $2 '));
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('alert').getByText('Another business already uses this SMS number.').waitFor();
    await page.reload();
    expect(await page.getByLabel('SMS number').inputValue()).toBe(numbers.number);
    expect(await page.getByLabel('Days between invitations to one number').inputValue()).toBe('14');
  });

  it('shows a viewer the settings without a way to change them', async () => {
    const viewer = await createPerson(sms.hark, client.clientId, 'viewer');
    const page = await newPage();
    await signIn(page, sms.hark, viewer.email);
    await page.goto(`${sms.hark.url}/portal/settings`);
    await page.getByText('Your role does not include any settings.').waitFor();
    await page.getByRole('link', { name: 'SMS number and texting rules' }).click();
    await page.getByText('Your role can see these settings but not change them').waitFor();
    await page.getByText(numbers.number).waitFor();
    expect(await page.getByRole('button', { name: 'Save' }).count()).toBe(0);
    expect(await page.getByRole('textbox').count()).toBe(0);
    await expectNoViolations(page, 'SMS settings, read only');
  });
});

describe('inviting customers by text', () => {
  it('invites one customer, refuses the same number again, and reports on a CSV file row by row', async () => {
    const page = await newPage();
    await signIn(page, sms.hark, admin.email);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inbox' }).click();
    await page.getByRole('link', { name: 'Invite customers by text' }).click();
    await page.getByRole('heading', { level: 1, name: 'Invite customers by text' }).waitFor();
    await page.getByRole('region', { name: 'The rules every invitation follows' }).getByText(numbers.number).waitFor();
    await expectNoViolations(page, 'invitations');

    const mobile = randomMobile();
    const single = page.getByRole('form', { name: 'Invite one customer' });
    await single.getByLabel('Mobile number').fill(mobile);
    await single.getByLabel('Name').fill('Aroha');
    await single.getByLabel('Location').selectOption(client.location.id);
    await single.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText(`Invitation to ${mobile} is on its way.`).waitFor();
    const invitation = await waitFor(async () => sms.gateway.messages.find((m) => m.to === mobile), { what: 'the invitation at the gateway', timeoutMs: 10_000 });
    expect(invitation.body).toMatch(/^Hi Aroha, thanks for visiting Kauri Kitchen \(Main Street\)\./);

    // The same number again, within the quarantine period.
    await single.getByLabel('Mobile number').fill(mobile);
    await single.getByRole('button', { name: 'Send invitation' }).click();
    await single.getByRole('alert').getByText(/Not sent: this number was invited recently/).waitFor();
    // For a staff member of the location: the text names them and the answer counts for them.
    const forStaff = randomMobile();
    await single.getByLabel('Mobile number').fill(forStaff);
    await single.getByLabel('Staff member').selectOption({ label: client.subMeasure.name });
    await expectNoViolations(page, 'invitation with a staff member');
    await single.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText(`Invitation to ${forStaff} is on its way.`).waitFor();
    const staffInvitation = await waitFor(async () => sms.gateway.messages.find((m) => m.to === forStaff), { what: 'the staff invitation at the gateway', timeoutMs: 10_000 });
    expect(staffInvitation.body).toMatch(new RegExp(`^Thanks for visiting Kauri Kitchen \\(Main Street, ${client.subMeasure.name}\\)\\.`));
    // Another location has other staff: the choice goes with the location.
    await single.getByLabel('Location').selectOption(client.otherLocation.id);
    expect(await single.getByLabel('Staff member').count()).toBe(0);
    await single.getByLabel('Location').selectOption(client.location.id);
    expect(await single.getByLabel('Staff member').inputValue()).toBe('');

    // A number that is no number at all belongs to its field.
    await single.getByLabel('Mobile number').fill('12345');
    await single.getByRole('button', { name: 'Send invitation' }).click();
    await single.getByText(/The mobile number is not valid/).waitFor();
    expect(await single.getByLabel('Mobile number').getAttribute('aria-invalid')).toBe('true');

    const good = randomMobile();
    const csv = ['name,mobile,location', `Mere,${good},${client.otherLocation.code}`, `Tama,${randomMobile()},Nowhere`, `,12,Main Street`, ''].join('\n');
    const bulk = page.getByRole('form', { name: 'Invite from a CSV file' });
    await bulk.getByLabel('CSV file').setInputFiles({ name: 'customers.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await bulk.getByRole('button', { name: 'Send invitations' }).click();
    await bulk.getByRole('status').getByText('1 customer invited; 2 rows not invited, listed below.').waitFor();
    const rows = await bulk.getByRole('table').getByRole('row').allInnerTexts();
    expect(rows.map((r) => r.replace(/\s+/g, ' ').trim())).toEqual(['Row Why it was not invited', '3 no location "Nowhere" that you may invite for', '4 not a valid mobile number']);
    await waitFor(async () => sms.gateway.messages.find((m) => m.to === good), { what: 'the CSV invitation at the gateway', timeoutMs: 10_000 });
    await expectNoViolations(page, 'invitations with a CSV report');

    // A file without the needed columns is refused as a whole, with the API's reason.
    await bulk.getByLabel('CSV file').setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from('who,phone\nMere,021 555 0123\n') });
    await bulk.getByRole('button', { name: 'Send invitations' }).click();
    await bulk.getByRole('alert').getByText(/The header row must name the columns mobile and location/).waitFor();

    // Each staff member's row in the location settings shows what to text for them.
    await page.goto(`${sms.hark.url}/portal/settings/locations`);
    await page.getByText(`${numbers.smsCode} ${client.subMeasure.code.toUpperCase()}`, { exact: true }).waitFor();
  });
});

describe('the dashboard', () => {
  it('counts the texts sent and received over its period', async () => {
    const page = await newPage();
    await signIn(page, sms.hark, admin.email);
    const texts = page.getByRole('region', { name: 'Texts' });
    // Texts go on moving from queued to sent: compare the panel with the database until both agree.
    await waitFor(
      async () => {
        await page.goto(`${sms.hark.url}/portal/`);
        await texts.getByText(/segments? sent · \d+ received/).waitFor();
        const stored = await withClient(sms.hark.services.db, client.clientId, (trx) =>
          trx.selectFrom('sms_messages').select(['direction', 'status']).where('client_id', '=', client.clientId).execute(),
        );
        const sent = stored.filter((m) => m.direction === 'outbound' && ['sent', 'delivered', 'undelivered'].includes(m.status)).length;
        const received = stored.filter((m) => m.direction === 'inbound').length;
        const shown = await texts.innerText();
        return sent > 0 && shown.includes(`${sent} sent`) && shown.includes(` · ${received} received`) ? true : undefined;
      },
      { what: 'the Texts panel to count what the database holds', timeoutMs: 15_000, intervalMs: 500 },
    );
    await texts.getByText('Blocked (opted out)').waitFor();
  });
});

describe('on a 320 px phone', () => {
  it('fits the screen and passes axe: the conversation, the SMS settings and the invitations', async () => {
    const page = await newPage(smallestPhone);
    await signIn(page, sms.hark, admin.email);
    await page.goto(`${sms.hark.url}/portal/feedback/${coldCoffeeId}`);
    await bubble(page, 'cold coffee').waitFor();
    await expectNoViolations(page, 'feedback detail with a text conversation (320 px)');
    await expectNoSidewaysScroll(page, 'feedback detail with a text conversation (320 px)');

    await page.goto(`${sms.hark.url}/portal/settings/sms`);
    await page.getByLabel('SMS number').waitFor();
    await expectNoViolations(page, 'SMS settings (320 px)');
    await expectNoSidewaysScroll(page, 'SMS settings (320 px)');

    await page.goto(`${sms.hark.url}/portal/inbox/invite`);
    await page.getByRole('form', { name: 'Invite one customer' }).waitFor();
    await expectNoViolations(page, 'invitations (320 px)');
    await expectNoSidewaysScroll(page, 'invitations (320 px)');

    await page.goto(`${sms.hark.url}/portal/`);
    await page.getByRole('region', { name: 'Texts' }).getByText(/sent/).first().waitFor();
    await expectNoSidewaysScroll(page, 'dashboard with texts (320 px)');
  });
});
