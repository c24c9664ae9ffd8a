/** /api/v1/operator/backups: the list of backups with the staleness warning, and "back up now". */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../context.ts';
import { errorResponseSchema } from '../http/errors.ts';
import { presentBackup } from './present.ts';
import { backupListSchema, backupSchema } from './schemas.ts';
import { listBackups, requestBackup } from './service.ts';

export const backupRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['operator'];

  api.get(
    '/api/v1/operator/backups',
    {
      schema: {
        tags,
        summary: 'Backups of the whole database, newest first, with a warning when the newest good one is over 26 hours old (operator staff only)',
        response: { 200: backupListSchema, 401: errorResponseSchema, 403: errorResponseSchema },
      },
    },
    async (request) => {
      await request.requireOperator();
      const overview = await listBackups(services);
      return {
        backups: overview.backups.map(presentBackup),
        newestSucceededAt: overview.newestSucceededAt?.toISOString() ?? null,
        warning: overview.warning,
        schedule: { intervalHours: services.config.backups.intervalHours, folder: services.config.backups.dir },
      };
    },
  );

  api.post(
    '/api/v1/operator/backups',
    {
      schema: {
        tags,
        summary: 'Make a backup now: queued for a worker; follow it in the list (operator staff only)',
        response: { 202: backupSchema, 401: errorResponseSchema, 403: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const signedIn = await request.requireOperator();
      const run = await requestBackup(services, { requestedBy: signedIn.user.id });
      return reply.code(202).send(presentBackup(run));
    },
  );
};
