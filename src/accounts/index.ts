/**
 * Accounts: personnel and operator accounts, memberships (role and location scope per
 * client), sessions, sign-in with throttling and two-factor codes, invitations and password
 * resets. `withAccess` is how every other domain runs a signed-in person's queries.
 */
export { can, expandLocationScope, inScope, locationAndAncestors, membersCovering, withAccess, type Access } from './access.ts';
export { permissionsOf, roleAllows, type Permission } from './policy.ts';
export { accountRoutes } from './routes.ts';
export { findUserNames } from './queries.ts';
export { hashPassword } from './passwords.ts';
export { sendAccountEmail } from './jobs/send-account-email.ts';
export const accountQueues = [{ name: 'send-account-email', policy: 'standard' as const, retryLimit: 10, retryDelaySeconds: 10 }];
export { addMembership, createUser } from './users.ts';
