/**
 * Terminating a client in the operator console, in a real browser: the operator finds the
 * client, types a wrong name (refused, nothing deleted), then the right one; reads the
 * deletion certificate and downloads it signed. Every screen passes axe.
 */
import { createPublicKey, verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/accounts/index.ts';
import { startClientExport } from '../../src/exports/index.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { expectNoViolations, password, signIn } from './portal-support.ts';

let hark: TestHark;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let client: TestClient;
const pageErrors: string[] = [];
const clientName = 'Kererū Kitchen';

/** Axe is injected as an inline script, which the portal's CSP blocks: this context bypasses it. */
const desktop: BrowserContextOptions = { viewport: { width: 1280, height: 900 }, bypassCSP: true, acceptDownloads: true };

beforeAll(async () => {
  [hark, browser] = await Promise.all([startTestHark({ env: { HARK_LOGIN_LIMIT_PER_IP: '1000' } }), launchBrowser()]);
  await createUser(hark.services.db, { email: 'tama.ops@hark.example', name: 'Tama Ops', password, kind: 'operator' });
  client = await createTestClient(hark.services, { name: clientName });
  await giveFeedback(hark, `/f/${client.location.code}`, { score: '4', comment: 'Good pies', name: 'Hine', email: 'hine@example.com', contact_requested: 'yes' });
  const started = await startClientExport(hark.services, client.clientId, { via: 'cli', userId: null, label: 'test@host' });
  await started?.run(new Writable({ write: (_c, _e, done) => done() }));
  context = await browser.newContext(desktop);
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
}, 120_000);
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await hark?.close();
});

describe('operator console: terminating a client', () => {
  it('refuses a wrong name, then terminates and shows the signed certificate', async () => {
    await signIn(page, hark, 'tama.ops@hark.example', { expectHeading: 'Operator console' });
    await page.getByRole('link', { name: 'Clients' }).click();
    await page.getByRole('link', { name: `Terminate… ${clientName}` }).click();
    await page.getByRole('heading', { level: 2, name: `Terminate ${clientName}` }).waitFor();
    await expectNoViolations(page, 'the terminate form');

    await page.getByLabel(`Type the client's name, ${clientName}, to confirm`).fill('Kereru Cafe');
    await page.getByRole('button', { name: `Terminate ${clientName}` }).click();
    await page.getByText("The name typed does not match the client's name. Nothing was deleted.").waitFor();
    await expectNoViolations(page, 'the terminate form with its error');
    expect(await hark.services.db.selectFrom('clients').select('id').where('id', '=', client.clientId).execute()).toHaveLength(1);

    await page.getByLabel(`Type the client's name, ${clientName}, to confirm`).fill(clientName);
    await page.getByRole('button', { name: `Terminate ${clientName}` }).click();
    await page.getByRole('heading', { level: 2, name: `Deletion certificate: ${clientName}` }).waitFor();
    const text = await page.locator('main').innerText();
    expect(text).toContain('Its keys are destroyed');
    expect(text).toMatch(/Rows deleted: \d+/);
    await expectNoViolations(page, 'the deletion certificate');
    expect(await hark.services.db.selectFrom('clients').select('id').where('id', '=', client.clientId).execute()).toHaveLength(0);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the signed certificate' }).click()]);
    const saved = JSON.parse(await readFile((await download.path()) ?? '', 'utf8')) as { text: string; signature: string; signingKey: { publicKeyPem: string } };
    expect(verify(null, Buffer.from(saved.text), createPublicKey(saved.signingKey.publicKeyPem), Buffer.from(saved.signature, 'base64'))).toBe(true);
    expect(JSON.parse(saved.text)).toMatchObject({ client: { id: client.clientId, name: clientName } });
  }, 60_000);

  it('lists the termination, gone from the clients', async () => {
    await page.getByRole('link', { name: 'All terminations' }).click();
    await page.getByRole('heading', { level: 2, name: 'Terminations' }).waitFor();
    await page.getByRole('row').filter({ hasText: clientName }).waitFor();
    await expectNoViolations(page, 'the terminations');
    await page.getByRole('link', { name: `Certificate of ${clientName}` }).click();
    await page.getByRole('heading', { level: 2, name: `Deletion certificate: ${clientName}` }).waitFor();
    await page.getByRole('link', { name: 'Clients' }).click();
    await page.getByRole('heading', { level: 2, name: 'Clients' }).waitFor();
    expect(await page.locator('main').innerText()).not.toContain(clientName);
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
