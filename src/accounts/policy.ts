/**
 * Who may do what, as pure functions of a membership's role. Location scope is applied by
 * `withAccess` (and row-level security behind it), not here.
 */
import type { MembershipRole } from '../db/schema.ts';

export type Permission =
  | 'feedback.read'
  | 'feedback.update' // status, category
  | 'feedback.respond' // reply to the customer, add a note
  | 'contact.read' // see an end customer's name, email, mobile
  | 'settings.manage' // programmes, locations, sub-measures, templates
  | 'users.manage' // invitations, roles, scopes
  | 'feedback.submit' // post feedback through the API (API keys only)
  | 'invitations.send'; // ask Hark to invite a customer to give feedback

const grants: Record<MembershipRole, ReadonlySet<Permission>> = {
  owner: new Set<Permission>(['feedback.read', 'feedback.update', 'feedback.respond', 'contact.read', 'settings.manage', 'users.manage', 'invitations.send']),
  admin: new Set<Permission>(['feedback.read', 'feedback.update', 'feedback.respond', 'contact.read', 'settings.manage', 'users.manage', 'invitations.send']),
  manager: new Set<Permission>(['feedback.read', 'feedback.update', 'feedback.respond', 'contact.read', 'invitations.send']),
  viewer: new Set<Permission>(['feedback.read']),
};

export function roleAllows(role: MembershipRole, permission: Permission): boolean {
  return grants[role].has(permission);
}

export function permissionsOf(role: MembershipRole): Permission[] {
  return [...grants[role]];
}

/** An admin may hand out any role but owner; only an owner makes owners. */
export function mayAssignRole(assigner: MembershipRole, role: MembershipRole): boolean {
  if (!roleAllows(assigner, 'users.manage')) return false;
  return role !== 'owner' || assigner === 'owner';
}

export const scopedRoles: ReadonlySet<MembershipRole> = new Set(['manager', 'viewer']);
