/**
 * The monthly report through real HTTP and a real SMTP server: the PDF of last month shows
 * the figures GET /api/v1/dashboard gives for that month (read back with poppler's
 * pdftotext), a manager gets their own scope's report, bad months and other clients'
 * locations are refused, the download is rate-limited per person; and the scheduled job,
 * driven with an explicit `now`, emails one PDF to each subscribed person on the first
 * working day of the month, and nothing on a second run.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MembershipRole } from '../../src/db/schema.ts';
import { withClient } from '../../src/db/tenancy.ts';
import { localDay, planMonthlyReports, rebuildAllDailyRollups } from '../../src/reports/index.ts';
import { addMonths, daysOfMonth, firstWorkingDayOf, monthOfDay } from '../../src/reports/monthly/calendar.ts';
import type { Dashboard } from '../../src/reports/schemas.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser, signIn, type PortalClient, type TestUser } from '../helpers/portal.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';
import { waitFor } from '../helpers/wait.ts';
import { waitForDayFigures } from '../helpers/rollups.ts';

const run = promisify(execFile);
const timezone = 'Pacific/Auckland';

let hark: TestHark;
let smtp: TestSmtpServer;
let client: TestClient;
let owner: PortalClient;
let workDir: string;
const thisMonth = monthOfDay(localDay(new Date(), timezone));
const lastMonth = addMonths(thisMonth, -1);
const twoMonthsAgo = addMonths(thisMonth, -2);

async function pdfText(pdf: Buffer): Promise<string> {
  const file = path.join(workDir, `${Math.random().toString(36).slice(2)}.pdf`);
  await writeFile(file, pdf);
  const { stdout } = await run('pdftotext', ['-layout', file, '-']);
  return stdout;
}

async function download(person: PortalClient, query: string): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const cookie = [...person.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const response = await hark.fetch(`/api/v1/reports/monthly?${query}`, { headers: { cookie } });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

async function personOf(role: MembershipRole, locationScope: string[] | null = null): Promise<{ user: TestUser; portal: PortalClient }> {
  const user = await createTestUser(hark.services, client.clientId, role, { locationScope });
  return { user, portal: await signIn(hark, user) };
}

/** Noon on `day` in the client's timezone (NZ is UTC+12 or +13: midnight UTC is 12:00 or 13:00 there). */
function noonOn(day: string): Date {
  return new Date(`${day}T00:00:00Z`);
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'hark-monthly-'));
  smtp = await startTestSmtpServer();
  hark = await startTestHark({
    env: { SMTP_URL: smtp.url, HARK_JOB_POLL_SECONDS: '0.5', HARK_LOGIN_LIMIT_PER_IP: '1000', HARK_SUBMIT_LIMIT_PER_IP: '1000', HARK_SUBMIT_LIMIT_PER_LOCATION: '1000' },
  });
  client = await createTestClient(hark.services, { timezone, name: 'Kōwhai Café' });
  await hark.services.db.updateTable('clients').set({ created_at: new Date('2024-01-15T00:00:00Z') }).where('id', '=', client.clientId).execute();

  // Last month: 4 at Main Street (one with Kiri), 2 at Harbour; the month before: 3 at Main Street.
  const given: [string, string, string, string][] = [
    [client.location.code, '5', 'Lovely flat white, call me on 021 555 1234', `${lastMonth}-03`],
    [`${client.location.code}/${client.subMeasure.code}`, '4', 'Kiri was quick and friendly', `${lastMonth}-08`],
    [client.location.code, '2', 'Waited twenty minutes for a table', `${lastMonth}-12`],
    [client.location.code, '5', '', `${lastMonth}-20`],
    [client.otherLocation.code, '3', 'Harbour view was nice, food average', `${lastMonth}-15`],
    [client.otherLocation.code, '1', 'Cold pie at the harbour', `${lastMonth}-27`],
    [client.location.code, '4', 'Good', `${twoMonthsAgo}-05`],
    [client.location.code, '4', 'Fine', `${twoMonthsAgo}-10`],
    [client.location.code, '3', 'Okay', `${twoMonthsAgo}-18`],
  ];
  for (const [code, score, comment] of given) {
    const response = await giveFeedback(hark, `/f/${code}`, { score, comment });
    expect(response.status).toBeLessThan(400);
  }
  await waitFor(async () => {
    const rows = await hark.services.db.selectFrom('feedback').select('id').where('client_id', '=', client.clientId).execute();
    return rows.length === given.length ? true : undefined;
  });
  // Let the day-figures jobs of the submissions finish (rollups, comment analyses) so none runs after the rebuild below.
  await waitForDayFigures(hark.services);
  // Place each response on its day of an earlier month, then recompute the rollups as a bulk import would.
  const rows = await hark.services.db.selectFrom('feedback').select(['id', 'comment', 'score']).where('client_id', '=', client.clientId).execute();
  for (const [, score, comment, day] of given) {
    const row = rows.find((r) => r.comment === comment && String(r.score) === score);
    if (!row) throw new Error(`feedback not found: ${comment}`);
    rows.splice(rows.indexOf(row), 1);
    await hark.services.db.updateTable('feedback').set({ submitted_at: noonOn(day) }).where('client_id', '=', client.clientId).where('id', '=', row.id).execute();
  }
  await withClient(hark.services.db, client.clientId, (trx) => rebuildAllDailyRollups(trx, client.clientId));
  owner = (await personOf('owner')).portal;
}, 60_000);

afterAll(async () => {
  await hark?.close();
  await smtp?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function dashboardOf(person: PortalClient, month: string, locationId?: string): Promise<Dashboard> {
  const { from, to } = daysOfMonth(month);
  const response = await person.get<Dashboard>(`/api/v1/dashboard?${new URLSearchParams({ from, to, ...(locationId ? { locationId } : {}) })}`);
  expect(response.status).toBe(200);
  return response.body;
}

describe(`monthly report (${testDatabaseKind})`, () => {
  it("downloads last month's PDF showing the dashboard's figures for that month", async () => {
    const dashboard = await dashboardOf(owner, lastMonth);
    expect(dashboard.responses).toBe(6);
    const response = await download(owner, `month=${lastMonth}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="hark-monthly-report-${lastMonth}-kowhai-cafe.pdf"`);
    expect(response.body.subarray(0, 5).toString()).toBe('%PDF-');

    const text = await pdfText(response.body);
    expect(text).toContain('Kōwhai Café'); // printed as written, in the embedded Noto Sans
    expect(text).toMatch(/Monthly report: \w+ \d{4}/);
    expect(text).toMatch(new RegExp(`Responses[^\\n]*\\n\\s*${dashboard.responses}\\b`));
    expect(text).toContain(dashboard.score?.value.toFixed(2) ?? 'no score');
    expect(text).toContain(`95% interval ${dashboard.score?.low.toFixed(2)} to ${dashboard.score?.high.toFixed(2)}`);
    // Channel mix, rankings (fair rule) and themes.
    expect(text).toMatch(/Web\s+6 \(100\.0%\)/);
    expect(text).toContain('Locations, ranked');
    expect(text).toMatch(/1\s+Main Street\s+4\s+4\.00/);
    expect(text).toMatch(/2\s+Harbour\s+2\s+2\.00/);
    expect(text).toMatch(/1\s+Kiri\s+Main Street\s+1\s+4\.00/);
    expect(text).toContain('shrunk towards the mean');
    expect(text).toContain('Themes in comments');
    // Change against the month before (3 responses, mean 3.67): not significant with so few.
    expect(text).toMatch(/not significant \(p = 0\.\d{3}\)/);
    // Recent comments, newest first, with the phone number removed.
    expect(text).toContain('Cold pie at the harbour');
    expect(text).toContain('Lovely flat white, call me on [removed]');
    expect(text).not.toContain('555 1234');
  });

  it('gives a manager the report of their own scope only', async () => {
    const { portal } = await personOf('manager', [client.otherLocation.id]);
    const dashboard = await dashboardOf(portal, lastMonth);
    expect(dashboard.responses).toBe(2);
    const response = await download(portal, `month=${lastMonth}`);
    expect(response.status).toBe(200);
    const text = await pdfText(response.body);
    expect(text).toMatch(new RegExp(`Responses[^\\n]*\\n\\s*2\\b`));
    expect(text).toContain(dashboard.score?.value.toFixed(2) ?? 'x');
    expect(text).toContain('Your locations (1)');
    expect(text).toContain('Cold pie at the harbour');
    expect(text).not.toContain('flat white');
    expect(text).not.toContain('Main Street');

    // A location outside the scope is not found; the owner may narrow to one location.
    expect((await download(portal, `month=${lastMonth}&locationId=${client.location.id}`)).status).toBe(404);
    const narrowed = await download(owner, `month=${lastMonth}&locationId=${client.otherLocation.id}`);
    expect(narrowed.status).toBe(200);
    expect(narrowed.headers.get('content-disposition')).toContain(`hark-monthly-report-${lastMonth}-kowhai-cafe-harbour.pdf`);
    expect(await pdfText(narrowed.body)).toMatch(/Responses[^\n]*\n\s*2\b/);
  });

  it('refuses bad months, another client’s location and callers not signed in, with clear messages', async () => {
    const future = addMonths(thisMonth, 1);
    const cases: [string, number, RegExp][] = [
      ['month=2025-13', 400, /month written YYYY-MM/],
      ['month=March', 400, /month written YYYY-MM/],
      ['', 400, /month/],
      [`month=${future}`, 400, /has not started yet/],
      ['month=2023-06', 400, /this business has figures from January 2024/],
      [`month=${lastMonth}&locationId=not-a-uuid`, 400, /location id/],
    ];
    for (const [query, status, message] of cases) {
      const response = await download(owner, query);
      expect(response.status, query).toBe(status);
      expect(JSON.parse(response.body.toString()).error.message, query).toMatch(message);
    }
    const other = await createTestClient(hark.services);
    expect((await download(owner, `month=${lastMonth}&locationId=${other.location.id}`)).status).toBe(404);
    expect((await hark.fetch(`/api/v1/reports/monthly?month=${lastMonth}`)).status).toBe(401);
    // The current month, so far, is allowed.
    expect((await download(owner, `month=${thisMonth}`)).status).toBe(200);
  });

  it('limits each person to 10 reports a minute', async () => {
    const { portal } = await personOf('viewer');
    for (let i = 0; i < 10; i += 1) expect((await download(portal, `month=${twoMonthsAgo}`)).status).toBe(200);
    const refused = await download(portal, `month=${twoMonthsAgo}`);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(JSON.parse(refused.body.toString()).error.message).toMatch(/10 reports in the last minute/);
    // Another person is not held back.
    expect((await download(owner, `month=${twoMonthsAgo}`)).status).toBe(200);
  });

  it('emails the PDF to each subscribed person on the first working day of the month, once', async () => {
    const admin = await personOf('admin');
    const manager = await personOf('manager', [client.otherLocation.id]);
    const viewer = await personOf('viewer');
    // Defaults: owners and admins subscribed, managers and viewers not; each may choose.
    expect((await admin.portal.get('/api/v1/account/monthly-report')).body).toEqual({ subscribed: true, chosen: false });
    expect((await viewer.portal.get('/api/v1/account/monthly-report')).body).toEqual({ subscribed: false, chosen: false });
    expect((await admin.portal.put('/api/v1/account/monthly-report', { subscribed: false })).body).toEqual({ subscribed: false, chosen: true });
    expect((await manager.portal.put('/api/v1/account/monthly-report', { subscribed: true })).status).toBe(200);
    const bad = await manager.portal.put<{ error: { message: string } }>('/api/v1/account/monthly-report', { subscribed: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/subscribed must be true or false/);

    // Every member of this client and who should get it. Other clients' people are left out.
    const members = await hark.services.db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select(['users.email', 'memberships.role', 'memberships.user_id'])
      .where('memberships.client_id', '=', client.clientId)
      .execute();
    const managerEmail = manager.user.email;
    const expected = members.filter((m) => m.role === 'owner' || m.user_id === manager.user.id).map((m) => m.email);
    expect(expected).toContain(managerEmail);
    expect(expected).not.toContain(admin.user.email);

    const firstDay = firstWorkingDayOf(thisMonth);
    const before = smtp.mails.length;
    // Not the first working day: nothing.
    const clientSends = async () =>
      hark.services.db.selectFrom('monthly_report_sends').select(['user_id', 'month', 'sent_at']).where('client_id', '=', client.clientId).execute();
    expect(await planMonthlyReports(hark.services, noonOn(`${thisMonth}-28`))).toBe(0);
    expect(await clientSends()).toEqual([]);

    await planMonthlyReports(hark.services, noonOn(firstDay));
    const mails = await waitFor(async () => {
      const mine = smtp.mails.slice(before).filter((m) => m.subject.startsWith('Kōwhai Café: monthly report'));
      return mine.length >= expected.length ? mine : undefined;
    }, { timeoutMs: 30_000, what: 'the monthly report mails' });
    expect(mails.flatMap((m) => m.to).sort()).toEqual(expected.map((e) => e.toLowerCase()).sort());
    for (const mail of mails) {
      expect(mail.attachments).toHaveLength(1);
      expect(mail.attachments[0]?.contentType).toBe('application/pdf');
      expect(mail.attachments[0]?.filename).toBe(`hark-monthly-report-${lastMonth}-kowhai-cafe.pdf`);
      expect(mail.attachments[0]?.content.subarray(0, 5).toString()).toBe('%PDF-');
      expect(mail.text).toContain('/portal/reports');
    }
    const managerMail = mails.find((m) => m.to.includes(managerEmail.toLowerCase()));
    const managerText = await pdfText(managerMail?.attachments[0]?.content ?? Buffer.alloc(0));
    expect(managerText).toMatch(/Responses[^\n]*\n\s*2\b/);
    expect(managerText).not.toContain('flat white');
    const ownerMail = mails.find((m) => !m.to.includes(managerEmail.toLowerCase()));
    expect(await pdfText(ownerMail?.attachments[0]?.content ?? Buffer.alloc(0))).toMatch(/Responses[^\n]*\n\s*6\b/);
    await waitFor(async () => ((await clientSends()).every((s) => s.sent_at) ? true : undefined));
    expect((await clientSends()).map((s) => s.month)).toEqual(expected.map(() => `${lastMonth}-01`));

    // A second run that day (or an hour later) queues and sends nothing more.
    const sent = smtp.mails.length;
    expect(await planMonthlyReports(hark.services, noonOn(firstDay))).toBe(0);
    expect(await planMonthlyReports(hark.services, new Date(noonOn(firstDay).getTime() + 3_600_000))).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(smtp.mails.length).toBe(sent);
    expect(await clientSends()).toHaveLength(expected.length);
  });
});
