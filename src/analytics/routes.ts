/**
 * The analytics routes: the script (GET /a.js), the beacon (POST /a/e) and the operator
 * dashboard (GET /api/v1/operator/analytics). The beacon's chain: per-IP limit → body size
 * limit → privacy signals → parse (zod) → user agent → batch writer; every refusal counted.
 */
import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../context.ts';
import { errorBody, errorResponseSchema, HttpError } from '../http/errors.ts';
import { dashboardPeriod } from './days.ts';
import type { DropReason } from './drops.ts';
import { asksNotToBeTracked, ingestBeacon } from './ingest.ts';
import { readDashboard } from './queries.ts';
import { beaconSchema, dashboardQuerySchema, dashboardSchema, MAX_RANGE_DAYS } from './schemas.ts';
import { analyticsDb } from './tables.ts';
import { HitWriter } from './writer.ts';

/** A beacon is a few hundred bytes; anything much larger is not from our script. */
export const BEACON_BODY_LIMIT = 2048;
export const SCRIPT_PATH = '/a.js';
export const BEACON_PATH = '/a/e';

const scriptSource = readFile(new URL('./tracker.js', import.meta.url), 'utf8');

export interface AnalyticsRoutesOptions {
  services: Services;
}

export const analyticsRoutes: FastifyPluginAsync<AnalyticsRoutesOptions> = async (app, { services }) => {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const db = analyticsDb(services.db);
  const writer = new HitWriter(db, services.config.analytics.flushMs, app.log);
  app.addHook('onClose', () => writer.stop());

  const script = await scriptSource;
  app.get(SCRIPT_PATH, { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(script),
  );

  const limiter = app.createRateLimit({
    max: services.config.analytics.limitPerIp,
    timeWindow: services.config.rateLimits.windowSeconds * 1000,
  });

  function refuse(reply: FastifyReply, reason: DropReason, status: 400 | 413 | 415 | 429, message?: string) {
    writer.drop(reason);
    const code = status === 429 ? 'rate_limited' : status === 413 ? 'body_too_large' : status === 415 ? 'unsupported_media_type' : 'validation_failed';
    return reply.code(status).send(errorBody(code, message));
  }

  app.post(
    BEACON_PATH,
    {
      schema: { hide: true },
      bodyLimit: BEACON_BODY_LIMIT,
      // Before the body is read: a flood costs a counter, not a parse.
      onRequest: async (request: FastifyRequest, reply: FastifyReply) => {
        const limit = await limiter(request);
        if (!limit.isAllowed && limit.isExceeded) {
          reply.header('retry-after', String(limit.ttlInSeconds));
          return refuse(reply, 'rate_limited', 429);
        }
      },
      errorHandler: (error: Error & { code?: string; statusCode?: number }, _request, reply) => {
        if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return refuse(reply, 'too_large', 413);
        if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return refuse(reply, 'unreadable', 415);
        if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return refuse(reply, 'unreadable', 400, 'The beacon could not be read.');
        throw error;
      },
    },
    async (request, reply) => {
      const header = (name: string) => {
        const value = request.headers[name];
        return Array.isArray(value) ? value[0] : value;
      };
      // The privacy signals win over everything, a malformed beacon too: only counted.
      if (asksNotToBeTracked(header('dnt'), header('sec-gpc'))) {
        writer.drop('do_not_track');
        return reply.code(204).send();
      }
      let body: unknown = request.body;
      if (typeof body === 'string') {
        try {
          body = JSON.parse(body);
        } catch {
          return refuse(reply, 'unreadable', 400, 'The beacon is not JSON.');
        }
      }
      const parsed = beaconSchema.safeParse(body);
      if (!parsed.success) return refuse(reply, 'invalid', 400, 'The beacon is not valid.');
      const verdict = ingestBeacon({
        beacon: parsed.data,
        userAgent: header('user-agent'),
        doNotTrack: header('dnt'),
        globalPrivacyControl: header('sec-gpc'),
        ownHost: header('host'),
      });
      if (!verdict.ok) {
        if (verdict.reason === 'invalid') return refuse(reply, 'invalid', 400, 'The beacon is not valid.');
        // Bots and privacy signals are told nothing: the answer is the same as for a stored hit.
        writer.drop(verdict.reason);
        return reply.code(204).send();
      }
      writer.add({ hit: verdict.hit, ip: request.ip, receivedAt: new Date() });
      return reply.code(204).send();
    },
  );

  typed.get(
    '/api/v1/operator/analytics',
    {
      schema: {
        tags: ['operator'],
        summary: "The operator's website analytics per day (operator staff only): visitors, views, pages, sources, devices, time on page, dropped beacons",
        querystring: dashboardQuerySchema,
        response: { 200: dashboardSchema, 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema },
      },
    },
    async (request) => {
      await request.requireOperator();
      const { from, to } = dashboardPeriod(request.query);
      if (from > to) throw new HttpError('validation_failed', '`from` must not be after `to`.');
      const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
      if (days > MAX_RANGE_DAYS) throw new HttpError('validation_failed', `Choose at most ${MAX_RANGE_DAYS} days.`);
      return readDashboard(db, from, to);
    },
  );
};
