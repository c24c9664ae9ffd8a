/**
 * The public feedback pages in a real browser: accessible (axe-core finds nothing), usable
 * with JavaScript off and by keyboard alone, readable on the narrowest phone, and small.
 * What is stored is checked in the database; the HTTP-level behaviour (every bad input,
 * tokens, receipt codes) is covered by test/flows/feedback-web.test.ts.
 */
import type { Browser, BrowserContext, BrowserContextOptions, Page, Response } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Scale } from '../../src/db/schema.ts';
import { withClient } from '../../src/db/tenancy.ts';
import { formatViolations, launchBrowser, narrowPhone, phone, runAxe } from '../helpers/browser.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';

const leadQuestion = 'How likely are you to recommend us to a friend?';
const followUpQuestion = 'What is the main reason for your score?';

let hark: TestHark;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [hark, browser] = await Promise.all([startTestHark(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await hark?.close();
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});

/**
 * The pages send `content-security-policy: default-src 'none'`, which (rightly) blocks the
 * inline script axe-core is injected as; contexts that run axe bypass it.
 */
const forAxe: BrowserContextOptions = { ...phone, bypassCSP: true };

/** A page in a fresh browser context (a new customer, no cookies, no history). */
async function newPage(options: BrowserContextOptions = phone): Promise<Page> {
  const context = await browser.newContext(options);
  contexts.push(context);
  return context.newPage();
}

async function open(page: Page, pathname: string, status = 200): Promise<Response> {
  const response = await page.goto(`${hark.url}${pathname}`);
  if (!response) throw new Error(`no response for ${pathname}`);
  expect(response.status(), pathname).toBe(status);
  return response;
}

function feedbackOf(client: TestClient) {
  return withClient(hark.services.db, client.clientId, (trx) =>
    trx.selectFrom('feedback').selectAll().where('client_id', '=', client.clientId).orderBy('submitted_at').execute(),
  );
}

function prizeEntriesOf(client: TestClient) {
  return withClient(hark.services.db, client.clientId, (trx) =>
    trx.selectFrom('prize_entries').select('id').where('client_id', '=', client.clientId).execute(),
  );
}

/** Chooses a score the way a customer does: by tapping its visible box. */
async function chooseScore(page: Page, value: number, min = 1): Promise<void> {
  const id = `score-${value - min}`;
  await page.locator(`label[for="${id}"]`).click();
  expect(await page.locator(`#${id}`).isChecked()).toBe(true);
}

async function send(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Send feedback' }).click();
  await page.waitForLoadState();
}

async function expectNoViolations(page: Page, what: string): Promise<void> {
  const report = await runAxe(page);
  expect(report.violations, `${what}:\n${formatViolations(report.violations)}`).toEqual([]);
  expect(report.passes, `${what}: axe ran no passing rules`).toBeGreaterThan(0);
}

describe('accessibility (axe-core, WCAG 2.1 AA and best practice)', () => {
  const scaleCases: { scale: Scale; min: number; max: number }[] = [
    { scale: 'recommend_5', min: 1, max: 5 },
    { scale: 'nps_10', min: 0, max: 10 },
    { scale: 'csat_5', min: 1, max: 5 },
    { scale: 'stars_5', min: 1, max: 5 },
  ];
  for (const c of scaleCases) {
    it(`has no violations on the ${c.scale} form`, async () => {
      const client = await createTestClient(hark.services, { scale: c.scale });
      const page = await newPage(forAxe);
      await open(page, `/f/${client.location.code}`);
      const radios = page.getByRole('group', { name: leadQuestion }).getByRole('radio');
      expect(await radios.count()).toBe(c.max - c.min + 1);
      if (c.scale === 'stars_5') {
        // The stars are drawn, but each is named by its number for a screen reader.
        await page.getByRole('radio', { name: '3 stars' }).waitFor({ state: 'attached' });
      } else {
        await page.getByRole('radio', { name: String(c.max), exact: true }).waitFor({ state: 'attached' });
      }
      await expectNoViolations(page, `${c.scale} form`);
    });
  }

  it('has no violations on the form with a prize draw, or on a sub-measure page', async () => {
    const client = await createTestClient(hark.services, { prizeDraw: true });
    const page = await newPage(forAxe);
    await open(page, `/f/${client.location.code}`);
    await page.getByRole('group', { name: 'Prize draw (optional)' }).waitFor();
    await expectNoViolations(page, 'prize-draw form');
    await open(page, `/f/${client.location.code}/${client.subMeasure.code}`);
    await page.getByText(`Main Street · ${client.subMeasure.name}`).waitFor();
    await expectNoViolations(page, 'sub-measure form');
  });

  it('has no violations on the form shown again with errors, and ties each message to its field', async () => {
    const client = await createTestClient(hark.services, { prizeDraw: true });
    const page = await newPage(forAxe);
    await open(page, `/f/${client.location.code}`);
    // No score, a contact request and a prize-draw entry without any contact details.
    await page.getByLabel(followUpQuestion).fill('forgot the score');
    await page.getByRole('checkbox', { name: 'Please contact me about my feedback' }).check();
    await page.getByRole('checkbox', { name: 'Enter me in the prize draw' }).check();
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), send(page)]);
    expect(response.status()).toBe(400);
    await page.getByRole('alert').getByRole('heading', { name: 'Please check your answers' }).waitFor();
    expect(await page.getByLabel(followUpQuestion).inputValue()).toBe('forgot the score');
    await expectNoViolations(page, 'form with errors');

    // Every message in the summary links to a field that exists, and every field with an
    // error is described by its message, so a screen reader reads it on reaching the field.
    const links = await page.getByRole('alert').getByRole('link').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
    expect(links).toHaveLength(3);
    for (const href of links) expect(await page.locator(href).count(), href).toBe(1);
    const described = async (selector: string) =>
      page.locator(selector).evaluate((el) =>
        (el.getAttribute('aria-describedby') ?? '')
          .split(' ')
          .map((id) => document.getElementById(id)?.textContent ?? '')
          .join(' '),
      );
    expect(await described('fieldset:has(#score-0)')).toContain('Please choose a score.');
    expect(await described('#contact_requested')).toContain('please give an email address or a mobile number');
    // The draw's message concerns the whole group (contact details and both acceptances).
    expect(await described('fieldset:has(#prize_draw)')).toContain('To enter the draw');
    expect(await page.locator('#contact_requested').getAttribute('aria-invalid')).toBe('true');
    expect(await feedbackOf(client)).toHaveLength(0);
  });

  it('has no violations on the thank-you page or the page for an unknown location', async () => {
    const client = await createTestClient(hark.services);
    const page = await newPage(forAxe);
    await open(page, `/f/${client.location.code}`);
    await chooseScore(page, 5);
    await send(page);
    await page.getByRole('heading', { name: 'Cheers for that' }).waitFor();
    await expectNoViolations(page, 'thank-you page');

    await open(page, '/f/no-such-place', 404);
    await page.getByRole('heading', { name: 'Feedback page not found' }).waitFor();
    await expectNoViolations(page, 'unknown-location page');
  });
});

describe('with JavaScript off, on a phone', () => {
  it('takes a full answer on a sub-measure page, thanks in the programme wording, and stores one attributed feedback', async () => {
    const client = await createTestClient(hark.services, { prizeDraw: true });
    const page = await newPage({ ...phone, javaScriptEnabled: false });
    await open(page, `/f/${client.location.code}/${client.subMeasure.code}`);
    expect(await page.locator('script').count()).toBe(0);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.getByText(`Main Street · ${client.subMeasure.name}`).waitFor();

    await chooseScore(page, 4);
    await page.getByLabel(followUpQuestion).fill('Kiri sorted out the mix-up quickly');
    await page.getByLabel('Your name').fill('Sam Brown');
    await page.getByLabel('Email').fill('sam@example.com');
    // Tapping a label ticks its box.
    await page.getByText('Please contact me about my feedback').click();
    await page.getByText('Enter me in the prize draw').click();
    await page.getByRole('checkbox', { name: 'I accept the terms of the draw' }).check();
    await page.getByRole('checkbox', { name: /privacy policy/ }).check();
    for (const name of ['Please contact me about my feedback', 'Enter me in the prize draw']) {
      expect(await page.getByRole('checkbox', { name }).isChecked(), name).toBe(true);
    }
    await page.getByLabel('Receipt code (optional)').fill(client.receiptCodes[0] as string);
    await send(page);

    await page.getByRole('heading', { name: 'Cheers for that' }).waitFor();
    await page.getByText('The team reads every comment.').waitFor();
    await page.getByText('You are in the prize draw').waitFor();

    const rows = await feedbackOf(client);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      score: 4,
      comment: 'Kiri sorted out the mix-up quickly',
      location_id: client.location.id,
      sub_measure_id: client.subMeasure.id,
      programme_id: client.programmeId,
      receipt_code: client.receiptCodes[0],
      contact_requested: true,
      channel: 'web',
      scale: 'recommend_5',
    });
    expect(rows[0]?.end_customer_id).not.toBeNull();
    expect(await prizeEntriesOf(client)).toHaveLength(1);
  });

  it('stores one feedback when Send is pressed twice or the thank-you page is reloaded (which sends the form again)', async () => {
    const client = await createTestClient(hark.services);
    const page = await newPage({ ...phone, javaScriptEnabled: false });
    let posts = 0;
    page.on('request', (request) => {
      if (request.method() === 'POST') posts++;
    });
    await open(page, `/f/${client.location.code}`);
    await chooseScore(page, 3);
    await page.getByLabel(followUpQuestion).fill('Pressed twice');
    await page.getByRole('button', { name: 'Send feedback' }).dblclick();
    await page.getByRole('heading', { name: 'Cheers for that' }).waitFor();
    const thanks = await page.locator('main').innerHTML();
    const sent = posts;

    const again = await page.reload();
    expect(again?.request().method()).toBe('POST');
    expect(again?.status()).toBe(200);
    expect(posts).toBe(sent + 1);
    expect(await page.locator('main').innerHTML()).toBe(thanks);

    const rows = await feedbackOf(client);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ score: 3, comment: 'Pressed twice' });
  });

  // The form is served 'private, no-cache' and posts to …?send, so Back shows the very
  // form that was sent, with its token (see showForm in src/feedback/routes.ts).
  it('gives the same thank-you and stores one feedback when the customer goes back and sends again', async () => {
    const client = await createTestClient(hark.services);
    const page = await newPage({ ...phone, javaScriptEnabled: false });
    await open(page, `/f/${client.location.code}`);
    await chooseScore(page, 2);
    await page.getByLabel(followUpQuestion).fill('Queue was long');
    await send(page);
    await page.getByRole('heading', { name: 'Cheers for that' }).waitFor();
    const thanks = await page.locator('main').innerHTML();

    await page.goBack();
    await page.getByRole('button', { name: 'Send feedback' }).waitFor();
    expect(await page.locator('#score-1').isChecked()).toBe(true);
    await send(page);
    await page.getByRole('heading', { name: 'Cheers for that' }).waitFor();
    expect(await page.locator('main').innerHTML()).toBe(thanks);

    const rows = await feedbackOf(client);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ score: 2, comment: 'Queue was long' });
  });

  it('records channel qr for a customer who scanned the QR code', async () => {
    const client = await createTestClient(hark.services, { scale: 'stars_5' });
    const page = await newPage({ ...phone, javaScriptEnabled: false });
    await open(page, `/f/${client.location.code}?via=qr`);
    expect(await page.locator('input[name="via"]').inputValue()).toBe('qr');
    await chooseScore(page, 5);
    await send(page);
    await page.getByRole('heading', { name: 'Cheers for that' }).waitFor();
    const rows = await feedbackOf(client);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ channel: 'qr', score: 5, scale: 'stars_5', location_id: client.location.id, sub_measure_id: null });
  });
});

interface Focused {
  /** The focused element: its id, or tag and text for elements without one. */
  what: string;
  focusVisible: boolean;
  /** The focus indicator, on the element or (for the hidden score radios) on its label. */
  outline: string;
  outlineWidth: number;
  boxShadow: string;
}

function focused(page: Page): Promise<Focused> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { what: 'body', focusVisible: false, outline: 'none', outlineWidth: 0, boxShadow: 'none' };
    const shown = el.matches('.scale input') && el.nextElementSibling ? el.nextElementSibling : el;
    const style = getComputedStyle(shown);
    return {
      what: el.id || `${el.tagName.toLowerCase()}:${(el.textContent ?? '').trim()}`,
      focusVisible: el.matches(':focus-visible'),
      outline: style.outlineStyle,
      outlineWidth: Number.parseFloat(style.outlineWidth),
      boxShadow: style.boxShadow,
    };
  });
}

describe('by keyboard alone', () => {
  it('reaches every control in order with a visible focus indicator, chooses a score with the arrow keys and sends with Enter', async () => {
    const client = await createTestClient(hark.services, { prizeDraw: true });
    const page = await newPage({ viewport: { width: 1024, height: 768 } });
    await open(page, `/f/${client.location.code}`);

    const order: string[] = [];
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press('Tab');
      const now = await focused(page);
      if (now.what === 'body' || order.includes(now.what)) break;
      order.push(now.what);
      expect(now.focusVisible, now.what).toBe(true);
      expect(now.outline !== 'none' && now.outlineWidth >= 2 ? true : now.boxShadow !== 'none', `focus indicator of ${now.what}: ${JSON.stringify(now)}`).toBe(true);
      if (now.what.startsWith('button:')) break;
    }
    expect(order).toEqual([
      'score-0',
      'comment',
      'name',
      'email',
      'mobile',
      'contact_requested',
      'prize_draw',
      'accept_terms',
      'a:terms of the draw',
      'accept_privacy',
      'a:privacy policy',
      'receipt_code',
      'button:Send feedback',
    ]);

    // Now answer: back to the top, into the scale, arrows to 4, then the comment.
    await open(page, `/f/${client.location.code}`);
    await page.keyboard.press('Tab');
    expect((await focused(page)).what).toBe('score-0');
    await page.keyboard.press('Space');
    expect(await page.locator('#score-0').isChecked()).toBe(true);
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    expect((await focused(page)).what).toBe('score-3');
    expect(await page.locator('#score-3').isChecked()).toBe(true);
    // The chosen box looks chosen, not only focused.
    const chosen = await page.locator('label[for="score-3"]').evaluate((el) => getComputedStyle(el).backgroundColor);
    const other = await page.locator('label[for="score-2"]').evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(chosen).not.toBe(other);
    await page.keyboard.press('Tab');
    expect((await focused(page)).what).toBe('comment');
    await page.keyboard.type('Typed without a mouse');
    for (let i = 0; i < 20 && !(await focused(page)).what.startsWith('button:'); i++) await page.keyboard.press('Tab');
    expect((await focused(page)).what).toBe('button:Send feedback');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Cheers for that' }).waitFor();

    const rows = await feedbackOf(client);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ score: 4, comment: 'Typed without a mouse', contact_requested: false });
    expect(await prizeEntriesOf(client)).toHaveLength(0);
  });
});

/** Checks the page as it is now fits a 320 px screen, with large targets and text. */
async function expectFitsNarrowPhone(page: Page, what: string, scores: number): Promise<void> {
  const width = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(width.client).toBe(320);
  expect(width.scroll, `${what} is wider than the screen`).toBeLessThanOrEqual(width.client);

  // Every score box is a comfortable 44×44 target and lies fully on screen.
  const boxes = await page.locator('.scale label').evaluateAll((labels) =>
    labels.map((label) => {
      const r = label.getBoundingClientRect();
      return { text: label.textContent ?? '', width: r.width, height: r.height, left: r.left, right: r.right };
    }),
  );
  expect(boxes).toHaveLength(scores);
  for (const box of boxes) {
    expect(box.width, `${what}: width of score ${box.text}`).toBeGreaterThanOrEqual(44);
    expect(box.height, `${what}: height of score ${box.text}`).toBeGreaterThanOrEqual(44);
    expect(box.left).toBeGreaterThanOrEqual(0);
    expect(box.right).toBeLessThanOrEqual(320);
  }
  // Check boxes meet WCAG 2.2's 24×24 minimum on their own (their labels add to that); the
  // send button is a full-width bar at least 44 px high.
  const checkboxes = await page.locator('input[type="checkbox"]').evaluateAll((els) =>
    els.map((el) => ({ id: el.id, width: el.getBoundingClientRect().width, height: el.getBoundingClientRect().height })),
  );
  expect(checkboxes.length).toBeGreaterThanOrEqual(1);
  for (const box of checkboxes) {
    expect(box.width, `${what}: ${box.id}`).toBeGreaterThanOrEqual(24);
    expect(box.height, `${what}: ${box.id}`).toBeGreaterThanOrEqual(24);
  }
  const button = await page.getByRole('button', { name: 'Send feedback' }).boundingBox();
  expect(button?.height).toBeGreaterThanOrEqual(44);
  expect(button?.width).toBeGreaterThanOrEqual(280);

  // Text fields use at least 16 px text, so iOS does not zoom in when one is tapped.
  const sizes = await page
    .locator('input:not([type="hidden"]):not([type="radio"]):not([type="checkbox"]), textarea, select')
    .evaluateAll((els) => els.map((el) => ({ id: el.id, size: Number.parseFloat(getComputedStyle(el).fontSize) })));
  expect(sizes.length).toBeGreaterThanOrEqual(5);
  for (const { id, size } of sizes) expect(size, `${what}: text size of ${id}`).toBeGreaterThanOrEqual(16);
  expect(await page.evaluate(() => Number.parseFloat(getComputedStyle(document.body).fontSize))).toBeGreaterThanOrEqual(16);

  // WCAG 2.2 AA (target size among them) at this width too.
  const report = await runAxe(page, ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']);
  expect(report.violations, `${what}:\n${formatViolations(report.violations)}`).toEqual([]);
}

describe('on the narrowest phone (320 CSS px)', () => {
  it('fits the NPS form (the widest scale), also when shown again with errors', async () => {
    const client = await createTestClient(hark.services, { scale: 'nps_10', prizeDraw: true });
    const page = await newPage({ ...narrowPhone, bypassCSP: true });
    await open(page, `/f/${client.location.code}/${client.subMeasure.code}`);
    await expectFitsNarrowPhone(page, 'NPS form', 11);
    await page.getByRole('checkbox', { name: 'Please contact me about my feedback' }).check();
    await page.getByRole('checkbox', { name: 'Enter me in the prize draw' }).check();
    await send(page);
    await page.getByRole('heading', { name: 'Please check your answers' }).waitFor();
    await expectFitsNarrowPhone(page, 'NPS form with errors', 11);
  });

  it('fits the star-rating form and its thank-you page', async () => {
    const client = await createTestClient(hark.services, { scale: 'stars_5', prizeDraw: true });
    const page = await newPage({ ...narrowPhone, bypassCSP: true });
    await open(page, `/f/${client.location.code}`);
    await expectFitsNarrowPhone(page, 'stars form', 5);
    await chooseScore(page, 1);
    await send(page);
    await page.getByRole('heading', { name: 'Cheers for that' }).waitFor();
    const width = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(width.scroll).toBeLessThanOrEqual(width.client);
  });
});

describe('page weight', () => {
  it('loads the largest form (NPS, prize draw, sub-measure) in under 30 KB, all from its own origin', async () => {
    const client = await createTestClient(hark.services, { scale: 'nps_10', prizeDraw: true });
    const page = await newPage();
    const origin = new URL(hark.url).origin;
    const requested: string[] = [];
    const bodies: Promise<{ url: string; type: string; bytes: number }>[] = [];
    page.on('request', (request) => requested.push(request.url()));
    page.on('response', (response) => {
      if (new URL(response.url()).origin !== origin) return;
      bodies.push(
        response
          .body()
          .then((body) => ({ url: response.url(), type: response.request().resourceType(), bytes: body.length }))
          .catch(() => ({ url: response.url(), type: response.request().resourceType(), bytes: 0 })),
      );
    });
    await page.goto(`${hark.url}/f/${client.location.code}/${client.subMeasure.code}?via=qr`, { waitUntil: 'load' });
    await page.getByRole('button', { name: 'Send feedback' }).waitFor();
    const loaded = await Promise.all(bodies);

    expect(requested.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin), 'third-party requests').toEqual([]);
    const documents = loaded.filter((r) => r.type === 'document');
    expect(documents).toHaveLength(1);
    const total = loaded.reduce((sum, r) => sum + r.bytes, 0);
    expect(total, JSON.stringify(loaded)).toBeLessThan(30 * 1024);
    expect(await page.locator('script').count()).toBe(0);
  });
});
