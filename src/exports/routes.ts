/**
 * /api/v1/operator/…exports: an operator exports a client (the zip streams in the answer;
 * no copy stays on the server) and lists the exports made.
 */
import { PassThrough } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../context.ts';
import { errorResponseSchema, HttpError } from '../http/errors.ts';
import { startClientExport } from './export-client.ts';
import { latestClientExport, listClientExports } from './records.ts';
import * as s from './schemas.ts';

/** A stream is sent as it is, never through the serializer. */
export const zipResponseSchema = z.unknown().describe('The zip (application/zip), streamed');

export const exportRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['operator'];

  api.post(
    '/api/v1/operator/clients/:clientId/export',
    {
      schema: {
        tags,
        summary: "Export all of a client's data as a zip (JSON Lines and CSV per kind, manifest.json, SCHEMA.md), streamed in the answer; audited",
        params: s.clientParamsSchema,
        response: { 200: zipResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const signedIn = await request.requireOperator();
      const started = await startClientExport(services, request.params.clientId, { via: 'api', userId: signedIn.user.id, label: signedIn.user.email });
      if (!started) throw new HttpError('not_found', 'There is no client with this id.');
      const body = new PassThrough();
      started.run(body).catch((error: unknown) => {
        // Recorded as failed with its reason; the log names the export only.
        request.log.warn({ exportId: started.exportId, error: error instanceof Error ? error.name : 'unknown' }, 'client export did not finish');
      });
      reply
        .header('content-type', 'application/zip')
        .header('content-disposition', `attachment; filename="${started.fileName}"`)
        .header('cache-control', 'no-store')
        .header('x-hark-export-id', started.exportId);
      return reply.send(body);
    },
  );

  api.get(
    '/api/v1/operator/exports',
    { schema: { tags, summary: 'Client exports made, newest first', querystring: s.exportListQuerySchema, response: { 200: z.array(s.clientExportSchema), 403: errorResponseSchema } } },
    async (request) => {
      await request.requireOperator();
      return listClientExports(services.db, request.query);
    },
  );

  api.get(
    '/api/v1/operator/clients/:clientId/exports/latest',
    { schema: { tags, summary: "The client's newest complete export", params: s.clientParamsSchema, response: { 200: s.clientExportSchema, 403: errorResponseSchema, 404: errorResponseSchema } } },
    async (request) => {
      await request.requireOperator();
      const latest = await latestClientExport(services.db, request.params.clientId);
      if (!latest) throw new HttpError('not_found', 'This client has no complete export.');
      return latest;
    },
  );
};
