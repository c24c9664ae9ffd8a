/** /api/v1/webhooks: endpoints (URL, events, secret), their deliveries and each one's attempts, replay and re-enabling. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../context.ts';
import { errorResponseSchema, HttpError } from '../http/errors.ts';
import * as s from './schemas.ts';
import { createEndpoint, deleteEndpoint, listAttempts, listDeliveries, listEndpoints, replayDelivery, updateEndpoint, type WebhookResult } from './service.ts';

const refusals = {
  not_found: ['not_found', 'There is no such webhook endpoint or delivery.'],
  delivery_in_flight: ['conflict', 'This delivery is being sent right now. Wait for the attempt to finish, then replay it.'],
  contact_not_allowed: ['forbidden', 'Only someone who may see customers’ contact details (or a key with contact:read) may send them to an endpoint.'],
  not_a_url: ['validation_failed', 'The URL is not valid: give it in full, such as https://example.com/hooks/hark.'],
  not_http: ['validation_failed', 'Webhook URLs must start with https:// (or http://).'],
  credentials: ['validation_failed', 'Put no user name or password in the URL: verify Hark’s signature instead.'],
  private_address: ['validation_failed', 'Webhook URLs must be reachable on the internet: loopback, private and internal addresses are refused.'],
} as const;

function valueOrThrow<T>(result: WebhookResult<T>): T {
  if (result.ok) return result.value;
  const [code, message] = refusals[result.reason];
  throw new HttpError(code, message);
}

export const webhookRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['webhooks'];
  const errors = { 400: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema };

  api.get('/api/v1/webhooks/endpoints', { schema: { tags, summary: 'Webhook endpoints', response: { 200: z.array(s.endpointSchema), ...errors } } }, async (request) =>
    listEndpoints(services, await request.requireAccess('settings.manage')),
  );

  api.post(
    '/api/v1/webhooks/endpoints',
    { schema: { tags, summary: 'Add a webhook endpoint (its signing secret is shown once)', body: s.endpointBodySchema, response: { 201: s.createdEndpointSchema, ...errors } } },
    async (request, reply) => {
      const made = valueOrThrow(await createEndpoint(services, await request.requireAccess('settings.manage'), request.body));
      return reply.code(201).header('cache-control', 'no-store').send(made);
    },
  );

  api.patch(
    '/api/v1/webhooks/endpoints/:endpointId',
    { schema: { tags, summary: 'Change an endpoint, or enable it again', params: s.endpointParamsSchema, body: s.endpointPatchSchema, response: { 200: s.endpointSchema, ...errors } } },
    async (request) => valueOrThrow(await updateEndpoint(services, await request.requireAccess('settings.manage'), request.params.endpointId, request.body)),
  );

  api.delete(
    '/api/v1/webhooks/endpoints/:endpointId',
    { schema: { tags, summary: 'Delete an endpoint and its deliveries', params: s.endpointParamsSchema, response: { 200: z.object({ ok: z.literal(true) }), ...errors } } },
    async (request) => {
      if (!(await deleteEndpoint(services, await request.requireAccess('settings.manage'), request.params.endpointId))) throw new HttpError('not_found', refusals.not_found[1]);
      return { ok: true as const };
    },
  );

  api.get(
    '/api/v1/webhooks/endpoints/:endpointId/deliveries',
    { schema: { tags, summary: 'An endpoint’s deliveries, newest first', params: s.endpointParamsSchema, querystring: s.deliveriesQuerySchema, response: { 200: z.array(s.deliverySchema), ...errors } } },
    async (request) => {
      const deliveries = await listDeliveries(services, await request.requireAccess('settings.manage'), request.params.endpointId, request.query.limit);
      if (!deliveries) throw new HttpError('not_found', refusals.not_found[1]);
      return deliveries;
    },
  );

  api.get(
    '/api/v1/webhooks/endpoints/:endpointId/deliveries/:deliveryId/attempts',
    { schema: { tags, summary: 'A delivery’s attempts, first to last: when, how long, the answer or why none came', params: s.deliveryParamsSchema, response: { 200: z.array(s.attemptSchema), ...errors } } },
    async (request) => {
      const attempts = await listAttempts(services, await request.requireAccess('settings.manage'), request.params.endpointId, request.params.deliveryId);
      if (!attempts) throw new HttpError('not_found', refusals.not_found[1]);
      return attempts;
    },
  );

  api.post(
    '/api/v1/webhooks/endpoints/:endpointId/deliveries/:deliveryId/replay',
    { schema: { tags, summary: 'Send a delivery again (same payload and webhook-id, a new attempt)', params: s.deliveryParamsSchema, response: { 200: s.deliverySchema, ...errors } } },
    async (request) => valueOrThrow(await replayDelivery(services, await request.requireAccess('settings.manage'), request.params.endpointId, request.params.deliveryId)),
  );
};
