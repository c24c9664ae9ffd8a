/**
 * Website analytics through real HTTP on a real database: the public site and its script,
 * beacons stored and rolled up into the operator dashboard, visitors counted by the day's
 * salted hash, bad beacons refused or dropped with a counted reason (and nothing stored),
 * the IP truncation job, and the tables kept out of every client-facing route.
 *
 * Hark trusts X-Forwarded-For here, so each test speaks from IPs of its own and the per-IP
 * limit of one test does not touch another.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/accounts/index.ts';
import { truncateAnalyticsIps } from '../../src/analytics/index.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { createTestClient } from '../helpers/factories.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser, signIn, testPassword, type PortalClient } from '../helpers/portal.ts';
import { waitFor } from '../helpers/wait.ts';

const chromeOnWindows = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const safariOnIphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const googlebot = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const headlessChrome = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36';

const LIMIT_PER_IP = 25;

interface Dashboard {
  totals: { visitors: number; views: number; averageSeconds: number | null; dropped: number };
  days: { day: string; visitors: number; views: number; averageSeconds: number | null; dropped: Record<string, number> }[];
  topPages: { path: string; views: number; averageSeconds: number | null }[];
  sources: { source: string; views: number }[];
  devices: { device: string; views: number }[];
  browsers: { browser: string; views: number }[];
  operatingSystems: { os: string; views: number }[];
  dropped: { reason: string; count: number }[];
}

const logLines: string[] = [];
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});

let hark: TestHark;
let operator: PortalClient;
let ipCounter = 0;

/** An IP no other test uses (TEST-NET-3, then 198.18/15 for more). */
function freshIp(): string {
  ipCounter += 1;
  return `198.18.${Math.floor(ipCounter / 250)}.${(ipCounter % 250) + 1}`;
}

interface BeaconOptions {
  ip?: string;
  /** null: no User-Agent header at all. */
  userAgent?: string | null;
  headers?: Record<string, string>;
  contentType?: string;
}

/** POSTs a beacon as a browser's sendBeacon does (text/plain), with full control of the headers. */
function sendBeacon(body: unknown, options: BeaconOptions = {}): Promise<number> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const url = new URL('/a/e', hark.url);
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'text/plain;charset=UTF-8',
    'content-length': String(Buffer.byteLength(payload)),
    'x-forwarded-for': options.ip ?? freshIp(),
    ...(options.userAgent === null ? {} : { 'user-agent': options.userAgent ?? chromeOnWindows }),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(payload);
  });
}

const view = (p: string, extra: Record<string, unknown> = {}) => ({ k: 'view', p, q: '', r: '', w: 1440, h: 900, ...extra });

async function hitCount(): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from analytics_hits`.execute(hark.services.db);
  return rows[0]?.n ?? 0;
}

async function dropCounts(): Promise<Record<string, number>> {
  const { rows } = await sql<{ reason: string; n: number }>`select reason, sum(dropped)::int as n from analytics_daily_drops group by reason`.execute(hark.services.db);
  return Object.fromEntries(rows.map((r) => [r.reason, r.n]));
}

async function summaryFingerprint(): Promise<string> {
  const { rows } = await sql<{ sum: string | null }>`
    select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as sum from analytics_daily_counts t`.execute(hark.services.db);
  return rows[0]?.sum ?? '';
}

async function metricDropped(reason: string): Promise<number> {
  const text = await (await hark.fetch('/metrics')).text();
  const match = new RegExp(`^hark_analytics_dropped_total\\{reason="${reason}"\\} (\\d+)`, 'm').exec(text);
  return Number(match?.[1] ?? Number.NaN);
}

/** Sends a good beacon after others and waits for it: batches are written in order, so everything before it is written too. */
let settled = 0;
async function settle(): Promise<void> {
  settled += 1;
  const tag = `settle-${settled}`;
  expect(await sendBeacon(view('/settle', { q: `?utm_campaign=${tag}` }))).toBe(204);
  await waitFor(
    async () => {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from analytics_hits where utm_campaign = ${tag}`.execute(hark.services.db);
      return rows[0]?.n === 1 ? true : undefined;
    },
    { what: 'the settling beacon to be written' },
  );
}

async function dashboard(query = ''): Promise<Dashboard> {
  const response = await operator.get<Dashboard>(`/api/v1/operator/analytics${query}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

beforeAll(async () => {
  hark = await startTestHark({
    env: { HARK_TRUST_PROXY: 'true', HARK_ANALYTICS_LIMIT_PER_IP: String(LIMIT_PER_IP), HARK_ANALYTICS_FLUSH_MS: '50', HARK_LOG_LEVEL: 'info', HARK_CONTACT_EMAIL: 'hello@hark.example' },
    logger: createLogger(loadConfig({ HARK_LOG_LEVEL: 'info' }), capture),
  });
  const operatorId = await createUser(hark.services.db, { email: 'ops-analytics@hark.example', name: 'Ops', password: testPassword, kind: 'operator' });
  operator = await signIn(hark, { id: operatorId, email: 'ops-analytics@hark.example', password: testPassword });
});
afterAll(async () => {
  const warnings = logLines.filter((line) => /"level":(40|50)/.test(line));
  if (warnings.length) console.log(warnings.join('\n'));
  await hark?.close();
});

describe(`the public site (${testDatabaseKind})`, () => {
  it('serves home, pricing and contact with the script, links to the privacy policy, and leaves the portal and feedback pages alone', async () => {
    for (const [pathname, text] of [
      ['/', 'open-source customer-feedback platform'],
      ['/pricing', 'Run it yourself'],
      ['/contact', 'hello@hark.example'],
    ] as const) {
      const response = await hark.fetch(pathname);
      expect(response.status, pathname).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      const page = await response.text();
      expect(page).toContain(text);
      expect(page).toContain('<script src="/a.js" defer></script>');
      expect(page).toContain('href="/privacy"');
      expect(page).toContain('href="/portal/"');
    }
    const portal = await hark.fetch('/portal/');
    expect([200, 503]).toContain(portal.status);
    expect(await portal.text()).not.toContain('src="/a.js"');
    const feedbackPage = await hark.fetch('/f/no-such-code');
    expect(feedbackPage.status).toBe(404);
  });

  it('serves the tracking script, under 2 KB, honouring Do Not Track and Global Privacy Control', async () => {
    const response = await hark.fetch('/a.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/javascript/);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.length).toBeLessThan(2048);
    const source = bytes.toString('utf8');
    expect(source).toContain('doNotTrack');
    expect(source).toContain('globalPrivacyControl');
    expect(source).toContain('sendBeacon');
    expect(source).toMatch(/pagehide/);
    expect(source).toMatch(/visibilitychange/);
    expect(source).not.toMatch(/document\.cookie|localStorage|sessionStorage|indexedDB/);
  });
});

describe(`beacons (${testDatabaseKind})`, () => {
  it('stores a view and a leave, parses the user agent, and rolls them up into the dashboard', async () => {
    const ip = freshIp();
    const before = await dashboard();
    expect(await sendBeacon(view('/pricing', { q: '?utm_source=Newsletter&utm_medium=email&utm_campaign=May&email=someone@example.com', r: 'https://www.example.org/post/1' }), { ip, userAgent: safariOnIphone })).toBe(204);
    expect(await sendBeacon({ k: 'leave', p: '/pricing', q: '', r: '', w: 390, h: 844, d: 42_000 }, { ip, userAgent: safariOnIphone })).toBe(204);
    await settle();

    const { rows } = await sql<Record<string, unknown>>`
      select kind, path, referrer_host, utm_source, utm_medium, utm_campaign, screen_width, screen_height, browser, os, device, duration_ms, host(ip) as ip, length(visitor_hash) as hash_bytes
      from analytics_hits where path = '/pricing' order by id`.execute(hark.services.db);
    expect(rows).toEqual([
      { kind: 'view', path: '/pricing', referrer_host: 'example.org', utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'may', screen_width: 1440, screen_height: 900, browser: 'Mobile Safari', os: 'iOS', device: 'mobile', duration_ms: null, ip, hash_bytes: 32 },
      { kind: 'leave', path: '/pricing', referrer_host: null, utm_source: null, utm_medium: null, utm_campaign: null, screen_width: 390, screen_height: 844, browser: 'Mobile Safari', os: 'iOS', device: 'mobile', duration_ms: 42_000, ip, hash_bytes: 32 },
    ]);
    // Only the utm_ tags of the query are kept: not the rest (an email address here).
    const { rows: leaked } = await sql<{ n: number }>`select count(*)::int as n from analytics_hits t where t::text like '%someone@example.com%'`.execute(hark.services.db);
    expect(leaked[0]?.n).toBe(0);

    const after = await dashboard();
    expect(after.totals.views - before.totals.views).toBe(2); // /pricing and the settling view
    expect(after.totals.visitors - before.totals.visitors).toBe(2); // this iPhone, and the settling beacon's own IP
    const pricing = after.topPages.find((p) => p.path === '/pricing');
    expect(pricing).toEqual({ path: '/pricing', views: 1, averageSeconds: 42 });
    expect(after.sources.find((s) => s.source === 'newsletter')?.views).toBe(1);
    expect(after.devices.find((d) => d.device === 'mobile')?.views).toBe(1);
    expect(after.browsers.find((b) => b.browser === 'Mobile Safari')?.views).toBe(1);
    expect(after.operatingSystems.find((o) => o.os === 'iOS')?.views).toBe(1);
    const today = new Date().toISOString().slice(0, 10);
    expect(after.days.at(-1)?.day).toBe(today);
    expect(after.days).toHaveLength(30);
  });

  it('counts a visitor once a day by IP and user agent, with no cookie, under a salt of the day that replaces older ones', async () => {
    const ip = freshIp();
    const before = await dashboard();
    for (const p of ['/', '/pricing', '/contact']) {
      const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const payload = JSON.stringify(view(p));
        const request = http.request(new URL('/a/e', hark.url), { method: 'POST', headers: { 'content-type': 'text/plain', 'x-forwarded-for': ip, 'user-agent': chromeOnWindows } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res));
        });
        request.on('error', reject);
        request.end(payload);
      });
      expect(response.statusCode).toBe(204);
      expect(response.headers['set-cookie']).toBeUndefined();
    }
    expect(await sendBeacon(view('/'), { ip, userAgent: safariOnIphone })).toBe(204);
    await settle();
    const after = await dashboard();
    expect(after.totals.views - before.totals.views).toBe(5);
    // Chrome on that IP, Safari on that IP, and the settling beacon.
    expect(after.totals.visitors - before.totals.visitors).toBe(3);

    const salts = await sql<{ day: string }>`select day::text as day from analytics_salts`.execute(hark.services.db);
    expect(salts.rows).toEqual([{ day: new Date().toISOString().slice(0, 10) }]);
  });

  it('answers a forged or malformed beacon 400 and a huge one 413, counts each by reason, and stores nothing', async () => {
    await settle();
    const hitsBefore = await hitCount();
    const summaryBefore = await summaryFingerprint();
    const dropsBefore = await dropCounts();
    const metricsBefore = { invalid: await metricDropped('invalid'), too_large: await metricDropped('too_large'), unreadable: await metricDropped('unreadable') };

    const invalid: unknown[] = [
      view('pricing'),
      view('https://evil.example/'),
      view('/with space'),
      view('/x?y=1'),
      view(`/${'a'.repeat(600)}`),
      view('/', { w: 0 }),
      view('/', { w: 100_000, h: 900 }),
      view('/', { w: 1.5 }),
      view('/', { w: 1440, h: undefined }),
      view('/', { r: 'javascript:alert(1)' }),
      { k: 'leave', p: '/', d: -1 },
      { k: 'leave', p: '/', d: 24 * 60 * 60 * 1000 + 1 },
      { k: 'leave', p: '/' },
      { k: 'click', p: '/' },
      { p: '/' },
      view('/', { extra: 'field' }),
      [],
      'null',
      '42',
    ];
    for (const body of invalid) expect(await sendBeacon(body), JSON.stringify(body)).toBe(400);
    // A form post is read, but is no beacon.
    expect(await sendBeacon('k=view&p=%2F&w=wide', { contentType: 'application/x-www-form-urlencoded' })).toBe(400);
    const unreadable = ['{not json', ''];
    for (const body of unreadable) expect(await sendBeacon(body), body).toBe(400);
    expect(await sendBeacon('{"k":"view"}', { contentType: 'image/png' })).toBe(415);
    expect(await sendBeacon(view('/', { q: `?utm_source=${'x'.repeat(3000)}` }))).toBe(413);

    await settle();
    expect(await hitCount()).toBe(hitsBefore + 1);
    const dropsAfter = await dropCounts();
    const delta = (reason: string) => (dropsAfter[reason] ?? 0) - (dropsBefore[reason] ?? 0);
    expect(delta('invalid')).toBe(invalid.length + 1);
    // Two bodies that are not JSON, and an image.
    expect(delta('unreadable')).toBe(unreadable.length + 1);
    expect(delta('too_large')).toBe(1);
    expect(await metricDropped('invalid')).toBe(metricsBefore.invalid + invalid.length + 1);
    expect(await metricDropped('too_large')).toBe(metricsBefore.too_large + 1);
    expect(await metricDropped('unreadable')).toBe(metricsBefore.unreadable + unreadable.length + 1);
    // The summary rows changed by the settling beacon only.
    expect(await summaryFingerprint()).not.toBe(summaryBefore);
  });

  it('drops bots, agent-less requests, Do Not Track and Global Privacy Control with a counted reason, storing nothing', async () => {
    await settle();
    const hitsBefore = await hitCount();
    const dropsBefore = await dropCounts();
    const cases: [BeaconOptions, string][] = [
      [{ userAgent: googlebot }, 'bot'],
      [{ userAgent: headlessChrome }, 'bot'],
      [{ userAgent: 'curl/8.5.0' }, 'bot'],
      [{ userAgent: null }, 'no_user_agent'],
      [{ headers: { dnt: '1' } }, 'do_not_track'],
      [{ headers: { 'sec-gpc': '1' } }, 'do_not_track'],
    ];
    for (const [options, reason] of cases) expect(await sendBeacon(view('/'), options), reason).toBe(204);
    // A forged beacon with a privacy signal is still only counted as such.
    expect(await sendBeacon({ k: 'nonsense' }, { headers: { dnt: '1' } })).toBe(204);
    await settle();
    expect(await hitCount()).toBe(hitsBefore + 1);
    const dropsAfter = await dropCounts();
    const delta = (reason: string) => (dropsAfter[reason] ?? 0) - (dropsBefore[reason] ?? 0);
    expect(delta('bot')).toBe(3);
    expect(delta('no_user_agent')).toBe(1);
    expect(delta('do_not_track')).toBe(3);

    const { rows } = await sql<{ n: number }>`select count(*)::int as n from analytics_hits where browser ilike '%headless%' or browser ilike '%bot%'`.execute(hark.services.db);
    expect(rows[0]?.n).toBe(0);
  });

  it('answers a flood from one IP 429 past the limit, counting each refused beacon, and stores only what the limit let through', async () => {
    await settle();
    const ip = freshIp();
    const hitsBefore = await hitCount();
    const dropsBefore = await dropCounts();
    const extra = 15;
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT_PER_IP + extra; i++) statuses.push(await sendBeacon(view('/flood'), { ip }));
    expect(statuses.filter((s) => s === 204)).toHaveLength(LIMIT_PER_IP);
    expect(statuses.filter((s) => s === 429)).toHaveLength(extra);
    expect(statuses.slice(LIMIT_PER_IP).every((s) => s === 429)).toBe(true);
    // Another IP is not held back.
    await settle();
    expect(await hitCount()).toBe(hitsBefore + LIMIT_PER_IP + 1);
    const dropsAfter = await dropCounts();
    expect((dropsAfter.rate_limited ?? 0) - (dropsBefore.rate_limited ?? 0)).toBe(extra);
    const board = await dashboard();
    expect(board.dropped.find((d) => d.reason === 'rate_limited')?.count).toBeGreaterThanOrEqual(extra);
    expect(board.days.at(-1)?.dropped.rate_limited).toBeGreaterThanOrEqual(extra);
  });
});

describe(`the operator dashboard (${testDatabaseKind})`, () => {
  it('is for operator staff only', async () => {
    expect((await hark.fetch('/api/v1/operator/analytics')).status).toBe(401);
    const client = await createTestClient(hark.services);
    const owner = await signIn(hark, await createTestUser(hark.services, client.clientId, 'owner'));
    expect((await owner.get('/api/v1/operator/analytics')).status).toBe(403);
  });

  it('refuses bad ranges', async () => {
    for (const query of ['?from=2026-13-01', '?from=yesterday', '?to=2026-02-30', '?from=2026-05-02&to=2026-05-01', '?from=2024-01-01&to=2026-01-01']) {
      const response = await operator.get<{ error: { code: string } }>(`/api/v1/operator/analytics${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error.code).toBe('validation_failed');
    }
    const one = await dashboard('?from=2026-01-01&to=2026-01-01');
    expect(one.days).toEqual([{ day: '2026-01-01', visitors: 0, views: 0, averageSeconds: null, dropped: {} }]);
  });
});

describe(`keeping personal data short-lived and apart (${testDatabaseKind})`, () => {
  it('truncates full IPs older than HARK_ANALYTICS_IP_DAYS to /24 and /48 on the hourly schedule, and deletes past salts', async () => {
    const oldV4 = '203.0.113.77';
    const oldV6 = '2001:db8:abcd:12::1';
    const recent = freshIp();
    for (const ip of [oldV4, oldV6]) expect(await sendBeacon(view('/old'), { ip })).toBe(204);
    expect(await sendBeacon(view('/recent'), { ip: recent })).toBe(204);
    await waitFor(async () => {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from analytics_hits where path in ('/old', '/recent')`.execute(hark.services.db);
      return rows[0]?.n === 3 ? true : undefined;
    });
    // Four days pass for the old ones (the default keeps full IPs three days).
    await sql`update analytics_hits set received_at = received_at - interval '4 days' where path = '/old'`.execute(hark.services.db);
    await sql`insert into analytics_salts (day, salt) values (current_date - 1, ${randomBytes(32)})`.execute(hark.services.db);

    const report = await truncateAnalyticsIps(hark.services);
    expect(report.truncated).toBe(2);
    expect(report.saltsDeleted).toBe(1);
    const { rows } = await sql<{ path: string; ip: string; ip_truncated: boolean }>`
      select path, ip, ip_truncated from analytics_hits where path in ('/old', '/recent')`.execute(hark.services.db);
    expect(rows).toEqual(
      expect.arrayContaining([
        { path: '/old', ip: '203.0.113.0/24', ip_truncated: true },
        { path: '/old', ip: '2001:db8:abcd::/48', ip_truncated: true },
        { path: '/recent', ip: recent, ip_truncated: false },
      ]),
    );
    expect((await truncateAnalyticsIps(hark.services)).truncated).toBe(0);
    const { rows: schedules } = await sql<{ name: string; cron: string }>`select name, cron from pgboss.schedule where name = 'truncate-analytics-ips'`.execute(hark.services.db);
    expect(schedules).toEqual([{ name: 'truncate-analytics-ips', cron: '23 * * * *' }]);
  });

  it('keeps the analytics tables apart from client data: no client_id, nothing for the tenant role', async () => {
    const { rows: tables } = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public' and table_name like 'analytics%' order by 1`.execute(hark.services.db);
    expect(tables.map((t) => t.name)).toEqual(['analytics_daily_counts', 'analytics_daily_drops', 'analytics_daily_visitors', 'analytics_hits', 'analytics_salts']);
    const { rows: columns } = await sql<{ table: string; column: string }>`
      select table_name as table, column_name as column from information_schema.columns
      where table_schema = 'public' and table_name like 'analytics%' and column_name like '%client%'`.execute(hark.services.db);
    expect(columns).toEqual([]);
    for (const { name } of tables) {
      const { rows } = await sql<{ any: boolean }>`
        select has_table_privilege('hark_app', ${name}, 'SELECT') or has_table_privilege('hark_app', ${name}, 'INSERT')
            or has_table_privilege('hark_app', ${name}, 'UPDATE') or has_table_privilege('hark_app', ${name}, 'DELETE') as any`.execute(hark.services.db);
      expect(rows[0]?.any, name).toBe(false);
    }
  });

  it('returns analytics from no /api/v1 route but /api/v1/operator/analytics, to a client’s owner or to the operator', async () => {
    const marker = `mark${randomBytes(4).toString('hex')}`;
    const ip = freshIp();
    expect(await sendBeacon(view(`/${marker}-page`, { q: `?utm_source=${marker}-src`, r: `https://${marker}-ref.example/` }), { ip })).toBe(204);
    await settle();
    const board = await operator.get('/api/v1/operator/analytics');
    expect(JSON.stringify(board.body)).toContain(`${marker}-page`);
    expect(JSON.stringify(board.body)).toContain(`${marker}-src`);

    const client = await createTestClient(hark.services);
    const owner = await signIn(hark, await createTestUser(hark.services, client.clientId, 'owner'));
    const doc = (await (await hark.fetch('/api/v1/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const getPaths = Object.entries(doc.paths)
      .filter(([p, methods]) => p.startsWith('/api/v1/') && 'get' in methods)
      .map(([p]) => p);
    expect(getPaths).toContain('/api/v1/operator/analytics');
    const ids: Record<string, string> = { clientId: client.clientId, locationId: client.location.id, programmeId: client.programmeId, subMeasureId: client.subMeasure.id, locationCode: client.location.code };
    let walked = 0;
    for (const p of getPaths) {
      if (p === '/api/v1/operator/analytics') continue;
      const url = p.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? '00000000-0000-4000-8000-000000000000');
      for (const who of [owner, operator]) {
        const response = await who.request('GET', url);
        const text = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
        expect(text, `${url} must not hold website analytics`).not.toContain(marker);
        walked += 1;
      }
    }
    expect(walked).toBeGreaterThan(20);
  });

  // Tests are exempt: a test that plants analytics rows to prove another domain never reads them names the tables.
  it('has no other domain naming the analytics tables in its code', async () => {
    const src = path.resolve(import.meta.dirname, '../../src');
    const offenders: string[] = [];
    async function walk(dir: string): Promise<void> {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          if (full === path.join(src, 'analytics') || full === path.join(src, 'db', 'migrations')) continue;
          await walk(full);
        } else if (/\.(ts|tsx|sql)$/.test(entry.name) && !entry.name.endsWith('.test.ts') && /analytics_(hits|salts|daily_)/.test(await readFile(full, 'utf8'))) {
          offenders.push(path.relative(src, full));
        }
      }
    }
    await walk(src);
    expect(offenders).toEqual([]);
  });

  it('logs no IP address or user agent of a beacon', async () => {
    const ip = '192.0.2.201';
    const agent = `${chromeOnWindows} marker-agent-${randomBytes(3).toString('hex')}`;
    expect(await sendBeacon(view('/logged'), { ip, userAgent: agent })).toBe(204);
    expect(await sendBeacon(view('bad'), { ip, userAgent: agent })).toBe(400);
    await settle();
    const text = logLines.join('\n');
    expect(text).toContain('/a/e'); // the requests were logged at all
    expect(text).not.toContain(ip);
    expect(text).not.toContain('marker-agent');
  });
});
