/**
 * What the portal's browser tests share: a real SMTP server that keeps what Hark sends,
 * people made directly in the database, signing in through the sign-in screen, signing in
 * over the API (for set-up steps), and an axe check that fails with a readable list.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import type { Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { expect } from 'vitest';
import { addMembership, createUser } from '../../src/accounts/index.ts';
import type { MembershipRole } from '../../src/db/schema.ts';
import type { ClientId } from '../../src/db/tenancy.ts';
import { formatViolations, runAxe } from '../helpers/browser.ts';
import type { TestHark } from '../helpers/hark.ts';
import { waitFor } from '../helpers/wait.ts';

export const password = 'plum tractor seventeen';

export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
}

export interface TestSmtp {
  url: string;
  mail: ReceivedMail[];
  /** Waits for a message to this address whose subject matches. */
  waitForMail(to: string, subject?: RegExp): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/** A real SMTP server on a free local port, keeping every message it receives. */
export async function startSmtp(): Promise<TestSmtp> {
  const mail: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          mail.push({ to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()), subject: parsed.subject ?? '', text: parsed.text ?? '' });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mail,
    waitForMail: (to, subject) =>
      waitFor(async () => mail.find((m) => m.to.includes(to.toLowerCase()) && (!subject || subject.test(m.subject))), { what: `mail to ${to}`, timeoutMs: 20_000 }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The first link in a mail's text that starts with the given address. */
export function linkIn(mail: ReceivedMail, prefix: string): string {
  const link = mail.text.split(/\s+/).find((word) => word.startsWith(prefix));
  if (!link) throw new Error(`no link starting ${prefix} in:\n${mail.text}`);
  return link;
}

export interface TestPerson {
  userId: string;
  email: string;
  name: string;
}

export async function createPerson(hark: TestHark, clientId: ClientId, role: MembershipRole, options: { name?: string; locationScope?: string[] | null } = {}): Promise<TestPerson> {
  const email = `${role}-${randomBytes(4).toString('hex')}@example.com`;
  const name = options.name ?? `${role[0]?.toUpperCase()}${role.slice(1)} ${randomBytes(2).toString('hex')}`;
  const userId = await createUser(hark.services.db, { email, name, password });
  await addMembership(hark.services.db, { clientId, userId, role, locationScope: options.locationScope ?? null });
  return { userId, email, name };
}

/** Signs in through the sign-in screen and waits for the dashboard. */
export async function signIn(page: Page, hark: TestHark, email: string, options: { path?: string; expectHeading?: string } = {}): Promise<void> {
  await page.goto(`${hark.url}/portal/login${options.path ? `?next=${encodeURIComponent(options.path)}` : ''}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: options.expectHeading ?? 'Dashboard' }).waitFor();
}

/** A session over the API, for test set-up: its cookie and CSRF token. */
export async function apiSession(hark: TestHark, email: string, totpCode?: string) {
  const response = await hark.fetch('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, ...(totpCode ? { totpCode } : {}) }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await hark.fetch(`/api/v1${path}`, {
      method,
      headers: { cookie, 'x-csrf-token': csrfToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
  };
  return { cookie, csrfToken, call };
}

/** Runs axe and fails with every violation spelt out. */
export async function expectNoViolations(page: Page, what: string): Promise<void> {
  const report = await runAxe(page);
  expect(report.violations, `${what}:\n${formatViolations(report.violations)}`).toEqual([]);
  expect(report.passes, `${what}: axe ran no passing rules`).toBeGreaterThan(0);
}

/** Fails when the page is wider than its viewport (something sticks out sideways). */
export async function expectNoSidewaysScroll(page: Page, what: string): Promise<void> {
  const width = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(width.scroll, `${what} is wider than the screen`).toBeLessThanOrEqual(width.client);
}
