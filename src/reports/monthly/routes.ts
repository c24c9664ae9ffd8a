/**
 * /api/v1/reports/monthly: the monthly report PDF of the caller's scope, streamed as a
 * download; /api/v1/account/monthly-report: whether it is emailed to the caller.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../context.ts';
import { errorResponseSchema, HttpError } from '../../http/errors.ts';
import { gatherMonthlyReport } from './gather-report.ts';
import { renderMonthlyReportPdf } from './render-pdf.ts';
import { monthlyReportQuerySchema, subscriptionBodySchema, subscriptionSchema } from './schemas.ts';
import { chooseSubscription, findSubscription } from './subscriptions.ts';

/** Rendering a PDF is CPU work: a person may ask for this many per minute. */
export const REPORTS_PER_USER_PER_MINUTE = 10;

const pdfResponseSchema = z.unknown().describe('The report (application/pdf), streamed');

/** A file-name-safe form of a name: ASCII letters and digits joined by hyphens. */
export function slugOf(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'report'
  );
}

export const monthlyReportRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const userOf = new WeakMap<FastifyRequest, string>();
  const limiter = app.createRateLimit({
    max: REPORTS_PER_USER_PER_MINUTE,
    timeWindow: 60_000,
    keyGenerator: (request) => `monthly-report:${userOf.get(request) ?? request.ip}`,
  });

  api.get(
    '/api/v1/reports/monthly',
    {
      schema: {
        tags: ['reports'],
        summary: 'The monthly report as a PDF: score, volume, trend, channel mix, rankings, themes and recent comments',
        description:
          "The figures are those of GET /api/v1/dashboard and /api/v1/rankings for the month, in the client's own calendar and the caller's location scope. At most 10 reports per person per minute.",
        querystring: monthlyReportQuerySchema,
        response: { 200: pdfResponseSchema, 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema, 429: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const access = await request.requireAccess('feedback.read');
      userOf.set(request, access.userId);
      const limit = await limiter(request);
      if (!limit.isAllowed && limit.isExceeded) {
        reply.header('retry-after', String(limit.ttlInSeconds));
        throw new HttpError('rate_limited', `You have asked for ${REPORTS_PER_USER_PER_MINUTE} reports in the last minute. Please wait ${limit.ttlInSeconds} seconds and try again.`);
      }
      const result = await gatherMonthlyReport(services, access, request.query);
      if (!result.ok) {
        if (result.reason === 'invalid_month') throw new HttpError('validation_failed', result.message);
        if (result.reason === 'location_not_found') throw new HttpError('not_found', 'There is no location with this id among the locations you can see.');
        throw new HttpError('not_found', 'This business has no programme to report on.');
      }
      const { report } = result;
      const scope = request.query.locationId ? `-${slugOf(report.scopeLabel)}` : '';
      const fileName = `hark-monthly-report-${report.month}-${slugOf(report.clientName)}${scope}.pdf`;
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `attachment; filename="${fileName}"`)
        .header('cache-control', 'no-store')
        .send(renderMonthlyReportPdf(report));
    },
  );

  api.get(
    '/api/v1/account/monthly-report',
    {
      schema: {
        tags: ['account'],
        summary: 'Whether the monthly report is emailed to you for the business you are working in',
        response: { 200: subscriptionSchema, 401: errorResponseSchema, 403: errorResponseSchema, 409: errorResponseSchema },
      },
    },
    async (request) => findSubscription(services, await request.requireAccess('feedback.read')),
  );

  api.put(
    '/api/v1/account/monthly-report',
    {
      schema: {
        tags: ['account'],
        summary: 'Choose whether the monthly report is emailed to you for the business you are working in',
        body: subscriptionBodySchema,
        response: { 200: subscriptionSchema, 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 409: errorResponseSchema },
      },
    },
    async (request) => {
      const access = await request.requireAccess('feedback.read');
      if (access.operator) throw new HttpError('forbidden', 'Operator staff looking in do not receive this business’s reports.');
      return chooseSubscription(services, access, request.body.subscribed);
    },
  );
};
