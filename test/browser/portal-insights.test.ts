/**
 * Rankings, the dashboard's significance mark, and Benchmarks in a real browser against a
 * real Hark: the staff table ranks 200 answers averaging 4.8 above two perfect scores and
 * says by which rule; the dashboard headline says whether its change is significant; the
 * Benchmarks page says why it is hidden, the admin chooses an industry in Settings →
 * Benchmarks, and the page then shows the percentile and quartiles. Every screen passes axe
 * and fits a 320 px phone.
 */
import { sql } from 'kysely';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSubMeasure } from '../../src/programmes/index.ts';
import { addDays } from '../../src/reports/dashboard.ts';
import { localDay } from '../../src/reports/index.ts';
import { launchBrowser, narrowPhone } from '../helpers/browser.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { insertRollup } from '../helpers/rollups.ts';
import { createPerson, expectNoSidewaysScroll, expectNoViolations, signIn, type TestPerson } from './portal-support.ts';

let hark: TestHark;
let browser: Browser;
let client: TestClient;
let admin: TestPerson;
/** A second business, whose only responses are last month's, for the benchmark. */
let retailAdmin: TestPerson;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

/** Axe is injected as an inline script, which the portal's CSP blocks: these contexts bypass it. */
const desktop: BrowserContextOptions = { viewport: { width: 1280, height: 900 }, bypassCSP: true };
const smallestPhone: BrowserContextOptions = { ...narrowPhone, bypassCSP: true };

beforeAll(async () => {
  [hark, browser] = await Promise.all([startTestHark({ env: { HARK_LOGIN_LIMIT_PER_IP: '1000' } }), launchBrowser()]);
  client = await createTestClient(hark.services, { name: 'Kōwhai Café' });
  admin = await createPerson(hark, client.clientId, 'admin', { name: 'Ana Admin' });
  const today = localDay(new Date(), 'Pacific/Auckland');
  const aroha = await createSubMeasure(hark.services.db, client.clientId, { locationId: client.location.id, name: 'Aroha', code: 'aroha' });
  const ben = await createSubMeasure(hark.services.db, client.clientId, { locationId: client.otherLocation.id, name: 'Ben', code: 'ben' });
  // This period (the last 30 days): Aroha two 5s, Ben 200 averaging 4.8; the 30 days before: 100 averaging 3.
  await insertRollup(hark.services, client.clientId, { locationId: client.location.id, subMeasureId: aroha.id, day: addDays(today, -2), scores: { 5: 2 } });
  await insertRollup(hark.services, client.clientId, { locationId: client.otherLocation.id, subMeasureId: ben.id, day: addDays(today, -3), scores: { 5: 160, 4: 40 } });
  await insertRollup(hark.services, client.clientId, { locationId: client.otherLocation.id, day: addDays(today, -40), scores: { 3: 100 } });
  // Last month: a retail business and six others of its industry.
  const [y = 2000, m = 1] = today.split('-').map(Number);
  const lastMonth = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
  const retail = await createTestClient(hark.services, { name: 'Rātā Hardware' });
  retailAdmin = await createPerson(hark, retail.clientId, 'admin', { name: 'Rua Admin' });
  await insertRollup(hark.services, retail.clientId, { locationId: retail.location.id, day: `${lastMonth}-05`, scores: { 4: 20 } });
  for (const scores of <Record<number, number>[]>[{ 3: 20 }, { 3: 10, 4: 10 }, { 4: 30 }, { 4: 10, 5: 10 }, { 5: 20 }, { 2: 20 }]) {
    const other = await createTestClient(hark.services);
    await sql`insert into client_benchmark_profiles (client_id, industry) values (${other.clientId}, 'retail')`.execute(hark.services.db);
    await insertRollup(hark.services, other.clientId, { locationId: other.location.id, day: `${lastMonth}-06`, scores });
  }
});
afterAll(async () => {
  await browser?.close();
  await hark?.close();
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

describe('rankings, significance and benchmarks in the portal', () => {
  it('ranks staff fairly, states the rule, and marks the headline change', async () => {
    const page = await newPage();
    await signIn(page, hark, admin.email);
    // The dashboard's headline: 3.0 before, 4.8 now, on hundreds of responses.
    await page.locator('.score-change').getByText('(significant at 95%', { exact: false }).waitFor();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Rankings' }).click();
    await page.getByRole('heading', { level: 1, name: 'Rankings' }).waitFor();
    const staff = page.getByRole('region', { name: 'Staff and other sub-measures' });
    await staff.getByRole('row', { name: /Ben/ }).waitFor();
    const names = await staff.locator('tbody th[scope="row"]').allInnerTexts();
    expect(names.slice(0, 2)).toEqual(['Ben', 'Aroha']);
    expect(await staff.locator('tbody tr').first().locator('td').first().innerText()).toBe('1');
    await staff.getByText('shrunk towards the mean of this table', { exact: false }).waitFor();
    expect(await staff.locator('svg.interval-bar').count()).toBeGreaterThanOrEqual(2);
    await page.getByText("Welch's t-test", { exact: false }).waitFor();
    await expectNoViolations(page, 'rankings');

    await page.getByLabel('Rank by').selectOption('lower_bound');
    await staff.getByText('lower bound of the 95% confidence interval', { exact: false }).waitFor();
    expect((await staff.locator('tbody th[scope="row"]').allInnerTexts()).slice(0, 2)).toEqual(['Ben', 'Aroha']);
  });

  it('says why the benchmark is hidden, takes the industry in settings, then shows the percentile and quartiles', async () => {
    const page = await newPage();
    await signIn(page, hark, retailAdmin.email);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Benchmarks' }).click();
    await page.getByRole('heading', { level: 1, name: 'Benchmarks' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Comparison hidden: Industry not chosen' }).waitFor();
    await expectNoViolations(page, 'benchmarks (hidden)');

    await page.getByRole('link', { name: 'Choose your industry and region' }).click();
    await page.getByRole('heading', { level: 2, name: 'Benchmarks' }).waitFor();
    await page.getByLabel('Industry').selectOption('retail');
    await page.getByLabel('Region').selectOption('otago');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    await expectNoViolations(page, 'settings: benchmarks');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Benchmarks' }).click();
    await page.getByRole('heading', { level: 2, name: 'Your industry' }).waitFor();
    // Business scores 2, 3, 3.5, 4 (this one), 4, 4.5, 5: 3 of the 6 others below, 1 equal.
    await page.getByText('Your score is higher than 58% of the other businesses in this comparison.').waitFor();
    const figures = page.locator('.benchmark-figures');
    expect(await figures.locator('dd').allInnerTexts()).toEqual(['4.00', '58', '3.25', '4.00', '4.25']);
    await expectNoViolations(page, 'benchmarks (shown)');

    // Within Otago, no other business: hidden, with the reason.
    await page.getByLabel('Compare with').selectOption('region');
    await page.getByRole('heading', { level: 2, name: 'Comparison hidden: Too few businesses' }).waitFor();
  });

  it('fits the smallest phone', async () => {
    const page = await newPage(smallestPhone);
    await signIn(page, hark, admin.email);
    for (const [path, heading] of [
      ['/portal/rankings', 'Rankings'],
      ['/portal/benchmarks', 'Benchmarks'],
    ] as const) {
      await page.goto(`${hark.url}${path}`);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await page.locator('.loading').waitFor({ state: 'detached' });
      await expectNoViolations(page, `${heading} on a phone`);
      await expectNoSidewaysScroll(page, `${heading} on a phone`);
    }
  });
});
