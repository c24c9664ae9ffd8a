/**
 * Prize draws in a real browser: an admin sees the month's draw with its commitment and its
 * entrants (one per person), runs it once the period has closed, sees the winner with their
 * details, records them as not eligible (the next round draws again), and tells the winner;
 * the draw's public page shows the revealed seed. Operator staff see the retention runs. Each
 * screen passes axe and fits a 320 px phone.
 */
import { sql } from 'kysely';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/accounts/index.ts';
import { launchBrowser, narrowPhone } from '../helpers/browser.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';
import { createPerson, expectNoSidewaysScroll, expectNoViolations, password, signIn, type TestPerson } from './portal-support.ts';

let hark: TestHark;
let smtp: TestSmtpServer;
let browser: Browser;
let client: TestClient;
let admin: TestPerson;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

const desktop: BrowserContextOptions = { viewport: { width: 1280, height: 900 }, bypassCSP: true };
const smallestPhone: BrowserContextOptions = { ...narrowPhone, bypassCSP: true };

async function open(options: BrowserContextOptions): Promise<Page> {
  const context = await browser.newContext(options);
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return page;
}

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  [hark, browser] = await Promise.all([startTestHark({ env: { SMTP_URL: smtp.url, HARK_LOGIN_LIMIT_PER_IP: '1000' } }), launchBrowser()]);
  client = await createTestClient(hark.services, { prizeDraw: true, name: 'Kōwhai Bakery' });
  admin = await createPerson(hark, client.clientId, 'admin', { name: 'Ana Admin' });
  for (const [name, email] of [
    ['Wiremu', 'wiremu@example.com'],
    ['Sina', 'sina@example.com'],
  ]) {
    expect((await giveFeedback(hark, `/f/${client.location.code}`, { score: '5', comment: 'Great bread', name: name ?? '', email: email ?? '', prize_draw: 'yes', accept_terms: 'yes', accept_privacy: 'yes' })).status).toBe(200);
  }
});
afterAll(async () => {
  await browser?.close();
  await hark?.close();
  await smtp?.close();
});
afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
  expect(pageErrors.splice(0)).toEqual([]);
});

describe('prize draws in the portal', () => {
  it('shows the open draw with its commitment and entrants, and fits a phone', async () => {
    const page = await open(smallestPhone);
    await signIn(page, hark, admin.email, { path: '/prize-draws', expectHeading: 'Prize draws' });
    await page.getByText('2 (one per person)').waitFor();
    await expect(page.getByText(/can be run from/).isVisible()).resolves.toBe(true);
    await expectNoViolations(page, 'Prize draws, open');
    await expectNoSidewaysScroll(page, 'Prize draws on a phone');
  });

  it('runs the closed draw, replaces a winner found ineligible, and tells the winner', async () => {
    await sql`update prize_draws set period_start = current_date - 40, period_end = current_date - 1 where client_id = ${client.clientId}`.execute(hark.services.db);
    await sql`update prize_entries set entered_at = now() - interval '20 days' where client_id = ${client.clientId}`.execute(hark.services.db);
    const page = await open(desktop);
    await signIn(page, hark, admin.email, { path: '/prize-draws', expectHeading: 'Prize draws' });
    await page.getByRole('button', { name: 'Run the draw' }).click();
    await page.getByRole('button', { name: 'Yes, run the draw' }).click();
    const firstWinner = page.getByText(/Round 1: /);
    await firstWinner.waitFor();
    await expect(firstWinner.textContent()).resolves.toMatch(/(wiremu|sina)@example\.com/);
    await expectNoViolations(page, 'Prize draws, drawn');

    await page.getByRole('button', { name: 'Not eligible…' }).click();
    await page.getByLabel('Why the round 1 winner is not eligible').fill('Is the owner’s cousin');
    await page.getByRole('button', { name: 'Record and draw again' }).click();
    await page.getByText(/Round 2: /).waitFor();
    await page.getByText(/not eligible: Is the owner’s cousin/).waitFor();
    await page.getByRole('button', { name: 'Tell the winners' }).click();
    await page.getByText('1 told.').waitFor();
    const round2 = (await page.getByText(/Round 2: /).textContent()) ?? '';
    const email = /(wiremu|sina)@example\.com/.exec(round2)?.[0] ?? '';
    expect((await smtp.waitForMail(email)).subject).toMatch(/^You won/);

    const publicPage = await open(desktop);
    const draw = await hark.services.db.selectFrom('prize_draws').select('id').where('client_id', '=', client.clientId).executeTakeFirstOrThrow();
    await publicPage.goto(`${hark.url}/draws/${draw.id}`);
    await publicPage.getByText('Seed (revealed after the period closed)').waitFor();
    await expectNoViolations(publicPage, 'the public page of a draw');
  });

  it('shows operator staff the retention runs', async () => {
    const email = `ops-${Date.now()}@hark.example`;
    await createUser(hark.services.db, { email, name: 'Ops Person', password, kind: 'operator' });
    const page = await open(desktop);
    await signIn(page, hark, email, { path: '/operator/retention', expectHeading: 'Operator console' });
    await page.getByRole('heading', { name: 'Retention' }).waitFor();
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByText(/Dry run finished over \d+ clients/).waitFor();
    await expectNoViolations(page, 'Operator console → Retention');
  });
});
