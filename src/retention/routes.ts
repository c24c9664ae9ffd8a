/**
 * /api/v1/operator/retention-runs (the runs and their counts; a run or a dry run now) and
 * /api/v1/operator/clients/:clientId/legal-holds (placing and releasing holds). Operator staff only.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../context.ts';
import { errorResponseSchema, HttpError } from '../http/errors.ts';
import { listLegalHolds, placeLegalHold, releaseLegalHold } from './legal-holds.ts';
import { listRetentionRuns, runRetention } from './run-retention.ts';

const tableCounts = z.record(z.string(), z.object({ anonymised: z.number().int(), deleted: z.number().int() }));
const skipCounts = z.record(z.string(), z.number().int());

const runSchema = z.object({
  id: z.string().uuid(),
  dryRun: z.boolean(),
  trigger: z.enum(['schedule', 'cli', 'operator']),
  startedAt: z.string().datetime(),
  finishedAt: z.string().datetime().nullable(),
  clients: z.number().int(),
  totals: tableCounts,
  skipped: skipCounts,
  error: z.string().nullable(),
});

const reportSchema = z.object({
  runId: z.string().uuid(),
  dryRun: z.boolean(),
  startedAt: z.string().datetime(),
  finishedAt: z.string().datetime(),
  clients: z.number().int(),
  totals: tableCounts,
  skipped: skipCounts,
});

const holdSchema = z.object({
  id: z.string().uuid(),
  scope: z.enum(['client', 'end_customer', 'feedback']),
  feedbackId: z.string().uuid().nullable(),
  endCustomerId: z.string().uuid().nullable(),
  reason: z.string(),
  placedAt: z.string().datetime(),
  releasedAt: z.string().datetime().nullable(),
});

const newHoldSchema = z
  .object({
    reason: z.string().trim().min(3, 'say why the rows must be kept (the order or matter), in at least 3 characters').max(500),
    feedbackId: z.string().uuid('feedbackId must be a feedback id').optional(),
    endCustomerId: z.string().uuid('endCustomerId must be an end customer id').optional(),
  })
  .strict()
  .refine((b) => !(b.feedbackId && b.endCustomerId), { message: 'Hold one feedback or one end customer, not both (or neither, for the whole client).' });

const holdRefusals = {
  client_not_found: ['not_found', 'There is no such client.'],
  feedback_not_found: ['validation_failed', 'That feedback is not one of this client’s.'],
  end_customer_not_found: ['validation_failed', 'That end customer is not one of this client’s.'],
} as const;

export const retentionRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['operator'];

  api.get(
    '/api/v1/operator/retention-runs',
    { schema: { tags, summary: 'Retention runs, newest first, with what each anonymised, deleted and left alone', response: { 200: z.array(runSchema), 403: errorResponseSchema } } },
    async (request) => {
      await request.requireOperator();
      return listRetentionRuns(services);
    },
  );

  api.post(
    '/api/v1/operator/retention-runs',
    {
      schema: {
        tags,
        summary: 'Apply retention now (or, with dryRun, report what it would do and change nothing)',
        body: z.object({ dryRun: z.boolean() }).strict(),
        response: { 200: reportSchema, 403: errorResponseSchema },
      },
    },
    async (request) => {
      const operator = await request.requireOperator();
      const report = await runRetention(services, { dryRun: request.body.dryRun, trigger: 'operator', actorId: operator.user.id });
      const { perClient: _perClient, ...summary } = report;
      return summary;
    },
  );

  api.get(
    '/api/v1/operator/clients/:clientId/legal-holds',
    { schema: { tags, summary: "A client's legal holds, active and released", params: z.object({ clientId: z.string().uuid() }), response: { 200: z.array(holdSchema), 403: errorResponseSchema, 404: errorResponseSchema } } },
    async (request) => {
      await request.requireOperator();
      const holds = await listLegalHolds(services, request.params.clientId);
      if (!holds) throw new HttpError('not_found', 'There is no such client.');
      return holds;
    },
  );

  api.post(
    '/api/v1/operator/clients/:clientId/legal-holds',
    {
      schema: {
        tags,
        summary: 'Place a legal hold: retention leaves the held rows as they are until it is released',
        params: z.object({ clientId: z.string().uuid() }),
        body: newHoldSchema,
        response: { 201: z.object({ id: z.string().uuid() }), 400: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const operator = await request.requireOperator();
      const result = await placeLegalHold(services, { clientId: request.params.clientId, ...request.body, operatorId: operator.user.id });
      if (!result.ok) {
        const [code, message] = holdRefusals[result.reason];
        throw new HttpError(code, message);
      }
      return reply.code(201).send({ id: result.id });
    },
  );

  api.post(
    '/api/v1/operator/clients/:clientId/legal-holds/:holdId/release',
    {
      schema: {
        tags,
        summary: 'Release a legal hold',
        params: z.object({ clientId: z.string().uuid(), holdId: z.string().uuid() }),
        response: { 200: z.object({ ok: z.literal(true) }), 403: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema },
      },
    },
    async (request) => {
      const operator = await request.requireOperator();
      const result = await releaseLegalHold(services, { ...request.params, operatorId: operator.user.id });
      if (result === 'not_found') throw new HttpError('not_found', 'There is no such hold on this client.');
      if (result === 'already_released') throw new HttpError('conflict', 'This hold was released already.');
      return { ok: true as const };
    },
  );
};
