/**
 * Termination: ending a client for good — its keys destroyed, its rows, jobs and audit chain
 * deleted, and a signed deletion certificate that outlives it. Owns `client_terminations`.
 */
export { terminationRoutes } from './routes.ts';
export {
  terminateClient,
  findDeletionCertificate,
  installationSigningKey,
  type TerminationResult,
  type TerminationRequester,
  type IssuedCertificate,
} from './terminate-client.ts';
export { verifyDeletionCertificate, type DeletionCertificate } from './certificate.ts';
export { planClientDeletion, KEPT_TABLES, type DeletionPlan } from './deletion-plan.ts';
export { listTerminations } from './list-terminations.ts';
