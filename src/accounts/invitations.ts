/**
 * Invitations: an admin invites a person by email to a client with a role and scope; the
 * emailed link lets them set a password (or, if they already have an account, join with
 * it) and land in the portal. Links last 7 days and work once.
 */
import type { Kysely } from 'kysely';
import { appendAudit } from '../audit/index.ts';
import type { Services } from '../context.ts';
import type { Database, MembershipRole } from '../db/schema.ts';
import type { ClientId } from '../db/tenancy.ts';
import { withAccess, type Access } from './access.ts';
import { readLinkToken, signLinkToken } from './link-tokens.ts';
import { attemptLogin } from './login.ts';
import { hashPassword, passwordProblem } from './passwords.ts';
import { mayAssignRole, scopedRoles } from './policy.ts';
import { findUserByEmail, normaliseEmail } from './queries.ts';

export const invitationLifetimeDays = 7;
const purpose = 'invitation';

export function invitationLink(services: Services, invitationId: string): string {
  return `${services.publicUrl}/portal/invitation/${signLinkToken(services.secrets.links, purpose, invitationId)}`;
}

export type InviteResult =
  | { ok: true; invitationId: string }
  | { ok: false; reason: 'role_not_allowed' | 'already_member' | 'unknown_location' };

export async function invitePerson(
  services: Services,
  access: Access,
  input: { email: string; role: MembershipRole; locationScope: string[] | null },
): Promise<InviteResult> {
  if (!mayAssignRole(access.role, input.role)) return { ok: false, reason: 'role_not_allowed' };
  const email = normaliseEmail(input.email);
  const scope = scopedRoles.has(input.role) ? input.locationScope : null;
  const existing = await findUserByEmail(services.db, email);
  return withAccess(services.db, access, async (trx) => {
    if (existing) {
      const member = await trx.selectFrom('memberships').select('user_id').where('client_id', '=', access.clientId).where('user_id', '=', existing.id).executeTakeFirst();
      if (member) return { ok: false, reason: 'already_member' } as const;
    }
    if (scope && scope.length) {
      const found = await trx.selectFrom('locations').select('id').where('client_id', '=', access.clientId).where('id', 'in', scope).execute();
      if (found.length !== new Set(scope).size) return { ok: false, reason: 'unknown_location' } as const;
    }
    // A newer invitation to the same address replaces an open one.
    await trx
      .updateTable('invitations')
      .set({ revoked_at: new Date() })
      .where('client_id', '=', access.clientId)
      .where('email', '=', email)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .execute();
    const invitation = await trx
      .insertInto('invitations')
      .values({
        client_id: access.clientId,
        email,
        role: input.role,
        location_scope: scope,
        invited_by: access.userId,
        expires_at: new Date(Date.now() + invitationLifetimeDays * 86_400_000),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await appendAudit(trx, {
      clientId: access.clientId,
      actorKind: 'user',
      actorId: access.userId,
      action: 'invitation.created',
      subjectKind: 'invitation',
      subjectId: invitation.id,
      details: { role: input.role, scoped: scope !== null },
    });
    await services.jobs.sendInTransaction(trx, 'send-account-email', { kind: 'invitation', clientId: access.clientId, invitationId: invitation.id });
    return { ok: true, invitationId: invitation.id } as const;
  });
}

export interface OpenInvitation {
  id: string;
  clientId: ClientId;
  clientName: string;
  email: string;
  role: MembershipRole;
  locationScope: string[] | null;
  /** Whether the address already has an account (then joining asks for its password). */
  hasAccount: boolean;
}

async function findOpenInvitation(db: Kysely<Database>, id: string) {
  return db
    .selectFrom('invitations as i')
    .innerJoin('clients as c', 'c.id', 'i.client_id')
    .select(['i.id', 'i.client_id', 'c.name as client_name', 'i.email', 'i.role', 'i.location_scope', 'i.expires_at', 'i.accepted_at', 'i.revoked_at'])
    .where('i.id', '=', id)
    .executeTakeFirst();
}

export type InvitationLookup = { ok: true; invitation: OpenInvitation } | { ok: false; reason: 'invitation_invalid' | 'invitation_expired' | 'invitation_used' };

/** Reads an invitation link (as the owning role: the invitee is not signed in to any client). */
export async function readInvitation(services: Services, token: string): Promise<InvitationLookup> {
  const id = readLinkToken(services.secrets.links, purpose, token);
  if (!id) return { ok: false, reason: 'invitation_invalid' };
  const row = await findOpenInvitation(services.db, id);
  if (!row || row.revoked_at) return { ok: false, reason: 'invitation_invalid' };
  if (row.accepted_at) return { ok: false, reason: 'invitation_used' };
  if (row.expires_at.getTime() <= Date.now()) return { ok: false, reason: 'invitation_expired' };
  const user = await findUserByEmail(services.db, row.email);
  return {
    ok: true,
    invitation: {
      id: row.id,
      clientId: row.client_id as ClientId,
      clientName: row.client_name,
      email: row.email,
      role: row.role,
      locationScope: row.location_scope,
      hasAccount: Boolean(user?.password_hash),
    },
  };
}

export type AcceptResult =
  | { ok: true; userId: string; clientId: ClientId; /** A signed device cookie, when an existing account signed in. */ deviceToken: string | null }
  | { ok: false; reason: 'invitation_invalid' | 'invitation_expired' | 'invitation_used' | 'invalid_credentials' | 'totp_required' | 'totp_invalid' }
  | { ok: false; reason: 'locked'; retryAfterSeconds: number }
  | { ok: false; reason: 'weak_password'; message: string };

/**
 * Accepts an invitation: a new person names themselves and chooses a password; a person
 * who already has an account signs in to it exactly as at the login form (password, their
 * two-factor code when they have one, and the same throttling), since accepting signs
 * them in.
 */
export async function acceptInvitation(
  services: Services,
  token: string,
  input: { name?: string | undefined; password: string; totpCode?: string | undefined; deviceCookie?: string | undefined },
): Promise<AcceptResult> {
  const lookup = await readInvitation(services, token);
  if (!lookup.ok) return lookup;
  const { invitation } = lookup;
  const existing = await findUserByEmail(services.db, invitation.email);
  let deviceToken: string | null = null;
  if (existing?.password_hash) {
    const login = await attemptLogin(services.db, services.secrets, {
      email: invitation.email,
      password: input.password,
      totpCode: input.totpCode,
      deviceCookie: input.deviceCookie,
    });
    if (!login.ok) return login;
    deviceToken = login.deviceToken;
  } else {
    const problem = passwordProblem(input.password, invitation.email);
    if (problem) return { ok: false, reason: 'weak_password', message: problem };
  }
  const passwordHash = existing?.password_hash ? null : await hashPassword(input.password);
  return services.db.transaction().execute(async (trx) => {
    // Claim the invitation first: of two tabs accepting at once, one wins.
    const claimed = await trx
      .updateTable('invitations')
      .set({ accepted_at: new Date() })
      .where('id', '=', invitation.id)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (!claimed) return { ok: false, reason: 'invitation_used' } as const;
    let userId = existing?.id;
    if (!userId) {
      const user = await trx
        .insertInto('users')
        .values({ email: invitation.email, name: input.name?.trim() || invitation.email, password_hash: passwordHash, password_changed_at: new Date() })
        .returning('id')
        .executeTakeFirstOrThrow();
      userId = user.id;
    } else if (passwordHash) {
      await trx
        .updateTable('users')
        .set({ password_hash: passwordHash, password_changed_at: new Date(), ...(input.name?.trim() ? { name: input.name.trim() } : {}) })
        .where('id', '=', userId)
        .execute();
    }
    // The invitation link is the authority here, not a session: this runs as the owning
    // role, scoped by the invitation's own client id.
    await trx
      .insertInto('memberships')
      .values({ client_id: invitation.clientId, user_id: userId, role: invitation.role, location_scope: invitation.locationScope })
      .onConflict((oc) => oc.columns(['client_id', 'user_id']).doNothing())
      .execute();
    await appendAudit(trx, {
      clientId: invitation.clientId,
      actorKind: 'user',
      actorId: userId,
      action: 'invitation.accepted',
      subjectKind: 'invitation',
      subjectId: invitation.id,
      details: { role: invitation.role },
    });
    const memberUserId = userId;
    return { ok: true, userId: memberUserId, clientId: invitation.clientId, deviceToken } as const;
  });
}

