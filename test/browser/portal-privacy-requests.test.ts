/**
 * Privacy requests in a real browser, tried as new users would: a person who gave feedback
 * asks for their information on the public page, reads the code from their email (the
 * test's SMTP server) and confirms it; a member of operator staff signs in, finds the
 * request in the queue, searches every business, builds the access package and downloads
 * it. Every screen passes axe.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { asClientId } from '../../src/db/tenancy.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/accounts/index.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { createTestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';
import { createPerson, expectNoViolations, password, signIn } from './portal-support.ts';

let hark: TestHark;
let smtp: TestSmtpServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

/** Axe is injected as an inline script, which the portal's CSP blocks: these contexts bypass it. */
const desktop: BrowserContextOptions = { viewport: { width: 1280, height: 900 }, bypassCSP: true, acceptDownloads: true };
const email = 'wiremu.tane@example.com';

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  [hark, browser] = await Promise.all([startTestHark({ env: { SMTP_URL: smtp.url, HARK_LOGIN_LIMIT_PER_IP: '1000' } }), launchBrowser()]);
  const kawakawa = await createTestClient(hark.services, { name: 'Kawakawa Café' });
  const rimu = await createTestClient(hark.services, { name: 'Rimu Motors' });
  expect((await giveFeedback(hark, `/f/${kawakawa.location.code}`, { score: '2', comment: 'Flat white was lukewarm', name: 'Wiremu Tane', email })).status).toBe(200);
  expect((await giveFeedback(hark, `/f/${rimu.location.code}`, { score: '5', comment: 'Quick warrant of fitness', name: 'Wiremu Tane', email })).status).toBe(200);
  await createUser(hark.services.db, { email: 'hine.ops@hark.example', name: 'Hine Ops', password, kind: 'operator' });
});
afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
  await hark?.close();
  await smtp?.close();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext(desktop);
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return page;
}

describe('privacy requests in the browser', () => {
  it('a person asks for their information and confirms it with the emailed code', async () => {
    const page = await newPage();
    await page.goto(`${hark.url}/privacy/request`);
    await page.getByRole('heading', { level: 1, name: 'Your personal information' }).waitFor();
    await expectNoViolations(page, 'the request form');
    await page.getByRole('button', { name: 'Send me a code' }).click();
    await page.getByRole('heading', { name: 'Please check this' }).waitFor();
    await expectNoViolations(page, 'the request form with problems');

    await page.getByLabel('Your name').fill('Wiremu Tane');
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('A copy of the information you hold about me').check();
    await page.getByRole('button', { name: 'Send me a code' }).click();
    await page.getByRole('heading', { level: 1, name: 'Check your email' }).waitFor();
    await expectNoViolations(page, 'the code page');

    const mail = await smtp.waitForMail(email, (m) => m.subject.startsWith('Your privacy request code'));
    const code = /\b(\d{6})\b/.exec(mail.text)?.[1] ?? '';
    await page.getByLabel('Code sent to your email').fill(code);
    await page.getByRole('button', { name: 'Check my code' }).click();
    await page.getByRole('heading', { level: 1, name: 'Thank you: your request is confirmed' }).waitFor();
    await expectNoViolations(page, 'the confirmation');
    expect(pageErrors).toEqual([]);
  });

  it('the operator finds it, searches every business, builds the package and downloads it', async () => {
    const page = await newPage();
    await signIn(page, hark, 'hine.ops@hark.example', { expectHeading: 'Operator console' });
    await page.getByRole('link', { name: 'Privacy requests' }).click();
    await page.getByRole('heading', { level: 2, name: 'Privacy requests' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'Wiremu Tane' });
    await expect.poll(() => row.innerText()).toContain('20 working days left');
    await expectNoViolations(page, 'the privacy request queue');

    await page.getByRole('link', { name: 'Wiremu Tane' }).click();
    await page.getByRole('heading', { level: 2, name: 'Privacy request from Wiremu Tane' }).waitFor();
    await expectNoViolations(page, 'a privacy request');
    await page.getByRole('button', { name: 'Search all businesses' }).click();
    const found = page.getByRole('table', { name: /Found in 2 of 2 businesses/ });
    await found.waitFor();
    expect(await found.innerText()).toContain('Kawakawa Café');
    expect(await found.innerText()).toContain('Rimu Motors');
    await expectNoViolations(page, 'a privacy request with search results');

    await page.getByRole('button', { name: 'Build access package' }).click();
    await page.getByText(/Package built: \d+ records/).waitFor();
    const downloadLink = page.getByRole('link', { name: 'Download the package (JSON)' });
    await downloadLink.waitFor();
    await expectNoViolations(page, 'a privacy request with its package');
    const [download] = await Promise.all([page.waitForEvent('download'), downloadLink.click()]);
    const content = JSON.parse(await readFile((await download.path()) ?? '', 'utf8')) as { schema: string; clients: { clientName: string; feedback: { comment: string }[] }[] };
    expect(content.schema).toBe('hark.privacy-access-package');
    expect(content.clients.map((c) => c.clientName).sort()).toEqual(['Kawakawa Café', 'Rimu Motors']);
    expect(content.clients.flatMap((c) => c.feedback.map((f) => f.comment)).sort()).toEqual(['Flat white was lukewarm', 'Quick warrant of fitness']);
    expect(pageErrors).toEqual([]);
  });

  it('the operator corrects a value (stored encrypted) and keeps a statement of correction, which the business sees with the feedback', async () => {
    const page = await newPage();
    await signIn(page, hark, 'hine.ops@hark.example', { expectHeading: 'Operator console' });
    await page.getByRole('link', { name: 'Privacy requests' }).click();
    await page.getByRole('link', { name: 'Wiremu Tane' }).click();
    await page.getByRole('heading', { level: 2, name: 'Privacy request from Wiremu Tane' }).waitFor();
    const record = page.getByLabel('Record');
    const rimuOption = (await record.locator('option').allInnerTexts()).find((o) => o.startsWith('Rimu Motors')) ?? '';
    await record.selectOption({ label: rimuOption });
    await page.getByLabel('Correction').selectOption('name');
    await page.getByLabel('New value').fill('Wiremu Tāne');
    await page.getByRole('button', { name: 'Correct', exact: true }).click();
    await page.getByText(/^Corrected\./).waitFor();
    await expectNoViolations(page, 'a privacy request after a correction');
    // The new name is stored encrypted under the business's key, never in clear.
    const rows = await hark.services.db.selectFrom('end_customers').innerJoin('clients', 'clients.id', 'end_customers.client_id').select(['clients.name', 'end_customers.client_id', 'end_customers.name_enc']).execute();
    const rimu = rows.find((r) => r.name === 'Rimu Motors');
    expect(rimu?.name_enc?.toString('utf8') ?? '').not.toContain('Wiremu');
    const keyring = await hark.services.db.transaction().execute((trx) => hark.services.keyrings.keyringFor(trx, asClientId(rimu?.client_id ?? '')));
    expect(keyring.decrypt('name', rimu?.name_enc as Buffer)).toBe('Wiremu Tāne');

    // A statement of correction on the other record is shown to the business with the feedback.
    const kawakawaOption = (await record.locator('option').allInnerTexts()).find((o) => o.startsWith('Kawakawa Café')) ?? '';
    await record.selectOption({ label: kawakawaOption });
    await page.getByLabel('Correction').selectOption('statement');
    await page.getByLabel('Statement of correction').fill('The coffee was fine; it was the milk that was cold.');
    await page.getByRole('button', { name: 'Correct', exact: true }).click();
    await page.getByText(/^Corrected\./).waitFor();
    const kawakawa = rows.find((r) => r.name === 'Kawakawa Café');
    const owner = await createPerson(hark, asClientId(kawakawa?.client_id ?? ''), 'owner');
    const feedback = await hark.services.db.selectFrom('feedback').select('id').where('comment', '=', 'Flat white was lukewarm').executeTakeFirstOrThrow();
    const ownerPage = await newPage();
    await signIn(ownerPage, hark, owner.email);
    await ownerPage.goto(`${hark.url}/portal/feedback/${feedback.id}`);
    await ownerPage.getByRole('heading', { level: 2, name: 'Statement of correction' }).waitFor();
    await ownerPage.getByText('The coffee was fine; it was the milk that was cold.').waitFor();
    await expectNoViolations(ownerPage, 'feedback with a statement of correction');
    expect(pageErrors).toEqual([]);
  });
});
