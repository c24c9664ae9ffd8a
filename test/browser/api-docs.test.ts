/** The API's readable documentation page renders in a browser under its own security policy. */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';

describe('API documentation page', () => {
  let hark: TestHark;
  let browser: Browser;

  beforeAll(async () => {
    [hark, browser] = await Promise.all([startTestHark(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await hark?.close();
  });

  it('lists the API’s operations from the OpenAPI document, with no script blocked', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const blocked: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) blocked.push(message.text());
    });
    const response = await page.goto(`${hark.url}/api/v1/docs`);
    expect(response?.status()).toBe(200);
    // The tags come folded; opening one lists its operations.
    await page.locator('.opblock-tag', { hasText: /^feedback/ }).first().click();
    await expect.poll(() => page.locator('.opblock-summary-path').allTextContents(), { timeout: 15_000 }).toContain('/api/v1/feedback/{feedbackId}');
    expect(await page.locator('.opblock-tag').count()).toBeGreaterThan(10);
    expect(blocked).toEqual([]);
    await context.close();
  });
});
