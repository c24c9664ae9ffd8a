/**
 * /api/v1/auth (signing in and out, the session, invitations, password resets, two-factor
 * set-up) and /api/v1/team, /api/v1/client (an admin's management of people and the
 * client's account settings).
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../context.ts';
import { normaliseMobile } from '../end-customers/index.ts';
import { answerRateLimitedByIp, errorResponseSchema, HttpError } from '../http/errors.ts';
import { clearSessionCookie, cookieOptions, deviceCookie, sessionCookie, type SignedIn } from '../http/session-auth.ts';
import { acceptInvitation, invitePerson, readInvitation } from './invitations.ts';
import { attemptLogin } from './login.ts';
import { listClientsForOperator, openClientAsOperator } from './operator-access.ts';
import { requestPasswordReset, resetPassword } from './password-resets.ts';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.ts';
import { permissionsOf } from './policy.ts';
import { findUserById, listMembershipsOfUser } from './queries.ts';
import * as s from './schemas.ts';
import { createSession, endSession, endSessionsOfUser, switchSessionClient, type NewSession } from './sessions.ts';
import { confirmTotp, disableTotp, startTotpEnrolment } from './two-factor.ts';
import { findClientSettings, listTeam, removeMember, revokeInvitation, updateClientSettings, updateMember } from './team.ts';

const ok = z.object({ ok: z.literal(true) });

export const accountRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  // Answered as 429 rate_limited (with retry-after): the plugin's own error would reach the
  // error handler as an unknown 4xx and be answered 400.
  const loginLimit = app.rateLimit({
    max: services.config.loginLimitPerIp,
    timeWindow: services.config.rateLimits.windowSeconds * 1000,
    groupId: 'login',
    errorResponseBuilder: answerRateLimitedByIp,
  });

  function presentSession(signedIn: SignedIn, expiresAt: Date, csrfToken: string): z.infer<typeof s.sessionSchema> {
    const { user, memberships, session } = signedIn;
    const active = memberships.find((m) => m.clientId === session.activeClientId) ?? null;
    const operatorClient = user.kind === 'operator' ? session.activeClientId : null;
    return {
      user: { id: user.id, name: user.name, email: user.email, kind: user.kind, totpEnabled: Boolean(user.totp_enabled_at), mobile: user.mobile },
      memberships,
      activeClientId: active?.clientId ?? operatorClient,
      permissions: active ? permissionsOf(active.role) : operatorClient ? permissionsOf('viewer') : [],
      totpSetupRequired: Boolean(active?.requireTotp && !user.totp_enabled_at),
      csrfToken,
      expiresAt: expiresAt.toISOString(),
    };
  }

  /** Starts a fresh session (a new token whatever the browser held before) and answers with it. */
  async function signIn(request: FastifyRequest, reply: FastifyReply, userId: string, preferredClientId: string | null) {
    const user = await findUserById(services.db, userId);
    if (!user) throw new HttpError('unauthenticated');
    const memberships = await listMembershipsOfUser(services.db, userId);
    const activeClientId = memberships.find((m) => m.clientId === preferredClientId)?.clientId ?? memberships[0]?.clientId ?? null;
    const session: NewSession = await createSession(services.db, services.config, {
      userId,
      activeClientId,
      userAgent: request.headers['user-agent'],
      replacing: request.cookies[sessionCookie],
    });
    reply.setCookie(sessionCookie, session.token, cookieOptions(services, services.config.sessions.maxHours * 3600));
    const signedIn: SignedIn = {
      user,
      memberships,
      session: { tokenHash: Buffer.alloc(0), userId, activeClientId, csrfToken: session.csrfToken, createdAt: new Date(), expiresAt: session.expiresAt },
    };
    return presentSession(signedIn, session.expiresAt, session.csrfToken);
  }

  api.post(
    '/api/v1/auth/login',
    {
      preHandler: loginLimit,
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email, password and (when enabled) a two-factor code',
        body: s.loginBodySchema,
        response: { 200: s.sessionSchema, 401: errorResponseSchema, 429: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const result = await attemptLogin(services.db, services.secrets, { ...request.body, deviceCookie: request.cookies[deviceCookie] });
      if (!result.ok) {
        if (result.reason === 'locked') {
          reply.header('retry-after', String(result.retryAfterSeconds));
          throw new HttpError('account_locked');
        }
        throw new HttpError(result.reason);
      }
      reply.setCookie(deviceCookie, result.deviceToken, cookieOptions(services, 365 * 86_400));
      return signIn(request, reply, result.user.id, null);
    },
  );

  api.post('/api/v1/auth/logout', { schema: { tags: ['auth'], summary: 'Sign out (ends this session)', response: { 200: ok } } }, async (request, reply) => {
    const signedIn = await request.signedIn();
    if (signedIn) await endSession(services.db, signedIn.session.tokenHash);
    clearSessionCookie(services, reply);
    return { ok: true as const };
  });

  api.get(
    '/api/v1/auth/session',
    { schema: { tags: ['auth'], summary: 'The signed-in person, their clients and the CSRF token', response: { 200: s.sessionSchema, 401: errorResponseSchema } } },
    async (request) => {
      const signedIn = await request.requireSignedIn();
      return presentSession(signedIn, signedIn.session.expiresAt, signedIn.session.csrfToken);
    },
  );

  api.post(
    '/api/v1/auth/switch-client',
    { schema: { tags: ['auth'], summary: 'Work in another of your clients', body: s.switchClientBodySchema, response: { 200: s.sessionSchema, 404: errorResponseSchema } } },
    async (request) => {
      const signedIn = await request.requireSignedIn();
      if (!signedIn.memberships.some((m) => m.clientId === request.body.clientId)) throw new HttpError('not_found');
      await switchSessionClient(services.db, signedIn.session.tokenHash, request.body.clientId);
      const switched = { ...signedIn, session: { ...signedIn.session, activeClientId: request.body.clientId } };
      return presentSession(switched, signedIn.session.expiresAt, signedIn.session.csrfToken);
    },
  );

  api.patch(
    '/api/v1/auth/profile',
    { schema: { tags: ['auth'], summary: 'Change your name, or the mobile your alerts by text go to', body: s.profileBodySchema, response: { 200: s.sessionSchema, 400: errorResponseSchema } } },
    async (request) => {
      const signedIn = await request.requireSignedIn();
      const active = signedIn.memberships.find((m) => m.clientId === signedIn.session.activeClientId);
      let mobile: string | null | undefined = request.body.mobile === '' ? null : request.body.mobile;
      if (mobile) {
        const country = active ? ((await services.db.selectFrom('clients').select('country').where('id', '=', active.clientId).executeTakeFirst())?.country ?? 'NZ') : 'NZ';
        mobile = normaliseMobile(mobile, country);
        if (!mobile) throw new HttpError('invalid_mobile');
      }
      await services.db
        .updateTable('users')
        .set({ ...(request.body.name !== undefined ? { name: request.body.name } : {}), ...(mobile !== undefined ? { mobile } : {}) })
        .where('id', '=', signedIn.user.id)
        .execute();
      const user = { ...signedIn.user, ...(request.body.name !== undefined ? { name: request.body.name } : {}), ...(mobile !== undefined ? { mobile } : {}) };
      return presentSession({ ...signedIn, user }, signedIn.session.expiresAt, signedIn.session.csrfToken);
    },
  );

  api.post(
    '/api/v1/auth/password',
    { schema: { tags: ['auth'], summary: 'Change your password (ends your other sessions)', body: s.changePasswordBodySchema, response: { 200: ok, 401: errorResponseSchema, 422: errorResponseSchema } } },
    async (request) => {
      const { user, session } = await request.requireSignedIn();
      if (!(await verifyPassword(user.password_hash, request.body.currentPassword))) throw new HttpError('invalid_credentials', 'Your current password is not right.');
      const problem = passwordProblem(request.body.newPassword, user.email);
      if (problem) throw new HttpError('weak_password', problem);
      await services.db.updateTable('users').set({ password_hash: await hashPassword(request.body.newPassword), password_changed_at: new Date() }).where('id', '=', user.id).execute();
      await endSessionsOfUser(services.db, user.id, session.tokenHash);
      return { ok: true as const };
    },
  );

  api.post(
    '/api/v1/auth/password-reset',
    {
      preHandler: loginLimit,
      schema: {
        tags: ['auth'],
        summary: 'Email a password-reset link (answers the same whether or not the address has an account)',
        body: s.passwordResetRequestSchema,
        response: { 202: z.object({ message: z.string() }) },
      },
    },
    async (request, reply) => {
      await requestPasswordReset(services, request.body.email);
      return reply.code(202).send({ message: 'If that address has an account, a link to reset its password is on its way.' });
    },
  );

  api.post(
    '/api/v1/auth/password-reset/confirm',
    {
      preHandler: loginLimit,
      schema: { tags: ['auth'], summary: 'Choose a new password with an emailed link', body: s.passwordResetConfirmSchema, response: { 200: ok, 410: errorResponseSchema, 422: errorResponseSchema } },
    },
    async (request) => {
      const result = await resetPassword(services, request.body.token, request.body.password);
      if (!result.ok) {
        if (result.reason === 'weak_password') throw new HttpError('weak_password', result.message);
        throw new HttpError('link_invalid', 'This reset link has expired or was already used. Ask for a new one.');
      }
      return { ok: true as const };
    },
  );

  const invitationProblems = {
    invitation_invalid: 'This invitation link is not valid. Ask for a new invitation.',
    invitation_expired: 'This invitation has expired. Ask for a new one.',
    invitation_used: 'This invitation was already accepted. Sign in instead.',
  } as const;

  api.get(
    '/api/v1/auth/invitations/:token',
    { preHandler: loginLimit, schema: { tags: ['auth'], summary: 'What an invitation link is for', params: s.invitationTokenParamsSchema, response: { 200: s.invitationInfoSchema, 410: errorResponseSchema } } },
    async (request) => {
      const lookup = await readInvitation(services, request.params.token);
      if (!lookup.ok) throw new HttpError('link_invalid', invitationProblems[lookup.reason]);
      const { clientName, email, role, hasAccount } = lookup.invitation;
      return { clientName, email, role, hasAccount };
    },
  );

  api.post(
    '/api/v1/auth/invitations/:token/accept',
    {
      preHandler: loginLimit,
      schema: {
        tags: ['auth'],
        summary: 'Accept an invitation: set a password (or give your existing one) and sign in',
        params: s.invitationTokenParamsSchema,
        body: s.acceptInvitationBodySchema,
        response: { 200: s.sessionSchema, 401: errorResponseSchema, 410: errorResponseSchema, 422: errorResponseSchema, 429: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const result = await acceptInvitation(services, request.params.token, { ...request.body, deviceCookie: request.cookies[deviceCookie] });
      if (!result.ok) {
        switch (result.reason) {
          case 'weak_password':
            throw new HttpError('weak_password', result.message);
          case 'invalid_credentials':
            throw new HttpError('invalid_credentials', 'You already have an account: enter its password to accept.');
          case 'totp_required':
          case 'totp_invalid':
            throw new HttpError(result.reason);
          case 'locked':
            reply.header('retry-after', String(result.retryAfterSeconds));
            throw new HttpError('account_locked');
          default:
            throw new HttpError('link_invalid', invitationProblems[result.reason]);
        }
      }
      if (result.deviceToken) reply.setCookie(deviceCookie, result.deviceToken, cookieOptions(services, 365 * 86_400));
      return signIn(request, reply, result.userId, result.clientId);
    },
  );

  api.post(
    '/api/v1/auth/totp/setup',
    { schema: { tags: ['auth'], summary: 'Start two-factor set-up: a new secret as text and QR code', response: { 200: s.totpEnrolmentSchema, 409: errorResponseSchema } } },
    async (request) => {
      const { user } = await request.requireSignedIn();
      const enrolment = await startTotpEnrolment(services, user.id);
      if (!enrolment) throw new HttpError('conflict', 'Two-factor sign-in is already on.');
      return enrolment;
    },
  );

  api.post(
    '/api/v1/auth/totp/confirm',
    { schema: { tags: ['auth'], summary: 'Finish two-factor set-up with a current code', body: s.totpConfirmBodySchema, response: { 200: ok, 401: errorResponseSchema } } },
    async (request) => {
      const { user } = await request.requireSignedIn();
      if (!(await confirmTotp(services, user.id, request.body.code))) throw new HttpError('totp_invalid');
      return { ok: true as const };
    },
  );

  api.post(
    '/api/v1/auth/totp/disable',
    { schema: { tags: ['auth'], summary: 'Turn two-factor sign-in off', body: s.totpDisableBodySchema, response: { 200: ok, 401: errorResponseSchema, 403: errorResponseSchema } } },
    async (request) => {
      const { user } = await request.requireSignedIn();
      const result = await disableTotp(services, user.id, request.body);
      if (!result.ok) {
        if (result.reason === 'totp_compulsory') throw new HttpError('forbidden', 'A business you work for requires two-factor sign-in, so it cannot be turned off.');
        throw new HttpError(result.reason);
      }
      return { ok: true as const };
    },
  );

  // ----- operator staff: opening a client is an audited action -----

  api.get(
    '/api/v1/operator/clients',
    { schema: { tags: ['operator'], summary: 'Every client of this installation (operator staff only)', response: { 200: z.array(z.object({ id: z.string().uuid(), name: z.string(), createdAt: z.string().datetime() })), 403: errorResponseSchema } } },
    async (request) => {
      await request.requireOperator();
      return listClientsForOperator(services);
    },
  );

  api.post(
    '/api/v1/operator/clients/:clientId/open',
    {
      schema: {
        tags: ['operator'],
        summary: "Look into a client's feedback, read-only; recorded in the client's audit log with the reason",
        params: z.object({ clientId: z.string().uuid() }),
        body: z.object({ reason: z.string().trim().min(10, 'say why, in a sentence (at least 10 characters)').max(500) }),
        response: { 200: s.sessionSchema, 403: errorResponseSchema, 404: errorResponseSchema },
      },
    },
    async (request) => {
      const signedIn = await request.requireOperator();
      const opened = await openClientAsOperator(services, {
        operatorId: signedIn.user.id,
        sessionTokenHash: signedIn.session.tokenHash,
        clientId: request.params.clientId,
        reason: request.body.reason,
      });
      if (!opened) throw new HttpError('not_found');
      const switched = { ...signedIn, session: { ...signedIn.session, activeClientId: request.params.clientId } };
      return presentSession(switched, signedIn.session.expiresAt, signedIn.session.csrfToken);
    },
  );

  // ----- team and client settings (admins) -----

  api.get('/api/v1/team', { schema: { tags: ['team'], summary: 'Members and open invitations', response: { 200: s.teamSchema } } }, async (request) => {
    const access = await request.requireAccess('users.manage');
    return listTeam(services, access);
  });

  const teamProblems = {
    not_found: ['not_found', undefined],
    role_not_allowed: ['forbidden', 'Only an owner can give or change the owner role.'],
    last_owner: ['conflict', 'A business needs at least one owner. Make someone else owner first.'],
    unknown_location: ['validation_failed', 'The location scope names a location this business does not have.'],
    already_member: ['conflict', 'That person is already a member.'],
  } as const;

  api.post(
    '/api/v1/team/invitations',
    { schema: { tags: ['team'], summary: 'Invite a person by email', body: s.inviteBodySchema, response: { 201: z.object({ id: z.string().uuid() }), 400: errorResponseSchema, 403: errorResponseSchema, 409: errorResponseSchema } } },
    async (request, reply) => {
      const access = await request.requireAccess('users.manage');
      const result = await invitePerson(services, access, request.body);
      if (!result.ok) {
        const [code, message] = teamProblems[result.reason];
        throw new HttpError(code, message);
      }
      return reply.code(201).send({ id: result.invitationId });
    },
  );

  api.delete(
    '/api/v1/team/invitations/:invitationId',
    { schema: { tags: ['team'], summary: 'Withdraw an open invitation', params: s.invitationParamsSchema, response: { 200: ok, 404: errorResponseSchema } } },
    async (request) => {
      const access = await request.requireAccess('users.manage');
      if (!(await revokeInvitation(services, access, request.params.invitationId))) throw new HttpError('not_found');
      return { ok: true as const };
    },
  );

  api.patch(
    '/api/v1/team/members/:userId',
    { schema: { tags: ['team'], summary: "Change a member's role or location scope", params: s.userParamsSchema, body: s.updateMemberBodySchema, response: { 200: ok, 400: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema } } },
    async (request) => {
      const access = await request.requireAccess('users.manage');
      const result = await updateMember(services, access, request.params.userId, request.body);
      if (!result.ok) {
        const [code, message] = teamProblems[result.reason];
        throw new HttpError(code, message);
      }
      return { ok: true as const };
    },
  );

  api.delete(
    '/api/v1/team/members/:userId',
    { schema: { tags: ['team'], summary: 'Remove a member from this business', params: s.userParamsSchema, response: { 200: ok, 403: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema } } },
    async (request) => {
      const access = await request.requireAccess('users.manage');
      const result = await removeMember(services, access, request.params.userId);
      if (!result.ok) {
        const [code, message] = teamProblems[result.reason];
        throw new HttpError(code, message);
      }
      return { ok: true as const };
    },
  );

  api.get('/api/v1/client', { schema: { tags: ['team'], summary: "This business's account settings", response: { 200: s.clientSettingsSchema } } }, async (request) => {
    const access = await request.requireAccess('feedback.read');
    return findClientSettings(services, access);
  });

  api.patch(
    '/api/v1/client',
    { schema: { tags: ['team'], summary: "Change this business's account settings", body: s.updateClientBodySchema, response: { 200: s.clientSettingsSchema, 403: errorResponseSchema } } },
    async (request) => {
      const access = await request.requireAccess('settings.manage');
      return updateClientSettings(services, access, request.body);
    },
  );

};
