/** What each API key scope lets a key do, as the portal's permissions. */
import type { Permission } from '../accounts/index.ts';
import type { ApiKeyScope } from './tables.ts';

export const apiKeyScopes = ['feedback:read', 'feedback:write', 'invitations:write', 'contact:read', 'settings:manage'] as const satisfies readonly ApiKeyScope[];

const grants: Record<ApiKeyScope, readonly Permission[]> = {
  'feedback:read': ['feedback.read'],
  'feedback:write': ['feedback.submit'],
  'invitations:write': ['invitations.send'],
  'contact:read': ['contact.read'],
  'settings:manage': ['settings.manage'],
};

/** The permissions a key with these scopes holds. A key never manages people (`users.manage`). */
export function permissionsOfScopes(scopes: readonly ApiKeyScope[]): ReadonlySet<Permission> {
  return new Set(scopes.flatMap((scope) => grants[scope]));
}
