/**
 * Signing in to the portal over real HTTP: password hashing, session cookies and their
 * storage, no account enumeration, rotation at login, logout, idle and absolute expiry,
 * login throttling that cannot lock the owner out for good, the per-IP login limit,
 * changing a password, CSRF and JSON-only bodies, and the security headers of every kind
 * of page.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { throttle } from '../../src/accounts/login.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser, PortalClient, signIn, testPassword, type TestUser } from '../helpers/portal.ts';

interface ErrorBody {
  error: { code: string; message: string };
}
interface SessionBody {
  user: { id: string; email: string; totpEnabled: boolean };
  memberships: { clientId: string; role: string }[];
  activeClientId: string | null;
  csrfToken: string;
  expiresAt: string;
}
interface SetCookie {
  name: string;
  value: string;
  attributes: Map<string, string>;
}

function setCookies(headers: Headers): SetCookie[] {
  return headers.getSetCookie().map((line) => {
    const [pair = '', ...rest] = line.split(';');
    const eq = pair.indexOf('=');
    const attributes = new Map<string, string>();
    for (const part of rest) {
      const [key = '', ...value] = part.trim().split('=');
      attributes.set(key.toLowerCase(), value.join('='));
    }
    return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes };
  });
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** A request with exactly these headers and body (no CSRF token added). */
function rawRequest(hark: TestHark, browser: PortalClient, method: string, pathname: string, init: { body?: string; headers?: Record<string, string> } = {}) {
  const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  return hark.fetch(pathname, { method, headers: { cookie, ...init.headers }, body: init.body });
}

describe(`portal sign-in and sessions (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let client: TestClient;
  let owner: TestUser;

  beforeAll(async () => {
    hark = await startTestHark({ env: { HARK_LOGIN_LIMIT_PER_IP: '10000' } });
    client = await createTestClient(hark.services, { name: 'Tūī Bakery' });
    owner = await createTestUser(hark.services, client.clientId, 'owner');
  });
  afterAll(async () => {
    await hark?.close();
  });

  async function sessionRows(userId: string) {
    return hark.services.db.selectFrom('sessions').selectAll().where('user_id', '=', userId).execute();
  }

  it('signs in with the right password: an httpOnly, SameSite=Strict session cookie, argon2id hash, and only the token’s SHA-256 stored', async () => {
    const user = await createTestUser(hark.services, client.clientId, 'admin');
    const browser = new PortalClient(hark);
    const response = await browser.login(user.email, user.password);
    expect(response.status).toBe(200);
    const body = response.body as unknown as SessionBody;
    expect(body.user.email).toBe(user.email);
    expect(body.activeClientId).toBe(client.clientId);
    expect(body.csrfToken.length).toBeGreaterThanOrEqual(20);
    const expiresIn = new Date(body.expiresAt).getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(11.9 * 3_600_000);
    expect(expiresIn).toBeLessThanOrEqual(12 * 3_600_000);

    const cookies = setCookies(response.headers);
    const session = cookies.find((c) => c.name === 'hark_session');
    expect(session).toBeDefined();
    expect(session?.attributes.has('httponly')).toBe(true);
    expect(session?.attributes.get('samesite')?.toLowerCase()).toBe('strict');
    expect(session?.attributes.get('path')).toBe('/');
    expect(session?.attributes.get('max-age')).toBe(String(12 * 3600));
    const device = cookies.find((c) => c.name === 'hark_device');
    expect(device?.attributes.has('httponly')).toBe(true);
    expect(device?.attributes.get('samesite')?.toLowerCase()).toBe('strict');

    const token = session?.value ?? '';
    expect(token.length).toBeGreaterThanOrEqual(40);
    const rows = await sessionRows(user.id);
    expect(rows).toHaveLength(1);
    const stored = Buffer.from(rows[0]?.token_hash ?? []);
    expect(stored.equals(sha256(token))).toBe(true);
    expect(stored.includes(Buffer.from(token, 'base64url'))).toBe(false);
    expect(stored.toString('utf8')).not.toContain(token);
    expect(JSON.stringify({ ...rows[0], token_hash: null })).not.toContain(token);

    const account = await hark.services.db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(account.password_hash).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);
    expect(account.password_hash).not.toContain(user.password);

    const me = await browser.get<SessionBody>('/api/v1/auth/session');
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(user.id);
  });

  it('answers a wrong password and an unknown email alike, so nobody learns which addresses have accounts', async () => {
    const user = await createTestUser(hark.services, client.clientId, 'viewer');
    const wrong = await new PortalClient(hark).login(user.email, 'not the right password');
    const unknown = await new PortalClient(hark).login('nobody-here@example.com', 'not the right password');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect((wrong.body as unknown as ErrorBody).error.code).toBe('invalid_credentials');
    expect(wrong.headers.getSetCookie()).toEqual([]);
    expect(unknown.headers.getSetCookie()).toEqual([]);
    expect(wrong.headers.get('content-type')).toBe(unknown.headers.get('content-type'));
    expect(await sessionRows(user.id)).toHaveLength(0);
  });

  it('ignores the case of the email and the spaces around it', async () => {
    const user = await createTestUser(hark.services, client.clientId, 'viewer');
    const response = await new PortalClient(hark).login(`  ${user.email.toUpperCase()}\t`, user.password);
    expect(response.status).toBe(200);
    expect((response.body as unknown as SessionBody).user.id).toBe(user.id);
  });

  it('gives a new session token at every login and ends the one the browser held (no session fixation)', async () => {
    const user = await createTestUser(hark.services, client.clientId, 'manager', { locationScope: [client.location.id] });
    const browser = new PortalClient(hark);
    // A token planted in the browser before login is not adopted.
    browser.cookies.set('hark_session', 'planted-by-an-attacker-0123456789');
    expect((await browser.login(user.email, user.password)).status).toBe(200);
    const first = browser.cookies.get('hark_session') ?? '';
    expect(first).not.toBe('planted-by-an-attacker-0123456789');

    const again = await browser.login(user.email, user.password);
    expect(again.status).toBe(200);
    const second = browser.cookies.get('hark_session') ?? '';
    expect(second).not.toBe(first);
    expect((again.body as unknown as SessionBody).csrfToken).not.toBe('');

    const old = await hark.fetch('/api/v1/auth/session', { headers: { cookie: `hark_session=${first}` } });
    expect(old.status).toBe(401);
    expect((await browser.get('/api/v1/auth/session')).status).toBe(200);
    const rows = await sessionRows(user.id);
    expect(rows.map((r) => Buffer.from(r.token_hash).toString('hex'))).toEqual([sha256(second).toString('hex')]);
  });

  it('ends the session at logout: the old cookie no longer works', async () => {
    const user = await createTestUser(hark.services, client.clientId, 'viewer');
    const browser = await signIn(hark, user);
    const token = browser.cookies.get('hark_session') ?? '';
    const out = await browser.post('/api/v1/auth/logout');
    expect(out.status).toBe(200);
    const cleared = setCookies(out.headers).find((c) => c.name === 'hark_session');
    expect(cleared?.value).toBe('');
    expect(browser.cookies.has('hark_session')).toBe(false);
    const replayed = await hark.fetch('/api/v1/auth/session', { headers: { cookie: `hark_session=${token}` } });
    expect(replayed.status).toBe(401);
    expect(((await replayed.json()) as ErrorBody).error.code).toBe('unauthenticated');
    expect(await sessionRows(user.id)).toHaveLength(0);
  });

  it('ends a session left idle longer than the idle limit', async () => {
    const user = await createTestUser(hark.services, client.clientId, 'viewer');
    const browser = await signIn(hark, user);
    expect((await browser.get('/api/v1/feedback')).status).toBe(200);
    const hash = sha256(browser.cookies.get('hark_session') ?? '');
    // The row says when the session was last used: three hours ago, past the 2-hour idle limit.
    await sql`update sessions set last_seen_at = now() - interval '3 hours' where token_hash = ${hash}`.execute(hark.services.db);
    const response = await browser.get<ErrorBody>('/api/v1/feedback');
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('unauthenticated');
    expect((await browser.get('/api/v1/auth/session')).status).toBe(401);
    expect(await sessionRows(user.id)).toHaveLength(0);
  });

  it('keeps a session in use alive within the idle limit, and ends it at its absolute expiry however busy it is', async () => {
    const user = await createTestUser(hark.services, client.clientId, 'viewer');
    const browser = await signIn(hark, user);
    const hash = sha256(browser.cookies.get('hark_session') ?? '');
    await sql`update sessions set last_seen_at = now() - interval '90 minutes' where token_hash = ${hash}`.execute(hark.services.db);
    expect((await browser.get('/api/v1/auth/session')).status).toBe(200);
    const [touched] = await sessionRows(user.id);
    expect(Date.now() - (touched?.last_seen_at.getTime() ?? 0)).toBeLessThan(60_000);

    await sql`update sessions set expires_at = now() - interval '1 second' where token_hash = ${hash}`.execute(hark.services.db);
    expect((await browser.get('/api/v1/auth/session')).status).toBe(401);
    expect((await browser.get('/api/v1/feedback')).status).toBe(401);
    expect(await sessionRows(user.id)).toHaveLength(0);
  });

  it('locks an account for unknown browsers after repeated failures, while the owner’s own browser still signs in', async () => {
    const victim = await createTestUser(hark.services, client.clientId, 'admin');
    // The owner signed in from this browser before: it holds a signed device cookie.
    const own = await signIn(hark, victim);
    expect(own.cookies.get('hark_device')).toMatch(new RegExp(`^${victim.id}\\.`));
    await own.post('/api/v1/auth/logout');

    const attacker = new PortalClient(hark);
    for (let i = 1; i <= throttle.unknownDevice.freeFailures; i += 1) {
      const response = await attacker.login(victim.email, `guess number ${i}`);
      expect(response.status, `free failure ${i}`).toBe(401);
      expect(response.body.error?.code).toBe('invalid_credentials');
    }
    // The free failures are used up: the next failure locks unknown browsers out.
    expect((await attacker.login(victim.email, 'one guess too many')).status).toBe(401);

    const locked = await attacker.login(victim.email, victim.password);
    expect(locked.status).toBe(429);
    expect(locked.body.error?.code).toBe('account_locked');
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(attacker.cookies.has('hark_session')).toBe(false);
    // Any other unknown browser shares the lock, even with the right password.
    expect((await new PortalClient(hark).login(victim.email, victim.password)).status).toBe(429);
    // A device cookie the installation did not sign counts as unknown.
    const forger = new PortalClient(hark);
    forger.cookies.set('hark_device', `${victim.id}.AAAAAAAAAAAAAAAAAAAAAA.${'A'.repeat(43)}`);
    expect((await forger.login(victim.email, victim.password)).status).toBe(429);

    // The owner's own browser is not locked out.
    const mine = await own.login(victim.email, victim.password);
    expect(mine.status).toBe(200);
    expect((await own.get('/api/v1/feedback')).status).toBe(200);
    // …and its success does not lift the lock on unknown browsers.
    expect((await new PortalClient(hark).login(victim.email, victim.password)).status).toBe(429);
  });

  it('locks a known browser after failures of its own, lets every lock expire, and never locks for more than an hour', async () => {
    const victim = await createTestUser(hark.services, client.clientId, 'admin');
    const own = await signIn(hark, victim);
    await own.post('/api/v1/auth/logout');
    for (let i = 1; i <= throttle.knownDevice.freeFailures; i += 1) {
      expect((await own.login(victim.email, `typo ${i}`)).status, `free failure ${i}`).toBe(401);
    }
    expect((await own.login(victim.email, 'typo again')).status).toBe(401);
    const locked = await own.login(victim.email, victim.password);
    expect(locked.status).toBe(429);
    expect(locked.body.error?.code).toBe('account_locked');
    // The known device's failures did not lock unknown browsers.
    const elsewhere = new PortalClient(hark);
    expect((await elsewhere.login(victim.email, victim.password)).status).toBe(200);

    // Time passes: the lock's end is in the past.
    await sql`update login_failures set locked_until = now() - interval '1 second' where user_id = ${victim.id}`.execute(hark.services.db);
    expect((await own.login(victim.email, victim.password)).status).toBe(200);

    // However many failures pile up, a lock lasts at most an hour.
    const attacker = new PortalClient(hark);
    for (let i = 0; i <= throttle.unknownDevice.freeFailures; i += 1) await attacker.login(victim.email, `guess ${i}`);
    await sql`update login_failures set failures = 100000, locked_until = now() - interval '1 second' where user_id = ${victim.id} and device = ''`.execute(hark.services.db);
    expect((await attacker.login(victim.email, 'yet another guess')).status).toBe(401);
    const row = await hark.services.db.selectFrom('login_failures').selectAll().where('user_id', '=', victim.id).where('device', '=', '').executeTakeFirstOrThrow();
    const lockMs = (row.locked_until?.getTime() ?? 0) - Date.now();
    expect(lockMs).toBeGreaterThan(50 * 60_000);
    expect(lockMs).toBeLessThanOrEqual(throttle.unknownDevice.maxLockMinutes * 60_000);
    const retryAfter = Number((await attacker.login(victim.email, victim.password)).headers.get('retry-after'));
    expect(retryAfter).toBeLessThanOrEqual(3600);
    await sql`update login_failures set locked_until = now() - interval '1 second' where user_id = ${victim.id}`.execute(hark.services.db);
    expect((await attacker.login(victim.email, victim.password)).status).toBe(200);
  });

  it('changes a password only with the current one, ending the person’s other sessions but not this one', async () => {
    const user = await createTestUser(hark.services, client.clientId, 'manager', { locationScope: [client.location.id] });
    const here = await signIn(hark, user);
    const there = await signIn(hark, user);
    const newPassword = 'a brand new passphrase 42';

    const wrong = await here.post<ErrorBody>('/api/v1/auth/password', { currentPassword: 'not my password', newPassword });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_credentials');
    const weak = await here.post<ErrorBody>('/api/v1/auth/password', { currentPassword: user.password, newPassword: 'short' });
    expect(weak.status).toBe(422);
    expect(weak.body.error.message).toContain('at least 10 characters');
    expect((await there.get('/api/v1/auth/session')).status).toBe(200);

    const changed = await here.post('/api/v1/auth/password', { currentPassword: user.password, newPassword });
    expect(changed.status).toBe(200);
    expect((await here.get('/api/v1/auth/session')).status).toBe(200);
    expect((await there.get('/api/v1/auth/session')).status).toBe(401);
    expect(await sessionRows(user.id)).toHaveLength(1);
    expect((await new PortalClient(hark).login(user.email, user.password)).status).toBe(401);
    expect((await new PortalClient(hark).login(user.email, newPassword)).status).toBe(200);
    const stored = await hark.services.db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(stored.password_hash).toMatch(/^\$argon2id\$/);
  });

  describe('CSRF and JSON-only bodies', () => {
    let admin: TestUser;
    let browser: PortalClient;

    beforeAll(async () => {
      admin = await createTestUser(hark.services, client.clientId, 'admin');
      browser = await signIn(hark, admin);
    });

    it('refuses POST, PATCH and DELETE with the session cookie but without the CSRF token, and changes nothing', async () => {
      const victim = await createTestUser(hark.services, client.clientId, 'viewer');
      const before = await hark.services.db.selectFrom('users').select('password_hash').where('id', '=', admin.id).executeTakeFirstOrThrow();
      const attempts = [
        { method: 'POST', path: '/api/v1/auth/password', body: { currentPassword: admin.password, newPassword: 'taken over by csrf 1' } },
        { method: 'PATCH', path: '/api/v1/client', body: { name: 'Renamed by CSRF' } },
        { method: 'PATCH', path: `/api/v1/team/members/${victim.id}`, body: { role: 'admin' } },
        { method: 'DELETE', path: `/api/v1/team/members/${victim.id}` },
        { method: 'POST', path: '/api/v1/team/invitations', body: { email: 'csrf-invitee@example.com', role: 'admin' } },
        { method: 'POST', path: '/api/v1/auth/logout' },
      ];
      for (const attempt of attempts) {
        const withBody = attempt.body ? { body: JSON.stringify(attempt.body), headers: { 'content-type': 'application/json' } } : {};
        for (const token of [undefined, 'forged-token', '']) {
          const headers = { ...withBody.headers, ...(token !== undefined ? { 'x-csrf-token': token } : {}) };
          const response = await rawRequest(hark, browser, attempt.method, attempt.path, { ...withBody, headers });
          expect(response.status, `${attempt.method} ${attempt.path} token=${token}`).toBe(403);
          expect(((await response.json()) as ErrorBody).error.code).toBe('csrf_failed');
        }
      }
      const after = await hark.services.db.selectFrom('users').select('password_hash').where('id', '=', admin.id).executeTakeFirstOrThrow();
      expect(after.password_hash).toBe(before.password_hash);
      const settings = await browser.get<{ name: string }>('/api/v1/client');
      expect(settings.body.name).toBe('Tūī Bakery');
      const member = await hark.services.db.selectFrom('memberships').select('role').where('user_id', '=', victim.id).executeTakeFirstOrThrow();
      expect(member.role).toBe('viewer');
      const invited = await hark.services.db.selectFrom('invitations').select('id').where('email', '=', 'csrf-invitee@example.com').execute();
      expect(invited).toEqual([]);
      // The session is still alive (logout without the token did nothing).
      expect((await browser.get('/api/v1/auth/session')).status).toBe(200);
      // With the token, the same change goes through.
      expect((await browser.patch('/api/v1/team/members/' + victim.id, { role: 'manager', locationScope: [client.location.id] })).status).toBe(200);
    });

    it('accepts only JSON bodies on the API: a form post or plain text is refused with 415', async () => {
      for (const [type, body] of [
        ['application/x-www-form-urlencoded', 'name=Renamed+by+a+form'],
        ['text/plain', '{"name":"Renamed by text"}'],
        ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nRenamed\r\n--x--\r\n'],
      ] as const) {
        for (const token of [undefined, browser.csrfToken]) {
          const response = await rawRequest(hark, browser, 'PATCH', '/api/v1/client', { body, headers: { 'content-type': type, ...(token ? { 'x-csrf-token': token } : {}) } });
          expect(response.status, `${type} token=${Boolean(token)}`).toBe(415);
        }
      }
      const login = await hark.fetch('/api/v1/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ email: admin.email, password: admin.password }).toString(),
      });
      expect(login.status).toBe(415);
      expect(login.headers.getSetCookie()).toEqual([]);
      expect((await browser.get<{ name: string }>('/api/v1/client')).body.name).toBe('Tūī Bakery');
    });

    it('refuses a request whose Origin is another site, even with the token, and a cross-site login', async () => {
      const evil = await browser.request<ErrorBody>('PATCH', '/api/v1/client', { name: 'Renamed cross-site' }, { origin: 'https://evil.example' });
      expect(evil.status).toBe(403);
      expect(evil.body.error.code).toBe('csrf_failed');
      const crossLogin = await new PortalClient(hark).request<ErrorBody>('POST', '/api/v1/auth/login', { email: admin.email, password: admin.password }, { origin: 'https://evil.example' });
      expect(crossLogin.status).toBe(403);
      expect(crossLogin.headers.getSetCookie()).toEqual([]);
      expect((await browser.get<{ name: string }>('/api/v1/client')).body.name).toBe('Tūī Bakery');

      const sameOrigin = await browser.request<{ name: string }>('PATCH', '/api/v1/client', { name: 'Tūī Bakery & Café' }, { origin: new URL(hark.url).origin });
      expect(sameOrigin.status).toBe(200);
      expect(sameOrigin.body.name).toBe('Tūī Bakery & Café');
      expect((await browser.patch('/api/v1/client', { name: 'Tūī Bakery' })).status).toBe(200);
    });
  });

  it('sends security headers on portal pages, the API and public feedback pages', async () => {
    const pages = ['/portal/', '/portal/login', '/api/v1/auth/session', `/f/${client.location.code}`];
    for (const page of pages) {
      const response = await hark.fetch(page);
      const csp = response.headers.get('content-security-policy') ?? '';
      const directives = new Map(
        csp
          .split(';')
          .map((d) => d.trim().split(/\s+/))
          .filter((parts) => parts[0])
          .map(([name = '', ...values]) => [name, values] as const),
      );
      expect(csp, page).not.toContain("'unsafe-eval'");
      expect(directives.get('script-src'), page).toEqual(["'self'"]);
      expect(directives.get('default-src'), page).toBeDefined();
      expect(directives.get('object-src') ?? directives.get('default-src'), page).toEqual(["'none'"]);
      const framing = response.headers.get('x-frame-options')?.toUpperCase() === 'DENY' || directives.get('frame-ancestors')?.join(' ') === "'none'";
      expect(framing, page).toBe(true);
      expect(response.headers.get('x-content-type-options'), page).toBe('nosniff');
      const referrer = response.headers.get('referrer-policy') ?? '';
      expect(['no-referrer', 'same-origin', 'strict-origin', 'strict-origin-when-cross-origin'], page).toContain(referrer);
    }
  });

  it('answers the session endpoint with 401 without a cookie, and with a malformed one', async () => {
    expect((await hark.fetch('/api/v1/auth/session')).status).toBe(401);
    expect((await hark.fetch('/api/v1/auth/session', { headers: { cookie: `hark_session=${'x'.repeat(500)}` } })).status).toBe(401);
    const owned = await signIn(hark, owner);
    expect((await owned.get('/api/v1/auth/session')).status).toBe(200);
  });
});

describe(`the per-IP login limit (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let user: TestUser;

  beforeAll(async () => {
    hark = await startTestHark({ env: { HARK_LOGIN_LIMIT_PER_IP: '5' } });
    const client = await createTestClient(hark.services);
    user = await createTestUser(hark.services, client.clientId, 'viewer');
  });
  afterAll(async () => {
    await hark?.close();
  });

  it('answers 429 rate_limited once an IP has used up its sign-in attempts, whatever the account', async () => {
    for (let i = 1; i <= 5; i += 1) {
      const email = i % 2 ? user.email : `someone-${i}@example.com`;
      expect((await new PortalClient(hark).login(email, `guess ${i}`)).status, `attempt ${i}`).toBe(401);
    }
    const limited = await new PortalClient(hark).login(user.email, testPassword);
    expect(limited.status).toBe(429);
    expect(limited.body.error?.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // The same budget covers the other unauthenticated account routes.
    const reset = await new PortalClient(hark).post<ErrorBody>('/api/v1/auth/password-reset', { email: user.email });
    expect(reset.status).toBe(429);
    expect(reset.body.error.code).toBe('rate_limited');
  });
});
