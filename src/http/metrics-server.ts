/**
 * The small HTTP server of a worker-only process (`serve --role worker` with
 * HARK_METRICS_PORT): /metrics, /healthz and /readyz, nothing else. A worker has no web
 * server, and without this its job and send counters would go unseen. /metrics is guarded
 * exactly as on the web (the token, or this machine only).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Services } from '../context.ts';
import { errorBody, errorCatalogue, HttpError } from './errors.ts';
import { healthRoutes } from './health-routes.ts';
import { metricsPlugin, type PoolStats } from './metrics.ts';

export interface BuildMetricsAppOptions {
  services: Services;
  logger: Logger | false;
  isReady: () => boolean;
  poolStats?: () => PoolStats;
}

export async function buildMetricsApp({ services, logger, isReady, poolStats }: BuildMetricsAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger || undefined,
    logger: logger ? undefined : false,
    trustProxy: services.config.trustProxy,
    genReqId: () => crypto.randomUUID(),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  app.setErrorHandler((error: Error, request, reply) => {
    if (error instanceof HttpError) return reply.code(errorCatalogue[error.code].status).send(errorBody(error.code, error.message));
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send(errorBody('internal'));
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send(errorBody('not_found')));
  await app.register(metricsPlugin, { services, poolStats });
  await app.register(healthRoutes, { services, isReady });
  return app;
}
