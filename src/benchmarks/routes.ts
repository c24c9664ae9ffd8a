/** /api/v1/benchmarks: where a business stands among similar ones, and its benchmark settings. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../context.ts';
import { errorResponseSchema, HttpError } from '../http/errors.ts';
import { benchmarkProfileSchema, benchmarksQuerySchema, benchmarksSchema, updateBenchmarkProfileSchema } from './schemas.ts';
import { buildBenchmarks, findProfile, updateProfile } from './service.ts';

const errors = { 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema };

export const benchmarkRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/api/v1/benchmarks',
    {
      schema: {
        tags: ['benchmarks'],
        summary: "This business's score against similar businesses: its percentile and the cell's median and quartiles, or why the comparison is hidden",
        description:
          'Cells are the businesses of the same industry (optionally the same region) that contribute. A cell is shown only with at least 5 other contributing businesses (each with at least 10 responses in the period), at least 100 responses, and no business with more than half of them. Only people who see the whole business may ask.',
        querystring: benchmarksQuerySchema,
        response: { 200: benchmarksSchema, ...errors },
      },
    },
    async (request) => {
      const access = await request.requireAccess('feedback.read');
      const result = await buildBenchmarks(services, access, request.query);
      if (result.ok) return result.benchmarks;
      if (result.reason === 'invalid_period') throw new HttpError('validation_failed', result.message);
      throw new HttpError('forbidden', 'Benchmarks compare whole businesses, so only people who see every location may open them.');
    },
  );

  api.get(
    '/api/v1/benchmarks/profile',
    { schema: { tags: ['benchmarks'], summary: "This business's industry, region and whether it contributes to benchmarks", response: { 200: benchmarkProfileSchema, ...errors } } },
    async (request) => findProfile(services, await request.requireAccess('feedback.read')),
  );

  api.put(
    '/api/v1/benchmarks/profile',
    {
      schema: {
        tags: ['benchmarks'],
        summary: "Choose this business's industry and region, and whether it contributes to other businesses' benchmarks (admins)",
        body: updateBenchmarkProfileSchema,
        response: { 200: benchmarkProfileSchema, ...errors },
      },
    },
    async (request) => updateProfile(services, await request.requireAccess('settings.manage'), request.body),
  );
};
