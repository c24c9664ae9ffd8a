/**
 * Two-factor sign-in and a client's team over real HTTP: TOTP set-up, sign-in with a code
 * (each code once), turning it off, the secret encrypted at rest, an admin making it
 * compulsory; roles and location scopes, what admins may and may not change, the last
 * owner, removing a member, and the audit log of all of it.
 */
import { Secret } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentTotpCode } from '../../src/accounts/totp.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser, PortalClient, signIn, type TestUser } from '../helpers/portal.ts';

interface ErrorBody {
  error: { code: string; message: string };
}
interface SessionBody {
  user: { id: string; totpEnabled: boolean };
  memberships: { clientId: string; role: string; locationScope: string[] | null; requireTotp: boolean }[];
  activeClientId: string | null;
  permissions: string[];
  totpSetupRequired: boolean;
}
interface Enrolment {
  secret: string;
  uri: string;
  qrSvg: string;
}
interface Team {
  members: { userId: string; email: string; role: string; locationScope: string[] | null; totpEnabled: boolean }[];
  invitations: { id: string; email: string; role: string; locationScope: string[] | null; expiresAt: string }[];
}
interface Page {
  items: { id: string; locationId: string; comment: string }[];
}

const later = 30_000;

/** A six-digit code that is not valid now, a step before, or a step after. */
function wrongCode(secret: string): string {
  const valid = new Set([-later, 0, later].map((offset) => currentTotpCode(secret, Date.now() + offset)));
  return ['123456', '654321', '000000', '999999'].find((code) => !valid.has(code)) ?? '111111';
}

describe(`two-factor sign-in and team management (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let client: TestClient;

  beforeAll(async () => {
    hark = await startTestHark({ env: { HARK_LOGIN_LIMIT_PER_IP: '10000' } });
    client = await createTestClient(hark.services, { name: 'Pōhutukawa Books' });
    for (const [path, comment] of [
      [`/f/${client.location.code}`, 'Main Street was lovely'],
      [`/f/${client.otherLocation.code}`, 'Harbour shop was closed early'],
    ] as const) {
      expect((await giveFeedback(hark, path, { score: '4', comment })).status).toBe(200);
    }
  });
  afterAll(async () => {
    await hark?.close();
  });

  async function enrol(browser: PortalClient): Promise<Enrolment> {
    const setup = await browser.post<Enrolment>('/api/v1/auth/totp/setup');
    expect(setup.status).toBe(200);
    return setup.body;
  }

  async function auditActions(clientId: string) {
    return hark.services.db.selectFrom('audit_log').select(['action', 'actor_id', 'subject_id', 'details']).where('chain_id', '=', clientId).orderBy('seq').execute();
  }

  describe('TOTP', () => {
    it('sets up two-factor sign-in with a secret, an otpauth URI and a QR code, and keeps the secret encrypted', async () => {
      const user = await createTestUser(hark.services, client.clientId, 'viewer');
      const browser = await signIn(hark, user);
      const enrolment = await enrol(browser);
      expect(enrolment.secret).toMatch(/^[A-Z2-7]{32}$/);
      const uri = new URL(enrolment.uri);
      expect(uri.protocol).toBe('otpauth:');
      expect(uri.host).toBe('totp');
      expect(uri.searchParams.get('secret')).toBe(enrolment.secret);
      expect(uri.searchParams.get('issuer')).toBe('Hark');
      expect(decodeURIComponent(uri.pathname)).toContain(user.email);
      expect(enrolment.qrSvg).toContain('<svg');

      const stored = await hark.services.db.selectFrom('users').select(['totp_secret_enc', 'totp_enabled_at']).where('id', '=', user.id).executeTakeFirstOrThrow();
      const sealed = Buffer.from(stored.totp_secret_enc ?? []);
      expect(sealed.length).toBeGreaterThan(20);
      expect(sealed.includes(Buffer.from(enrolment.secret, 'utf8'))).toBe(false);
      expect(sealed.includes(Buffer.from(Secret.fromBase32(enrolment.secret).bytes))).toBe(false);
      expect(sealed.toString('latin1').toUpperCase()).not.toContain(enrolment.secret);
      expect(stored.totp_enabled_at).toBeNull();

      // Not on until confirmed with a code: sign-in still needs only the password.
      expect((await new PortalClient(hark).login(user.email, user.password)).status).toBe(200);
      const bad = await browser.post<ErrorBody>('/api/v1/auth/totp/confirm', { code: wrongCode(enrolment.secret) });
      expect(bad.status).toBe(401);
      expect(bad.body.error.code).toBe('totp_invalid');
      expect((await browser.post('/api/v1/auth/totp/confirm', { code: currentTotpCode(enrolment.secret) })).status).toBe(200);
      expect((await browser.get<SessionBody>('/api/v1/auth/session')).body.user.totpEnabled).toBe(true);
      // A second set-up cannot silently replace the secret in use.
      const again = await browser.post<ErrorBody>('/api/v1/auth/totp/setup');
      expect(again.status).toBe(409);
      const after = await hark.services.db.selectFrom('users').select('totp_secret_enc').where('id', '=', user.id).executeTakeFirstOrThrow();
      expect(Buffer.from(after.totp_secret_enc ?? []).equals(sealed)).toBe(true);
    });

    it('asks for the code at sign-in, refuses a wrong one, and accepts each code only once', async () => {
      const user = await createTestUser(hark.services, client.clientId, 'viewer');
      const { secret } = await enrol(await signIn(hark, user));
      const confirming = await signIn(hark, user);
      expect((await confirming.post('/api/v1/auth/totp/setup')).status).toBe(200);
      // Each set-up starts a new secret: confirm the latest.
      const latest = await confirming.post<Enrolment>('/api/v1/auth/totp/setup');
      expect(latest.body.secret).not.toBe(secret);
      expect((await confirming.post('/api/v1/auth/totp/confirm', { code: currentTotpCode(latest.body.secret) })).status).toBe(200);
      const totpSecret = latest.body.secret;

      const browser = new PortalClient(hark);
      const without = await browser.login(user.email, user.password);
      expect(without.status).toBe(401);
      expect(without.body.error?.code).toBe('totp_required');
      expect(browser.cookies.has('hark_session')).toBe(false);
      const wrong = await browser.login(user.email, user.password, wrongCode(totpSecret));
      expect(wrong.status).toBe(401);
      expect(wrong.body.error?.code).toBe('totp_invalid');
      expect(browser.cookies.has('hark_session')).toBe(false);
      // A code for the old, replaced secret does not work.
      expect((await browser.login(user.email, user.password, currentTotpCode(secret, Date.now() + later))).body.error?.code).toBe('totp_invalid');
      // A right code with a wrong password tells nothing about the code.
      const code = currentTotpCode(totpSecret, Date.now() + later);
      const wrongPassword = await browser.login(user.email, 'not the password', code);
      expect(wrongPassword.body.error?.code).toBe('invalid_credentials');

      const signedIn = await browser.login(user.email, user.password, code);
      expect(signedIn.status).toBe(200);
      expect((await browser.get('/api/v1/feedback')).status).toBe(200);
      // The same code, replayed from another browser, is refused.
      const replay = await new PortalClient(hark).login(user.email, user.password, code);
      expect(replay.status).toBe(401);
      expect(replay.body.error?.code).toBe('totp_invalid');
    });

    it('turns two-factor sign-in off only with the password and a current code', async () => {
      const user = await createTestUser(hark.services, client.clientId, 'viewer');
      const browser = await signIn(hark, user);
      const { secret } = await enrol(browser);
      expect((await browser.post('/api/v1/auth/totp/confirm', { code: currentTotpCode(secret) })).status).toBe(200);

      const code = currentTotpCode(secret, Date.now() + later);
      const noPassword = await browser.post<ErrorBody>('/api/v1/auth/totp/disable', { password: 'not the password', code });
      expect(noPassword.status).toBe(401);
      expect(noPassword.body.error.code).toBe('invalid_credentials');
      const noCode = await browser.post<ErrorBody>('/api/v1/auth/totp/disable', { password: user.password, code: wrongCode(secret) });
      expect(noCode.status).toBe(401);
      expect(noCode.body.error.code).toBe('totp_invalid');
      expect((await browser.post('/api/v1/auth/totp/disable', { password: user.password })).status).toBe(400);
      expect((await browser.get<SessionBody>('/api/v1/auth/session')).body.user.totpEnabled).toBe(true);

      expect((await browser.post('/api/v1/auth/totp/disable', { password: user.password, code })).status).toBe(200);
      const stored = await hark.services.db.selectFrom('users').select(['totp_secret_enc', 'totp_enabled_at']).where('id', '=', user.id).executeTakeFirstOrThrow();
      expect(stored).toEqual({ totp_secret_enc: null, totp_enabled_at: null });
      expect((await new PortalClient(hark).login(user.email, user.password)).status).toBe(200);
    });

    it('lets an admin make two-factor sign-in compulsory: members must set it up before they reach any data, and cannot turn it off', async () => {
      const strict = await createTestClient(hark.services, { name: 'Strict Ltd' });
      const admin = await createTestUser(hark.services, strict.clientId, 'admin');
      const member = await createTestUser(hark.services, strict.clientId, 'manager', { locationScope: [strict.location.id] });
      const adminBrowser = await signIn(hark, admin);
      const memberBrowser = await signIn(hark, member);
      expect((await memberBrowser.get('/api/v1/feedback')).status).toBe(200);

      // Only those who manage settings may change it.
      expect((await memberBrowser.patch<ErrorBody>('/api/v1/client', { requireTotp: true })).status).toBe(403);
      const changed = await adminBrowser.patch<{ requireTotp: boolean }>('/api/v1/client', { requireTotp: true });
      expect(changed.status).toBe(200);
      expect(changed.body.requireTotp).toBe(true);

      const blocked = await memberBrowser.get<ErrorBody>('/api/v1/feedback');
      expect(blocked.status).toBe(403);
      expect(blocked.body.error.code).toBe('totp_setup_required');
      expect((await memberBrowser.get('/api/v1/client')).status).toBe(403);
      const session = await memberBrowser.get<SessionBody>('/api/v1/auth/session');
      expect(session.status).toBe(200);
      expect(session.body.totpSetupRequired).toBe(true);
      expect(session.body.memberships[0]?.requireTotp).toBe(true);
      // The admin who turned it on is held to it too.
      expect((await adminBrowser.get<ErrorBody>('/api/v1/team')).body.error.code).toBe('totp_setup_required');

      const { secret } = await enrol(memberBrowser);
      expect((await memberBrowser.post('/api/v1/auth/totp/confirm', { code: currentTotpCode(secret) })).status).toBe(200);
      expect((await memberBrowser.get<SessionBody>('/api/v1/auth/session')).body.totpSetupRequired).toBe(false);
      const page = await memberBrowser.get<Page>('/api/v1/feedback');
      expect(page.status).toBe(200);

      const off = await memberBrowser.post<ErrorBody>('/api/v1/auth/totp/disable', { password: member.password, code: currentTotpCode(secret, Date.now() + later) });
      expect(off.status).toBe(403);
      expect(off.body.error.message).toContain('requires two-factor');
      const stored = await hark.services.db.selectFrom('users').select('totp_enabled_at').where('id', '=', member.id).executeTakeFirstOrThrow();
      expect(stored.totp_enabled_at).not.toBeNull();
      // From now on the member signs in with a code.
      expect((await new PortalClient(hark).login(member.email, member.password)).body.error?.code).toBe('totp_required');

      const audit = await auditActions(strict.clientId);
      expect(audit.find((a) => a.action === 'client.updated')).toMatchObject({ actor_id: admin.id, details: { fields: 'require_totp' } });
    });
  });

  describe('team', () => {
    let team: TestClient;
    let owner: TestUser;
    let admin: TestUser;
    let ownerBrowser: PortalClient;
    let adminBrowser: PortalClient;

    beforeAll(async () => {
      team = await createTestClient(hark.services, { name: 'Team Café' });
      for (const [path, comment] of [
        [`/f/${team.location.code}`, 'Team Café main street'],
        [`/f/${team.otherLocation.code}`, 'Team Café harbour'],
      ] as const) {
        expect((await giveFeedback(hark, path, { score: '2', comment })).status).toBe(200);
      }
      owner = await createTestUser(hark.services, team.clientId, 'owner', { name: 'Olive Owner' });
      admin = await createTestUser(hark.services, team.clientId, 'admin', { name: 'Ada Admin' });
      ownerBrowser = await signIn(hark, owner);
      adminBrowser = await signIn(hark, admin);
    });

    it('lists the members and the open invitations', async () => {
      const viewer = await createTestUser(hark.services, team.clientId, 'viewer', { name: 'Vic Viewer', locationScope: [team.otherLocation.id] });
      const invited = await adminBrowser.post<{ id: string }>('/api/v1/team/invitations', { email: 'New.Person@Example.com', role: 'viewer', locationScope: [team.location.id] });
      expect(invited.status).toBe(201);
      const withdrawn = await adminBrowser.post<{ id: string }>('/api/v1/team/invitations', { email: 'withdrawn@example.com', role: 'admin' });
      expect((await adminBrowser.delete(`/api/v1/team/invitations/${withdrawn.body.id}`)).status).toBe(200);
      expect((await adminBrowser.delete(`/api/v1/team/invitations/${withdrawn.body.id}`)).status).toBe(404);

      const list = await adminBrowser.get<Team>('/api/v1/team');
      expect(list.status).toBe(200);
      const byEmail = new Map(list.body.members.map((m) => [m.email, m]));
      expect(byEmail.get(owner.email)).toMatchObject({ userId: owner.id, role: 'owner', locationScope: null, totpEnabled: false });
      expect(byEmail.get(admin.email)).toMatchObject({ role: 'admin', locationScope: null });
      expect(byEmail.get(viewer.email)).toMatchObject({ role: 'viewer', locationScope: [team.otherLocation.id] });
      expect(list.body.invitations).toEqual([
        expect.objectContaining({ id: invited.body.id, email: 'new.person@example.com', role: 'viewer', locationScope: [team.location.id] }),
      ]);
      // Managers and viewers do not manage the team.
      const viewerBrowser = await signIn(hark, viewer);
      expect((await viewerBrowser.get<ErrorBody>('/api/v1/team')).status).toBe(403);
    });

    it('changes a member’s role and scope, and the member sees only what the new scope allows', async () => {
      const person = await createTestUser(hark.services, team.clientId, 'viewer');
      const browser = await signIn(hark, person);
      expect((await browser.get<Page>('/api/v1/feedback')).body.items).toHaveLength(2);

      const changed = await adminBrowser.patch(`/api/v1/team/members/${person.id}`, { role: 'manager', locationScope: [team.otherLocation.id] });
      expect(changed.status).toBe(200);
      const session = await browser.get<SessionBody>('/api/v1/auth/session');
      expect(session.body.memberships[0]).toMatchObject({ role: 'manager', locationScope: [team.otherLocation.id] });
      expect(session.body.permissions).toContain('feedback.respond');
      const page = await browser.get<Page>('/api/v1/feedback');
      expect(page.body.items.map((i) => i.comment)).toEqual(['Team Café harbour']);

      // A scope naming another client's location is refused.
      const foreign = await adminBrowser.patch<ErrorBody>(`/api/v1/team/members/${person.id}`, { locationScope: [client.location.id] });
      expect(foreign.status).toBe(400);
      expect(foreign.body.error.code).toBe('validation_failed');
      expect((await adminBrowser.patch(`/api/v1/team/members/00000000-0000-4000-8000-000000000000`, { role: 'viewer' })).status).toBe(404);
      // Promoted to admin: the scope goes, and everything is visible.
      expect((await adminBrowser.patch(`/api/v1/team/members/${person.id}`, { role: 'admin' })).status).toBe(200);
      expect((await browser.get<Page>('/api/v1/feedback')).body.items).toHaveLength(2);
      const row = await hark.services.db.selectFrom('memberships').select(['role', 'location_scope']).where('user_id', '=', person.id).executeTakeFirstOrThrow();
      expect(row).toEqual({ role: 'admin', location_scope: null });

      const audit = await auditActions(team.clientId);
      const updates = audit.filter((a) => a.action === 'membership.updated' && a.subject_id === person.id);
      expect(updates.map((a) => a.details)).toEqual([
        { from_role: 'viewer', to_role: 'manager', scoped: true },
        { from_role: 'manager', to_role: 'admin', scoped: false },
      ]);
      expect(updates.every((a) => a.actor_id === admin.id)).toBe(true);
    });

    it('lets only an owner give or change the owner role, and keeps at least one owner', async () => {
      const other = await createTestUser(hark.services, team.clientId, 'manager', { locationScope: [team.location.id] });
      for (const [method, path, body] of [
        ['PATCH', `/api/v1/team/members/${owner.id}`, { role: 'admin' }],
        ['PATCH', `/api/v1/team/members/${owner.id}`, { locationScope: [team.location.id] }],
        ['PATCH', `/api/v1/team/members/${other.id}`, { role: 'owner' }],
        ['PATCH', `/api/v1/team/members/${admin.id}`, { role: 'owner' }],
        ['DELETE', `/api/v1/team/members/${owner.id}`, undefined],
        ['POST', '/api/v1/team/invitations', { email: 'would-be-owner@example.com', role: 'owner' }],
      ] as const) {
        const response = await adminBrowser.request<ErrorBody>(method, path, body);
        expect(response.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(403);
      }
      const roles = await hark.services.db.selectFrom('memberships').select(['user_id', 'role']).where('client_id', '=', team.clientId).where('user_id', 'in', [owner.id, admin.id, other.id]).execute();
      expect(new Map(roles.map((r) => [r.user_id, r.role]))).toEqual(new Map([[owner.id, 'owner'], [admin.id, 'admin'], [other.id, 'manager']]));

      // The only owner can neither step down nor leave.
      const demote = await ownerBrowser.patch<ErrorBody>(`/api/v1/team/members/${owner.id}`, { role: 'admin' });
      expect(demote.status).toBe(409);
      expect(demote.body.error.message).toContain('at least one owner');
      expect((await ownerBrowser.delete<ErrorBody>(`/api/v1/team/members/${owner.id}`)).status).toBe(409);
      // With a second owner, they can.
      expect((await ownerBrowser.patch(`/api/v1/team/members/${other.id}`, { role: 'owner' })).status).toBe(200);
      expect((await ownerBrowser.patch(`/api/v1/team/members/${owner.id}`, { role: 'admin' })).status).toBe(200);
      const otherBrowser = await signIn(hark, other);
      expect((await otherBrowser.patch(`/api/v1/team/members/${owner.id}`, { role: 'owner' })).status).toBe(200);
      expect((await otherBrowser.delete(`/api/v1/team/members/${other.id}`)).status).toBe(200);
      const owners = await hark.services.db.selectFrom('memberships').select('user_id').where('client_id', '=', team.clientId).where('role', '=', 'owner').execute();
      expect(owners.map((o) => o.user_id)).toEqual([owner.id]);
    });

    it('ends a removed member’s access to the client at once, and audits it', async () => {
      const leaver = await createTestUser(hark.services, team.clientId, 'manager', { locationScope: [team.location.id] });
      const browser = await signIn(hark, leaver);
      expect((await browser.get('/api/v1/feedback')).status).toBe(200);

      const removed = await adminBrowser.delete(`/api/v1/team/members/${leaver.id}`);
      expect(removed.status).toBe(200);
      const after = await browser.get<ErrorBody>('/api/v1/feedback');
      expect(after.status).toBe(409);
      expect(after.body.error.code).toBe('no_client_selected');
      const session = await browser.get<SessionBody>('/api/v1/auth/session');
      expect(session.body.memberships).toEqual([]);
      expect(session.body.activeClientId).toBeNull();
      expect((await browser.post<ErrorBody>('/api/v1/auth/switch-client', { clientId: team.clientId })).status).toBe(404);
      const team2 = await adminBrowser.get<Team>('/api/v1/team');
      expect(team2.body.members.map((m) => m.userId)).not.toContain(leaver.id);
      expect((await adminBrowser.delete(`/api/v1/team/members/${leaver.id}`)).status).toBe(404);

      const audit = await auditActions(team.clientId);
      expect(audit.find((a) => a.action === 'membership.removed' && a.subject_id === leaver.id)).toMatchObject({ actor_id: admin.id, details: { role: 'manager' } });
      const actions = new Set(audit.map((a) => a.action));
      for (const action of ['membership.created', 'membership.updated', 'membership.removed', 'invitation.created', 'invitation.revoked']) {
        expect(actions, action).toContain(action);
      }
    });
  });
});
