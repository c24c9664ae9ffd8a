/**
 * The portal's way in, in a real browser against a real Hark with a real SMTP server:
 * signing in (with and without two-factor codes), wrong passwords, a business that demands
 * two-factor sign-in, forgotten passwords by email, and invitations accepted from the mail.
 */
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { currentTotpCode } from '../../src/accounts/totp.ts';
import { launchBrowser, phone } from '../helpers/browser.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { apiSession, createPerson, expectNoSidewaysScroll, expectNoViolations, linkIn, password, signIn, startSmtp, type TestSmtp } from './portal-support.ts';

let hark: TestHark;
let smtp: TestSmtp;
let browser: Browser;
let client: TestClient;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  smtp = await startSmtp();
  [hark, browser] = await Promise.all([startTestHark({ env: { SMTP_URL: smtp.url, HARK_JOB_POLL_SECONDS: '0.5' } }), launchBrowser()]);
  client = await createTestClient(hark.services, { name: 'Kowhai Bakery' });
});
afterAll(async () => {
  await browser?.close();
  await hark?.close();
  await smtp?.close();
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
  // The app ran without an uncaught error (a blocked script or a bug shows here).
  expect(pageErrors.splice(0)).toEqual([]);
});

/** Axe is injected as an inline script, which the portal's CSP (rightly) blocks: contexts that run it bypass the CSP. */
const desktop: BrowserContextOptions = { viewport: { width: 1280, height: 900 }, bypassCSP: true };

async function newPage(options: BrowserContextOptions = desktop): Promise<Page> {
  const context = await browser.newContext(options);
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return page;
}

describe('signing in', () => {
  it('serves the portal under its CSP and signs in to the dashboard, where the business name shows', async () => {
    const owner = await createPerson(hark, client.clientId, 'owner');
    const page = await newPage({ viewport: { width: 1280, height: 900 } });
    const violations: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    const response = await page.goto(`${hark.url}/portal/`);
    expect(response?.status()).toBe(200);
    // The portal sends a signed-out person to sign in. ("/" is the public site's home page.)
    await page.waitForURL(/\/portal\/login$/);
    await expect.poll(() => page.title()).toBe('Sign in · Hark');
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/portal\/?$/);
    await page.getByRole('banner').getByText('Kowhai Bakery').waitFor();
    await expect.poll(() => page.title()).toBe('Dashboard · Kowhai Bakery · Hark');
    expect(violations).toEqual([]);

    // Signing out ends the session: the portal asks to sign in again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You have signed out.').waitFor();
    await page.goto(`${hark.url}/portal/inbox`);
    await page.waitForURL(/\/portal\/login\?next=%2Finbox$/);
  });

  it('shows the reason a password is refused, in an alert, and keeps what was typed', async () => {
    const owner = await createPerson(hark, client.clientId, 'owner');
    const page = await newPage();
    await page.goto(`${hark.url}/portal/login`);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'That email and password do not match an account.' });
    await alert.waitFor();
    expect(await page.getByLabel('Email').inputValue()).toBe(owner.email);
    await expectNoViolations(page, 'sign-in page with an error');

    // Empty fields are caught before anything is sent, each message tied to its field.
    await page.getByLabel('Email').fill('');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const email = page.getByLabel('Email');
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await email.getAttribute('aria-describedby')) ?? '';
    expect(await page.locator(`[id="${describedBy}"]`).innerText()).toContain('Enter your email address.');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('type'))).toBe('email');
  });

  it('returns to the page first asked for after signing in', async () => {
    const manager = await createPerson(hark, client.clientId, 'manager');
    const page = await newPage();
    await page.goto(`${hark.url}/portal/inbox?scoreBand=low`);
    await page.waitForURL(/\/portal\/login\?next=/);
    await page.getByLabel('Email').fill(manager.email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Inbox' }).waitFor();
    expect(new URL(page.url()).search).toBe('?scoreBand=low');
  });

  it('asks for the two-factor code when the account has one, and refuses a wrong one', async () => {
    const person = await createPerson(hark, client.clientId, 'manager');
    // Set two-factor sign-in up through the API, as the account page would.
    const api = await apiSession(hark, person.email);
    const setup = await api.call('POST', '/auth/totp/setup');
    expect(setup.status).toBe(200);
    const { secret } = setup.body as { secret: string };
    expect((await api.call('POST', '/auth/totp/confirm', { code: currentTotpCode(secret) })).status).toBe(200);

    const page = await newPage();
    await page.goto(`${hark.url}/portal/login`);
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const code = page.getByLabel('Two-factor code');
    await code.waitFor();
    // The code field takes the focus, so the person can type at once.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('totpCode');
    await expectNoViolations(page, 'sign-in page asking for a two-factor code');

    await code.fill('000000');
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await page.getByText('That code is not right or was already used.').waitFor();
    expect(await code.getAttribute('aria-invalid')).toBe('true');

    // The step after the one used to confirm set-up: each code works once.
    await code.fill(currentTotpCode(secret, Date.now() + 30_000));
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  });

  it('sends a person of a business that requires two-factor sign-in to set it up first, then lets them in', async () => {
    const strict = await createTestClient(hark.services, { name: 'Strict Ltd' });
    await hark.services.db.updateTable('clients').set({ require_totp: true }).where('id', '=', strict.clientId).execute();
    const person = await createPerson(hark, strict.clientId, 'viewer');
    const page = await newPage();
    await page.goto(`${hark.url}/portal/login`);
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
    await page.getByText('Strict Ltd requires two-factor sign-in.').waitFor();
    // Nothing else can be opened until it is done.
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts()).toEqual(['Account']);
    await page.goto(`${hark.url}/portal/inbox`);
    await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();

    await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
    const qr = page.getByRole('img', { name: 'QR code to add Hark to your authenticator app' });
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
    expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    await expectNoViolations(page, 'two-factor set-up');
    const secret = (await page.locator('code.secret').innerText()).replace(/\s+/g, '');
    await page.getByLabel('Enter the 6-digit code the app shows').fill(currentTotpCode(secret));
    await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    await page.getByText('Two-factor sign-in is on.').waitFor();
    await page.getByRole('link', { name: 'Continue to the dashboard' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  });

  it('takes the mobile a person’s alerts by text go to, and says when it is not one', async () => {
    const person = await createPerson(hark, client.clientId, 'manager');
    const page = await newPage();
    await page.goto(`${hark.url}/portal/login`);
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await page.getByLabel('Your mobile').fill('call me');
    await page.getByRole('button', { name: 'Save mobile' }).click();
    await page.getByText('The mobile number is not valid.').waitFor();
    await expectNoViolations(page, 'account, mobile refused');
    await page.getByLabel('Your mobile').fill('021 555 0001');
    await page.getByRole('button', { name: 'Save mobile' }).click();
    await page.getByText('Alerts by text go to +64215550001.').waitFor();
    const stored = await hark.services.db.selectFrom('users').select('mobile').where('email', '=', person.email).executeTakeFirstOrThrow();
    expect(stored.mobile).toBe('+64215550001');
  });

  it('has no accessibility violations on the sign-in and password-reset screens, on a phone too', async () => {
    for (const options of [desktop, { ...phone, viewport: { width: 360, height: 740 }, bypassCSP: true }]) {
      const page = await newPage(options);
      await page.goto(`${hark.url}/portal/login`);
      await page.getByRole('heading', { level: 1, name: 'Sign in to Hark' }).waitFor();
      await expectNoViolations(page, 'sign-in page');
      await expectNoSidewaysScroll(page, 'sign-in page');
      await page.getByRole('link', { name: 'Forgot your password?' }).click();
      await page.getByRole('heading', { level: 1, name: 'Reset your password' }).waitFor();
      await expectNoViolations(page, 'forgotten-password page');
      await page.goto(`${hark.url}/portal/reset-password/not-a-real-token-at-all`);
      await page.getByRole('heading', { level: 1, name: 'Choose a new password' }).waitFor();
      await expectNoViolations(page, 'reset-password page');
    }
  });
});

describe('by email', () => {
  it('resets a forgotten password with the emailed link, refusing a weak one, and signs in with the new one', async () => {
    const person = await createPerson(hark, client.clientId, 'manager');
    const page = await newPage();
    await page.goto(`${hark.url}/portal/forgot-password`);
    await page.getByLabel('Email').fill(person.email);
    await page.getByRole('button', { name: 'Email me a link' }).click();
    await page.getByText('If that address has an account, a link to reset its password is on its way.').waitFor();

    const mail = await smtp.waitForMail(person.email, /Reset your Hark password/);
    const link = linkIn(mail, `${hark.url}/portal/reset-password/`);
    await page.goto(link);
    await page.getByLabel('New password', { exact: true }).fill('password123');
    await page.getByLabel('New password again').fill('password123');
    await page.getByRole('button', { name: 'Save new password' }).click();
    await page.getByText('That password is too common. Choose another.').waitFor();
    expect(await page.getByLabel('New password', { exact: true }).getAttribute('aria-invalid')).toBe('true');

    const fresh = 'walnut harbour lantern';
    await page.getByLabel('New password', { exact: true }).fill(fresh);
    await page.getByLabel('New password again').fill(fresh);
    await page.getByRole('button', { name: 'Save new password' }).click();
    await page.getByRole('heading', { level: 1, name: 'Password changed' }).waitFor();

    // The link works once.
    await page.goto(link);
    await page.getByLabel('New password', { exact: true }).fill('another fine password');
    await page.getByLabel('New password again').fill('another fine password');
    await page.getByRole('button', { name: 'Save new password' }).click();
    await page.getByRole('heading', { level: 1, name: 'This link does not work' }).waitFor();

    await page.goto(`${hark.url}/portal/login`);
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill(fresh);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  });

  it('lets an admin invite a person, who accepts from the email and lands on the dashboard', async () => {
    const admin = await createPerson(hark, client.clientId, 'admin');
    const adminPage = await newPage();
    await signIn(adminPage, hark, admin.email);
    await adminPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await adminPage.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Team' }).click();
    await adminPage.getByRole('heading', { level: 2, name: 'Team' }).waitFor();
    const invitee = `new-${Date.now()}@example.com`;
    const form = adminPage.locator('form').filter({ has: adminPage.getByRole('button', { name: 'Send invitation' }) });
    await form.getByLabel('Email').fill(invitee);
    await form.getByLabel('Role').selectOption('manager');
    await form.getByRole('radio', { name: /Only the locations ticked below/ }).check();
    await form.getByRole('checkbox', { name: 'Main Street' }).check();
    await form.getByRole('button', { name: 'Send invitation' }).click();
    await adminPage.getByText(`Invitation sent to ${invitee}.`).waitFor();
    await adminPage.getByRole('cell', { name: 'Main Street' }).waitFor();
    await expectNoViolations(adminPage, 'team settings with an open invitation');

    const mail = await smtp.waitForMail(invitee, /invited to Kowhai Bakery/);
    const link = linkIn(mail, `${hark.url}/portal/invitation/`);
    const page = await newPage();
    await page.goto(link);
    await page.getByRole('heading', { level: 1, name: 'Join Kowhai Bakery on Hark' }).waitFor();
    await expectNoViolations(page, 'invitation page');
    expect(await page.getByLabel('Email').inputValue()).toBe(invitee);

    // Mistakes are shown beside their fields.
    await page.getByLabel('Choose a password').fill('short');
    await page.getByLabel('Password again').fill('different');
    await page.getByRole('button', { name: 'Join Kowhai Bakery' }).click();
    await page.getByText('Enter your name, as your colleagues know you.').waitFor();
    await page.getByText('Use at least 10 characters.').waitFor();
    await page.getByText('The two passwords are not the same.').waitFor();
    await expectNoViolations(page, 'invitation page with errors');

    await page.getByLabel('Your name').fill('Mere Tana');
    await page.getByLabel('Choose a password').fill('tui sings at dawn');
    await page.getByLabel('Password again').fill('tui sings at dawn');
    await page.getByRole('button', { name: 'Join Kowhai Bakery' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page.getByRole('banner').getByText('Kowhai Bakery').waitFor();
    // A manager has no settings; scoped to one location, no cross-business benchmarks either.
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts()).toEqual(['Dashboard', 'Inbox', 'Cases', 'Comments', 'Rankings', 'Reports', 'Prize draws', 'Account']);

    // The admin sees the new member with the scope the invitation gave.
    await adminPage.reload();
    const member = adminPage.getByRole('listitem').filter({ hasText: 'Mere Tana' });
    await member.getByText('Main Street').waitFor();

    // The link works once.
    const again = await newPage();
    await again.goto(link);
    await again.getByRole('heading', { level: 1, name: 'This invitation does not work' }).waitFor();
    await again.getByText('This invitation was already accepted. Sign in instead.').waitFor();
  });
});
