/**
 * /api/v1/operator/disclosures…: the register of legal orders, and the one way data leaves
 * for one (its release, streamed as a zip in the answer).
 */
import { PassThrough } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../context.ts';
import { zipResponseSchema } from '../exports/routes.ts';
import { errorResponseSchema, HttpError } from '../http/errors.ts';
import * as s from './schemas.ts';
import { findDisclosure, listApprovers, listDisclosures, recordDisclosure, startRelease, type RecordResult } from './service.ts';

const recordRefusals: Record<Exclude<RecordResult, { ok: true }>['reason'], string> = {
  unknown_client: 'scope.clientId: there is no client with this id.',
  unknown_approver: 'approverUserId: the approver must be an active operator account.',
  approver_is_recorder: 'approverUserId: the approver must be another operator than the one recording the order.',
  invalid_mobile: 'scope.mobiles: a mobile number is not valid. Give it with its country code (e.g. +64 21 555 0123).',
};

export const disclosureRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['operator'];
  const errors = { 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema };

  api.post(
    '/api/v1/operator/disclosures',
    { schema: { tags, summary: 'Record a legal order (warrant, production order, subpoena, other) with its scope, recipient and approver; audited', body: s.recordDisclosureBodySchema, response: { 201: s.disclosureSchema, ...errors } } },
    async (request, reply) => {
      const { user } = await request.requireOperator();
      const result = await recordDisclosure(services, { id: user.id, name: user.name }, request.body);
      if (!result.ok) throw new HttpError('validation_failed', recordRefusals[result.reason]);
      return reply.code(201).send(result.disclosure);
    },
  );

  api.get(
    '/api/v1/operator/disclosures',
    { schema: { tags, summary: 'The disclosure register, newest first', response: { 200: z.array(s.disclosureSchema), ...errors } } },
    async (request) => {
      await request.requireOperator();
      return listDisclosures(services);
    },
  );

  api.get(
    '/api/v1/operator/disclosures/approvers',
    { schema: { tags, summary: 'Operators who may approve a disclosure you record', response: { 200: z.array(s.approverSchema), ...errors } } },
    async (request) => {
      const { user } = await request.requireOperator();
      return listApprovers(services, user.id);
    },
  );

  api.get(
    '/api/v1/operator/disclosures/:disclosureId',
    { schema: { tags, summary: 'One disclosure, with what left if it was released', params: s.disclosureParamsSchema, response: { 200: s.disclosureSchema, ...errors } } },
    async (request) => {
      await request.requireOperator();
      const disclosure = await findDisclosure(services, request.params.disclosureId);
      if (!disclosure) throw new HttpError('not_found', 'There is no disclosure with this id in the register.');
      return disclosure;
    },
  );

  api.post(
    '/api/v1/operator/disclosures/:disclosureId/release',
    {
      schema: {
        tags,
        summary: "Release a recorded disclosure, once: the zip of its scope streams in the answer; what left and its SHA-256 are recorded; audited",
        params: s.disclosureParamsSchema,
        response: { 200: zipResponseSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { user } = await request.requireOperator();
      const result = await startRelease(services, { id: user.id, name: user.name }, request.params.disclosureId);
      if (!result.ok) {
        if (result.reason === 'not_found') throw new HttpError('not_found', 'There is no disclosure with this id in the register. Record the order first.');
        if (result.reason === 'client_gone') throw new HttpError('conflict', 'The client of this disclosure no longer exists; nothing can be released.');
        throw new HttpError('conflict', 'This disclosure was released already. A further release needs a new disclosure in the register.');
      }
      const body = new PassThrough();
      result.release.run(body).catch((error: unknown) => {
        request.log.warn({ disclosureId: result.release.disclosureId, error: error instanceof Error ? error.name : 'unknown' }, 'disclosure release did not finish');
      });
      reply
        .header('content-type', 'application/zip')
        .header('content-disposition', `attachment; filename="${result.release.fileName}"`)
        .header('cache-control', 'no-store');
      return reply.send(body);
    },
  );
};
