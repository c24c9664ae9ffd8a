/**
 * A client's team: its members (role and scope) and open invitations, as admins manage
 * them; and the client's own account settings. Every change is in the audit log.
 */
import { appendAudit } from '../audit/index.ts';
import type { Services } from '../context.ts';
import type { MembershipRole } from '../db/schema.ts';
import { withAccess, type Access } from './access.ts';
import { mayAssignRole, scopedRoles } from './policy.ts';

export async function listTeam(services: Services, access: Access) {
  const { members, invitations } = await withAccess(services.db, access, async (trx) => ({
    members: await trx.selectFrom('memberships').selectAll().where('client_id', '=', access.clientId).execute(),
    invitations: await trx
      .selectFrom('invitations')
      .select(['id', 'email', 'role', 'location_scope', 'expires_at'])
      .where('client_id', '=', access.clientId)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', new Date())
      .orderBy('created_at', 'desc')
      .execute(),
  }));
  const users = await services.db
    .selectFrom('users')
    .select(['id', 'name', 'email', 'totp_enabled_at'])
    .where('id', 'in', members.length ? members.map((m) => m.user_id) : ['00000000-0000-0000-0000-000000000000'])
    .execute();
  const byId = new Map(users.map((u) => [u.id, u]));
  return {
    members: members
      .map((m) => {
        const user = byId.get(m.user_id);
        return {
          userId: m.user_id,
          name: user?.name ?? '',
          email: user?.email ?? '',
          role: m.role,
          locationScope: m.location_scope,
          totpEnabled: Boolean(user?.totp_enabled_at),
          joinedAt: m.created_at.toISOString(),
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name)),
    invitations: invitations.map((i) => ({ id: i.id, email: i.email, role: i.role, locationScope: i.location_scope, expiresAt: i.expires_at.toISOString() })),
  };
}

export type TeamChangeResult = { ok: true } | { ok: false; reason: 'not_found' | 'role_not_allowed' | 'last_owner' | 'unknown_location' };

/** Changes a member's role or scope. Only an owner changes an owner; a client keeps one owner at least. */
export async function updateMember(
  services: Services,
  access: Access,
  userId: string,
  change: { role?: MembershipRole | undefined; locationScope?: string[] | null | undefined },
): Promise<TeamChangeResult> {
  return withAccess(services.db, access, async (trx) => {
    const member = await trx.selectFrom('memberships').selectAll().where('client_id', '=', access.clientId).where('user_id', '=', userId).forUpdate().executeTakeFirst();
    if (!member) return { ok: false, reason: 'not_found' } as const;
    const role = change.role ?? member.role;
    if (!mayAssignRole(access.role, role) || (member.role === 'owner' && access.role !== 'owner')) return { ok: false, reason: 'role_not_allowed' } as const;
    if (member.role === 'owner' && role !== 'owner') {
      const owners = await trx.selectFrom('memberships').select('user_id').where('client_id', '=', access.clientId).where('role', '=', 'owner').execute();
      if (owners.length <= 1) return { ok: false, reason: 'last_owner' } as const;
    }
    const scope = scopedRoles.has(role) ? (change.locationScope !== undefined ? change.locationScope : member.location_scope) : null;
    if (scope && scope.length) {
      const found = await trx.selectFrom('locations').select('id').where('client_id', '=', access.clientId).where('id', 'in', scope).execute();
      if (found.length !== new Set(scope).size) return { ok: false, reason: 'unknown_location' } as const;
    }
    await trx.updateTable('memberships').set({ role, location_scope: scope }).where('client_id', '=', access.clientId).where('user_id', '=', userId).execute();
    await appendAudit(trx, {
      clientId: access.clientId,
      actorKind: 'user',
      actorId: access.userId,
      action: 'membership.updated',
      subjectKind: 'user',
      subjectId: userId,
      details: { from_role: member.role, to_role: role, scoped: scope !== null },
    });
    return { ok: true } as const;
  });
}

export async function removeMember(services: Services, access: Access, userId: string): Promise<TeamChangeResult> {
  const result = await withAccess(services.db, access, async (trx) => {
    const member = await trx.selectFrom('memberships').selectAll().where('client_id', '=', access.clientId).where('user_id', '=', userId).forUpdate().executeTakeFirst();
    if (!member) return { ok: false, reason: 'not_found' } as const;
    if (member.role === 'owner') {
      if (access.role !== 'owner') return { ok: false, reason: 'role_not_allowed' } as const;
      const owners = await trx.selectFrom('memberships').select('user_id').where('client_id', '=', access.clientId).where('role', '=', 'owner').execute();
      if (owners.length <= 1) return { ok: false, reason: 'last_owner' } as const;
    }
    await trx.deleteFrom('memberships').where('client_id', '=', access.clientId).where('user_id', '=', userId).execute();
    await appendAudit(trx, { clientId: access.clientId, actorKind: 'user', actorId: access.userId, action: 'membership.removed', subjectKind: 'user', subjectId: userId, details: { role: member.role } });
    return { ok: true } as const;
  });
  if (result.ok) {
    // Sessions working in this client lose it at once; sessions elsewhere are untouched.
    await services.db.updateTable('sessions').set({ active_client_id: null }).where('user_id', '=', userId).where('active_client_id', '=', access.clientId).execute();
  }
  return result;
}

export async function revokeInvitation(services: Services, access: Access, invitationId: string): Promise<boolean> {
  return withAccess(services.db, access, async (trx) => {
    const revoked = await trx
      .updateTable('invitations')
      .set({ revoked_at: new Date() })
      .where('client_id', '=', access.clientId)
      .where('id', '=', invitationId)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (revoked) await appendAudit(trx, { clientId: access.clientId, actorKind: 'user', actorId: access.userId, action: 'invitation.revoked', subjectKind: 'invitation', subjectId: invitationId });
    return Boolean(revoked);
  });
}

export async function findClientSettings(services: Services, access: Access) {
  const client = await withAccess(services.db, access, (trx) => trx.selectFrom('clients').selectAll().where('id', '=', access.clientId).executeTakeFirstOrThrow());
  return { id: client.id, name: client.name, timezone: client.timezone, country: client.country, privacyPolicyUrl: client.privacy_policy_url, requireTotp: client.require_totp };
}

export async function updateClientSettings(
  services: Services,
  access: Access,
  change: { name?: string | undefined; timezone?: string | undefined; privacyPolicyUrl?: string | null | undefined; requireTotp?: boolean | undefined },
) {
  await withAccess(services.db, access, async (trx) => {
    const values = {
      ...(change.name !== undefined ? { name: change.name } : {}),
      ...(change.timezone !== undefined ? { timezone: change.timezone } : {}),
      ...(change.privacyPolicyUrl !== undefined ? { privacy_policy_url: change.privacyPolicyUrl } : {}),
      ...(change.requireTotp !== undefined ? { require_totp: change.requireTotp } : {}),
    };
    if (Object.keys(values).length === 0) return;
    await trx.updateTable('clients').set(values).where('id', '=', access.clientId).execute();
    await appendAudit(trx, { clientId: access.clientId, actorKind: 'user', actorId: access.userId, action: 'client.updated', subjectKind: 'client', subjectId: access.clientId, details: { fields: Object.keys(values).join(',') } });
  });
  return findClientSettings(services, access);
}

