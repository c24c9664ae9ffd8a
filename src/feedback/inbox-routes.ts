/** /api/v1/feedback: the inbox, a feedback's detail, and changing its status or category. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../context.ts';
import { errorResponseSchema, HttpError } from '../http/errors.ts';
import { findFeedbackDetail, listInbox, updateFeedback } from './inbox.ts';
import * as s from './inbox-schemas.ts';


export const inboxRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/api/v1/feedback',
    { schema: { tags: ['feedback'], summary: 'The inbox: feedback newest first, filtered and paged', querystring: s.inboxQuerySchema, response: { 200: s.inboxPageSchema, 400: errorResponseSchema, 404: errorResponseSchema } } },
    async (request) => {
      const access = await request.requireAccess('feedback.read');
      const result = await listInbox(services, access, request.query);
      if (!result.ok) {
        if (result.reason === 'invalid_cursor') throw new HttpError('validation_failed', 'The cursor is not valid: start again from the first page.');
        throw new HttpError('not_found', result.reason === 'unknown_theme' ? 'There is no such theme.' : 'There is no such location.');
      }
      return { items: result.items, nextCursor: result.nextCursor };
    },
  );

  api.get(
    '/api/v1/feedback/:feedbackId',
    { schema: { tags: ['feedback'], summary: 'One feedback with its contact details (if allowed), timeline and suggested replies', params: s.feedbackParamsSchema, response: { 200: s.feedbackDetailSchema, 404: errorResponseSchema } } },
    async (request) => {
      const access = await request.requireAccess('feedback.read');
      const detail = await findFeedbackDetail(services, access, request.params.feedbackId);
      if (!detail) throw new HttpError('not_found');
      return detail;
    },
  );

  api.patch(
    '/api/v1/feedback/:feedbackId',
    { schema: { tags: ['feedback'], summary: 'Change the status or category of a feedback', params: s.feedbackParamsSchema, body: s.feedbackPatchSchema, response: { 200: s.feedbackDetailSchema, 403: errorResponseSchema, 404: errorResponseSchema } } },
    async (request) => {
      const access = await request.requireAccess('feedback.update');
      if (!(await updateFeedback(services, access, request.params.feedbackId, request.body))) throw new HttpError('not_found');
      const detail = await findFeedbackDetail(services, access, request.params.feedbackId);
      if (!detail) throw new HttpError('not_found');
      return detail;
    },
  );
};
