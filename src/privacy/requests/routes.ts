/** The operator API of privacy requests, under /api/v1/operator/privacy-requests (operator staff only). */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../context.ts';
import { errorResponseSchema, HttpError } from '../../http/errors.ts';
import { appendAudit } from '../../audit/index.ts';
import { buildAccessPackage, readLatestPackage } from './access-package.ts';
import { correctRecord } from './correct.ts';
import { extendRequest, listRequests, refuseRequest, respondToRequest, showRequest, startWork, type StepResult } from './lifecycle.ts';
import { renderPackagePage } from './package-html.ts';
import { loadRequest, verifiedIdentifiers, type LoadedRequest } from './queries.ts';
import * as s from './schemas.ts';
import { searchForRequest } from './search.ts';
import { isWorkable } from './states.ts';

const base = '/api/v1/operator/privacy-requests';
const errors = { 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema };

const stepProblems = {
  not_found: ['not_found', undefined],
  wrong_state: ['conflict', 'The request is not in a state that allows this.'],
  past_due: ['conflict', 'The due date has passed: the Act allows an extension only with notice given before the due date.'],
  no_package: ['conflict', 'Build the access package before answering an access request.'],
} as const;

function unwrap<T>(result: StepResult<T>): T {
  if (result.ok) return result;
  const [code, message] = stepProblems[result.reason];
  throw new HttpError(code, message);
}

export const privacyRequestRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['operator', 'privacy requests'];

  async function workable(id: string, operatorId: string): Promise<LoadedRequest> {
    const request = await loadRequest(services, id);
    if (!request || request.row.state === 'received') throw new HttpError('not_found');
    if (!isWorkable(request.row.state)) throw new HttpError('conflict', 'This request is closed.');
    if (request.row.state === 'verified') await startWork(services, operatorId, request);
    return request;
  }

  api.get(`${base}`, { schema: { tags, summary: 'The queue of privacy requests, fewest working days left first', querystring: s.listQuerySchema, response: { 200: z.array(s.requestSummarySchema), ...errors } } }, async (request) => {
    const { user } = await request.requireOperator();
    return listRequests(services, user.id, request.query.state);
  });

  api.get(`${base}/:id`, { schema: { tags, summary: 'A privacy request, with what its search found (audited)', params: s.requestIdParams, response: { 200: s.requestDetailSchema, ...errors } } }, async (request) => {
    const { user } = await request.requireOperator();
    const detail = await showRequest(services, user.id, request.params.id);
    if (!detail) throw new HttpError('not_found');
    return detail;
  });

  api.post(`${base}/:id/start`, { schema: { tags, summary: 'Start work on a verified request', params: s.requestIdParams, response: { 200: z.object({ ok: z.literal(true) }), ...errors } } }, async (request) => {
    const { user } = await request.requireOperator();
    const loaded = await loadRequest(services, request.params.id);
    if (!loaded || loaded.row.state === 'received') throw new HttpError('not_found');
    unwrap(await startWork(services, user.id, loaded));
    return { ok: true as const };
  });

  api.post(
    `${base}/:id/search`,
    { schema: { tags, summary: 'Search every client for the requester, by blind index (audited in each client touched)', params: s.requestIdParams, body: s.searchBodySchema, response: { 200: s.searchResultSchema, ...errors } } },
    async (request) => {
      const { user } = await request.requireOperator();
      const loaded = await workable(request.params.id, user.id);
      const verified = verifiedIdentifiers(loaded);
      let identifiers = verified;
      if (request.body.identifiers) {
        const asked = request.body.identifiers.map((i) => ({ kind: i.kind, value: i.value.trim().toLowerCase() }));
        const unknown = asked.filter((a) => !verified.some((v) => v.kind === a.kind && v.value.toLowerCase() === a.value));
        if (unknown.length > 0) {
          await appendAudit(services.db, { clientId: null, actorKind: 'operator', actorId: user.id, action: 'privacy.search_refused', subjectKind: 'privacy_request', subjectId: loaded.row.id, details: { reason: 'identifier_not_verified' } });
          throw new HttpError('forbidden', 'Only the identifiers this requester verified can be searched. Ask them to make a request for the other address.');
        }
        identifiers = verified.filter((v) => asked.some((a) => a.kind === v.kind && a.value === v.value.toLowerCase()));
      }
      return searchForRequest(services, loaded.row.id, user.id, identifiers);
    },
  );

  api.post(`${base}/:id/package`, { schema: { tags, summary: 'Build the access package (every client searched again)', params: s.requestIdParams, response: { 200: s.packageSummarySchema, ...errors } } }, async (request) => {
    const { user } = await request.requireOperator();
    const loaded = await workable(request.params.id, user.id);
    if (loaded.row.kind !== 'access') throw new HttpError('conflict', 'Only an access request has an access package.');
    return buildAccessPackage(services, loaded, user.id);
  });

  api.get(
    `${base}/:id/package`,
    { schema: { tags, summary: 'The latest access package, as JSON (audited); ?format=html for the readable page', params: s.requestIdParams, querystring: z.object({ format: z.enum(['json', 'html']).default('json') }), ...{} } },
    async (request, reply) => {
      const { user } = await request.requireOperator();
      const loaded = await loadRequest(services, request.params.id);
      if (!loaded || loaded.row.state === 'received') throw new HttpError('not_found');
      const latest = await readLatestPackage(services, loaded.row.id);
      if (!latest) throw new HttpError('not_found', 'No access package has been built for this request yet.');
      await appendAudit(services.db, { clientId: null, actorKind: 'operator', actorId: user.id, action: 'privacy.access_package_read', subjectKind: 'privacy_request', subjectId: loaded.row.id, details: { package: latest.id } });
      reply.header('cache-control', 'no-store');
      if (request.query.format === 'html') return reply.type('text/html; charset=utf-8').send(renderPackagePage(latest.content));
      reply.header('content-disposition', `attachment; filename="access-package-${loaded.row.id}.json"`);
      return reply.type('application/json').send(JSON.stringify(latest.content, null, 2));
    },
  );

  api.post(`${base}/:id/extend`, { schema: { tags, summary: 'Extend the due date, notifying the requester before it passes', params: s.requestIdParams, body: s.extendBodySchema, response: { 200: z.object({ dueOn: z.string() }), ...errors } } }, async (request) => {
    const { user } = await request.requireOperator();
    const loaded = await loadRequest(services, request.params.id);
    if (!loaded || loaded.row.state === 'received') throw new HttpError('not_found');
    const { dueOn } = unwrap(await extendRequest(services, user.id, loaded, request.body));
    return { dueOn };
  });

  api.post(
    `${base}/:id/respond`,
    { schema: { tags, summary: 'Answer the request; an access request’s package goes as a single-use link valid 7 days', params: s.requestIdParams, body: s.closeBodySchema, response: { 200: z.object({ sentTo: z.enum(['email', 'mobile']), linkExpiresAt: z.string().datetime().nullable() }), ...errors } } },
    async (request) => {
      const { user } = await request.requireOperator();
      const loaded = await loadRequest(services, request.params.id);
      if (!loaded || loaded.row.state === 'received') throw new HttpError('not_found');
      const { sentTo, linkExpiresAt } = unwrap(await respondToRequest(services, user.id, loaded, request.body.message));
      return { sentTo, linkExpiresAt };
    },
  );

  api.post(`${base}/:id/refuse`, { schema: { tags, summary: 'Refuse the request, telling the requester why', params: s.requestIdParams, body: s.closeBodySchema, response: { 200: z.object({ sentTo: z.enum(['email', 'mobile']) }), ...errors } } }, async (request) => {
    const { user } = await request.requireOperator();
    const loaded = await loadRequest(services, request.params.id);
    if (!loaded || loaded.row.state === 'received') throw new HttpError('not_found');
    const { sentTo } = unwrap(await refuseRequest(services, user.id, loaded, request.body.message));
    return { sentTo };
  });

  api.post(
    `${base}/:id/correct`,
    { schema: { tags, summary: 'Correct a found record (the new value encrypted, the old one hashed in the audit log) or attach a statement of correction', params: s.requestIdParams, body: s.correctBodySchema, response: { 200: z.object({ kind: z.enum(['value', 'statement']), clientNotified: z.number().int() }), ...errors } } },
    async (request) => {
      const { user } = await request.requireOperator();
      const loaded = await workable(request.params.id, user.id);
      const result = await correctRecord(services, user.id, loaded, request.body);
      if (!result.ok) {
        if (result.reason === 'invalid_value') throw new HttpError('validation_failed', 'The new value is not a valid email address or mobile number.');
        throw new HttpError('not_found', 'This request’s search found no such record. Search first, and correct only what it found.');
      }
      return { kind: result.kind, clientNotified: result.clientNotified };
    },
  );
};
