/**
 * The Reports page in a real browser against a real Hark: an owner picks last month and
 * downloads the monthly report (a real PDF, by the browser's download), and turns the
 * email off in the account page; both screens pass axe.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDay } from '../../src/reports/index.ts';
import { addMonths, monthName, monthOfDay } from '../../src/reports/monthly/calendar.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { insertRollup } from '../helpers/rollups.ts';
import { createPerson, expectNoViolations, signIn, type TestPerson } from './portal-support.ts';

let hark: TestHark;
let browser: Browser;
let client: TestClient;
let owner: TestPerson;
let context: BrowserContext;

/** A fresh browser (no session yet) for each test. */
async function newContext(): Promise<BrowserContext> {
  await context?.close();
  // Axe is injected as an inline script, which the portal's CSP blocks: this context bypasses it.
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true, acceptDownloads: true });
  return context;
}
const lastMonth = addMonths(monthOfDay(localDay(new Date(), 'Pacific/Auckland')), -1);

beforeAll(async () => {
  [hark, browser] = await Promise.all([startTestHark({ env: { HARK_LOGIN_LIMIT_PER_IP: '1000' } }), launchBrowser()]);
  client = await createTestClient(hark.services, { name: 'Kōwhai Café' });
  // The business started the month before last: reports from then on.
  await hark.services.db.updateTable('clients').set({ created_at: new Date(`${addMonths(lastMonth, -1)}-15T00:00:00Z`) }).where('id', '=', client.clientId).execute();
  await insertRollup(hark.services, client.clientId, { locationId: client.location.id, day: `${lastMonth}-10`, scores: { 5: 7, 4: 3 } });
  owner = await createPerson(hark, client.clientId, 'owner', { name: 'Ora Owner' });
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await hark?.close();
});

describe(`monthly report in the portal (${testDatabaseKind})`, () => {
  it('downloads the PDF of last month from the Reports page', async () => {
    const page = await (await newContext()).newPage();
    await signIn(page, hark, owner.email);
    await page.getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('heading', { level: 1, name: 'Reports' }).waitFor();
    await expect.poll(() => page.getByLabel('Month', { exact: true }).inputValue()).toBe(lastMonth);
    await expectNoViolations(page, 'the Reports page');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download PDF' }).click()]);
    expect(download.suggestedFilename()).toBe(`hark-monthly-report-${lastMonth}-kowhai-cafe.pdf`);
    const file = await download.path();
    const pdf = await readFile(file);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.getByText(`Downloaded hark-monthly-report-${lastMonth}-kowhai-cafe.pdf.`).waitFor();
    await expectNoViolations(page, 'the Reports page after a download');

    // A month before the business existed is refused with the API's message.
    await page.getByLabel('Month', { exact: true }).selectOption(addMonths(lastMonth, -2));
    await page.getByRole('button', { name: 'Download PDF' }).click();
    await page.getByText(`There is no report for ${monthName(addMonths(lastMonth, -2))}`).waitFor();
    await expectNoViolations(page, 'the Reports page with an error');
    await page.close();
  });

  it('turns the monthly email off in the account page', async () => {
    const page = await (await newContext()).newPage();
    await signIn(page, hark, owner.email);
    await page.goto(`${hark.url}/portal/account`);
    await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor({ timeout: 10_000 });
    const box = page.getByRole('checkbox', { name: 'Email me the monthly report' });
    await expect.poll(() => box.isChecked()).toBe(true); // owners receive it by default
    await expectNoViolations(page, 'the account page');
    await box.uncheck();
    await page.getByText('The monthly report will not be emailed to you.').waitFor();
    const row = await hark.services.db.selectFrom('monthly_report_subscriptions').select('subscribed').where('user_id', '=', owner.userId).executeTakeFirst();
    expect(row?.subscribed).toBe(false);
    await page.close();
  });
});
