/**
 * Assembles the Fastify app. Only the entry point calls `listen`; tests use the app as
 * built here, over real HTTP.
 */
import formbody from '@fastify/formbody';
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Services } from '../context.ts';
import { accountRoutes } from '../accounts/index.ts';
import { backupRoutes } from '../backups/index.ts';
import { feedbackRoutes, inboxRoutes, renderProblemPage } from '../feedback/index.ts';
import { programmeRoutes } from '../programmes/index.ts';
import { dashboardRoutes, monthlyReportRoutes, rankingRoutes } from '../reports/index.ts';
import { benchmarkRoutes } from '../benchmarks/index.ts';
import { responseRoutes } from '../responses/index.ts';
import { smsRoutes } from '../sms/index.ts';
import { alertRoutes } from '../alerts/index.ts';
import { caseRoutes } from '../cases/index.ts';
import { commentRoutes } from '../comments/index.ts';
import { exportRoutes } from '../exports/index.ts';
import { disclosureRoutes } from '../disclosures/index.ts';
import { retentionRoutes } from '../retention/index.ts';
import { prizeDrawRoutes } from '../prizes/index.ts';
import { policyRoutes } from '../privacy/policies/index.ts';
import { complaintRoutes } from '../privacy/complaints/index.ts';
import { privacyRequestPages, privacyRequestRoutes } from '../privacy/requests/index.ts';
import { terminationRoutes } from '../termination/index.ts';
import { analyticsRoutes } from '../analytics/index.ts';
import { statisticsReleaseRoutes } from '../statistics-release/index.ts';
import { siteRoutes } from '../site/index.ts';
import { apiKeyRoutes, invitationRoutes } from '../api-keys/index.ts';
import { webhookRoutes } from '../webhooks/index.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { answerRateLimitedByIp, DATABASE_RETRY_AFTER_SECONDS, errorBody, errorCatalogue, HttpError, RateLimitedError, type ErrorCode } from './errors.ts';
import { healthRoutes } from './health-routes.ts';
import { metricsPlugin, type PoolStats } from './metrics.ts';
import { portalRoutes } from './portal.ts';
import { refuseNulCharactersPlugin } from './refuse-nul-characters.ts';
import { sessionAuthPlugin } from './session-auth.ts';

export interface BuildAppOptions {
  services: Services;
  logger: Logger | false;
  /** Resolves when start-up has finished (migrations, demo data); /healthz answers 503 until then. */
  isReady: () => boolean;
  /** The database pool's connections, for /metrics. */
  poolStats?: () => PoolStats;
}

export async function buildApp({ services, logger, isReady, poolStats }: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger || undefined,
    logger: logger ? undefined : false,
    trustProxy: services.config.trustProxy,
    bodyLimit: 256 * 1024,
    genReqId: () => crypto.randomUUID(),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(swagger, {
    openapi: { info: { title: 'Hark API', version: '0.1.0' } },
    transform: jsonSchemaTransform,
  });
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await app.register(rateLimit, { global: false });

  // One policy for every page: the feedback pages need only their inline style; the portal
  // loads its own scripts and styles and talks only to this origin. The policy has no part
  // that changes per request (no nonces), so helmet's headers are worked out once here and
  // copied onto each response (running helmet's middleware per request was 4 % of the CPU of
  // a feedback submission, and @fastify/helmet also rebuilt the middleware each time).
  const securityHeaders = headersOf(helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        manifestSrc: ["'self'"],
      },
    },
    referrerPolicy: { policy: 'same-origin' },
    frameguard: { action: 'deny' },
    strictTransportSecurity: services.publicUrl.startsWith('https://'),
    crossOriginEmbedderPolicy: false,
  }));
  app.addHook('onRequest', (request, reply, done) => {
    for (const [name, value] of securityHeaders) reply.raw.setHeader(name, value);
    done();
  });
  await app.register(sessionAuthPlugin, { services });
  await app.register(refuseNulCharactersPlugin);

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const wantsHtml = !request.url.startsWith('/api/') && !request.url.startsWith('/sms/') && request.method !== 'HEAD';
    let code: ErrorCode;
    let message: string | undefined;
    if (error instanceof HttpError) {
      code = error.code;
      message = error.message;
    } else if (hasZodFastifySchemaValidationErrors(error)) {
      code = 'validation_failed';
      message = `The request is not valid: ${error.validation.map((v) => `${v.instancePath || 'input'} ${v.message}`).join('; ')}`;
    } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      code = 'body_too_large';
    } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      code = 'unsupported_media_type';
    } else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      code = 'validation_failed';
      message = 'The request could not be read.';
    } else if (isDatabaseUnavailable(error)) {
      // Not a fault in Hark: the database is restarting or unreachable. The code says which
      // (a SQLSTATE or a socket error); the message of a driver error could quote a query.
      request.log.warn({ code: (error as { code?: unknown }).code ?? null }, 'database unavailable');
      code = 'database_unavailable';
    } else {
      request.log.error({ err: error }, 'request failed');
      code = 'internal';
    }
    const body = errorBody(code, message);
    reply.code(errorCatalogue[code].status);
    if (error instanceof RateLimitedError) reply.header('retry-after', String(error.retryAfterSeconds));
    if (code === 'database_unavailable') reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
    if (wantsHtml) {
      return reply.type('text/html; charset=utf-8').send(renderProblemPage('Sorry', body.error.message));
    }
    return reply.send(body);
  });

  // Before every route: its onResponse hook counts every request, the 404s included.
  await app.register(metricsPlugin, { services, poolStats });
  await app.register(healthRoutes, { services, isReady });
  await app.register(feedbackRoutes, { services });
  await app.register(accountRoutes, { services });
  await app.register(inboxRoutes, { services });
  await app.register(responseRoutes, { services });
  await app.register(programmeRoutes, { services });
  await app.register(dashboardRoutes, { services });
  await app.register(rankingRoutes, { services });
  await app.register(monthlyReportRoutes, { services });
  await app.register(benchmarkRoutes, { services });
  await app.register(smsRoutes, { services });
  await app.register(alertRoutes, { services });
  await app.register(caseRoutes, { services });
  await app.register(commentRoutes, { services });
  await app.register(exportRoutes, { services });
  await app.register(disclosureRoutes, { services });
  await app.register(backupRoutes, { services });
  await app.register(retentionRoutes, { services });
  await app.register(prizeDrawRoutes, { services });
  await app.register(policyRoutes, { services });
  await app.register(complaintRoutes, { services });
  await app.register(privacyRequestPages, { services });
  await app.register(privacyRequestRoutes, { services });
  await app.register(terminationRoutes, { services });
  await app.register(analyticsRoutes, { services });
  await app.register(statisticsReleaseRoutes, { services });
  await app.register(siteRoutes, { services });
  await app.register(apiKeyRoutes, { services });
  await app.register(invitationRoutes, { services });
  await app.register(webhookRoutes, { services });

  await app.register(portalRoutes);
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // A readable page of the same document, served from this origin (no CDN).
  const docsLimit = app.rateLimit({
    max: services.config.rateLimits.pagePerIp,
    timeWindow: services.config.rateLimits.windowSeconds * 1000,
    groupId: 'api-docs',
    errorResponseBuilder: answerRateLimitedByIp,
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/v1/docs',
    staticCSP: true,
    // Swagger UI's own policy, changed in two places: no upgrade to https (it breaks
    // plain-http installations such as the embedded demo on localhost), and inline style
    // attributes allowed, which Swagger UI sets as it renders (styles only; scripts stay
    // limited to this origin and the hashes of its own inline scripts).
    transformStaticCSP: (header) =>
      header.replace(/\s*upgrade-insecure-requests;?/, '').replace(/style-src [^;]*;/, "style-src 'self' 'unsafe-inline';"),
    // Over a hundred operations: the page opens with its tags folded, so it shows at once.
    uiConfig: { docExpansion: 'none', deepLinking: true },
    uiHooks: { onRequest: docsLimit },
  });

  const notFoundLimit = app.rateLimit({
    max: services.config.rateLimits.pagePerIp,
    timeWindow: services.config.rateLimits.windowSeconds * 1000,
    groupId: 'not-found',
    errorResponseBuilder: answerRateLimitedByIp,
  });
  app.setNotFoundHandler({ preHandler: notFoundLimit }, (request, reply) => {
    if (request.url.startsWith('/api/')) return reply.code(404).send(errorBody('not_found'));
    return reply.code(404).type('text/html; charset=utf-8').send(renderProblemPage('Page not found', 'There is nothing at this address.'));
  });

  return app;
}

/** The headers a helmet middleware sets, found by running it once against a response that records them. */
function headersOf(middleware: ReturnType<typeof helmet>): [string, string][] {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => headers.set(name.toLowerCase(), String(value)),
    removeHeader: (name: string) => headers.delete(name.toLowerCase()),
  };
  let finished = false;
  middleware({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
    finished = true;
  });
  if (!finished) throw new Error('helmet did not finish synchronously');
  return [...headers];
}
