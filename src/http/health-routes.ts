import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../context.ts';
import { errorBody } from './errors.ts';

export const healthRoutes: FastifyPluginAsync<{ services: Services; isReady: () => boolean }> = async (app, { isReady }) => {
  /** 200 once start-up (migrations, queue, demo data) has finished. */
  app.get('/healthz', { schema: { hide: true } }, async (_request, reply) => {
    if (!isReady()) return reply.code(503).send(errorBody('not_ready'));
    return { status: 'ok' };
  });
};
