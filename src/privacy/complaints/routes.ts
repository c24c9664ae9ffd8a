/**
 * GET/POST /privacy/complaint: the public form (no JavaScript, rate limited by IP); and
 * /api/v1/operator/complaints…: the operator's queue, a complaint, recording one that came
 * by phone, and moving it on.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../context.ts';
import { refuseCrossSiteForm } from '../../http/cross-site-forms.ts';
import { answerRateLimitedByIp, errorResponseSchema, HttpError, RateLimitedError } from '../../http/errors.ts';
import { renderComplaintForm, renderComplaintReceived, type ComplaintFormErrors } from './pages.ts';
import * as s from './schemas.ts';
import { changeComplaintStatus, listComplaints, readComplaint, receiveComplaint } from './service.ts';

const dayWords = (isoDay: string) => new Intl.DateTimeFormat('en-NZ', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${isoDay}T00:00:00Z`));

export const complaintRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { rateLimits } = services.config;
  const window = rateLimits.windowSeconds * 1000;
  const limitPages = app.rateLimit({ max: rateLimits.pagePerIp, timeWindow: window, groupId: 'privacy-complaint-page', errorResponseBuilder: answerRateLimitedByIp });
  // Complaints per IP per window (HARK_PRIVACY_COMPLAINT_LIMIT_PER_IP): a person needs one or two; a flood is refused.
  const submitLimiter = app.createRateLimit({ max: services.config.privacy.complaintLimitPerIp, timeWindow: window, keyGenerator: (request) => `privacy-complaint:${request.ip}` });

  const refuseCrossSite = refuseCrossSiteForm(services);

  function showForm(reply: FastifyReply, status: number, values: Partial<s.ComplaintForm>, errors?: ComplaintFormErrors) {
    return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(renderComplaintForm(values, errors));
  }

  api.get('/privacy/complaint', { schema: { hide: true }, preHandler: limitPages }, async (_request, reply) => showForm(reply, 200, {}));

  api.post(
    '/privacy/complaint',
    {
      schema: { hide: true, body: s.complaintFormSchema },
      bodyLimit: 64 * 1024,
      preHandler: async (request: FastifyRequest) => {
        // Before the limit, so a post from another site does not count against this IP.
        await refuseCrossSite(request);
        const result = await submitLimiter(request);
        if (!result.isAllowed && result.isExceeded) throw new RateLimitedError('ip', result.ttlInSeconds);
      },
      errorHandler: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
        if (error instanceof RateLimitedError) {
          const values = s.complaintFormSchema.safeParse(request.body);
          const minutes = Math.max(1, Math.ceil(error.retryAfterSeconds / 60));
          return showForm(reply.header('retry-after', String(error.retryAfterSeconds)), 429, values.success ? values.data : {}, {
            form: `We have received many complaints from your network just now. Nothing was lost: please wait ${minutes} minute(s) and press Send again.`,
          });
        }
        throw error;
      },
    },
    async (request, reply) => {
      const form = request.body;
      const checked = s.checkedComplaintFormSchema.safeParse({ ...form, business: form.business.trim() || undefined });
      if (!checked.success) {
        const errors: ComplaintFormErrors = {};
        for (const issue of checked.error.issues) {
          const name = issue.path[0] as s.ComplaintFormField;
          errors[name] ??= issue.message;
        }
        return showForm(reply, 400, form, errors);
      }
      const complaint = await receiveComplaint(services, { channel: 'web', ...checked.data }, { operatorId: null });
      return reply.code(200).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(renderComplaintReceived(complaint.reference, dayWords(complaint.dueOn)));
    },
  );

  // ----- operator staff -----
  const tags = ['operator', 'privacy'];

  api.get(
    '/api/v1/operator/complaints',
    {
      schema: {
        tags,
        summary: 'Privacy complaints: overdue first, then by due date; answered ones last (no personal details)',
        querystring: s.complaintListQuerySchema,
        response: { 200: z.array(s.complaintSummarySchema), 401: errorResponseSchema, 403: errorResponseSchema },
      },
    },
    async (request) => {
      await request.requireOperator();
      return listComplaints(services, request.query.state, new Date());
    },
  );

  api.post(
    '/api/v1/operator/complaints',
    {
      schema: {
        tags,
        summary: 'Record a privacy complaint received by phone, email or letter',
        body: s.createComplaintBodySchema,
        response: { 201: s.complaintSummarySchema, 400: errorResponseSchema, 403: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const { user } = await request.requireOperator();
      const { receivedAt, ...rest } = request.body;
      const at = receivedAt ? new Date(receivedAt) : new Date();
      if (at.getTime() > Date.now() + 60_000) throw new HttpError('validation_failed', 'The time received cannot be in the future.');
      if (at.getTime() < Date.now() - 365 * 86_400_000) throw new HttpError('validation_failed', 'The time received must be within the last year.');
      const complaint = await receiveComplaint(services, { ...rest, receivedAt: at }, { operatorId: user.id });
      return reply.code(201).send(complaint);
    },
  );

  api.get(
    '/api/v1/operator/complaints/:id',
    {
      schema: { tags, summary: "A complaint with the complainant's details (the read is audited)", params: s.complaintIdParamsSchema, response: { 200: s.complaintSchema, 403: errorResponseSchema, 404: errorResponseSchema } },
    },
    async (request) => {
      const { user } = await request.requireOperator();
      const complaint = await readComplaint(services, request.params.id, user.id);
      if (!complaint) throw new HttpError('not_found', 'There is no such privacy complaint.');
      return complaint;
    },
  );

  api.post(
    '/api/v1/operator/complaints/:id/status',
    {
      schema: {
        tags,
        summary: 'Move a complaint on: received → investigating → responded (with the response) → closed',
        params: s.complaintIdParamsSchema,
        body: s.changeStatusBodySchema,
        response: { 200: s.complaintSchema, 400: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema },
      },
    },
    async (request) => {
      const { user } = await request.requireOperator();
      const result = await changeComplaintStatus(services, request.params.id, user.id, request.body);
      if (!result.ok) {
        switch (result.reason) {
          case 'not_found':
            throw new HttpError('not_found', 'There is no such privacy complaint.');
          case 'transition_not_allowed':
            throw new HttpError('conflict', `A complaint that is ${result.from} cannot move to ${result.to}; it goes received → investigating → responded → closed.`);
          case 'response_required':
            throw new HttpError('validation_failed', 'Write the response to the complainant to mark the complaint responded.');
          case 'response_not_expected':
            throw new HttpError('validation_failed', 'A response is given only when marking the complaint responded.');
        }
      }
      const complaint = await readComplaint(services, request.params.id, user.id);
      if (!complaint) throw new HttpError('not_found');
      return complaint;
    },
  );

};
