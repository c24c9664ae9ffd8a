/**
 * The operator console's Exports and Disclosures screens in a real browser: the operator
 * exports a client and gets the zip; records a legal order (a bad one first, refused) and
 * releases it, getting the zip of its scope and seeing what left in the register. Every
 * screen passes axe.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/accounts/index.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { readZip } from '../helpers/zip.ts';
import { expectNoViolations, password, signIn } from './portal-support.ts';

let hark: TestHark;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let client: TestClient;
const pageErrors: string[] = [];
const clientName = 'Pōhutukawa Pies';

/** Axe is injected as an inline script, which the portal's CSP blocks: this context bypasses it. */
const desktop: BrowserContextOptions = { viewport: { width: 1280, height: 900 }, bypassCSP: true, acceptDownloads: true };

async function downloadedZip(click: () => Promise<void>) {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  return { name: download.suggestedFilename(), files: await readZip(await readFile((await download.path()) ?? '')) };
}

beforeAll(async () => {
  [hark, browser] = await Promise.all([startTestHark({ env: { HARK_LOGIN_LIMIT_PER_IP: '1000' } }), launchBrowser()]);
  await createUser(hark.services.db, { email: 'rita.ops@hark.example', name: 'Rita Ops', password, kind: 'operator' });
  await createUser(hark.services.db, { email: 'aaron.ops@hark.example', name: 'Aaron Approver', password, kind: 'operator' });
  client = await createTestClient(hark.services, { name: clientName });
  await giveFeedback(hark, `/f/${client.location.code}`, { score: '2', comment: 'Cold pie', name: 'Hine', email: 'hine@example.com', contact_requested: 'yes' });
  await giveFeedback(hark, `/f/${client.location.code}`, { score: '5', comment: 'Hot pie', name: 'Wiremu', email: 'wiremu@example.com', contact_requested: 'yes' });
  context = await browser.newContext(desktop);
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
}, 120_000);
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await hark?.close();
});

describe('operator console: exports and disclosures', () => {
  it('exports a client and downloads the zip, then lists the export', async () => {
    await signIn(page, hark, 'rita.ops@hark.example', { expectHeading: 'Operator console' });
    await page.getByRole('link', { name: 'Exports' }).click();
    await page.getByRole('heading', { level: 2, name: 'Exports' }).waitFor();
    await page.getByText('No client has been exported yet').waitFor();
    await expectNoViolations(page, 'the exports screen');
    await page.getByLabel('Client').selectOption({ label: clientName });
    const { name, files } = await downloadedZip(() => page.getByRole('button', { name: 'Export and download' }).click());
    expect(name).toMatch(/^hark-export-.*\.zip$/);
    const manifest = JSON.parse(files.get('manifest.json')?.toString('utf8') ?? '{}') as { client: { name: string }; rowCounts: Record<string, number> };
    expect(manifest.client.name).toBe(clientName);
    expect(manifest.rowCounts.feedback).toBe(2);
    expect(files.get('end_customers.csv')?.toString('utf8')).toContain('hine@example.com');
    await page.getByText(`Downloaded ${name}.`).waitFor();
    await page.getByRole('row').filter({ hasText: clientName }).filter({ hasText: 'Complete' }).waitFor();
    await expectNoViolations(page, 'the exports screen with an export');
  }, 90_000);

  it('refuses an incomplete order, records a full one, and releases it once', async () => {
    await page.getByRole('link', { name: 'Disclosures' }).click();
    await page.getByRole('heading', { level: 2, name: 'Disclosures' }).waitFor();
    await page.getByText('No disclosure has been recorded').waitFor();
    await expectNoViolations(page, 'the disclosures screen');

    await page.getByRole('button', { name: 'Record the order' }).click();
    await page.getByText(/The request is not valid/).waitFor();
    await expectNoViolations(page, 'the disclosure form with its error');
    expect(await hark.services.db.selectFrom('disclosures').select('id').execute()).toHaveLength(0);

    await page.getByLabel('Kind of order').selectOption({ label: 'Production order' });
    await page.getByLabel('Issued by').fill('Wellington District Court');
    await page.getByLabel('Reference').fill('CIV-2026-485-77');
    await page.getByLabel('Date of the order').fill('2026-03-02');
    await page.getByLabel('Recipient').fill('Constable K. Parata, NZ Police');
    await page.getByLabel('Approved by').selectOption({ label: 'Aaron Approver (aaron.ops@hark.example)' });
    await page.getByLabel('Client').selectOption({ label: clientName });
    await page.getByLabel('Emails named in the order').fill('hine@example.com');
    await page.getByRole('button', { name: 'Record the order' }).click();
    await page.getByText('Recorded production order CIV-2026-485-77.', { exact: false }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'CIV-2026-485-77' });
    await row.filter({ hasText: 'Recorded, not released' }).waitFor();
    await expectNoViolations(page, 'the register with a recorded order');

    const { files } = await downloadedZip(() => page.getByRole('button', { name: 'Release CIV-2026-485-77' }).click());
    const everything = [...files.values()].map((f) => f.toString('utf8')).join('\n');
    expect(everything).toContain('hine@example.com');
    expect(everything).toContain('Cold pie');
    expect(everything).not.toContain('wiremu');
    await row.filter({ hasText: 'Released' }).filter({ hasText: 'SHA-256' }).waitFor();
    await expect(page.getByRole('button', { name: 'Release CIV-2026-485-77' }).count()).resolves.toBe(0);
    await expectNoViolations(page, 'the register with a released order');
    const [stored] = await hark.services.db.selectFrom('disclosures').select(['status', 'release_sha256']).execute();
    expect(stored?.status).toBe('released');
    expect(await row.innerText()).toContain(stored?.release_sha256 ?? 'missing');
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
