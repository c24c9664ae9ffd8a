/**
 * The operator console's Backups screen in a real browser: with no backup it warns; "Back up
 * now" queues one, the list follows it until it has succeeded, and the warning goes; a
 * backup over 26 hours old brings the warning back. Every state passes axe.
 */
import { sql } from 'kysely';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/accounts/index.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { createTestClient } from '../helpers/factories.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { expectNoViolations, password, signIn } from './portal-support.ts';

let hark: TestHark;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  [hark, browser] = await Promise.all([startTestHark({ env: { HARK_LOGIN_LIMIT_PER_IP: '1000', HARK_JOB_POLL_SECONDS: '0.5' } }), launchBrowser()]);
  await createUser(hark.services.db, { email: 'wiremu.ops@hark.example', name: 'Wiremu Ops', password, kind: 'operator' });
  await createTestClient(hark.services, { name: 'Backup Bistro' });
  // Axe is injected as an inline script, which the portal's CSP blocks: this context bypasses it.
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
}, 120_000);
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await hark?.close();
});

describe('operator console: backups', () => {
  it('warns with no backup, backs up now, and lists the backup', async () => {
    await signIn(page, hark, 'wiremu.ops@hark.example', { expectHeading: 'Operator console' });
    await page.getByRole('link', { name: 'Backups' }).click();
    await page.getByRole('heading', { level: 2, name: 'Backups' }).waitFor();
    await page.getByText('No backup has been made yet.').waitFor();
    await expectNoViolations(page, 'the backups screen with no backup');

    await page.getByRole('button', { name: 'Back up now' }).click();
    await page.getByText('Backup queued').waitFor();
    const row = page.getByRole('row').filter({ hasText: 'Succeeded' });
    await row.waitFor({ timeout: 60_000 });
    const text = await row.innerText();
    expect(text).toContain('From the console');
    expect(text).toMatch(/\d+ tables, [\d,]+ rows, \d+ audit chains/);
    expect(await page.getByText('No backup has been made yet.').count()).toBe(0);
    await page.getByRole('button', { name: 'Back up now' }).waitFor();
    await expectNoViolations(page, 'the backups screen with a backup');
  }, 90_000);

  it('warns again when the newest backup is over 26 hours old', async () => {
    await sql`update backups set finished_at = now() - interval '30 hours'`.execute(hark.services.db);
    await page.reload();
    await page.getByText(/The newest successful backup is 30 hours old/).waitFor();
    await expectNoViolations(page, 'the backups screen with an old backup');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
