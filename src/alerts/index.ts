/**
 * Alerts: rules (rules.ts) that turn feedback into messages to staff, raised in the
 * transaction that stores or changes the feedback (raise.ts) and sent once each by the
 * dispatcher of every worker process (dispatcher.ts).
 */
export { raiseAlerts, raiseAlertsForMany, type AlertableFeedback } from './raise.ts';
export { enabledRules, forgetRules, ruleMatches, type AlertRule } from './rules.ts';
export { createDefaultAlertRule } from './defaults.ts';
export { alertRoutes } from './routes.ts';
