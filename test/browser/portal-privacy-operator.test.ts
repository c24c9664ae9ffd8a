/**
 * The operator console's privacy screens in a real browser, tried as a new member of
 * operator staff would: a person complains through the public form; the operator finds the
 * complaint in the queue, investigates, answers it (the answer reaches the person by email)
 * and closes it; then publishes a new version of the privacy policy, which /privacy serves
 * at once. Every screen passes axe.
 */
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/accounts/index.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';
import { expectNoViolations, password, signIn } from './portal-support.ts';

let hark: TestHark;
let smtp: TestSmtpServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];
let reference = '';

/** Axe is injected as an inline script, which the portal's CSP blocks: this context bypasses it. */
const desktop: BrowserContextOptions = { viewport: { width: 1280, height: 900 }, bypassCSP: true };

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  [hark, browser] = await Promise.all([startTestHark({ env: { SMTP_URL: smtp.url, HARK_JOB_POLL_SECONDS: '0.5', HARK_LOGIN_LIMIT_PER_IP: '1000' } }), launchBrowser()]);
  await createUser(hark.services.db, { email: 'rangi.ops@hark.example', name: 'Rangi Ops', password, kind: 'operator' });
  context = await browser.newContext(desktop);
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await hark?.close();
  await smtp?.close();
});

describe('operator console: privacy complaints and policy versions', () => {
  it('a person complains through the public form', async () => {
    await page.goto(`${hark.url}/privacy/complaint`);
    await expectNoViolations(page, 'the complaint form');
    await page.getByLabel('Your name').fill('Mere Parata');
    await page.getByLabel('Your email address').fill('mere.parata@example.com');
    await page.getByLabel('Which business is it about? (if you know)').fill('Kōwhai Dental');
    await page.getByLabel('What happened?').fill('The clinic sent my feedback, with my name, to another patient by mistake.');
    await page.getByRole('button', { name: 'Send complaint' }).click();
    await page.getByRole('heading', { level: 1, name: 'We have your complaint' }).waitFor();
    reference = /PC-[0-9A-Z]{8}/.exec(await page.locator('main').innerText())?.[0] ?? '';
    expect(reference).not.toBe('');
    await expectNoViolations(page, 'the complaint confirmation');
    await smtp.waitForMail('mere.parata@example.com', (m) => m.subject.includes(reference));
  });

  it('the operator answers the complaint and closes it', async () => {
    await signIn(page, hark, 'rangi.ops@hark.example', { expectHeading: 'Operator console' });
    await page.getByRole('link', { name: 'Complaints' }).click();
    await page.getByRole('heading', { level: 2, name: 'Privacy complaints' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: reference });
    await expect.poll(() => row.innerText()).toContain('30 days left');
    expect(await row.innerText()).toContain('Kōwhai Dental');
    await expectNoViolations(page, 'the complaints queue');

    await page.getByRole('link', { name: reference }).click();
    await page.getByRole('heading', { level: 2, name: `Complaint ${reference}` }).waitFor();
    expect(await page.locator('main').innerText()).toContain('mere.parata@example.com');
    await expectNoViolations(page, 'a complaint');
    await page.getByRole('button', { name: 'Start investigating' }).click();
    await page.getByText('The complaint is now investigating.').waitFor();

    const answer = 'We asked the clinic to recall the email and to check addresses before sending. It has confirmed both.';
    await page.getByLabel('Response to the complainant').fill(answer);
    await expectNoViolations(page, 'a complaint being answered');
    await page.getByRole('button', { name: 'Send response' }).click();
    await page.getByText('The complaint is now responded.').waitFor();
    expect(await page.locator('main').innerText()).toContain(answer);
    const mail = await smtp.waitForMail('mere.parata@example.com', (m) => m.subject.startsWith('Our response'));
    expect(mail.text).toContain(answer);

    await page.getByRole('button', { name: 'Close complaint' }).click();
    await page.getByText('The complaint is now closed.').waitFor();
    await page.getByRole('link', { name: 'Back to the complaints' }).click();
    await page.getByLabel('Show').selectOption('done');
    await page.getByRole('link', { name: reference }).waitFor();
  });

  it('the operator publishes a new version of the privacy policy', async () => {
    await page.getByRole('link', { name: 'Privacy policy' }).click();
    await page.getByRole('heading', { level: 2, name: 'Privacy policy' }).waitFor();
    await page.getByRole('link', { name: 'Version 1' }).waitFor();
    await expectNoViolations(page, 'the policy versions');

    await page.getByLabel('Policy text').fill('# Our privacy promise\n\nWe answer every complaint within **30 days**.');
    await page.getByRole('button', { name: 'Publish version' }).click();
    await page.getByText('Version 2 is published and now governs all data held.').waitFor();
    await page.getByRole('link', { name: 'Version 2' }).click();
    await page.getByRole('heading', { level: 2, name: 'Privacy policy, version 2' }).waitFor();
    // The heading comes from the address; the text once it has loaded.
    await page.getByText('In force.').waitFor();
    expect(await page.locator('pre').innerText()).toContain('# Our privacy promise');
    await expectNoViolations(page, 'a policy version');

    await page.goto(`${hark.url}/privacy`);
    await page.getByText('Our privacy promise').waitFor();
    expect(await page.locator('main').innerText()).toContain('Version 2');
    await expectNoViolations(page, 'the public privacy policy');
    await page.goto(`${hark.url}/privacy/v/1`);
    expect(await page.locator('main').innerText()).toContain('an earlier version');
    await expectNoViolations(page, 'an earlier public privacy policy');
    expect(pageErrors).toEqual([]);
  });
});
