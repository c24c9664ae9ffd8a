/**
 * Audit: the append-only, hash-chained log of what was done with personal information and
 * by whom. Every domain records through `appendAudit`; details must never hold contact
 * details or secrets (ids and counts only).
 */
export { appendAudit, verifyAuditChain, listAuditEntries, type AuditEntry, type ChainVerification } from './audit-log.ts';
export {
  verifyAllAuditChains,
  formatChainReports,
  OPERATOR_CHAIN_ID,
  type ChainReport,
  type ChainProblem,
  type ChainProblemKind,
} from './verify-chains.ts';
