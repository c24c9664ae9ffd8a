/**
 * The operator console's Statistics screen in a real browser: the budget and no releases; a
 * bad period refused with its message; a release made (period, grouping, epsilon), listed
 * with its epsilon and the budget left, and downloaded as CSV; past the budget, refused.
 * Every state passes axe.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/accounts/index.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { addStatisticsClients } from '../helpers/statistics.ts';
import { expectNoViolations, password, signIn } from './portal-support.ts';

let hark: TestHark;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  [hark, browser] = await Promise.all([startTestHark({ env: { HARK_LOGIN_LIMIT_PER_IP: '1000', HARK_STATS_EPSILON_BUDGET: '1' } }), launchBrowser()]);
  await createUser(hark.services.db, { email: 'stats.ops@hark.example', name: 'Stats Ops', password, kind: 'operator' });
  await addStatisticsClients(hark.services, 5, { industry: 'retail', region: 'auckland', months: ['2023-01'], scores: { 4: 20 } });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true, acceptDownloads: true });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
}, 120_000);
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await hark?.close();
});

describe('operator console: statistics', () => {
  it('makes a release, lists it with its epsilon and the budget left, and downloads it', async () => {
    await signIn(page, hark, 'stats.ops@hark.example', { expectHeading: 'Operator console' });
    await page.getByRole('link', { name: 'Statistics' }).click();
    await page.getByRole('heading', { level: 2, name: 'Statistics' }).waitFor();
    await page.getByText('No releases yet').waitFor();
    await expectNoViolations(page, 'the statistics screen with no release');

    await page.getByLabel('Period').fill('2023-13');
    await page.getByRole('button', { name: 'Make release' }).click();
    await page.getByRole('alert').getByText(/"2023-13" is not a period/).waitFor();
    await expectNoViolations(page, 'the statistics screen with an error');

    await page.getByLabel('Period').fill('2023-01');
    await page.getByLabel('Region').uncheck();
    await page.getByLabel('Epsilon').fill('0.75');
    await page.getByRole('button', { name: 'Make release' }).click();
    await page.getByText(/Release made: 1 of 8 cells published; 0.25 of the budget left/).waitFor();
    const row = page.getByRole('row').filter({ hasText: '2023-01' });
    await row.waitFor();
    expect(await row.innerText()).toMatch(/Industry\s+0\.75\s+1 of 8/);
    await page.getByText('0.25 remaining').waitFor();
    await expectNoViolations(page, 'the statistics screen with a release');

    const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('link', { name: /as CSV/ }).click()]);
    const file = await download.path();
    const csv = await readFile(file, 'utf8');
    expect(csv.split('\n')[0]).toBe('industry,suppressed,responses,mean_index,share_low,share_middle,share_high');
    expect(csv).toMatch(/^retail,false,/m);

    await page.getByRole('button', { name: 'Make release' }).click();
    await page.getByRole('alert').getByText(/only 0.25 of the privacy budget of 1 remains/).waitFor();
    await expectNoViolations(page, 'the statistics screen past the budget');
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
