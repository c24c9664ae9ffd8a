/** /api/v1/dashboard: a programme's figures for a period and location scope. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../context.ts';
import { errorResponseSchema, HttpError } from '../http/errors.ts';
import { buildDashboard } from './dashboard.ts';
import { dashboardQuerySchema, dashboardSchema } from './schemas.ts';


export const dashboardRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/api/v1/dashboard',
    {
      schema: {
        tags: ['reports'],
        summary: 'Dashboard: responses, score with 95% intervals, channels, trend and ranked location and staff tables',
        description:
          'Figures come from the daily rollups, in the client\'s own calendar. A manager or viewer sees only the locations in their scope.',
        querystring: dashboardQuerySchema,
        response: { 200: dashboardSchema, 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema },
      },
    },
    async (request) => {
      const access = await request.requireAccess('feedback.read');
      const result = await buildDashboard(services, access, request.query);
      if (result.ok) return result.dashboard;
      if (result.reason === 'invalid_period') throw new HttpError('validation_failed', result.message);
      if (result.reason === 'location_not_found') throw new HttpError('not_found', 'There is no location with this id among the locations you can see.');
      throw new HttpError('not_found', 'There is no programme with this id in this business.');
    },
  );
};
