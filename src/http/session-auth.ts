/**
 * Who is calling the JSON API. A portal session comes from the `hark_session` cookie
 * (httpOnly, SameSite=Strict); every state-changing request must also carry the session's
 * CSRF token in `x-csrf-token`, and API bodies must be JSON, so no form on another site can
 * act for a signed-in person.
 *
 * Routes ask for what they need:
 *   const access = await request.requireAccess('feedback.read');
 * which answers 401 without a session, 409 without a chosen client, 403 when the role does
 * not allow it (or when the client demands two-factor sign-in the person has not set up),
 * and otherwise returns the Access every tenant query runs under (`withAccess`).
 *
 * An API key (`Authorization: Bearer hk_…`) works wherever a session does, within its
 * scopes (src/api-keys/): the Authorization header, when present, decides, and the cookie is
 * not consulted for access.
 */
import { timingSafeEqual } from 'node:crypto';
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { can, expandLocationScope, withAccess, type Access } from '../accounts/access.ts';
import type { Permission } from '../accounts/policy.ts';
import { auditApiKeyWrite, authenticateApiKey, hasAuthorization, type ApiKeyCaller } from '../api-keys/authenticate.ts';
import { findUserById, listMembershipsOfUser, type MembershipSummary } from '../accounts/queries.ts';
import { findActiveSession, type ActiveSession } from '../accounts/sessions.ts';
import type { Services } from '../context.ts';
import type { UsersTable } from '../db/schema.ts';
import { asClientId } from '../db/tenancy.ts';
import type { Selectable } from 'kysely';
import { HttpError, RateLimitedError } from './errors.ts';

export const sessionCookie = 'hark_session';
export const deviceCookie = 'hark_device';

export interface SignedIn {
  session: ActiveSession;
  user: Selectable<UsersTable>;
  memberships: MembershipSummary[];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Loads the caller's session (once per request); null when not signed in. */
    signedIn(): Promise<SignedIn | null>;
    /** The caller's session, or 401. */
    requireSignedIn(): Promise<SignedIn>;
    /** The caller's access to their chosen client, checked against a permission. */
    requireAccess(permission: Permission): Promise<Access>;
    /** The caller's session if they are operator staff; 401 or 403 otherwise. */
    requireOperator(): Promise<SignedIn>;
  }
}

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function cookieOptions(services: Services, maxAgeSeconds: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: services.publicUrl.startsWith('https://'),
    maxAge: maxAgeSeconds,
  };
}

export function clearSessionCookie(services: Services, reply: FastifyReply): void {
  reply.clearCookie(sessionCookie, { path: '/', httpOnly: true, sameSite: 'strict', secure: services.publicUrl.startsWith('https://') });
}

async function sessionAuth(app: FastifyInstance, options: { services: Services }): Promise<void> {
  const { services } = options;
  await app.register(cookie);

  const loaded = new WeakMap<FastifyRequest, Promise<SignedIn | null>>();
  const accessCache = new WeakMap<FastifyRequest, Promise<Access>>();

  async function load(request: FastifyRequest): Promise<SignedIn | null> {
    const token = request.cookies[sessionCookie];
    if (!token || token.length > 100) return null;
    const session = await findActiveSession(services.db, services.config, token);
    if (!session) return null;
    const user = await findUserById(services.db, session.userId);
    if (!user || user.disabled_at) return null;
    const memberships = user.kind === 'personnel' ? await listMembershipsOfUser(services.db, user.id) : [];
    return { session, user, memberships };
  }

  app.decorateRequest('signedIn', function signedIn(this: FastifyRequest) {
    let pending = loaded.get(this);
    if (!pending) {
      pending = load(this);
      loaded.set(this, pending);
    }
    return pending;
  });

  app.decorateRequest('requireSignedIn', async function requireSignedIn(this: FastifyRequest) {
    const signedIn = await this.signedIn();
    if (!signedIn) throw new HttpError('unauthenticated');
    return signedIn;
  });

  app.decorateRequest('requireOperator', async function requireOperator(this: FastifyRequest) {
    const signedIn = await this.requireSignedIn();
    if (signedIn.user.kind !== 'operator') throw new HttpError('forbidden', 'Only operator staff may do this.');
    return signedIn;
  });

  // API keys (`Authorization: Bearer …`): limited per key, and failed attempts per IP so
  // that guessing costs as much as a login. Such requests carry no cookie, so no CSRF.
  const keyCallers = new WeakMap<FastifyRequest, ApiKeyCaller>();
  const perKey = app.createRateLimit({
    max: services.config.integrations.apiKeyLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => `api-key:${keyCallers.get(request)?.prefix ?? ''}`,
  });
  const keyFailuresPerIp = app.createRateLimit({
    max: services.config.loginLimitPerIp,
    timeWindow: services.config.rateLimits.windowSeconds * 1000,
    keyGenerator: (request) => `api-key-failure:${request.ip}`,
  });

  async function resolveKeyAccess(request: FastifyRequest, authorization: string): Promise<Access> {
    let caller: ApiKeyCaller;
    try {
      caller = await authenticateApiKey(services, authorization);
    } catch (error) {
      const limit = await keyFailuresPerIp(request);
      if (!limit.isAllowed && limit.isExceeded) throw new RateLimitedError('ip', limit.ttlInSeconds);
      throw error;
    }
    keyCallers.set(request, caller);
    const limit = await perKey(request);
    if (!limit.isAllowed && limit.isExceeded) throw new RateLimitedError('api_key', limit.ttlInSeconds);
    return caller.access;
  }

  app.addHook('onResponse', async (request, reply) => {
    const caller = keyCallers.get(request);
    if (!caller || !unsafeMethods.has(request.method)) return;
    await auditApiKeyWrite(services, caller.access, { method: request.method, route: request.routeOptions.url ?? '', statusCode: reply.statusCode }).catch((error: unknown) =>
      request.log.warn({ err: error }, 'could not audit an API key call'),
    );
  });

  async function resolveAccess(request: FastifyRequest): Promise<Access> {
    const authorization = request.headers.authorization;
    if (hasAuthorization(authorization)) return resolveKeyAccess(request, authorization);
    const { session, user, memberships } = await request.requireSignedIn();
    if (user.kind === 'operator') {
      // Set only by the audited "open client" action (operator-access.ts).
      if (!session.activeClientId) throw new HttpError('no_client_selected');
      return { clientId: asClientId(session.activeClientId), userId: user.id, role: 'viewer', locationIds: null, operator: true };
    }
    const membership = memberships.find((m) => m.clientId === session.activeClientId);
    if (!membership) throw new HttpError('no_client_selected');
    if (membership.requireTotp && !user.totp_enabled_at) throw new HttpError('totp_setup_required');
    const clientId = asClientId(membership.clientId);
    const base = { clientId, userId: user.id, role: membership.role };
    if (membership.locationScope === null) return { ...base, locationIds: null };
    const scope = membership.locationScope;
    const locationIds = await withAccess(services.db, { ...base, locationIds: null }, (trx) => expandLocationScope(trx, clientId, scope));
    return { ...base, locationIds };
  }

  app.decorateRequest('requireAccess', async function requireAccess(this: FastifyRequest, permission: Permission) {
    let pending = accessCache.get(this);
    if (!pending) {
      pending = resolveAccess(this);
      accessCache.set(this, pending);
    }
    const access = await pending;
    if (!can(access, permission)) {
      throw new HttpError('forbidden', access.apiKey ? `This API key's scopes do not allow this (it needs ${scopeHint(permission)}).` : undefined);
    }
    return access;
  });

  // CSRF: a cookie-carrying request that changes state must show the session's token and
  // send JSON (which no cross-site form can). Checked before the body is validated and any
  // handler runs, so such a request is refused as what it is (415, 403) whatever its body.
  app.addHook('preValidation', async (request) => {
    if (!request.url.startsWith('/api/') || !unsafeMethods.has(request.method)) return;
    const type = request.headers['content-type'];
    if (request.body !== undefined && !(typeof type === 'string' && type.startsWith('application/json'))) {
      throw new HttpError('unsupported_media_type', 'Send JSON (content-type: application/json) to the API.');
    }
    const origin = request.headers.origin;
    if (origin && origin !== new URL(services.publicUrl).origin && origin !== `${request.protocol}://${request.host}`) {
      throw new HttpError('csrf_failed');
    }
    if (!request.cookies[sessionCookie]) return;
    const signedIn = await request.signedIn();
    if (!signedIn) return;
    const given = request.headers['x-csrf-token'];
    if (typeof given !== 'string' || !sameToken(given, signedIn.session.csrfToken)) throw new HttpError('csrf_failed');
  });
}

/** The API key scope that grants a permission, for the 403 a key gets. */
function scopeHint(permission: Permission): string {
  const scopes: Partial<Record<Permission, string>> = {
    'feedback.read': 'the feedback:read scope',
    'feedback.submit': 'the feedback:write scope',
    'invitations.send': 'the invitations:write scope',
    'contact.read': 'the contact:read scope',
    'settings.manage': 'the settings:manage scope',
  };
  return scopes[permission] ?? 'a person signed in to the portal';
}

export const sessionAuthPlugin = fp(sessionAuth, { name: 'session-auth' });
