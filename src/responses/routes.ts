/** /api/v1/response-templates and /api/v1/feedback/:feedbackId/responses. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../context.ts';
import { errorResponseSchema, HttpError } from '../http/errors.ts';
import * as s from './schemas.ts';
import { recordResponse } from './service.ts';
import { archiveTemplate, createTemplate, listTemplates, updateTemplate } from './templates.ts';


const replyProblems = {
  no_email: 'This customer left no email address, so a reply cannot be emailed.',
  no_mobile: 'This customer left no mobile number, so a reply cannot be texted.',
  opted_out: 'This customer opted out of texts (they replied STOP), so a reply cannot be texted.',
  no_sms_number: 'This business has no SMS number set up yet (Settings, SMS).',
} as const;

export const responseRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/api/v1/response-templates', { schema: { tags: ['responses'], summary: 'Reply templates', response: { 200: z.array(s.templateSchema) } } }, async (request) => {
    const access = await request.requireAccess('feedback.read');
    return listTemplates(services, access);
  });

  api.post(
    '/api/v1/response-templates',
    { schema: { tags: ['responses'], summary: 'Add a reply template', body: s.templateBodySchema, response: { 201: s.templateSchema, 403: errorResponseSchema } } },
    async (request, reply) => {
      const access = await request.requireAccess('settings.manage');
      return reply.code(201).send(await createTemplate(services, access, request.body));
    },
  );

  api.patch(
    '/api/v1/response-templates/:templateId',
    { schema: { tags: ['responses'], summary: 'Edit a reply template', params: s.templateParamsSchema, body: s.templatePatchSchema, response: { 200: s.templateSchema, 404: errorResponseSchema } } },
    async (request) => {
      const access = await request.requireAccess('settings.manage');
      const template = await updateTemplate(services, access, request.params.templateId, request.body);
      if (!template) throw new HttpError('not_found');
      return template;
    },
  );

  api.delete(
    '/api/v1/response-templates/:templateId',
    { schema: { tags: ['responses'], summary: 'Archive a reply template', params: s.templateParamsSchema, response: { 200: z.object({ ok: z.literal(true) }), 404: errorResponseSchema } } },
    async (request) => {
      const access = await request.requireAccess('settings.manage');
      if (!(await archiveTemplate(services, access, request.params.templateId))) throw new HttpError('not_found');
      return { ok: true as const };
    },
  );

  api.post(
    '/api/v1/feedback/:feedbackId/responses',
    {
      schema: {
        tags: ['responses'],
        summary: 'Reply to the customer by email or text, or add an internal note',
        params: s.feedbackParamsSchema,
        body: s.responseBodySchema,
        response: { 201: s.responseCreatedSchema, 404: errorResponseSchema, 409: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const access = await request.requireAccess('feedback.respond');
      const result = await recordResponse(services, access, request.params.feedbackId, request.body);
      if (!result.ok) {
        if (result.reason !== 'not_found' && result.reason !== 'forbidden') throw new HttpError('conflict', replyProblems[result.reason]);
        throw new HttpError('not_found');
      }
      return reply.code(201).send({ id: result.responseId, status: result.status, sendAfter: result.sendAfter?.toISOString() ?? null });
    },
  );
};
