/**
 * /api/v1/operator/statistics-releases: the releases made and the budget left; make one;
 * download one (JSON, or CSV with ?format=csv). Operator staff only.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../context.ts';
import { errorResponseSchema, HttpError } from '../http/errors.ts';
import { renderReleaseCsv, renderReleaseJson } from './render.ts';
import { createdReleaseSchema, newReleaseSchema, releaseDocumentSchema, releaseListSchema } from './schemas.ts';
import { createStatisticsRelease, findStatisticsRelease, listStatisticsReleases } from './service.ts';

export const statisticsReleaseRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['operator'];

  api.get(
    '/api/v1/operator/statistics-releases',
    { schema: { tags, summary: 'Anonymised statistics releases, newest first, and the privacy budget left', response: { 200: releaseListSchema, 403: errorResponseSchema } } },
    async (request) => {
      await request.requireOperator();
      return listStatisticsReleases(services);
    },
  );

  api.post(
    '/api/v1/operator/statistics-releases',
    {
      schema: {
        tags,
        summary: 'Make a release for a third party: suppressed cells, Laplace noise, epsilon charged to the budget (409 when past it)',
        body: newReleaseSchema,
        response: { 201: createdReleaseSchema, 400: errorResponseSchema, 403: errorResponseSchema, 409: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const operator = await request.requireOperator();
      const result = await createStatisticsRelease(services, { ...request.body, via: 'operator', operatorId: operator.user.id, requestedBy: null });
      if (!result.ok) throw new HttpError(result.reason === 'budget_exceeded' ? 'conflict' : 'validation_failed', result.message);
      return reply.code(201).send({ release: result.release, budget: result.budget });
    },
  );

  api.get(
    '/api/v1/operator/statistics-releases/:id',
    {
      schema: {
        tags,
        summary: 'Download a release exactly as it was made (JSON, or CSV with format=csv)',
        params: z.object({ id: z.string().uuid('the release id is a uuid') }),
        querystring: z.object({ format: z.enum(['json', 'csv']).default('json') }).strict(),
        response: { 200: z.union([releaseDocumentSchema, z.string()]), 403: errorResponseSchema, 404: errorResponseSchema },
      },
    },
    async (request, reply) => {
      await request.requireOperator();
      const found = await findStatisticsRelease(services, request.params.id);
      if (!found) throw new HttpError('not_found', 'There is no such statistics release.');
      const name = `hark-statistics-${found.release.period.label.replaceAll('..', '_to_')}-${found.release.id.slice(0, 8)}`;
      if (request.query.format === 'csv') {
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name}.csv"`)
          .send(renderReleaseCsv(found.release, found.cells));
      }
      return reply.header('content-disposition', `attachment; filename="${name}.json"`).send(renderReleaseJson(found.release, found.cells));
    },
  );
};
