/**
 * Settings → API keys and Settings → Webhooks in a real browser: an admin makes a key (shown
 * once, and it works), revokes it; adds an endpoint to a real receiver (secret shown once,
 * every event offered, contact details allowed), sees its delivery and that delivery's
 * attempts, replays it, and stops the contact details. Both screens pass axe.
 */
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { waitFor } from '../helpers/wait.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { createPerson, expectNoViolations, signIn, type TestPerson } from './portal-support.ts';

let hark: TestHark;
let browser: Browser;
let receiver: WebhookReceiver;
let client: TestClient;
let admin: TestPerson;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
const desktop: BrowserContextOptions = { viewport: { width: 1280, height: 900 }, bypassCSP: true };

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  [hark, browser] = await Promise.all([startTestHark({ env: { HARK_WEBHOOK_ALLOW_PRIVATE: 'true', HARK_WEBHOOK_POLL_SECONDS: '0.2', HARK_LOGIN_LIMIT_PER_IP: '1000' } }), launchBrowser()]);
  client = await createTestClient(hark.services, { name: 'Integrated Café' });
  admin = await createPerson(hark, client.clientId, 'admin', { name: 'Ana Admin' });
});
afterAll(async () => {
  await browser?.close();
  await hark?.close();
  await receiver?.close();
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
  expect(pageErrors.splice(0)).toEqual([]);
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext(desktop);
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return page;
}

describe('portal integrations settings', () => {
  it('makes an API key that is shown once and works, and revokes it', async () => {
    const page = await newPage();
    await signIn(page, hark, admin.email);
    await page.goto(`${hark.url}/portal/settings/api-keys`);
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await expectNoViolations(page, 'Settings → API keys (empty)');
    const form = page.getByRole('form', { name: 'New API key' });
    await form.getByLabel('Name').fill('Till system');
    await form.getByLabel('Submit feedback').check();
    await form.getByRole('button', { name: 'Make key' }).click();
    await page.getByText('Copy it now: it is not shown again.').waitFor();
    const key = await page.getByLabel('Your new key').inputValue();
    expect(key).toMatch(/^hk_[a-z0-9]{8}_/);
    const row = page.getByRole('row').filter({ hasText: 'Till system' });
    await row.getByText(key.slice(0, 11), { exact: true }).waitFor();
    await expectNoViolations(page, 'Settings → API keys (with a key)');

    const works = await hark.fetch('/api/v1/feedback', { headers: { authorization: `Bearer ${key}` } });
    expect(works.status).toBe(200);
    // Gone from the page once it is left: shown once.
    await page.reload();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    expect(await page.getByLabel('Your new key').count()).toBe(0);

    await row.getByRole('button', { name: 'Revoke Till system' }).click();
    await row.getByRole('button', { name: 'Revoke', exact: true }).click();
    await row.getByText(/Revoked/).waitFor();
    expect((await hark.fetch('/api/v1/feedback', { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
  });

  it('adds a webhook endpoint with contact details, shows its secret once, lists its delivery and its attempts, replays it, and stops the contact details', async () => {
    const page = await newPage();
    await signIn(page, hark, admin.email);
    await page.goto(`${hark.url}/portal/settings/webhooks`);
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
    const form = page.getByRole('form', { name: 'New webhook endpoint' });
    await form.getByRole('button', { name: 'Add endpoint' }).click();
    await form.getByText('Enter the full address').waitFor();
    await form.getByLabel('URL').fill(`${receiver.url}/portal-hook`);
    for (const event of ['feedback.created', 'feedback.updated', 'case.opened', 'case.resolved', 'response.sent', 'optout.created']) {
      await form.getByLabel(new RegExp(`\\(${event.replace('.', '\\.')}\\)$`)).waitFor();
    }
    await form.getByLabel('Case opened (case.opened)').check();
    await form.getByLabel('Send customers’ contact details').check();
    await form.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = await page.getByLabel('Signing secret').inputValue();
    expect(secret).toMatch(/^whsec_/);
    await page.getByText('Sends customers’ contact details with new feedback').waitFor();
    await expectNoViolations(page, 'Settings → Webhooks (with an endpoint)');

    await giveFeedback(hark, `/f/${client.location.code}`, { score: '4', comment: 'Hooked up', email: 'hooked@example.com' });
    const hook = await waitFor(async () => receiver.received.find((r) => r.path === '/portal-hook'), { what: 'the delivery' });
    expect(JSON.parse(hook.body)).toMatchObject({ type: 'feedback.created', data: { comment: 'Hooked up', contact: { email: 'hooked@example.com' } } });
    await page.getByRole('button', { name: 'Show deliveries' }).click();
    const delivery = page.getByRole('row').filter({ hasText: 'feedback.created' });
    await delivery.getByRole('cell', { name: 'succeeded' }).waitFor();
    await expectNoViolations(page, 'Settings → Webhooks (deliveries)');

    // Each delivery's attempts open beneath it.
    const attempts = page.getByRole('button', { name: /attempts of feedback\.created .*: show$/ });
    await attempts.click();
    const log = page.getByRole('table', { name: /^Attempts of feedback\.created/ });
    const first = log.getByRole('row').filter({ hasText: 'Accepted (200)' });
    await first.getByRole('cell', { name: '1', exact: true }).waitFor();
    await first.getByText('ok', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: /attempts of feedback\.created .*: hide$/ }).getAttribute('aria-expanded')).toBe('true');
    await expectNoViolations(page, 'Settings → Webhooks (attempts)');

    const before = receiver.received.filter((r) => r.path === '/portal-hook').length;
    await page.getByRole('button', { name: /^Replay feedback\.created/ }).click();
    await page.getByText('Queued to be sent again.').waitFor();
    await waitFor(async () => (receiver.received.filter((r) => r.path === '/portal-hook').length > before ? true : undefined), { what: 'the replayed delivery' });

    await page.getByRole('button', { name: 'Stop sending contact details' }).click();
    await page.getByText('Sends no contact details.').waitFor();
    await page.getByRole('button', { name: 'Send contact details' }).waitFor();
  });
});
