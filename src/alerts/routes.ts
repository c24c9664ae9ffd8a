/** /api/v1/alert-rules: the business's alert rules, managed by admins. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../context.ts';
import { errorResponseSchema, HttpError } from '../http/errors.ts';
import { createRule, deleteRule, listRules, replaceRule, type RuleChange } from './rule-admin.ts';
import { alertRuleBodySchema, alertRuleSchema, ruleParamsSchema } from './schemas.ts';

const refusals = {
  not_found: ['not_found', undefined],
  unknown_location: ['validation_failed', 'One of the locations is not one of this business’s locations.'],
  unknown_assignee: ['validation_failed', 'Cases can be assigned to an owner, admin or manager of this business only.'],
} as const;

function ruleOrThrow(change: RuleChange) {
  if (change.ok) return change.rule;
  const [code, message] = refusals[change.reason];
  throw new HttpError(code, message);
}

export const alertRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['alerts'];

  api.get('/api/v1/alert-rules', { schema: { tags, summary: 'Alert rules', response: { 200: z.array(alertRuleSchema) } } }, async (request) =>
    listRules(services, await request.requireAccess('feedback.read')),
  );

  api.post(
    '/api/v1/alert-rules',
    { schema: { tags, summary: 'Add an alert rule', body: alertRuleBodySchema, response: { 201: alertRuleSchema, 400: errorResponseSchema, 403: errorResponseSchema } } },
    async (request, reply) => reply.code(201).send(ruleOrThrow(await createRule(services, await request.requireAccess('settings.manage'), request.body))),
  );

  api.put(
    '/api/v1/alert-rules/:ruleId',
    { schema: { tags, summary: 'Replace an alert rule', params: ruleParamsSchema, body: alertRuleBodySchema, response: { 200: alertRuleSchema, 400: errorResponseSchema, 404: errorResponseSchema } } },
    async (request) => ruleOrThrow(await replaceRule(services, await request.requireAccess('settings.manage'), request.params.ruleId, request.body)),
  );

  api.delete(
    '/api/v1/alert-rules/:ruleId',
    { schema: { tags, summary: 'Delete an alert rule (its unsent alerts go with it; its cases stay)', params: ruleParamsSchema, response: { 200: z.object({ ok: z.literal(true) }), 404: errorResponseSchema } } },
    async (request) => {
      if (!(await deleteRule(services, await request.requireAccess('settings.manage'), request.params.ruleId))) throw new HttpError('not_found');
      return { ok: true as const };
    },
  );
};
