/**
 * Policy versions: Hark's own privacy policy, published as numbered, unchangeable versions
 * (CLI `hark policy publish`, or operator staff in the console), served at /privacy and
 * /privacy/v/:n. The newest version governs all data held; each consent records the version
 * in force when it was given (`currentPolicyVersionNumber`).
 */
export { policyRoutes } from './routes.ts';
export { ensurePolicyPublished, publishPolicy, type PublishResult } from './service.ts';
export { currentPolicyVersionExpression, currentPolicyVersionNumber } from './queries.ts';
export { checkPolicyBytes, checkPolicyString, formatOfFileName, MAX_POLICY_BYTES } from './policy-text.ts';
