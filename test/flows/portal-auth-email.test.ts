/**
 * Invitations and password resets over real HTTP with real mail: the link in the email a
 * real SMTP server receives, what it shows, setting a password, landing in the client with
 * the invited role and scope, links that work once and expire, people who already have an
 * account joining a second client and switching between them, and a reset lifting every
 * login lock. No usable token is ever stored, in the tables or the job queue.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signLinkToken } from '../../src/accounts/link-tokens.ts';
import { throttle } from '../../src/accounts/login.ts';
import { currentTotpCode } from '../../src/accounts/totp.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser, PortalClient, signIn, type TestUser } from '../helpers/portal.ts';
import { linkIn, startTestSmtpServer, type ReceivedMail, type TestSmtpServer } from '../helpers/smtp.ts';
import { waitFor } from '../helpers/wait.ts';

interface ErrorBody {
  error: { code: string; message: string };
}
interface SessionBody {
  user: { id: string; email: string; name: string };
  memberships: { clientId: string; clientName: string; role: string; locationScope: string[] | null }[];
  activeClientId: string | null;
  csrfToken: string;
}
interface InvitationInfo {
  clientName: string;
  email: string;
  role: string;
  hasAccount: boolean;
}
interface Page {
  items: { locationId: string; comment: string }[];
}

const goodPassword = 'kōwhai flowers in spring 7';

describe(`invitations and password resets by email (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let smtp: TestSmtpServer;
  let client: TestClient;
  let other: TestClient;
  let admin: TestUser;
  let adminBrowser: PortalClient;

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    hark = await startTestHark({ env: { SMTP_URL: smtp.url, HARK_JOB_POLL_SECONDS: '0.5', HARK_LOGIN_LIMIT_PER_IP: '10000' } });
    client = await createTestClient(hark.services, { name: 'Kererū Kitchen' });
    other = await createTestClient(hark.services, { name: 'Other Eatery' });
    for (const [path, comment] of [
      [`/f/${client.location.code}`, 'Kererū main street'],
      [`/f/${client.otherLocation.code}`, 'Kererū harbour'],
      [`/f/${other.location.code}`, 'Other Eatery feedback'],
    ] as const) {
      expect((await giveFeedback(hark, path, { score: '4', comment })).status).toBe(200);
    }
    admin = await createTestUser(hark.services, client.clientId, 'admin', { name: 'Aroha Admin' });
    adminBrowser = await signIn(hark, admin);
  });
  afterAll(async () => {
    await hark?.close();
    await smtp?.close();
  });

  const invitationPrefix = () => `${hark.services.publicUrl}/portal/invitation/`;
  const resetPrefix = () => `${hark.services.publicUrl}/portal/reset-password/`;
  const tokenOf = (link: string) => link.slice(link.lastIndexOf('/') + 1);

  /** Invites `email` as the admin and returns the token from the mail the person receives. */
  async function invite(email: string, role: string, locationScope: string[] | null = null): Promise<{ id: string; token: string; mail: ReceivedMail }> {
    const response = await adminBrowser.post<{ id: string }>('/api/v1/team/invitations', { email, role, locationScope });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    const mail = await smtp.waitForMail(email, (m) => m.messageId.includes(response.body.id));
    return { id: response.body.id, token: tokenOf(linkIn(mail, invitationPrefix())), mail };
  }

  /** Asks for a reset link for `email` and returns the token of the newest mail. */
  async function requestReset(email: string, seen: readonly string[] = []): Promise<string> {
    const response = await new PortalClient(hark).post('/api/v1/auth/password-reset', { email });
    expect(response.status).toBe(202);
    const mail = await smtp.waitForMail(email.trim().toLowerCase(), (m) => m.subject === 'Reset your Hark password' && !seen.some((t) => m.text.includes(t)));
    return tokenOf(linkIn(mail, resetPrefix()));
  }

  async function jobPayloads(): Promise<string[]> {
    const tables = ['pgboss.job', 'pgboss.archive'];
    const payloads: string[] = [];
    for (const table of tables) {
      const exists = await sql<{ t: string | null }>`select to_regclass(${table})::text as t`.execute(hark.services.db);
      if (!exists.rows[0]?.t) continue;
      const { rows } = await sql<{ data: string }>`select data::text as data from ${sql.raw(table)} where name = 'send-account-email'`.execute(hark.services.db);
      payloads.push(...rows.map((r) => r.data));
    }
    return payloads;
  }

  describe('invitations', () => {
    it('invites a manager by email; the link shows the invitation, refuses a weak password, and lands them in the client with their scope', async () => {
      const { id, token, mail } = await invite('Mere.Manager@Example.com', 'manager', [client.location.id]);
      expect(mail.to).toEqual(['mere.manager@example.com']);
      expect(mail.subject).toBe('You are invited to Kererū Kitchen on Hark');
      expect(mail.text).toContain('Aroha Admin has invited you');
      expect(mail.text).toContain('as a manager');
      expect(token).toMatch(new RegExp(`^${id}\\.[A-Za-z0-9_-]{43}$`));

      const info = await hark.fetch(`/api/v1/auth/invitations/${token}`);
      expect(info.status).toBe(200);
      expect((await info.json()) as InvitationInfo).toEqual({ clientName: 'Kererū Kitchen', email: 'mere.manager@example.com', role: 'manager', hasAccount: false });

      const browser = new PortalClient(hark);
      const weak = await browser.post<ErrorBody>(`/api/v1/auth/invitations/${token}/accept`, { name: 'Mere', password: 'password1' });
      expect(weak.status).toBe(422);
      expect(weak.body.error.code).toBe('weak_password');
      expect(weak.body.error.message).toBe('Choose a password of at least 10 characters.');
      const common = await browser.post<ErrorBody>(`/api/v1/auth/invitations/${token}/accept`, { name: 'Mere', password: 'password123' });
      expect(common.body.error.message).toContain('too common');
      const ownEmail = await browser.post<ErrorBody>(`/api/v1/auth/invitations/${token}/accept`, { name: 'Mere', password: 'mere.manager-2024!' });
      expect(ownEmail.status).toBe(422);
      expect(ownEmail.body.error.message).toContain('email address');
      expect(await hark.services.db.selectFrom('users').select('id').where('email', '=', 'mere.manager@example.com').execute()).toEqual([]);

      const accepted = await browser.post<SessionBody>(`/api/v1/auth/invitations/${token}/accept`, { name: 'Mere Manager', password: goodPassword });
      expect(accepted.status).toBe(200);
      expect(browser.cookies.has('hark_session')).toBe(true);
      expect(accepted.body.user).toMatchObject({ email: 'mere.manager@example.com', name: 'Mere Manager' });
      expect(accepted.body.activeClientId).toBe(client.clientId);
      expect(accepted.body.memberships).toEqual([expect.objectContaining({ clientId: client.clientId, role: 'manager', locationScope: [client.location.id] })]);
      const page = await browser.get<Page>('/api/v1/feedback');
      expect(page.status).toBe(200);
      expect(page.body.items.map((i) => i.comment)).toEqual(['Kererū main street']);
      const stored = await hark.services.db.selectFrom('users').select(['id', 'password_hash']).where('email', '=', 'mere.manager@example.com').executeTakeFirstOrThrow();
      expect(stored.password_hash).toMatch(/^\$argon2id\$/);
      // The password chosen works for signing in later.
      expect((await new PortalClient(hark).login('mere.manager@example.com', goodPassword)).status).toBe(200);

      // The link works once.
      const again = await new PortalClient(hark).post<ErrorBody>(`/api/v1/auth/invitations/${token}/accept`, { password: 'another good passphrase' });
      expect(again.status).toBe(410);
      expect(again.body.error.message).toContain('already accepted');
      expect((await hark.fetch(`/api/v1/auth/invitations/${token}`)).status).toBe(410);
      expect((await new PortalClient(hark).login('mere.manager@example.com', 'another good passphrase')).status).toBe(401);

      const audit = await hark.services.db.selectFrom('audit_log').select(['action', 'actor_id']).where('chain_id', '=', client.clientId).where('subject_id', '=', id).orderBy('seq').execute();
      expect(audit).toEqual([
        { action: 'invitation.created', actor_id: admin.id },
        { action: 'invitation.accepted', actor_id: stored.id },
      ]);
    });

    it('keeps no usable token in the job queue: jobs carry ids only', async () => {
      const { token } = await invite('queue-check@example.com', 'viewer');
      const signature = token.split('.')[1] ?? '';
      const payloads = await jobPayloads();
      expect(payloads.length).toBeGreaterThan(0);
      for (const payload of payloads) {
        expect(payload).not.toContain(signature);
        expect(payload).not.toContain('@');
        const data = JSON.parse(payload) as Record<string, unknown>;
        for (const key of Object.keys(data)) expect(['kind', 'clientId', 'invitationId', 'resetId']).toContain(key);
      }
      const rows = await sql<{ row: string }>`select i::text as row from invitations i`.execute(hark.services.db);
      expect(rows.rows.some((r) => r.row.includes(signature))).toBe(false);
    });

    it('refuses expired, tampered and revoked links with 410', async () => {
      const expired = await invite('late@example.com', 'viewer');
      await sql`update invitations set expires_at = now() - interval '1 second' where id = ${expired.id}`.execute(hark.services.db);
      const info = await hark.fetch(`/api/v1/auth/invitations/${expired.token}`);
      expect(info.status).toBe(410);
      expect(((await info.json()) as ErrorBody).error.message).toContain('expired');
      expect((await new PortalClient(hark).post(`/api/v1/auth/invitations/${expired.token}/accept`, { password: goodPassword })).status).toBe(410);
      expect(await hark.services.db.selectFrom('users').select('id').where('email', '=', 'late@example.com').execute()).toEqual([]);

      const fresh = await invite('tamper@example.com', 'viewer');
      const [id = '', signature = ''] = fresh.token.split('.');
      const flipped = `${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
      const forged = [
        `${id}.${flipped}`,
        `${expired.id}.${signature}`,
        signLinkToken(hark.services.secrets.links, 'password-reset', id),
        `${id}.${signature}.extra`,
        `${id}`.padEnd(40, 'x'),
      ];
      for (const token of forged) {
        const response = await hark.fetch(`/api/v1/auth/invitations/${encodeURIComponent(token)}`);
        expect(response.status, token).toBe(410);
        expect((await new PortalClient(hark).post(`/api/v1/auth/invitations/${encodeURIComponent(token)}/accept`, { password: goodPassword })).status, token).toBe(410);
      }
      // The real link still works after all that.
      expect((await hark.fetch(`/api/v1/auth/invitations/${fresh.token}`)).status).toBe(200);

      const revoked = await invite('revoked@example.com', 'manager', [client.otherLocation.id]);
      expect((await adminBrowser.delete(`/api/v1/team/invitations/${revoked.id}`)).status).toBe(200);
      const gone = await hark.fetch(`/api/v1/auth/invitations/${revoked.token}`);
      expect(gone.status).toBe(410);
      expect(((await gone.json()) as ErrorBody).error.message).toContain('not valid');
      expect((await new PortalClient(hark).post(`/api/v1/auth/invitations/${revoked.token}/accept`, { password: goodPassword })).status).toBe(410);
      expect(await hark.services.db.selectFrom('users').select('id').where('email', '=', 'revoked@example.com').execute()).toEqual([]);

      // A newer invitation to the same address replaces the older one.
      const first = await invite('twice@example.com', 'viewer');
      const second = await invite('twice@example.com', 'manager', [client.location.id]);
      expect((await hark.fetch(`/api/v1/auth/invitations/${first.token}`)).status).toBe(410);
      expect(((await (await hark.fetch(`/api/v1/auth/invitations/${second.token}`)).json()) as InvitationInfo).role).toBe('manager');
    });

    it('lets only those who manage users invite, and an admin not as owner', async () => {
      const owner = await createTestUser(hark.services, client.clientId, 'owner');
      const manager = await createTestUser(hark.services, client.clientId, 'manager', { locationScope: [client.location.id] });
      const viewer = await createTestUser(hark.services, client.clientId, 'viewer');
      const asOwner = await adminBrowser.post<ErrorBody>('/api/v1/team/invitations', { email: 'boss@example.com', role: 'owner' });
      expect(asOwner.status).toBe(403);
      expect(asOwner.body.error.message).toContain('Only an owner');
      for (const person of [manager, viewer]) {
        const browser = await signIn(hark, person);
        const response = await browser.post<ErrorBody>('/api/v1/team/invitations', { email: 'friend@example.com', role: 'viewer' });
        expect(response.status).toBe(403);
      }
      expect((await (await signIn(hark, owner)).post('/api/v1/team/invitations', { email: 'boss@example.com', role: 'owner' })).status).toBe(201);
      const invited = await hark.services.db.selectFrom('invitations').select(['email', 'role']).where('client_id', '=', client.clientId).where('email', 'in', ['boss@example.com', 'friend@example.com']).execute();
      expect(invited).toEqual([{ email: 'boss@example.com', role: 'owner' }]);

      const member = await adminBrowser.post<ErrorBody>('/api/v1/team/invitations', { email: viewer.email.toUpperCase(), role: 'manager', locationScope: [client.location.id] });
      expect(member.status).toBe(409);
      const foreign = await adminBrowser.post<ErrorBody>('/api/v1/team/invitations', { email: 'scoped@example.com', role: 'manager', locationScope: [other.location.id] });
      expect(foreign.status).toBe(400);
    });

    it('lets a person with an account elsewhere join with their password, then switch between their clients, each showing only its own data', async () => {
      const person = await createTestUser(hark.services, other.clientId, 'viewer', { name: 'Tama Twoclients' });
      const before = await hark.services.db.selectFrom('users').select('password_hash').where('id', '=', person.id).executeTakeFirstOrThrow();
      const { token } = await invite(person.email.toUpperCase(), 'admin');
      const info = (await (await hark.fetch(`/api/v1/auth/invitations/${token}`)).json()) as InvitationInfo;
      expect(info).toEqual({ clientName: 'Kererū Kitchen', email: person.email, role: 'admin', hasAccount: true });

      const browser = new PortalClient(hark);
      const wrong = await browser.post<ErrorBody>(`/api/v1/auth/invitations/${token}/accept`, { password: 'a different good passphrase' });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.code).toBe('invalid_credentials');
      expect(browser.cookies.has('hark_session')).toBe(false);

      const accepted = await browser.post<SessionBody>(`/api/v1/auth/invitations/${token}/accept`, { name: 'Someone Else', password: person.password });
      expect(accepted.status).toBe(200);
      expect(accepted.body.user.name).toBe('Tama Twoclients');
      expect(accepted.body.activeClientId).toBe(client.clientId);
      expect(accepted.body.memberships.map((m) => [m.clientName, m.role]).sort()).toEqual([
        ['Kererū Kitchen', 'admin'],
        ['Other Eatery', 'viewer'],
      ]);
      const after = await hark.services.db.selectFrom('users').select('password_hash').where('id', '=', person.id).executeTakeFirstOrThrow();
      expect(after.password_hash).toBe(before.password_hash);

      const comments = async () => (await browser.get<Page>('/api/v1/feedback')).body.items.map((i) => i.comment).sort();
      expect(await comments()).toEqual(['Kererū harbour', 'Kererū main street']);
      const switched = await browser.post<SessionBody>('/api/v1/auth/switch-client', { clientId: other.clientId });
      expect(switched.status).toBe(200);
      expect(switched.body.activeClientId).toBe(other.clientId);
      expect(await comments()).toEqual(['Other Eatery feedback']);
      // As a viewer there, not an admin.
      expect((await browser.get('/api/v1/team')).status).toBe(403);
      expect((await browser.post('/api/v1/auth/switch-client', { clientId: client.clientId })).status).toBe(200);
      expect(await comments()).toEqual(['Kererū harbour', 'Kererū main street']);
      expect((await browser.get('/api/v1/team')).status).toBe(200);

      const stranger = await createTestClient(hark.services, { name: 'Not Theirs' });
      const refused = await browser.post<ErrorBody>('/api/v1/auth/switch-client', { clientId: stranger.clientId });
      expect(refused.status).toBe(404);
      expect((await browser.get<SessionBody>('/api/v1/auth/session')).body.activeClientId).toBe(client.clientId);
      expect((await browser.post('/api/v1/auth/switch-client', { clientId: 'not-a-uuid' })).status).toBe(400);
      // Signing in later offers both clients.
      const later = await new PortalClient(hark).login(person.email, person.password);
      expect((later.body as unknown as SessionBody).memberships).toHaveLength(2);
    });

    it('asks a person with two-factor sign-in for their code when they accept with their existing account', async () => {
      const person = await createTestUser(hark.services, other.clientId, 'viewer');
      const own = await signIn(hark, person);
      const setup = await own.post<{ secret: string }>('/api/v1/auth/totp/setup');
      expect((await own.post('/api/v1/auth/totp/confirm', { code: currentTotpCode(setup.body.secret) })).status).toBe(200);
      const { token } = await invite(person.email, 'admin');

      // Whoever holds the link and the password still needs the code, as at sign-in.
      const browser = new PortalClient(hark);
      const withoutCode = await browser.post<ErrorBody>(`/api/v1/auth/invitations/${token}/accept`, { password: person.password });
      expect(withoutCode.status).toBe(401);
      expect(withoutCode.body.error.code).toBe('totp_required');
      expect(browser.cookies.has('hark_session')).toBe(false);
      const members = await hark.services.db.selectFrom('memberships').select('client_id').where('user_id', '=', person.id).execute();
      expect(members.map((m) => m.client_id)).toEqual([other.clientId]);
      const valid = new Set([-30_000, 0, 30_000].map((offset) => currentTotpCode(setup.body.secret, Date.now() + offset)));
      const wrong = ['123456', '654321', '000000'].find((code) => !valid.has(code)) ?? '999999';
      const wrongCode = await browser.post<ErrorBody>(`/api/v1/auth/invitations/${token}/accept`, { password: person.password, totpCode: wrong });
      expect(wrongCode.status).toBe(401);
      expect(wrongCode.body.error.code).toBe('totp_invalid');

      const accepted = await browser.post<SessionBody>(`/api/v1/auth/invitations/${token}/accept`, { password: person.password, totpCode: currentTotpCode(setup.body.secret, Date.now() + 30_000) });
      expect(accepted.status).toBe(200);
      expect(accepted.body.activeClientId).toBe(client.clientId);
    });

    it('holds accepting with an existing account to the sign-in throttle: failures count, and a lock applies', async () => {
      const person = await createTestUser(hark.services, other.clientId, 'viewer');
      const { token } = await invite(person.email, 'viewer');
      const guesser = new PortalClient(hark);
      for (let i = 1; i <= throttle.unknownDevice.freeFailures; i += 1) {
        expect((await guesser.post(`/api/v1/auth/invitations/${token}/accept`, { password: `guess number ${i}` })).status).toBe(401);
      }
      const counted = await hark.services.db.selectFrom('login_failures').select('failures').where('user_id', '=', person.id).where('device', '=', '').executeTakeFirst();
      expect(counted?.failures).toBe(throttle.unknownDevice.freeFailures);
      expect((await guesser.post(`/api/v1/auth/invitations/${token}/accept`, { password: 'one guess too many' })).status).toBe(401);

      // Locked for unknown browsers: neither sign-in nor the invitation lets one in.
      expect((await new PortalClient(hark).login(person.email, person.password)).status).toBe(429);
      const locked = await new PortalClient(hark).post<ErrorBody>(`/api/v1/auth/invitations/${token}/accept`, { password: person.password });
      expect(locked.status).toBe(429);
      expect(locked.body.error.code).toBe('account_locked');
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
      const members = await hark.services.db.selectFrom('memberships').select('client_id').where('user_id', '=', person.id).execute();
      expect(members.map((m) => m.client_id)).toEqual([other.clientId]);

      // The person's own browser still can.
      const own = new PortalClient(hark);
      await sql`update login_failures set locked_until = now() - interval '1 second' where user_id = ${person.id}`.execute(hark.services.db);
      expect((await own.login(person.email, person.password)).status).toBe(200);
      await sql`update login_failures set locked_until = now() + interval '10 minutes' where user_id = ${person.id}`.execute(hark.services.db);
      expect((await own.post(`/api/v1/auth/invitations/${token}/accept`, { password: person.password })).status).toBe(200);
    });
  });

  describe('password reset', () => {
    it('emails a link for a known address and answers an unknown one the same way without sending anything', async () => {
      const user = await createTestUser(hark.services, client.clientId, 'viewer');
      const known = await new PortalClient(hark).post<{ message: string }>('/api/v1/auth/password-reset', { email: `  ${user.email.toUpperCase()} ` });
      const unknown = await new PortalClient(hark).post<{ message: string }>('/api/v1/auth/password-reset', { email: 'no-account-here@example.com' });
      expect(known.status).toBe(202);
      expect(unknown.status).toBe(202);
      expect(unknown.body).toEqual(known.body);

      const mail = await smtp.waitForMail(user.email);
      expect(mail.subject).toBe('Reset your Hark password');
      expect(linkIn(mail, resetPrefix())).toMatch(/\/portal\/reset-password\/[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
      expect(await hark.services.jobs.drained('send-account-email', 15_000)).toBe(true);
      expect(smtp.mails.filter((m) => m.to.includes(user.email))).toHaveLength(1);
      expect(smtp.mails.filter((m) => m.to.includes('no-account-here@example.com'))).toEqual([]);
    });

    it('sets a new password with the link: weak ones refused, old sessions ended, the link works once', async () => {
      const user = await createTestUser(hark.services, client.clientId, 'manager', { locationScope: [client.location.id] });
      const oldSession = await signIn(hark, user);
      const token = await requestReset(user.email);

      const weak = await new PortalClient(hark).post<ErrorBody>('/api/v1/auth/password-reset/confirm', { token, password: 'abcabcabcabc' });
      expect(weak.status).toBe(422);
      expect(weak.body.error.message).toContain('repeats too few characters');
      expect((await oldSession.get('/api/v1/auth/session')).status).toBe(200);

      const reset = await new PortalClient(hark).post('/api/v1/auth/password-reset/confirm', { token, password: goodPassword });
      expect(reset.status).toBe(200);
      expect((await oldSession.get('/api/v1/auth/session')).status).toBe(401);
      expect((await new PortalClient(hark).login(user.email, user.password)).status).toBe(401);
      expect((await new PortalClient(hark).login(user.email, goodPassword)).status).toBe(200);

      const again = await new PortalClient(hark).post<ErrorBody>('/api/v1/auth/password-reset/confirm', { token, password: 'yet another passphrase 9' });
      expect(again.status).toBe(410);
      expect(again.body.error.code).toBe('link_invalid');
      expect((await new PortalClient(hark).login(user.email, goodPassword)).status).toBe(200);
    });

    it('refuses an expired or tampered link', async () => {
      const user = await createTestUser(hark.services, client.clientId, 'viewer');
      const token = await requestReset(user.email);
      const [id = '', signature = ''] = token.split('.');
      for (const forged of [`${id}.${signature.slice(1)}A`, signLinkToken(hark.services.secrets.links, 'invitation', id), `${id}.${signature}.x`]) {
        expect((await new PortalClient(hark).post('/api/v1/auth/password-reset/confirm', { token: forged, password: goodPassword })).status, forged).toBe(410);
      }
      await sql`update password_resets set expires_at = now() - interval '1 second' where id = ${id}`.execute(hark.services.db);
      const expired = await new PortalClient(hark).post<ErrorBody>('/api/v1/auth/password-reset/confirm', { token, password: goodPassword });
      expect(expired.status).toBe(410);
      expect(expired.body.error.message).toContain('expired');
      expect((await new PortalClient(hark).login(user.email, user.password)).status).toBe(200);
    });

    it('sends at most three reset mails an hour to one account', async () => {
      const user = await createTestUser(hark.services, client.clientId, 'viewer');
      for (let i = 0; i < 5; i += 1) {
        expect((await new PortalClient(hark).post('/api/v1/auth/password-reset', { email: user.email })).status).toBe(202);
      }
      await waitFor(async () => (smtp.mails.filter((m) => m.to.includes(user.email)).length >= 3 ? true : undefined), { what: 'three reset mails' });
      expect(await hark.services.jobs.drained('send-account-email', 15_000)).toBe(true);
      expect(smtp.mails.filter((m) => m.to.includes(user.email))).toHaveLength(3);
      const rows = await hark.services.db.selectFrom('password_resets').select('id').where('user_id', '=', user.id).execute();
      expect(rows).toHaveLength(3);
    });

    it('lifts every login lock of the account', async () => {
      const user = await createTestUser(hark.services, client.clientId, 'admin');
      const own = await signIn(hark, user);
      await own.post('/api/v1/auth/logout');
      const attacker = new PortalClient(hark);
      for (let i = 0; i <= throttle.unknownDevice.freeFailures; i += 1) await attacker.login(user.email, `guess ${i}`);
      for (let i = 0; i <= throttle.knownDevice.freeFailures; i += 1) await own.login(user.email, `typo ${i}`);
      expect((await new PortalClient(hark).login(user.email, user.password)).status).toBe(429);
      expect((await own.login(user.email, user.password)).status).toBe(429);

      const token = await requestReset(user.email);
      expect((await new PortalClient(hark).post('/api/v1/auth/password-reset/confirm', { token, password: goodPassword })).status).toBe(200);
      expect(await hark.services.db.selectFrom('login_failures').select('device').where('user_id', '=', user.id).execute()).toEqual([]);
      expect((await new PortalClient(hark).login(user.email, goodPassword)).status).toBe(200);
      expect((await own.login(user.email, goodPassword)).status).toBe(200);
    });
  });
});
