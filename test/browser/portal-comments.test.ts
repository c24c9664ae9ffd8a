/**
 * The comments cloud in a real browser against a real Hark: an admin opens Comments, sees
 * the words of the month's comments sized and coloured with a legend and a table of the
 * same words, clicks a word and sees the comments using it. Settings → Themes adds a theme
 * and shows the API's refusal; the inbox filters by sentiment and theme; the dashboard
 * shows the themes panel. Every screen passes axe.
 */
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, narrowPhone } from '../helpers/browser.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createPerson, expectNoSidewaysScroll, expectNoViolations, signIn, type TestPerson } from './portal-support.ts';
import { waitForDayFigures } from '../helpers/rollups.ts';

let hark: TestHark;
let browser: Browser;
let client: TestClient;
let admin: TestPerson;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

/** Axe is injected as an inline script, which the portal's CSP blocks: these contexts bypass it. */
const desktop: BrowserContextOptions = { viewport: { width: 1280, height: 900 }, bypassCSP: true };

const comments = [
  { score: '1', comment: 'The queue took forever and the coffee was cold' },
  { score: '2', comment: 'Long queue again, slow service' },
  { score: '5', comment: 'Lovely staff and great coffee' },
  { score: '5', comment: 'Great coffee, friendly staff' },
  { score: '3', comment: 'Had a muffin and a tea' },
];

beforeAll(async () => {
  [hark, browser] = await Promise.all([startTestHark({ env: { HARK_JOB_POLL_SECONDS: '0.5', HARK_LOGIN_LIMIT_PER_IP: '1000' } }), launchBrowser()]);
  client = await createTestClient(hark.services, { name: 'Rātā Roasters' });
  admin = await createPerson(hark, client.clientId, 'admin', { name: 'Ana Admin' });
  for (const c of comments) expect((await giveFeedback(hark, `/f/${client.location.code}`, c)).status).toBe(200);
  await waitForDayFigures(hark.services);
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

describe('the comments cloud', () => {
  it('shows the words, and clicking one lists the comments using it', async () => {
    const page = await newPage();
    await signIn(page, hark, admin.email);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Comments' }).click();
    await page.getByRole('heading', { level: 1, name: 'Comments' }).waitFor();
    const cloud = page.getByRole('list', { name: 'Words and phrases; choose one to see its comments' });
    const queue = cloud.getByRole('button', { name: /^queue: 2 comments, average sentiment −/ });
    await queue.waitFor();
    // Words used once are left out; stop words never appear.
    expect(await cloud.getByRole('button', { name: /^muffin:/ }).count()).toBe(0);
    expect(await cloud.getByRole('button', { name: /^the:/ }).count()).toBe(0);
    // More comments, larger word; colour by sentiment, with a legend.
    const coffee = cloud.getByRole('button', { name: /^coffee: 3 comments/ });
    const size = (el: typeof coffee) => el.evaluate((node) => parseFloat(getComputedStyle(node).fontSize));
    expect(await size(coffee)).toBeGreaterThan(await size(queue));
    expect(await queue.getAttribute('class')).toMatch(/sentiment-(very-)?negative/);
    expect(await cloud.getByRole('button', { name: /^great coffee:/ }).getAttribute('class')).toMatch(/sentiment-(very-)?positive/);
    expect(await page.getByRole('list', { name: 'Colour legend' }).getByRole('listitem').allInnerTexts()).toEqual(['Very negative', 'Negative', 'Neutral', 'Positive', 'Very positive']);
    await expectNoViolations(page, 'the comments cloud');

    await queue.click();
    const shown = page.getByRole('region', { name: 'Comments using “queue”' });
    await shown.getByRole('link', { name: 'Long queue again, slow service' }).waitFor();
    await shown.getByRole('link', { name: 'The queue took forever and the coffee was cold' }).waitFor();
    expect(await shown.getByRole('link').count()).toBe(2);
    expect(await queue.getAttribute('aria-pressed')).toBe('true');
    expect(new URL(page.url()).searchParams.get('term')).toBe('queue');

    // The text alternative: the same words in a table, and choosing one there works too.
    await page.getByText('The same words as a table').click();
    const table = page.getByRole('table');
    await table.getByRole('row', { name: /^great coffee 2/ }).waitFor();
    await table.getByRole('button', { name: 'great coffee' }).click();
    await page.getByRole('region', { name: 'Comments using “great coffee”' }).getByRole('link', { name: 'Great coffee, friendly staff' }).waitFor();
    await expectNoViolations(page, 'the cloud with a word chosen and its table open');

    // The comment leads to its feedback.
    await page.getByRole('link', { name: 'Lovely staff and great coffee' }).click();
    await page.getByRole('heading', { level: 2, name: 'Timeline' }).waitFor();
  });

  it('fits a 320 px phone', async () => {
    const page = await newPage({ ...narrowPhone, bypassCSP: true });
    await signIn(page, hark, admin.email, { path: '/comments', expectHeading: 'Comments' });
    await page.getByRole('button', { name: /^coffee:/ }).waitFor();
    await expectNoSidewaysScroll(page, 'the comments cloud on a phone');
  });
});

describe('themes', () => {
  it('are managed in Settings → Themes, and the inbox filters by theme and sentiment', async () => {
    const page = await newPage();
    await signIn(page, hark, admin.email, { path: '/settings/themes', expectHeading: 'Settings' });
    await page.getByRole('heading', { level: 2, name: 'Themes' }).waitFor();
    await page.getByRole('heading', { level: 3, name: 'Wait time' }).waitFor();
    expect(await page.getByRole('list', { name: 'Keywords of Wait time' }).getByRole('listitem').allInnerTexts()).toEqual(expect.arrayContaining(['queue', 'wait', 'slow']));
    await expectNoViolations(page, 'Settings → Themes');

    const form = page.getByRole('region', { name: 'Add a theme' });
    await form.getByLabel('Name').fill('Snacks');
    await form.getByLabel('Keywords').fill('the');
    await form.getByRole('button', { name: 'Add theme' }).click();
    await form.getByText(/The keyword "the" is too common/).waitFor();
    await form.getByLabel('Keywords').fill('muffin, scone, cake');
    await form.getByRole('button', { name: 'Add theme' }).click();
    await page.getByText('Theme “Snacks” added. Comments are being sorted into it.').waitFor();
    await page.getByRole('heading', { level: 3, name: 'Snacks' }).waitFor();
    await expectNoViolations(page, 'Settings → Themes after adding one');

    await page.goto(`${hark.url}/portal/inbox`);
    await page.getByRole('heading', { level: 1, name: 'Inbox' }).waitFor();
    await page.getByText(/^More filters/).click();
    await page.getByLabel('Theme').selectOption({ label: 'Wait time' });
    await page.getByLabel('Sentiment').selectOption({ label: 'Negative' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('heading', { level: 2, name: 'Matching feedback, newest first' }).waitFor();
    await page.getByRole('link', { name: 'Long queue again, slow service' }).waitFor();
    // The filtered list replaces the whole inbox once its answer arrives.
    await expect.poll(() => page.locator('.feedback-row').count()).toBe(2);
    await expectNoViolations(page, 'the inbox filtered by theme and sentiment');
  });

  it('are on the dashboard with their counts and average sentiment', async () => {
    const page = await newPage();
    await signIn(page, hark, admin.email);
    const panel = page.getByRole('region', { name: 'Themes in comments' });
    const row = panel.getByRole('row', { name: /^Wait time 2 / });
    await row.waitFor();
    expect(await row.innerText()).toMatch(/negative/);
    await expectNoViolations(page, 'the dashboard with its themes panel');
  });
});
