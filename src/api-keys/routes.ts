/**
 * /api/v1/api-keys: admins make and revoke a client's API keys (people only: a key cannot
 * make keys). POST /api/v1/feedback: a client's system posts feedback by key.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Access } from '../accounts/index.ts';
import type { Services } from '../context.ts';
import { errorResponseSchema, HttpError } from '../http/errors.ts';
import { apiFeedbackBodySchema, apiFeedbackCreatedSchema, idempotencyKeyPattern } from './api-schemas.ts';
import { apiKeyBodySchema, apiKeyParamsSchema, apiKeySchema, createdApiKeySchema } from './schemas.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './service.ts';
import { submitFeedbackByApi } from './submit-by-api.ts';

const refusals = {
  not_found: ['not_found', 'There is no such API key.'],
  unknown_location: ['validation_failed', 'One of the locations is not one of this business’s locations.'],
  already_revoked: ['conflict', 'This API key was already revoked.'],
} as const;

function personOnly(access: Access): Access {
  if (access.apiKey) throw new HttpError('forbidden', 'API keys are managed by people signed in to the portal, not by API keys.');
  return access;
}

export const apiKeyRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['api keys'];

  api.get('/api/v1/api-keys', { schema: { tags, summary: 'API keys of the business (never the keys themselves)', response: { 200: z.array(apiKeySchema) } } }, async (request) =>
    listApiKeys(services, personOnly(await request.requireAccess('settings.manage'))),
  );

  api.post(
    '/api/v1/api-keys',
    { schema: { tags, summary: 'Make an API key (shown once)', body: apiKeyBodySchema, response: { 201: createdApiKeySchema, 400: errorResponseSchema, 403: errorResponseSchema } } },
    async (request, reply) => {
      const access = personOnly(await request.requireAccess('settings.manage'));
      const made = await createApiKey(services, access, request.body);
      if (!made.ok) {
        const [code, message] = refusals[made.reason];
        throw new HttpError(code, message);
      }
      return reply.code(201).header('cache-control', 'no-store').send(made.value);
    },
  );

  api.delete(
    '/api/v1/api-keys/:apiKeyId',
    { schema: { tags, summary: 'Revoke an API key (it stops working at once)', params: apiKeyParamsSchema, response: { 200: apiKeySchema, 404: errorResponseSchema, 409: errorResponseSchema } } },
    async (request) => {
      const access = personOnly(await request.requireAccess('settings.manage'));
      const revoked = await revokeApiKey(services, access, request.params.apiKeyId);
      if (!revoked.ok) {
        const [code, message] = refusals[revoked.reason];
        throw new HttpError(code, message);
      }
      return revoked.value;
    },
  );

  const submitMessages = {
    unknown_location: 'locationId is not an active location this key may submit feedback for.',
    unknown_sub_measure: 'subMeasureId is not an active sub-measure of that location.',
    idempotency_mismatch: 'This Idempotency-Key was already used with a different request body. Use a new key for a new submission.',
  } as const;

  api.post(
    '/api/v1/feedback',
    {
      bodyLimit: 16 * 1024,
      schema: {
        tags: ['feedback'],
        summary: 'Submit feedback captured by your system (API key with feedback:write; Idempotency-Key required)',
        headers: z.object({ 'idempotency-key': z.string().optional().describe('a unique key per submission (1–255 printable characters); a retry with the same key and body returns the first answer') }),
        body: apiFeedbackBodySchema,
        response: { 200: apiFeedbackCreatedSchema, 201: apiFeedbackCreatedSchema, 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 409: errorResponseSchema, 413: errorResponseSchema, 422: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const access = await request.requireAccess('feedback.submit');
      const key = request.headers['idempotency-key'];
      if (!key) throw new HttpError('validation_failed', 'Send an Idempotency-Key header (a unique value per submission, such as a UUID), so that a retry cannot store the feedback twice.');
      if (!idempotencyKeyPattern.test(key)) throw new HttpError('validation_failed', 'The Idempotency-Key header must be 1 to 255 printable characters without spaces.');
      const result = await submitFeedbackByApi(services, access, key, request.body);
      if (!result.ok) {
        if (result.reason === 'idempotency_mismatch') throw new HttpError('conflict', submitMessages.idempotency_mismatch);
        throw new HttpError('validation_failed', result.reason === 'invalid' ? result.message : submitMessages[result.reason]);
      }
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(result.answer.statusCode as 201).send(apiFeedbackCreatedSchema.parse(result.answer.body));
    },
  );
};
