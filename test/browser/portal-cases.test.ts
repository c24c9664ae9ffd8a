/**
 * Closing the loop in a real browser, against a real Hark and a real SMTP server: a low score
 * opens a case by the default alert rule; an admin finds it on the Cases page, assigns it to
 * a manager and resolves it asking the customer "did we fix it?"; the customer answers yes
 * from the email's link and the recovery rate becomes 100%. A manager opens a case by hand
 * and takes it. Settings → Alerts lists the rules as sentences, adds a keyword rule (whose
 * alert then arrives), shows the API's refusal, edits and deletes; Settings → Service level
 * saves, and is read only for a manager. Every new screen passes axe and fits a 320 px phone.
 */
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withClient } from '../../src/db/tenancy.ts';
import { launchBrowser, narrowPhone } from '../helpers/browser.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';
import { createPerson, expectNoSidewaysScroll, expectNoViolations, signIn, type TestPerson } from './portal-support.ts';

let hark: TestHark;
let smtp: TestSmtpServer;
let browser: Browser;
let client: TestClient;
let admin: TestPerson;
let manager: TestPerson;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

const customerEmail = 'tama.customer@example.com';
const coldSoup = 'Soup was cold and nobody came to check';
const slowBill = 'Waited twenty minutes for the bill';

/** Axe is injected as an inline script, which the portal's CSP blocks: these contexts bypass it. */
const desktop: BrowserContextOptions = { viewport: { width: 1280, height: 900 }, bypassCSP: true };
const smallestPhone: BrowserContextOptions = { ...narrowPhone, bypassCSP: true };

async function feedbackIdOf(comment: string): Promise<string> {
  const row = await withClient(hark.services.db, client.clientId, (trx) =>
    trx.selectFrom('feedback').select('id').where('client_id', '=', client.clientId).where('comment', '=', comment).executeTakeFirstOrThrow(),
  );
  return row.id;
}

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  [hark, browser] = await Promise.all([
    startTestHark({ env: { SMTP_URL: smtp.url, HARK_JOB_POLL_SECONDS: '0.5', HARK_ALERT_POLL_SECONDS: '0.2', HARK_LOGIN_LIMIT_PER_IP: '1000' } }),
    launchBrowser(),
  ]);
  client = await createTestClient(hark.services, { name: 'Tōtara Bistro' });
  admin = await createPerson(hark, client.clientId, 'admin', { name: 'Ana Admin' });
  manager = await createPerson(hark, client.clientId, 'manager', { name: 'Mika Manager' });
  const main = `/f/${client.location.code}`;
  // 1 of 5 is in the bottom band: the default rule opens a case. 3 of 5 opens none.
  expect((await giveFeedback(hark, main, { score: '1', comment: coldSoup, name: 'Tama', email: customerEmail, accept_privacy: 'yes' })).status).toBe(200);
  expect((await giveFeedback(hark, main, { score: '3', comment: slowBill })).status).toBe(200);
});
afterAll(async () => {
  await browser?.close();
  await hark?.close();
  await smtp?.close();
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
  expect(pageErrors.splice(0)).toEqual([]);
});

async function newPage(options: BrowserContextOptions = desktop): Promise<Page> {
  const context = await browser.newContext(options);
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return page;
}

function figure(page: Page, name: string) {
  return page.getByRole('region', { name: 'Closing the loop' }).locator('.figures > div').filter({ has: page.getByText(name, { exact: true }) });
}

describe('a case from a low score', () => {
  it('is found on the Cases page, assigned, resolved with a follow-up by email, and the customer’s yes makes the recovery rate', async () => {
    const page = await newPage();
    await signIn(page, hark, admin.email);
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link').allInnerTexts()).toEqual(['Dashboard', 'Inbox', 'Cases', 'Comments', 'Rankings', 'Reports', 'Benchmarks', 'Prize draws', 'Settings', 'Account']);
    await nav.getByRole('link', { name: 'Cases' }).click();
    await page.getByRole('heading', { level: 1, name: 'Cases' }).waitFor();
    const views = page.getByRole('navigation', { name: 'Whose cases' });
    expect(await views.getByRole('link', { name: 'Team' }).getAttribute('aria-current')).toBe('page');

    // The figures of the last 30 days: one open case, nothing resolved or answered yet.
    await figure(page, 'Open now').getByText('1', { exact: true }).waitFor();
    await figure(page, 'Recovery rate').getByText('–', { exact: true }).waitFor();

    const row = page.getByRole('listitem').filter({ hasText: coldSoup });
    await row.getByText('Unassigned').waitFor();
    await row.getByText(/^Due /).waitFor();
    await row.getByText('New', { exact: true }).waitFor();
    expect(await page.getByRole('listitem').filter({ hasText: slowBill }).count()).toBe(0);
    await expectNoViolations(page, 'the Cases page');

    // Nobody has it: it is among the unassigned too.
    await views.getByRole('link', { name: 'Unassigned' }).click();
    await page.getByRole('heading', { level: 2, name: 'Unassigned: open cases, overdue first' }).waitFor();
    await row.waitFor();

    await row.getByRole('link', { name: coldSoup }).click();
    await page.getByRole('link', { name: '← Back to the cases' }).waitFor();
    const panel = page.getByRole('region', { name: 'Case' });
    await panel.getByText('A low score').waitFor();
    await panel.getByText('Nobody yet').waitFor();
    await expectNoViolations(page, 'the case panel');

    // Assigned to the manager, from the people who may take it.
    await panel.getByLabel('Assign to').selectOption(manager.userId);
    await panel.getByRole('button', { name: 'Assign', exact: true }).click();
    await panel.getByText('Assigned to Mika Manager.').waitFor();
    await panel.locator('dd').getByText('Mika Manager', { exact: true }).waitFor();

    // Resolving needs a resolution code; the error belongs to its field.
    await panel.getByRole('button', { name: 'Resolve case' }).click();
    await panel.getByText('Choose how the case was resolved.').waitFor();
    expect(await panel.getByLabel('Resolution').getAttribute('aria-invalid')).toBe('true');
    await expectNoViolations(page, 'the case panel with an error');

    await panel.getByLabel('Resolution').selectOption({ label: 'Fixed the problem' });
    await panel.getByLabel('Note').fill('Rang Tama and sent a voucher for a hot meal.');
    await panel.getByLabel('Ask the customer “did we fix it?”').check();
    await panel.getByRole('button', { name: 'Resolve case' }).click();
    await panel.getByText('Case resolved. The customer was asked “did we fix it?” by email.').waitFor();
    await panel.locator('.pill').getByText('Resolved', { exact: true }).waitFor();
    await panel.getByText(/Asked by email on .+\. No answer yet\./).waitFor();
    expect(await panel.getByRole('button', { name: 'Resolve case' }).count()).toBe(0);
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await timeline.getByText('Case opened: a low score').waitFor();
    await timeline.getByText('Case assigned to Mika Manager').waitFor();
    await timeline.getByText('Case resolved: fixed').waitFor();

    const stored = await withClient(hark.services.db, client.clientId, (trx) =>
      trx.selectFrom('cases').select(['status', 'assignee_user_id', 'resolution_code', 'resolution_note']).where('client_id', '=', client.clientId).executeTakeFirstOrThrow(),
    );
    expect(stored).toEqual({ status: 'resolved', assignee_user_id: manager.userId, resolution_code: 'fixed', resolution_note: 'Rang Tama and sent a voucher for a hot meal.' });

    // The customer's mail, and their answer from its link.
    const mail = await smtp.waitForMail(customerEmail, (m) => /Did we fix it\?/.test(m.subject));
    const link = /\S+\/follow-up\/\S+\?answer=yes/.exec(mail.text)?.[0];
    expect(link, mail.text).toBeDefined();
    const customer = await newPage();
    await customer.goto(link ?? '');
    await customer.getByRole('button', { name: 'Yes, it is fixed (confirm)' }).click();
    await customer.getByText('Thank you. We are glad it is fixed.').waitFor();

    await page.reload();
    await panel.getByText(/The customer says it is fixed/).waitFor();
    await timeline.getByText('The customer says it is fixed').waitFor();

    await nav.getByRole('link', { name: 'Cases' }).click();
    await figure(page, 'Recovery rate').getByText('100%', { exact: true }).waitFor();
    await figure(page, 'Open now').getByText('0', { exact: true }).waitFor();
    await page.getByText('No open cases', { exact: true }).waitFor();
    await page.getByRole('navigation', { name: 'Open or resolved' }).getByRole('link', { name: 'Resolved' }).click();
    const resolved = page.getByRole('listitem').filter({ hasText: coldSoup });
    await resolved.getByText('Assigned to Mika Manager').waitFor();
    await resolved.getByText('Customer: fixed').waitFor();
    await expectNoViolations(page, 'the Cases page, resolved');

    // The dashboard's Cases panel has the same figures.
    await nav.getByRole('link', { name: 'Dashboard' }).click();
    const cases = page.getByRole('region', { name: 'Cases' });
    await cases.getByRole('listitem').filter({ hasText: 'Recovery rate' }).getByText('100%').waitFor();
    await cases.getByText('None overdue').waitFor();
  });

  it('lets a manager open a case by hand and take it; the case is theirs', async () => {
    const page = await newPage();
    await signIn(page, hark, manager.email);
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts()).toEqual(['Dashboard', 'Inbox', 'Cases', 'Comments', 'Rankings', 'Reports', 'Benchmarks', 'Prize draws', 'Account']);
    await page.goto(`${hark.url}/portal/feedback/${await feedbackIdOf(slowBill)}`);
    const panel = page.getByRole('region', { name: 'Case' });
    await panel.getByText('This feedback has no case.').waitFor();
    await panel.getByRole('button', { name: 'Open a case' }).click();
    await panel.getByText('Opened by hand').waitFor();
    await expectNoViolations(page, 'the case panel, for a manager');
    // The people offered are those who may take it; the manager takes it.
    await panel.getByLabel('Assign to').selectOption({ label: 'Mika Manager (manager), you' });
    await panel.getByRole('button', { name: 'Assign', exact: true }).click();
    await panel.getByText('Assigned to Mika Manager.').waitFor();
    await panel.getByRole('button', { name: 'Mark in progress' }).click();
    await panel.getByText('Marked in progress.').waitFor();
    await panel.locator('.pill').getByText('In progress', { exact: true }).waitFor();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Cases' }).click();
    await page.getByRole('navigation', { name: 'Whose cases' }).getByRole('link', { name: 'Mine' }).click();
    await page.getByRole('heading', { level: 2, name: 'Mine: open cases, overdue first' }).waitFor();
    const row = page.getByRole('listitem').filter({ hasText: slowBill });
    await row.getByText('Assigned to Mika Manager').waitFor();
    await row.getByText('Opened by hand').waitFor();
  });

  it('fits a 320 px phone: the Cases page and the case panel', async () => {
    const page = await newPage(smallestPhone);
    await signIn(page, hark, admin.email);
    await page.goto(`${hark.url}/portal/cases`);
    await page.getByRole('listitem').filter({ hasText: slowBill }).waitFor();
    await expectNoSidewaysScroll(page, 'the Cases page at 320 px');
    await expectNoViolations(page, 'the Cases page at 320 px');
    await page.getByRole('link', { name: slowBill }).click();
    await page.getByRole('region', { name: 'Case' }).getByRole('button', { name: 'Resolve case' }).waitFor();
    await expectNoSidewaysScroll(page, 'the case panel at 320 px');
  });
});

describe('a case whose customer left no way to reach them', () => {
  it('is resolved, and the panel says the customer could not be asked', async () => {
    const page = await newPage();
    await signIn(page, hark, admin.email);
    await page.goto(`${hark.url}/portal/feedback/${await feedbackIdOf(slowBill)}`);
    const panel = page.getByRole('region', { name: 'Case' });
    await panel.getByLabel('Resolution').selectOption({ label: 'Explained what happened' });
    await panel.getByLabel('Ask the customer “did we fix it?”').check();
    await panel.getByRole('button', { name: 'Resolve case' }).click();
    await panel.getByText('Case resolved, but the customer could not be asked “did we fix it?”: they left no mobile number or email address we can reach.').waitFor();
    await panel.getByText(/: Explained what happened$/).waitFor();
    expect(await panel.getByText('Did we fix it?', { exact: true }).count()).toBe(0);
    await expectNoViolations(page, 'the case panel, resolved without a follow-up');
  });
});

describe('Settings → Alerts', () => {
  it('lists the rules as sentences, adds a keyword rule whose alert arrives, shows the API’s refusal, edits and deletes', async () => {
    const page = await newPage();
    await signIn(page, hark, admin.email);
    await page.goto(`${hark.url}/portal/settings`);
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('heading', { level: 2, name: 'Alerts' }).waitFor();
    const defaultRule = page.getByRole('listitem').filter({ has: page.getByRole('heading', { level: 3, name: 'Unhappy customer' }) });
    await defaultRule.getByText('When feedback at any location has a low score, email managers at once, and open a case.').waitFor();

    await page.getByRole('button', { name: 'Add a rule' }).click();
    const form = page.getByRole('form', { name: 'Add an alert rule' });
    await form.getByLabel('Name').waitFor();
    await expectNoViolations(page, 'the alert rule form');

    // No condition at all: the API says what is missing.
    await form.getByLabel('Name').fill('Nothing to match');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await form.getByRole('alert').getByText(/choose at least one condition/).waitFor();
    await expectNoViolations(page, 'the alert rule form with the API’s refusal');

    await form.getByLabel('Name').fill('Refund watch');
    await form.getByLabel('mentions any of these words').fill('refund, food poisoning');
    await form.getByLabel('Other email addresses').fill('ops@example.com\nowner.desk@example.com');
    await form.getByRole('group', { name: 'Team members with these roles' }).getByLabel('Managers').uncheck();
    await form.getByLabel('Hold alerts at weekends').check();
    await form.getByLabel('Open a case').check();
    await form.getByLabel('Assign the case to').selectOption(manager.userId);
    await form.getByRole('button', { name: 'Add rule' }).click();
    await page.getByRole('status').getByText('Rule “Refund watch” added.').waitFor();
    const rule = page.getByRole('listitem').filter({ has: page.getByRole('heading', { level: 3, name: 'Refund watch' }) });
    await rule
      .getByText(
        'When feedback at any location mentions “refund” or “food poisoning”, email ops@example.com and owner.desk@example.com at once, held at weekends, and open a case assigned to Mika Manager.',
      )
      .waitFor();
    const stored = await withClient(hark.services.db, client.clientId, (trx) =>
      trx.selectFrom('alert_rules').select(['keywords', 'extra_emails', 'recipient_roles', 'opens_case', 'case_assignee_user_id']).where('client_id', '=', client.clientId).where('name', '=', 'Refund watch').executeTakeFirstOrThrow(),
    );
    expect(stored).toEqual({ keywords: ['refund', 'food poisoning'], extra_emails: ['ops@example.com', 'owner.desk@example.com'], recipient_roles: [], opens_case: true, case_assignee_user_id: manager.userId });

    // Edit: a daily digest at 07:00, only at one location.
    await rule.getByRole('button', { name: 'Edit “Refund watch”' }).click();
    const edit = page.getByRole('form', { name: 'Edit the rule “Refund watch”' });
    await edit.getByLabel('In one daily digest').check();
    await edit.getByLabel('Send the digest at').selectOption({ label: '07:00' });
    await edit.getByLabel('Only at the locations ticked below (and any beneath them)').check();
    await edit.getByLabel('Main Street').check();
    await expectNoViolations(page, 'the alert rule form, editing');
    await edit.getByRole('button', { name: 'Save rule' }).click();
    await page.getByRole('status').getByText('Rule “Refund watch” saved.').waitFor();
    await rule.getByText(/^When feedback at Main Street \(or below\) mentions .+ in a daily digest at 07:00, held at weekends, and open a case assigned to Mika Manager\.$/).waitFor();

    await rule.getByRole('button', { name: 'Delete “Refund watch”' }).click();
    await rule.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('status').getByText('Rule “Refund watch” deleted. Cases it opened stay open.').waitFor();
    await page.getByRole('heading', { level: 3, name: 'Refund watch' }).waitFor({ state: 'detached' });
  });

  it('sends the alert of a keyword rule added in the form', async () => {
    const page = await newPage();
    await signIn(page, hark, admin.email);
    await page.goto(`${hark.url}/portal/settings/alerts`);
    await page.getByRole('button', { name: 'Add a rule' }).click();
    const form = page.getByRole('form', { name: 'Add an alert rule' });
    await form.getByLabel('Name').fill('Allergy words');
    await form.getByLabel('mentions any of these words').fill('allergy');
    await form.getByLabel('Other email addresses').fill('kitchen@example.com');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await page.getByRole('heading', { level: 3, name: 'Allergy words' }).waitFor();

    expect((await giveFeedback(hark, `/f/${client.location.code}`, { score: '4', comment: 'Nice, but nobody asked about my nut allergy' })).status).toBe(200);
    const alert = await smtp.waitForMail('kitchen@example.com', (m) => m.text.includes('nut allergy'));
    expect(alert.subject).toContain('Main Street');
  });

  it('fits a 320 px phone', async () => {
    const page = await newPage(smallestPhone);
    await signIn(page, hark, admin.email);
    await page.goto(`${hark.url}/portal/settings/alerts`);
    await page.getByRole('button', { name: 'Add a rule' }).click();
    await page.getByRole('form', { name: 'Add an alert rule' }).getByLabel('Open a case').check();
    await expectNoSidewaysScroll(page, 'the alert rule form at 320 px');
    await expectNoViolations(page, 'the alert rule form at 320 px');
  });
});

describe('Settings → Service level', () => {
  it('saves business hours, days and the hours a case has; a manager sees them read only', async () => {
    const page = await newPage();
    await signIn(page, hark, admin.email);
    await page.goto(`${hark.url}/portal/settings`);
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Service level' }).click();
    await page.getByRole('heading', { level: 2, name: 'Service level' }).waitFor();
    await expectNoViolations(page, 'the service level');

    const days = page.getByRole('group', { name: 'Business days' });
    for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']) await days.getByLabel(day).uncheck();
    await page.getByLabel('Business hours a case has').fill('0');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Tick at least one business day.').waitFor();
    await page.getByText('Enter a whole number of hours from 1 to 2000.').waitFor();
    await expectNoViolations(page, 'the service level with errors');

    for (const day of ['Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']) await days.getByLabel(day).check();
    await page.getByLabel('Open from').fill('10:00');
    await page.getByLabel('Until').fill('18:30');
    await page.getByLabel('Business hours a case has').fill('6');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved. Cases opened from now on follow it.').waitFor();
    const stored = await withClient(hark.services.db, client.clientId, (trx) =>
      trx.selectFrom('clients').select(['business_hours_start', 'business_hours_end', 'business_days', 'case_due_hours']).where('id', '=', client.clientId).executeTakeFirstOrThrow(),
    );
    expect({ ...stored, business_hours_start: String(stored.business_hours_start).slice(0, 5), business_hours_end: String(stored.business_hours_end).slice(0, 5) }).toEqual({
      business_hours_start: '10:00',
      business_hours_end: '18:30',
      business_days: [2, 3, 4, 5, 6],
      case_due_hours: 6,
    });

    const managerPage = await newPage();
    await signIn(managerPage, hark, manager.email);
    await managerPage.goto(`${hark.url}/portal/settings`);
    await managerPage.getByRole('link', { name: 'Service level for cases' }).click();
    await managerPage.getByText('Your role can see the service level but not change it').waitFor();
    await managerPage.getByText('Tuesday to Saturday').waitFor();
    await managerPage.getByText('6 business hours after it opens').waitFor();
    expect(await managerPage.getByRole('button', { name: 'Save' }).count()).toBe(0);
    await expectNoViolations(managerPage, 'the service level, read only');

    await managerPage.goto(`${hark.url}/portal/settings/alerts`);
    await managerPage.getByText('Your role can see the alert rules but not change them').waitFor();
    await managerPage.getByRole('heading', { level: 3, name: 'Unhappy customer' }).waitFor();
    expect(await managerPage.getByRole('button', { name: /Edit|Delete|Add a rule/ }).count()).toBe(0);
    await expectNoViolations(managerPage, 'the alert rules, read only');
  });
});
