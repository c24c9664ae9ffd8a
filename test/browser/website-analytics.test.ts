/**
 * The public site and its analytics in a real browser: the script runs under Hark's CSP,
 * sends a view on load and a leave beacon when the visitor moves on; a browser asking not to
 * be tracked sends nothing; the operator then sees one visitor and the page in Top pages on
 * Operator console → Website. The site's pages and the operator screen pass axe.
 */
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/accounts/index.ts';
import { chromiumPath } from '../helpers/browser.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { waitFor } from '../helpers/wait.ts';
import { expectNoSidewaysScroll, expectNoViolations, password, signIn } from './portal-support.ts';

/** A desktop Chrome's user agent: headless Chromium names itself HeadlessChrome, which counts as a bot. */
const userAgent = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const visitor: BrowserContextOptions = { viewport: { width: 1280, height: 800 }, userAgent };

let hark: TestHark;
let browser: Browser;
const contexts: BrowserContext[] = [];

async function newContext(options: BrowserContextOptions): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  contexts.push(context);
  return context;
}

async function hits(): Promise<{ kind: string; path: string; duration_ms: number | null; browser: string; screen_width: number | null }[]> {
  const { rows } = await sql<{ kind: string; path: string; duration_ms: number | null; browser: string; screen_width: number | null }>`
    select kind, path, duration_ms, browser, screen_width from analytics_hits order by id`.execute(hark.services.db);
  return rows;
}

beforeAll(async () => {
  hark = await startTestHark({ env: { HARK_ANALYTICS_FLUSH_MS: '50' } });
  // The user agent is set for the whole browser, not per context: a beacon sent as a page
  // unloads goes out from the browser process, which names itself HeadlessChrome otherwise.
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-agent=${userAgent}`],
  });
});
afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await hark?.close();
});

describe('website analytics in a browser', () => {
  it('sends nothing from a browser that asks not to be tracked', async () => {
    const context = await newContext(visitor);
    await context.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' });
    });
    const page = await context.newPage();
    const beacons: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/a/e') beacons.push(request.method());
    });
    await page.goto(`${hark.url}/`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Site' }).getByRole('link', { name: 'Pricing' }).click();
    await page.getByRole('heading', { level: 1, name: 'Pricing' }).waitFor();
    await page.waitForTimeout(300);
    expect(beacons).toEqual([]);
    expect(await hits()).toEqual([]);
  });

  it('counts a visit (a view, and a leave beacon with the time on page) that the operator then sees', async () => {
    const context = await newContext(visitor);
    const page = await context.newPage();
    const cspErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') cspErrors.push(message.text());
    });
    const sent: string[] = [];
    page.on('requestfinished', (request) => {
      if (new URL(request.url()).pathname === '/a/e') sent.push(`${request.postData() ?? ''}`);
    });
    page.on('requestfailed', (request) => {
      if (new URL(request.url()).pathname === '/a/e') sent.push(`failed ${request.failure()?.errorText ?? ''} ${request.postData() ?? ''}`);
    });
    await page.goto(`${hark.url}/`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await waitFor(async () => ((await hits()).some((h) => h.kind === 'view' && h.path === '/') ? true : undefined), { what: 'the view of /' });
    await page.waitForTimeout(400);
    // Moving on to another page hides this one: its leave beacon goes out.
    await page.getByRole('navigation', { name: 'Site' }).getByRole('link', { name: 'Contact' }).click();
    await page.getByRole('heading', { level: 1, name: 'Contact' }).waitFor();
    const stored = await waitFor(
      async () => {
        const rows = await hits();
        return rows.some((h) => h.kind === 'leave' && h.path === '/') && rows.some((h) => h.kind === 'view' && h.path === '/contact') ? rows : undefined;
      },
      { what: 'the leave beacon of / and the view of /contact', timeoutMs: 5000 },
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}; beacons seen: ${JSON.stringify(sent)}; stored: ${JSON.stringify(await hits())}; drops: ${JSON.stringify((await sql`select reason, dropped from analytics_daily_drops`.execute(hark.services.db)).rows)}`);
    }
    );
    const leave = stored.find((h) => h.kind === 'leave' && h.path === '/');
    expect(leave?.duration_ms).toBeGreaterThanOrEqual(300);
    expect(leave?.duration_ms).toBeLessThan(30_000);
    expect(stored.find((h) => h.kind === 'view' && h.path === '/')).toMatchObject({ browser: 'Chrome', screen_width: 1280 });
    expect(cspErrors).toEqual([]);

    const operatorEmail = 'ops-website@hark.example';
    await createUser(hark.services.db, { email: operatorEmail, name: 'Ops Person', password, kind: 'operator' });
    const operatorContext = await newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    const console = await operatorContext.newPage();
    await signIn(console, hark, operatorEmail, { path: '/operator/analytics', expectHeading: 'Operator console' });
    await console.getByRole('link', { name: 'Website' }).click();
    await console.getByRole('heading', { level: 2, name: 'Website' }).waitFor();
    const totals = console.locator('dl.analytics-totals');
    await totals.waitFor();
    expect(await totals.locator('div', { hasText: 'Visitors' }).locator('dd').textContent()).toBe('1');
    expect(await totals.locator('div', { hasText: 'Page views' }).locator('dd').textContent()).toBe('2');
    const topPages = console.getByRole('table', { name: 'Top pages' });
    await topPages.getByRole('cell', { name: '/', exact: true }).waitFor();
    await topPages.getByRole('cell', { name: '/contact', exact: true }).waitFor();
    await expectNoViolations(console, 'Operator console → Website');
    await expectNoSidewaysScroll(console, 'Operator console → Website');
  });

  it('has no accessibility violations on the public pages, on a desktop and a narrow phone', async () => {
    for (const options of [
      { viewport: { width: 1280, height: 800 }, bypassCSP: true, userAgent },
      { viewport: { width: 320, height: 568 }, isMobile: true, hasTouch: true, bypassCSP: true, userAgent },
    ] satisfies BrowserContextOptions[]) {
      const context = await newContext(options);
      const page = await context.newPage();
      for (const pathname of ['/', '/pricing', '/contact']) {
        await page.goto(`${hark.url}${pathname}`);
        await page.getByRole('heading', { level: 1 }).waitFor();
        await expectNoViolations(page, `the public page ${pathname} (${options.viewport.width} px)`);
        await expectNoSidewaysScroll(page, `the public page ${pathname} (${options.viewport.width} px)`);
      }
    }
  });
});
