/** /api/v1/rankings and /api/v1/dashboard/change: fair ranked tables, and whether a score changed significantly. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../context.ts';
import { errorResponseSchema, HttpError } from '../http/errors.ts';
import { changeQuerySchema, rankingsQuerySchema, rankingsSchema, scoreChangeSchema } from './ranking-schemas.ts';
import { buildRankings, buildScoreChange } from './rankings.ts';

type Failure = { reason: 'invalid_period'; message: string } | { reason: 'location_not_found' | 'programme_not_found' };

function refuse(failure: Failure): never {
  if (failure.reason === 'invalid_period') throw new HttpError('validation_failed', failure.message);
  if (failure.reason === 'location_not_found') throw new HttpError('not_found', 'There is no location with this id among the locations you can see.');
  throw new HttpError('not_found', 'There is no programme with this id in this business.');
}

const errors = { 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema };

export const rankingRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/api/v1/rankings',
    {
      schema: {
        tags: ['reports'],
        summary: 'Locations or staff ranked fairly: raw score with its 95% interval, count, shrunk score, and the change since the previous period',
        description:
          'From the rollups, in the client\'s own calendar. Ranked by the score shrunk towards the mean of the table (empirical Bayes) or by the lower bound of the 95% interval (`rule`). A manager or viewer sees only the locations in their scope.',
        querystring: rankingsQuerySchema,
        response: { 200: rankingsSchema, ...errors },
      },
    },
    async (request) => {
      const access = await request.requireAccess('feedback.read');
      const result = await buildRankings(services, access, request.query);
      if (result.ok) return result.rankings;
      return refuse(result);
    },
  );

  api.get(
    '/api/v1/dashboard/change',
    {
      schema: {
        tags: ['reports'],
        summary: "The dashboard's headline score against the previous equal-length period, and whether the change is significant at 95%",
        querystring: changeQuerySchema,
        response: { 200: scoreChangeSchema, ...errors },
      },
    },
    async (request) => {
      const access = await request.requireAccess('feedback.read');
      const result = await buildScoreChange(services, access, request.query);
      if (result.ok) return result.change;
      return refuse(result);
    },
  );
};
