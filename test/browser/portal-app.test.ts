/**
 * The signed-in portal in a real browser against a real Hark (and a real SMTP server for
 * replies): every screen passes axe on a desktop and a 360 px phone, the inbox filters
 * through the address, a reply chosen from a template reaches the customer's mailbox,
 * roles see only what they may do, and settings changes show at once.
 */
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addMembership } from '../../src/accounts/index.ts';
import { withClient } from '../../src/db/tenancy.ts';
import { launchBrowser, phone } from '../helpers/browser.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { waitFor } from '../helpers/wait.ts';
import { createPerson, expectNoSidewaysScroll, expectNoViolations, signIn, startSmtp, type TestPerson, type TestSmtp } from './portal-support.ts';

let hark: TestHark;
let smtp: TestSmtp;
let browser: Browser;
let client: TestClient;
let owner: TestPerson;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

const customerEmail = 'aroha.customer@example.com';

beforeAll(async () => {
  smtp = await startSmtp();
  [hark, browser] = await Promise.all([
    startTestHark({ env: { SMTP_URL: smtp.url, HARK_JOB_POLL_SECONDS: '0.5', HARK_LOGIN_LIMIT_PER_IP: '1000' } }),
    launchBrowser(),
  ]);
  client = await createTestClient(hark.services, { name: 'Rimu Café' });
  owner = await createPerson(hark, client.clientId, 'owner', { name: 'Olive Owner' });
  const main = `/f/${client.location.code}`;
  const answers: Record<string, string>[] = [
    { score: '1', comment: 'Cold coffee and a long wait', name: 'Aroha Customer', email: customerEmail, contact_requested: 'yes', accept_privacy: 'yes' },
    { score: '2', comment: 'Rude at the counter' },
    { score: '3', comment: 'Fine, nothing special' },
    { score: '5', comment: 'Lovely scones, friendly team' },
  ];
  for (const a of answers) expect((await giveFeedback(hark, main, a)).status).toBe(200);
  expect((await giveFeedback(hark, `${main}/${client.subMeasure.code}`, { score: '4', comment: 'Kiri made my day' })).status).toBe(200);
  expect((await giveFeedback(hark, `/f/${client.otherLocation.code}`, { score: '5', comment: 'Harbour views and great service' })).status).toBe(200);
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

/** Axe is injected as an inline script, which the portal's CSP (rightly) blocks: these contexts bypass it. */
const desktop: BrowserContextOptions = { viewport: { width: 1280, height: 900 }, bypassCSP: true };
const smallPhone: BrowserContextOptions = { ...phone, viewport: { width: 360, height: 740 }, bypassCSP: true };

async function newPage(options: BrowserContextOptions = desktop): Promise<Page> {
  const context = await browser.newContext(options);
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return page;
}

function feedbackRows(page: Page) {
  return page.locator('.feedback-row-link');
}

async function commentsShown(page: Page): Promise<string[]> {
  await page.locator('[aria-busy="false"] .feedback-list, .empty').first().waitFor();
  return (await feedbackRows(page).allInnerTexts()).map((t) => t.trim());
}

async function feedbackIdOf(comment: string): Promise<string> {
  const row = await withClient(hark.services.db, client.clientId, (trx) =>
    trx.selectFrom('feedback').select('id').where('client_id', '=', client.clientId).where('comment', '=', comment).executeTakeFirstOrThrow(),
  );
  return row.id;
}

/** Waits until the rollups behind the dashboard include every feedback given in beforeAll. */
async function waitForDashboard(page: Page): Promise<void> {
  await waitFor(
    async () => {
      await page.goto(`${hark.url}/portal/`);
      await page.getByRole('heading', { level: 2, name: 'Responses' }).waitFor({ timeout: 5_000 });
      const shown = await page.locator('#stat-responses + .stat-value').innerText();
      return shown.trim() === '6' ? true : undefined;
    },
    { what: 'the dashboard to count the six responses', timeoutMs: 25_000, intervalMs: 500 },
  );
}

describe('accessibility and layout', () => {
  for (const [label, options] of [
    ['desktop', desktop],
    ['360 px phone', smallPhone],
  ] as const) {
    it(`has no axe violations and no sideways scrolling on any screen (${label})`, async () => {
      const page = await newPage(options);
      await signIn(page, hark, owner.email);
      await waitForDashboard(page);
      await page.getByRole('img', { name: /^Score by day/ }).waitFor();
      await expectNoViolations(page, `dashboard (${label})`);
      await expectNoSidewaysScroll(page, `dashboard (${label})`);

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inbox' }).click();
      await page.getByRole('heading', { level: 1, name: 'Inbox' }).waitFor();
      await feedbackRows(page).first().waitFor();
      await page.getByText('More filters').click();
      await expectNoViolations(page, `inbox (${label})`);
      await expectNoSidewaysScroll(page, `inbox (${label})`);

      await page.getByRole('link', { name: 'Cold coffee and a long wait' }).click();
      await page.getByRole('heading', { level: 2, name: 'Timeline' }).waitFor();
      await expectNoViolations(page, `feedback detail (${label})`);
      await expectNoSidewaysScroll(page, `feedback detail (${label})`);

      for (const section of ['Programme', 'Locations', 'Team', 'Reply templates', 'Business']) {
        await page.goto(`${hark.url}/portal/settings`);
        await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: section }).click();
        await page.getByRole('heading', { level: 2, name: section }).waitFor();
        await page.locator('.loading').waitFor({ state: 'detached' });
        await expectNoViolations(page, `settings: ${section} (${label})`);
        await expectNoSidewaysScroll(page, `settings: ${section} (${label})`);
      }

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
      await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
      await expectNoViolations(page, `account (${label})`);
      await expectNoSidewaysScroll(page, `account (${label})`);
    });
  }

  it('moves focus to the new screen’s heading after a navigation, and offers a skip link', async () => {
    const page = await newPage();
    await signIn(page, hark, owner.email);
    // After signing in, the dashboard's heading has the focus.
    await expect.poll(() => page.evaluate(() => `${document.activeElement?.tagName} ${document.activeElement?.textContent}`)).toBe('H1 Dashboard');
    await page.goto(`${hark.url}/portal/`);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to main content' });
    expect(await skip.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inbox' }).click();
    // The clicked link itself says "Inbox" too: wait for the new screen's heading to hold the focus.
    await expect.poll(() => page.evaluate(() => `${document.activeElement?.tagName} ${document.activeElement?.textContent}`)).toBe('H1 Inbox');
    await expect.poll(() => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inbox' }).getAttribute('aria-current')).toBe('page');
  });
});

describe('dashboard', () => {
  it('shows the score with its 95% interval, the trend as a described image with a table, and ranked tables; the period lives in the address', async () => {
    const page = await newPage();
    await signIn(page, hark, owner.email);
    await waitForDashboard(page);
    // recommend_5 is a mean scale: the average of 1, 2, 3, 5, 4 and 5.
    const score = page.getByRole('region', { name: 'Average score' });
    await score.getByText('3.3').waitFor();
    await score.getByText(/^95% interval .+ to .+$/).waitFor();
    await page.getByRole('region', { name: 'Top scores (4–5)' }).getByText('50%').waitFor();
    const chart = page.getByRole('img', { name: /^Score by day/ });
    expect(await chart.getAttribute('aria-label')).toContain('6 responses in all');
    expect(await page.getByRole('table', { name: 'Score and responses by day' }).getByRole('row').count()).toBe(31);
    const locations = page.getByRole('region', { name: 'Locations' });
    await locations.getByText(/Sorted by/).waitFor();
    await locations.getByRole('rowheader', { name: 'Main Street' }).waitFor();
    await page.getByRole('region', { name: 'Staff and other sub-measures' }).getByRole('rowheader', { name: 'Kiri' }).waitFor();

    await page.getByLabel('Period').selectOption('7d');
    await page.waitForURL(/period=7d/);
    await page.getByLabel('Period').selectOption('custom');
    await page.getByLabel('From', { exact: true }).fill('2020-01-01');
    await page.getByLabel('To', { exact: true }).fill('2020-01-31');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/from=2020-01-01&to=2020-01-31/);
    await page.getByText('No feedback in this period').waitFor();
  });
});

describe('inbox', () => {
  it('filters by score, location and words, keeps the filter in the address, and clears it', async () => {
    const page = await newPage();
    await signIn(page, hark, owner.email);
    await page.goto(`${hark.url}/portal/inbox`);
    expect(await commentsShown(page)).toEqual([
      'Harbour views and great service',
      'Kiri made my day',
      'Lovely scones, friendly team',
      'Fine, nothing special',
      'Rude at the counter',
      'Cold coffee and a long wait',
    ]);

    await page.getByText('More filters').click();
    await page.getByLabel('Score').selectOption('low');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/scoreBand=low/);
    await expect.poll(() => commentsShown(page)).toEqual(['Rude at the counter', 'Cold coffee and a long wait']);

    // A bookmark of the filtered inbox opens the same list.
    await page.reload();
    await expect.poll(() => commentsShown(page)).toEqual(['Rude at the counter', 'Cold coffee and a long wait']);
    expect(await page.getByLabel('Score').inputValue()).toBe('low');

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => commentsShown(page)).toHaveLength(6);
    await page.getByText('More filters').click();

    await page.getByLabel('Location').selectOption({ label: 'Harbour' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => commentsShown(page)).toEqual(['Harbour views and great service']);

    await page.goto(`${hark.url}/portal/inbox?q=scones`);
    await expect.poll(() => commentsShown(page)).toEqual(['Lovely scones, friendly team']);
    await page.goto(`${hark.url}/portal/inbox?q=nothing-matches-this`);
    await page.getByText('No feedback matches these filters').waitFor();
  });

  it('pages through a long inbox with Load more', async () => {
    const busy = await createTestClient(hark.services, { name: 'Busy Bar' });
    const person = await createPerson(hark, busy.clientId, 'viewer');
    for (let i = 0; i < 27; i++) expect((await giveFeedback(hark, `/f/${busy.location.code}`, { score: '4', comment: `Visit number ${i + 1}` })).status).toBe(200);
    const page = await newPage();
    await signIn(page, hark, person.email);
    await page.goto(`${hark.url}/portal/inbox`);
    await expect.poll(() => commentsShown(page)).toHaveLength(25);
    expect((await commentsShown(page))[0]).toBe('Visit number 27');
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => commentsShown(page)).toHaveLength(27);
    expect((await commentsShown(page))[26]).toBe('Visit number 1');
    await page.getByText('That is all the feedback.').waitFor();
  });
});

describe('feedback detail', () => {
  it('shows when feedback came on the business’s clock, not the viewer’s', async () => {
    const page = await newPage({ ...desktop, timezoneId: 'America/New_York', locale: 'en-US' });
    await signIn(page, hark, owner.email);
    const id = await feedbackIdOf('Cold coffee and a long wait');
    const row = await hark.services.db.selectFrom('feedback').select('submitted_at').where('id', '=', id).executeTakeFirstOrThrow();
    await page.goto(`${hark.url}/portal/feedback/${id}`);
    const onTheCafesClock = new Intl.DateTimeFormat('en-US', { day: 'numeric', month: 'short', year: 'numeric', hour: 'numeric', minute: '2-digit', timeZone: 'Pacific/Auckland' }).format(row.submitted_at);
    await page.getByRole('heading', { level: 1, name: `Feedback from ${onTheCafesClock}` }).waitFor();
  });

  it('replies by email from a template the customer receives, adds a note, and resolves the feedback', async () => {
    const page = await newPage();
    await signIn(page, hark, owner.email);
    await page.goto(`${hark.url}/portal/feedback/${await feedbackIdOf('Cold coffee and a long wait')}`);
    await page.getByRole('heading', { level: 2, name: 'Timeline' }).waitFor();
    const customer = page.getByRole('region', { name: 'Customer' });
    await customer.getByText('Aroha Customer').waitFor();
    await customer.getByText(customerEmail).waitFor();
    await customer.getByText('Asked to be contacted').waitFor();

    // Choosing a template fills in the reply for this customer; it stays editable.
    await page.getByLabel('Start from a template').selectOption({ label: 'Sorry, we will put it right' });
    const subject = page.getByLabel('Subject');
    expect(await subject.inputValue()).toBe('About your visit to Main Street');
    const message = page.getByLabel('Message');
    expect(await message.inputValue()).toContain('Kia ora Aroha Customer');
    await message.fill(`${await message.inputValue()}\n\nP.S. Your next coffee is on us.`);
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.getByText('Your reply is on its way.').waitFor();
    const mail = await smtp.waitForMail(customerEmail, /About your visit to Main Street/);
    expect(mail.text).toContain('Your next coffee is on us.');
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await timeline.getByText('Email reply').waitFor();
    await timeline.getByText('About your visit to Main Street', { exact: true }).waitFor();

    await page.getByLabel('Note', { exact: true }).fill('Rang Aroha, all sorted.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await timeline.getByText('Rang Aroha, all sorted.').waitFor();

    await page.getByRole('button', { name: 'Mark resolved' }).click();
    await page.getByText('Marked as resolved.').waitFor();
    await timeline.getByText(/Status changed from .+ to Resolved/).waitFor();
    const stored = await withClient(hark.services.db, client.clientId, (trx) =>
      trx.selectFrom('feedback').select(['status']).where('client_id', '=', client.clientId).where('comment', '=', 'Cold coffee and a long wait').executeTakeFirstOrThrow(),
    );
    expect(stored.status).toBe('resolved');

    // Category too.
    await page.getByLabel('Category', { exact: true }).selectOption('complaint');
    await page.getByRole('button', { name: 'Save' }).click();
    await timeline.getByText(/Category changed from .+ to Complaint/).waitFor();
  });

  it('says plainly when there is no email to reply to', async () => {
    const page = await newPage();
    await signIn(page, hark, owner.email);
    await page.goto(`${hark.url}/portal/feedback/${await feedbackIdOf('Rude at the counter')}`);
    await page.getByText('This customer left no email address, so there is no one to reply to.').waitFor();
    expect(await page.getByRole('button', { name: 'Send reply' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Add note' }).waitFor();
  });

  it('shows a viewer the feedback without contact details, actions or settings', async () => {
    const viewer = await createPerson(hark, client.clientId, 'viewer');
    const page = await newPage();
    await signIn(page, hark, viewer.email);
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts()).toEqual(['Dashboard', 'Inbox', 'Cases', 'Comments', 'Rankings', 'Reports', 'Benchmarks', 'Prize draws', 'Account']);
    await page.goto(`${hark.url}/portal/feedback/${await feedbackIdOf('Cold coffee and a long wait')}`);
    await page.getByRole('heading', { level: 2, name: 'Timeline' }).waitFor();
    await page.getByText('The customer left contact details, but your role may not see them.').waitFor();
    expect(await page.getByText(customerEmail).count()).toBe(0);
    for (const name of ['Send reply', 'Add note', 'Save', 'Mark resolved']) expect(await page.getByRole('button', { name }).count(), name).toBe(0);
    await page.goto(`${hark.url}/portal/settings`);
    await page.getByText('Your role does not include any settings.').waitFor();
  });

  it('tells a person who follows a link to feedback outside their locations that it was not found', async () => {
    const scoped = await createPerson(hark, client.clientId, 'manager', { locationScope: [client.otherLocation.id] });
    const page = await newPage();
    await signIn(page, hark, scoped.email);
    await page.goto(`${hark.url}/portal/feedback/${await feedbackIdOf('Cold coffee and a long wait')}`);
    await page.getByText('This feedback was not found.').waitFor();
    await page.goto(`${hark.url}/portal/inbox`);
    await expect.poll(() => commentsShown(page)).toEqual(['Harbour views and great service']);
  });
});

describe('settings', () => {
  it('adds a location with a staff member, shows its link, QR code and SMS code, and renames it', async () => {
    const page = await newPage();
    await signIn(page, hark, owner.email);
    await page.goto(`${hark.url}/portal/settings/locations`);
    const form = page.getByRole('region', { name: 'Add a location' });
    await form.getByLabel('Name').fill('Quay Street');
    const code = `quay-${Date.now().toString(36)}`;
    await form.getByLabel('Code in its address').fill(code);
    await form.getByLabel('SMS code (optional)').fill('QUAY1');
    await form.getByRole('button', { name: 'Add location' }).click();
    await page.getByText('Quay Street added.').waitFor();
    const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { level: 3, name: 'Quay Street' }) });
    await card.getByRole('link', { name: new RegExp(`/f/${code}$`) }).waitFor();
    await card.getByText('QUAY1').waitFor();
    const qr = card.getByRole('img', { name: 'QR code for the Quay Street feedback page' });
    await qr.scrollIntoViewIfNeeded();
    await expect.poll(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);

    await card.getByLabel('Add staff or sub-measure to Quay Street').fill('Wiremu');
    await card.getByRole('button', { name: 'Add', exact: true }).click();
    await card.getByRole('button', { name: 'Rename Wiremu' }).waitFor();
    await card.getByRole('link', { name: new RegExp(`/f/${code}/wiremu$`) }).waitFor();
    // What to text for them, and their own QR code (a name badge) that opens their page.
    await card.getByText('QUAY1 WIREMU', { exact: true }).waitFor();
    const badge = card.getByRole('link', { name: 'SVG QR code for Wiremu' });
    expect(await badge.getAttribute('href')).toBe(`/f/${code}/wiremu/qr.svg`);
    const badgeSvg = await page.evaluate(async (href) => (await fetch(href ?? '')).text(), await badge.getAttribute('href'));
    expect(badgeSvg).toMatch(/^<svg/);
    await expectNoViolations(page, 'location settings with a staff member');

    await card.getByRole('button', { name: 'Edit Quay Street' }).click();
    await card.getByLabel('Name').fill('Quay Street Kiosk');
    await card.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { level: 3, name: 'Quay Street Kiosk' }).waitFor();
    // The public page asks in the programme's words at once.
    expect((await hark.fetch(`/f/${code}/wiremu`)).status).toBe(200);
  });

  it('changes the programme wording and the customers see it', async () => {
    const page = await newPage();
    await signIn(page, hark, owner.email);
    await page.goto(`${hark.url}/portal/settings/programme`);
    await page.getByLabel('Score question').fill('How was your visit to Rimu today?');
    await page.getByRole('button', { name: 'Save programme' }).click();
    await page.getByText('Programme saved.').waitFor();
    const html = await (await hark.fetch(`/f/${client.location.code}`)).text();
    expect(html).toContain('How was your visit to Rimu today?');
    // The scale is fixed once feedback has come in.
    expect(await page.getByLabel('Scale').isDisabled()).toBe(true);
  });

  it('adds and removes a reply template, and changes the business settings', async () => {
    const page = await newPage();
    await signIn(page, hark, owner.email);
    await page.goto(`${hark.url}/portal/settings/templates`);
    const form = page.getByRole('region', { name: 'Add a template' });
    await form.getByRole('button', { name: 'Add template' }).click();
    await form.getByText('Give the template a name.').waitFor();
    await form.getByLabel('Name').fill('Birthday treat');
    await form.getByLabel('Offered for').selectOption('high');
    await form.getByLabel('Subject').fill('A treat from {business}');
    await form.getByLabel('Reply').fill('Kia ora {customer_name}, thanks!');
    await form.getByRole('button', { name: 'Add template' }).click();
    const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { level: 3, name: 'Birthday treat' }) });
    await card.waitFor();
    await card.getByRole('button', { name: 'Remove “Birthday treat”' }).click();
    await card.getByRole('button', { name: 'Remove', exact: true }).click();
    await page.getByText('Template “Birthday treat” removed.').waitFor();
    await card.waitFor({ state: 'detached' });

    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Business' }).click();
    await page.getByLabel('Business name').fill('Rimu Café & Bakery');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    await page.getByRole('banner').getByText('Rimu Café & Bakery').waitFor();
    await page.getByLabel('Business name').fill('Rimu Café');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('banner').getByText('Rimu Café', { exact: true }).waitFor();
  });
});

describe('several businesses', () => {
  it('switches between the businesses a person belongs to', async () => {
    const second = await createTestClient(hark.services, { name: 'Totara Tea Rooms' });
    const person = await createPerson(hark, client.clientId, 'manager');
    await addMembership(hark.services.db, { clientId: second.clientId, userId: person.userId, role: 'viewer' });
    const page = await newPage();
    await signIn(page, hark, person.email);
    const business = page.getByRole('banner').getByLabel('Business');
    expect(await business.locator('option:checked').innerText()).toBe('Rimu Café');
    await business.selectOption({ label: 'Totara Tea Rooms' });
    await page.getByRole('button', { name: 'Switch' }).click();
    await expect.poll(() => page.title()).toBe('Dashboard · Totara Tea Rooms · Hark');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inbox' }).click();
    await page.getByText('No feedback yet').waitFor();
  });
});
