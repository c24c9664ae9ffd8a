/**
 * /api/v1/cases…: the case list, a case, opening, assigning and resolving, the figures and
 * the service level; and /follow-up/:token, the customer's "did we fix it?" page.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { expandLocationScope, inScope, withAccess } from '../accounts/index.ts';
import { forgetRules } from '../alerts/index.ts';
import { appendAudit } from '../audit/index.ts';
import type { Services } from '../context.ts';
import { renderProblemPage, renderPublicPage } from '../feedback/index.ts';
import { answerRateLimitedByIp, errorResponseSchema, HttpError } from '../http/errors.ts';
import { html } from '../lib/html.ts';
import { validateWorkingWeek } from './business-time.ts';
import { answerFollowUpByLink, readFollowUpToken, sendFollowUp } from './follow-up.ts';
import * as s from './schemas.ts';
import { findCase, findCaseOfFeedback, listAssignees, listCases, openCaseByHand, resolveCase, updateCase, type CaseChangeResult } from './service.ts';
import { loadServiceLevel } from './service-level.ts';
import { summariseCases } from './summary.ts';

const refusals = {
  not_found: ['not_found', 'There is no such case among those you can see.'],
  assignee_not_allowed: ['validation_failed', 'A case can go to an owner, admin or manager who can see its location.'],
  already_resolved: ['conflict', 'This case is resolved already.'],
  exists: ['conflict', 'This feedback has a case already.'],
} as const;

function caseOrThrow(result: CaseChangeResult) {
  if (result.ok) return result.case;
  const [code, message] = refusals[result.reason];
  throw new HttpError(code, message);
}

export const caseRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['cases'];

  api.get(
    '/api/v1/cases',
    { schema: { tags, summary: 'Cases: yours, your team’s or unassigned; open ones overdue first', querystring: s.caseListQuerySchema, response: { 200: z.array(s.caseSchema) } } },
    async (request) => listCases(services, await request.requireAccess('feedback.read'), request.query),
  );

  api.get(
    '/api/v1/cases/summary',
    { schema: { tags, summary: 'Open and overdue cases, median time to first response, share resolved in time, recovery rate', querystring: s.summaryQuerySchema, response: { 200: s.summarySchema, 400: errorResponseSchema, 404: errorResponseSchema } } },
    async (request) => {
      const { from, to, locationId } = request.query;
      if (from > to) throw new HttpError('validation_failed', '`from` must not be after `to`.');
      const access = await request.requireAccess('feedback.read');
      if (locationId && !inScope(access, locationId)) throw new HttpError('not_found', 'There is no location with this id among the locations you can see.');
      const locationIds = locationId ? await withAccess(services.db, access, (trx) => expandLocationScope(trx, access.clientId, [locationId])) : undefined;
      return summariseCases(services, access, { from, to, locationIds });
    },
  );

  api.get('/api/v1/cases/service-level', { schema: { tags, summary: 'Business hours and the time a case has', response: { 200: s.serviceLevelSchema } } }, async (request) => {
    const access = await request.requireAccess('feedback.read');
    const level = await withAccess(services.db, access, (trx) => loadServiceLevel(trx, access.clientId));
    return { businessHours: { start: level.start, end: level.end }, businessDays: [...level.days], caseDueHours: level.caseDueHours, timezone: level.timezone };
  });

  api.patch(
    '/api/v1/cases/service-level',
    { schema: { tags, summary: 'Change business hours and the time a case has (for cases opened from now on)', body: s.serviceLevelPatchSchema, response: { 200: s.serviceLevelSchema, 400: errorResponseSchema, 403: errorResponseSchema } } },
    async (request) => {
      const access = await request.requireAccess('settings.manage');
      const change = request.body;
      const level = await withAccess(services.db, access, async (trx) => {
        const current = await loadServiceLevel(trx, access.clientId);
        const next = {
          ...current,
          ...(change.businessHours ? { start: change.businessHours.start, end: change.businessHours.end } : {}),
          ...(change.businessDays ? { days: [...new Set(change.businessDays)].sort() } : {}),
          ...(change.caseDueHours ? { caseDueHours: change.caseDueHours } : {}),
        };
        validateWorkingWeek(next);
        await trx
          .updateTable('clients')
          .set({ business_hours_start: next.start, business_hours_end: next.end, business_days: [...next.days], case_due_hours: next.caseDueHours })
          .where('id', '=', access.clientId)
          .execute();
        await appendAudit(trx, { clientId: access.clientId, actorKind: 'user', actorId: access.userId, action: 'cases.service_level_changed', subjectKind: 'client', subjectId: access.clientId, details: { fields: Object.keys(change).sort().join(',') } });
        return next;
      });
      forgetRules(access.clientId);
      return { businessHours: { start: level.start, end: level.end }, businessDays: [...level.days], caseDueHours: level.caseDueHours, timezone: level.timezone };
    },
  );

  api.get(
    '/api/v1/cases/:caseId',
    { schema: { tags, summary: 'A case', params: s.caseParamsSchema, response: { 200: s.caseSchema, 404: errorResponseSchema } } },
    async (request) => {
      const found = await findCase(services, await request.requireAccess('feedback.read'), request.params.caseId);
      if (!found) throw new HttpError('not_found', refusals.not_found[1]);
      return found;
    },
  );

  api.get(
    '/api/v1/cases/:caseId/assignees',
    { schema: { tags, summary: 'Who may take the case: owners, admins and managers who can see its location', params: s.caseParamsSchema, response: { 200: z.array(s.assigneeSchema), 404: errorResponseSchema } } },
    async (request) => {
      const found = await listAssignees(services, await request.requireAccess('feedback.update'), request.params.caseId);
      if (!found) throw new HttpError('not_found', refusals.not_found[1]);
      return found;
    },
  );

  api.get(
    '/api/v1/feedback/:feedbackId/case',
    { schema: { tags, summary: 'The case of a feedback, if it has one', params: s.feedbackParamsSchema, response: { 200: s.caseSchema, 404: errorResponseSchema } } },
    async (request) => {
      const found = await findCaseOfFeedback(services, await request.requireAccess('feedback.read'), request.params.feedbackId);
      if (!found) throw new HttpError('not_found', 'This feedback has no case.');
      return found;
    },
  );

  api.post(
    '/api/v1/feedback/:feedbackId/case',
    { schema: { tags, summary: 'Open a case on a feedback', params: s.feedbackParamsSchema, body: s.openCaseBodySchema, response: { 201: s.caseSchema, 400: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema } } },
    async (request, reply) => {
      const access = await request.requireAccess('feedback.update');
      return reply.code(201).send(caseOrThrow(await openCaseByHand(services, access, request.params.feedbackId, request.body.assigneeUserId ?? null)));
    },
  );

  api.patch(
    '/api/v1/cases/:caseId',
    { schema: { tags, summary: 'Assign a case, or mark it in progress', params: s.caseParamsSchema, body: s.casePatchSchema, response: { 200: s.caseSchema, 400: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema } } },
    async (request) => caseOrThrow(await updateCase(services, await request.requireAccess('feedback.update'), request.params.caseId, request.body)),
  );

  api.post(
    '/api/v1/cases/:caseId/resolve',
    {
      schema: {
        tags,
        summary: 'Resolve a case with a resolution code and note; optionally ask the customer "did we fix it?"',
        params: s.caseParamsSchema,
        body: s.resolveBodySchema,
        response: { 200: s.resolvedSchema, 400: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema },
      },
    },
    async (request) => {
      const access = await request.requireAccess('feedback.update');
      let followUpSentBy: 'email' | 'sms' | null = null;
      const result = await resolveCase(services, access, request.params.caseId, { resolutionCode: request.body.resolutionCode, note: request.body.note }, async (trx, found) => {
        if (request.body.followUp) followUpSentBy = await sendFollowUp(services, trx, access, found);
      });
      return { ...caseOrThrow(result), followUpSentBy };
    },
  );

  // The customer's answer to "did we fix it?", from the email's links. GET only shows the
  // question (mail scanners open links), the answer is a POST of the page's form.
  const limitPages = app.rateLimit({ max: services.config.rateLimits.pagePerIp, timeWindow: services.config.rateLimits.windowSeconds * 1000, groupId: 'pages-ip', errorResponseBuilder: answerRateLimitedByIp });
  const followUpParams = z.object({ token: z.string().min(10).max(200) });

  api.get(
    '/follow-up/:token',
    { schema: { hide: true, params: followUpParams, querystring: z.object({ answer: z.enum(['yes', 'no']).optional() }) }, preHandler: limitPages },
    async (request, reply) => {
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
      if (!readFollowUpToken(services, request.params.token)) return reply.code(404).send(renderProblemPage('Link not recognised', 'This link is not valid. Please check it was copied in full.'));
      const chosen = request.query.answer;
      const body = html`<h1>Did we fix it?</h1>
<p>Thank you for your feedback. Please tell us whether we put it right.</p>
<form method="post">
<p><button type="submit" name="answer" value="yes">${chosen === 'yes' ? 'Yes, it is fixed (confirm)' : 'Yes, it is fixed'}</button></p>
<p><button type="submit" name="answer" value="no">${chosen === 'no' ? 'No, not yet (confirm)' : 'No, not yet'}</button></p>
</form>`;
      return reply.send(renderPublicPage('Did we fix it?', body));
    },
  );

  api.post(
    '/follow-up/:token',
    { schema: { hide: true, params: followUpParams, body: z.object({ answer: z.enum(['yes', 'no'], 'choose yes or no') }) }, preHandler: limitPages },
    async (request, reply) => {
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
      const outcome = await answerFollowUpByLink(services, request.params.token, request.body.answer);
      if (outcome === 'invalid') return reply.code(404).send(renderProblemPage('Link not recognised', 'This link is not valid. Please check it was copied in full.'));
      const message = outcome === 'already' ? 'We have your answer already. Thank you.' : request.body.answer === 'yes' ? 'Thank you. We are glad it is fixed.' : 'Thank you for telling us. We will keep working on it.';
      return reply.send(renderPublicPage('Thank you', html`<h1>Thank you</h1><p>${message}</p>`));
    },
  );
};
