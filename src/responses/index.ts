/**
 * Responses: replies to end customers (email now; SMS with the SMS adapter) and internal
 * notes on a feedback's timeline, and the reply templates admins prepare per score band;
 * the response.sent webhook event once a reply has gone out.
 */
export { recordResponse, listResponses, type TimelineResponse } from './service.ts';
export { createDefaultTemplates, fillTemplate, listTemplates } from './templates.ts';
export { responseRoutes } from './routes.ts';
export { sendResponseJob } from './jobs/send-response.ts';
export { enqueueResponseSent } from './response-sent.ts';
export const responseQueues = [{ name: 'send-response', policy: 'standard' as const, retryLimit: 10, retryDelaySeconds: 10 }];
