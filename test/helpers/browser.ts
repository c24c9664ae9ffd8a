/**
 * A real browser for tests: one headless Chromium per test file (launch it in beforeAll,
 * close it in afterAll, give each test a fresh context), and axe-core to check pages for
 * accessibility problems.
 *
 * The browser is the system's Chromium (`apt-get install chromium`), or the one named by
 * HARK_CHROMIUM; playwright-core drives it and never downloads one.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AxeResults, NodeResult, Result, RunOptions } from 'axe-core';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

export const chromiumPath = process.env.HARK_CHROMIUM ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** A mid-sized phone (iPhone 12–15 class): what most customers open the feedback page on. */
export const phone: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 3,
  isMobile: true,
  hasTouch: true,
};

/** The narrowest phone still in use (iPhone SE, first generation). */
export const narrowPhone: BrowserContextOptions = { ...phone, viewport: { width: 320, height: 568 }, deviceScaleFactor: 2 };

/** The rule sets the public pages must pass: WCAG 2.0 and 2.1 A and AA, and axe's best practices. */
export const axeTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] as const;

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  helpUrl: string;
  /** CSS selectors of the offending elements. */
  targets: string[];
  /** One readable paragraph: rule, impact, what is wrong and where. */
  summary: string;
}

export interface AxeReport {
  violations: AxeViolation[];
  /** Checks axe could not decide (e.g. contrast over an image): printed, not failed. */
  incomplete: AxeViolation[];
  /** How many rules ran and passed, to show the check was not vacuous. */
  passes: number;
}

let axeSource: Promise<string> | undefined;

function loadAxeSource(): Promise<string> {
  axeSource ??= readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return axeSource;
}

function targetText(node: NodeResult): string {
  return node.target.map((part) => (Array.isArray(part) ? part.join(' >>> ') : String(part))).join(' ');
}

function summarise(result: Result): AxeViolation {
  const targets = result.nodes.map(targetText);
  const where = result.nodes
    .map((node) => `    at ${targetText(node)}: ${node.html}\n      ${(node.failureSummary ?? '').replace(/\n\s*/g, ' / ')}`)
    .join('\n');
  return {
    id: result.id,
    impact: result.impact ?? 'unknown',
    help: result.help,
    helpUrl: result.helpUrl,
    targets,
    summary: `${result.id} (${result.impact ?? 'unknown'}): ${result.help} — ${result.helpUrl}\n${where}`,
  };
}

/**
 * Runs axe-core on the page as it is now. The page's context must have JavaScript enabled
 * (axe is injected as a script); check no-JavaScript behaviour in a separate context.
 */
export async function runAxe(page: Page, tags: readonly string[] = axeTags): Promise<AxeReport> {
  await page.addScriptTag({ content: await loadAxeSource() });
  const options: RunOptions = { runOnly: { type: 'tag', values: [...tags] }, resultTypes: ['violations', 'incomplete'] };
  const results = await page.evaluate(
    (runOptions) => (window as unknown as { axe: { run(context: Document, options: RunOptions): Promise<AxeResults> } }).axe.run(document, runOptions),
    options,
  );
  return {
    violations: results.violations.map(summarise),
    incomplete: results.incomplete.map(summarise),
    passes: results.passes.length,
  };
}

/** All violations as one readable block, for assertion messages. */
export function formatViolations(violations: readonly AxeViolation[]): string {
  return violations.length ? violations.map((v) => v.summary).join('\n\n') : 'no violations';
}
