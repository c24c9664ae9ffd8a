/** /api/v1/comments (the cloud, comments by term, theme trends) and /api/v1/themes (managed by admins). */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../context.ts';
import { errorResponseSchema, HttpError } from '../http/errors.ts';
import { findCloud, listCommentsWithTerm } from './cloud.ts';
import * as s from './schemas.ts';
import { createTheme, deleteTheme, listThemes, replaceTheme, type ThemeChange } from './theme-admin.ts';
import { findThemeTrend } from './theme-trends.ts';

const noSuchLocation = () => new HttpError('not_found', 'There is no such location.');

function themeOrThrow(change: ThemeChange) {
  if (change.ok) return change.theme;
  switch (change.reason) {
    case 'not_found':
      throw new HttpError('not_found', 'There is no such theme.');
    case 'duplicate_name':
      throw new HttpError('conflict', 'There is already a theme with this name.');
    case 'too_many_themes':
      throw new HttpError('validation_failed', `A business may have at most ${s.MAX_THEMES} themes. Delete one first.`);
    case 'bad_keyword':
      throw new HttpError('validation_failed', change.message);
  }
}

export const commentRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['comments'];

  api.get(
    '/api/v1/comments/cloud',
    { schema: { tags, summary: 'The words and two-word phrases of the period’s comments, with how many comments use them and their average scores', querystring: s.cloudQuerySchema, response: { 200: s.cloudSchema, 400: errorResponseSchema, 404: errorResponseSchema } } },
    async (request) => {
      const result = await findCloud(services, await request.requireAccess('feedback.read'), request.query);
      if (!result.ok) throw noSuchLocation();
      return result.cloud;
    },
  );

  api.get(
    '/api/v1/comments',
    { schema: { tags, summary: 'The comments using a term, newest first', querystring: s.commentsQuerySchema, response: { 200: s.commentPageSchema, 400: errorResponseSchema, 404: errorResponseSchema } } },
    async (request) => {
      const result = await listCommentsWithTerm(services, await request.requireAccess('feedback.read'), request.query);
      if (!result.ok) {
        if (result.reason === 'invalid_cursor') throw new HttpError('validation_failed', 'The cursor is not valid: start again from the first page.');
        throw noSuchLocation();
      }
      return { items: result.items, nextCursor: result.nextCursor };
    },
  );

  api.get(
    '/api/v1/comments/theme-trends',
    { schema: { tags, summary: 'Each theme’s comment count and average scores per day, week or month', querystring: s.trendQuerySchema, response: { 200: s.themeTrendSchema, 400: errorResponseSchema, 404: errorResponseSchema } } },
    async (request) => {
      const result = await findThemeTrend(services, await request.requireAccess('feedback.read'), request.query);
      if (!result.ok) throw noSuchLocation();
      return result.trend;
    },
  );

  api.get('/api/v1/themes', { schema: { tags, summary: 'The business’s comment themes', response: { 200: z.array(s.themeSchema) } } }, async (request) =>
    listThemes(services, await request.requireAccess('feedback.read')),
  );

  api.post(
    '/api/v1/themes',
    { schema: { tags, summary: 'Add a theme (comments are tagged again)', body: s.themeBodySchema, response: { 201: s.themeSchema, 400: errorResponseSchema, 403: errorResponseSchema, 409: errorResponseSchema } } },
    async (request, reply) => reply.code(201).send(themeOrThrow(await createTheme(services, await request.requireAccess('settings.manage'), request.body))),
  );

  api.put(
    '/api/v1/themes/:themeId',
    { schema: { tags, summary: 'Change a theme’s name and keywords (comments are tagged again)', params: s.themeParamsSchema, body: s.themeBodySchema, response: { 200: s.themeSchema, 400: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema } } },
    async (request) => themeOrThrow(await replaceTheme(services, await request.requireAccess('settings.manage'), request.params.themeId, request.body)),
  );

  api.delete(
    '/api/v1/themes/:themeId',
    { schema: { tags, summary: 'Delete a theme', params: s.themeParamsSchema, response: { 200: z.object({ ok: z.literal(true) }), 403: errorResponseSchema, 404: errorResponseSchema } } },
    async (request) => {
      if (!(await deleteTheme(services, await request.requireAccess('settings.manage'), request.params.themeId))) throw new HttpError('not_found', 'There is no such theme.');
      return { ok: true as const };
    },
  );
};
