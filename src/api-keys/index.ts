/**
 * API keys: a client's keys for its own systems (shown once, stored hashed, scoped, revocable,
 * rate-limited and audited per key), the feedback those systems post by key (idempotent per
 * Idempotency-Key), and invitations after a transaction: by email with one-click score
 * links, and by text through the SMS domain's rules.
 */
export { apiKeyRoutes } from './routes.ts';
export { invitationRoutes } from './invitation-routes.ts';
export { emailInvitationQueues, sendEmailInvitationJob, SEND_EMAIL_INVITATION_QUEUE } from './email-invitations.ts';
export { authenticateApiKey, auditApiKeyWrite, hasAuthorization, type ApiKeyCaller } from './authenticate.ts';
export { apiKeyScopes, permissionsOfScopes } from './scopes.ts';
export { purgeExpiredIdempotencyKeys } from './idempotency.ts';
