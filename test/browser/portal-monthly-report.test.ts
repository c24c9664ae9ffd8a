/**
 * The Reports page in a real browser against a real Hark: an owner picks last month and
 * downloads the monthly report (a real PDF, by the browser's download), then the report of
 * one location (the request carries it, the PDF covers it); a manager picks only among their
 * own locations; the owner turns the email off in the account page; every screen passes axe.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDay } from '../../src/reports/index.ts';
import { addMonths, monthName, monthOfDay } from '../../src/reports/monthly/calendar.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { createLocation } from '../../src/programmes/index.ts';
import { createTestClient, uniqueCode, type TestClient } from '../helpers/factories.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { insertRollup } from '../helpers/rollups.ts';
import { createPerson, expectNoViolations, signIn, type TestPerson } from './portal-support.ts';

let hark: TestHark;
let browser: Browser;
let client: TestClient;
let owner: TestPerson;
let context: BrowserContext;
const run = promisify(execFile);

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
  await insertRollup(hark.services, client.clientId, { locationId: client.otherLocation.id, day: `${lastMonth}-12`, scores: { 2: 3 } });
  // A location outside the North region, which a manager of that region does not see.
  await createLocation(hark.services.db, client.clientId, { programmeId: client.programmeId, name: 'Te Aro Wellington', code: uniqueCode('wellington') });
  owner = await createPerson(hark, client.clientId, 'owner', { name: 'Ora Owner' });
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await hark?.close();
});

/** The location above `locationId` (the factory puts both stores under one region). */
async function regionOf(locationId: string): Promise<string> {
  const row = await hark.services.db.selectFrom('locations').select('parent_id').where('id', '=', locationId).executeTakeFirstOrThrow();
  if (!row.parent_id) throw new Error('the location has no region');
  return row.parent_id;
}

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

    // One location: the request names it, and the PDF covers it alone.
    await page.getByLabel('Month', { exact: true }).selectOption(lastMonth);
    const picker = page.getByLabel('Location', { exact: true });
    expect(await picker.locator('option').allTextContents()).toEqual(['All locations', 'North region', '\u2003Harbour', '\u2003Main Street', 'Te Aro Wellington']);
    await picker.selectOption(client.otherLocation.id);
    await page.getByText('It covers Harbour.').waitFor();
    const [request, harbour] = await Promise.all([
      page.waitForRequest((r) => r.url().includes('/api/v1/reports/monthly')),
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download PDF' }).click(),
    ]);
    expect(new URL(request.url()).searchParams.get('locationId')).toBe(client.otherLocation.id);
    expect(new URL(request.url()).searchParams.get('month')).toBe(lastMonth);
    expect(harbour.suggestedFilename()).toBe(`hark-monthly-report-${lastMonth}-kowhai-cafe-harbour.pdf`);
    const { stdout: text } = await run('pdftotext', ['-layout', await harbour.path(), '-']);
    expect(text).toContain('Kōwhai Café');
    expect(text).toMatch(/Responses[^\n]*\n\s*3\b/);
    expect(text).not.toContain('Main Street');
    await expectNoViolations(page, 'the Reports page with a location chosen');
    await page.close();
  });

  it('lets a manager choose only among their own locations', async () => {
    const manager = await createPerson(hark, client.clientId, 'manager', { locationScope: [await regionOf(client.location.id)] });
    const page = await (await newContext()).newPage();
    await signIn(page, hark, manager.email);
    await page.goto(`${hark.url}/portal/reports`);
    await page.getByRole('heading', { level: 1, name: 'Reports' }).waitFor();
    const picker = page.getByLabel('Location', { exact: true });
    await expect.poll(() => picker.locator('option').allTextContents()).toEqual(['All your locations', 'North region', '\u2003Harbour', '\u2003Main Street']);
    await picker.selectOption(client.location.id);
    const [request, download] = await Promise.all([
      page.waitForRequest((r) => r.url().includes('/api/v1/reports/monthly')),
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download PDF' }).click(),
    ]);
    expect(new URL(request.url()).searchParams.get('locationId')).toBe(client.location.id);
    expect(download.suggestedFilename()).toBe(`hark-monthly-report-${lastMonth}-kowhai-cafe-main-street.pdf`);
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
