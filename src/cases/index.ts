/**
 * Cases: feedback that needs action, opened by an alert rule or by hand, due by the
 * business's service level in business hours, escalated when overdue, resolved with a code
 * and note, and followed up with "did we fix it?".
 */
export { caseRoutes } from './routes.ts';
export { noteCaseResponse, findCaseOfFeedback } from './service.ts';
export { escalateOverdueCases } from './escalation.ts';
