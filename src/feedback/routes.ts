import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../context.ts';
import { answerRateLimitedByIp, RateLimitedError } from '../http/errors.ts';
import { findFeedbackTarget, scaleOf, type FeedbackTarget } from '../programmes/index.ts';
import { checkFormToken, issueFormToken } from './form-token.ts';
import { feedbackPath, renderFeedbackForm, renderProblemPage, renderThankYou } from './pages.ts';
import { renderQrPng, renderQrSvg } from './qr-code.ts';
import { checkSubmission, feedbackFormSchema, locationParamsSchema, pageQuerySchema, type FeedbackForm, type FieldName } from './schemas.ts';
import { SubmissionBatcher } from './submission-batcher.ts';

const receiptMessages = {
  receipt_code_unknown: 'We could not find that receipt code. Please check it, or leave the box empty.',
  receipt_code_used: 'That receipt code has already been used for feedback. Please leave the box empty.',
  receipt_code_other_location: 'That receipt code belongs to another of our locations. Please check it, or leave the box empty.',
} as const;

const tokenMessages = {
  form_token_invalid: 'This form could not be checked. Nothing was lost: please press Send again.',
  form_token_expired: 'This form was open for a long time. Nothing was lost: please press Send again.',
} as const;

const unknownPlace = {
  unknown_location: ['Feedback page not found', 'We could not find this feedback page. Please check the link or code.'],
  unknown_sub_measure: ['Feedback page not found', 'We could not find the staff member or counter in this link. Please check it.'],
} as const;

export interface FeedbackRoutesOptions {
  services: Services;
}

/** The public feedback pages under /f/: form, submission, thank-you and QR codes. */
export const feedbackRoutes: FastifyPluginAsync<FeedbackRoutesOptions> = async (app, { services }) => {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const { rateLimits } = services.config;
  const submissions = new SubmissionBatcher(services);
  const window = rateLimits.windowSeconds * 1000;

  // Two limits on one submission: per IP (generous enough for a busy venue behind one NAT)
  // and per location (a flood spread over many IPs). The plugin's route hook runs one
  // limiter per request, so both are checked here.
  const ipLimiter = app.createRateLimit({ max: rateLimits.submitPerIp, timeWindow: window });
  const locationLimiter = app.createRateLimit({
    max: rateLimits.submitPerLocation,
    timeWindow: window,
    keyGenerator: (request) => `location:${(request.params as { locationCode?: string }).locationCode?.toLowerCase() ?? ''}`,
  });
  const limitSubmissions = async (request: FastifyRequest) => {
    for (const [scope, limiter] of [['ip', ipLimiter], ['location', locationLimiter]] as const) {
      const result = await limiter(request);
      if (!result.isAllowed && result.isExceeded) throw new RateLimitedError(scope, result.ttlInSeconds);
    }
  };
  const limitPages = app.rateLimit({
    max: rateLimits.pagePerIp,
    timeWindow: window,
    groupId: 'pages-ip',
    errorResponseBuilder: answerRateLimitedByIp,
  });

  async function targetOr404(params: z.infer<typeof locationParamsSchema>, reply: FastifyReply): Promise<FeedbackTarget | null> {
    const lookup = await findFeedbackTarget(services.db, params.locationCode.toLowerCase(), params.subMeasureCode?.toLowerCase());
    if (lookup.ok) return lookup.target;
    const [title, message] = unknownPlace[lookup.reason];
    reply.code(404).type('text/html; charset=utf-8').send(renderProblemPage(title, message));
    return null;
  }

  function showForm(reply: FastifyReply, target: FeedbackTarget, status: number, values: Partial<FeedbackForm>, errors?: Partial<Record<FieldName, string>>) {
    const token = issueFormToken(services.secrets.formToken, target.location.id, target.subMeasure?.id ?? null);
    // A first view may stay in this browser's history cache ('private, no-cache', never
    // 'no-store'): a customer who goes Back from the thank-you page gets the very form they
    // sent, with its token, so sending it again finds the first feedback instead of adding
    // one. The form posts to a different URL (…?send) so that the POST does not evict it.
    return reply
      .code(status)
      .type('text/html; charset=utf-8')
      .header('cache-control', status === 200 ? 'private, no-cache' : 'no-store')
      .send(renderFeedbackForm(target, { token, values, errors: errors ?? {} }));
  }

  for (const url of ['/f/:locationCode', '/f/:locationCode/:subMeasureCode']) {
    typed.get(url, { schema: { params: locationParamsSchema, querystring: pageQuerySchema, hide: true }, preHandler: limitPages }, async (request, reply) => {
      const target = await targetOr404(request.params, reply);
      if (!target) return reply;
      const scale = scaleOf(target.programme.scale);
      const preset = Number(request.query.score);
      const score = request.query.score && preset >= scale.min && preset <= scale.max ? String(preset) : '';
      return showForm(reply, target, 200, { via: request.query.via, score });
    });
  }

  const submitRoute = {
    preHandler: limitSubmissions,
    bodyLimit: 32 * 1024,
    errorHandler: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      // A refused submission shows the form again with everything the customer typed.
      if (error instanceof RateLimitedError) {
        return formAgain(request, reply, 429, {
          form:
            error.scope === 'ip'
              ? `We have received a lot of feedback from your network just now. Nothing was lost: please wait ${Math.max(1, Math.ceil(error.retryAfterSeconds / 60))} minute(s) and press Send again.`
              : `This location is receiving a lot of feedback right now. Nothing was lost: please wait ${Math.max(1, Math.ceil(error.retryAfterSeconds / 60))} minute(s) and press Send again.`,
        }).then(() => reply.header('retry-after', String(error.retryAfterSeconds)));
      }
      throw error;
    },
  };

  async function formAgain(request: FastifyRequest, reply: FastifyReply, status: number, errors: Partial<Record<FieldName, string>>) {
    const params = locationParamsSchema.parse(request.params);
    const target = await targetOr404(params, reply);
    if (!target) return reply;
    // Limits run after validation, so the body is the parsed form.
    const values = request.body && typeof request.body === 'object' ? (request.body as Partial<FeedbackForm>) : {};
    return showForm(reply, target, status, values, errors);
  }

  for (const url of ['/f/:locationCode', '/f/:locationCode/:subMeasureCode']) {
    typed.post(url, { ...submitRoute, schema: { params: locationParamsSchema, body: feedbackFormSchema, hide: true } }, async (request, reply) => {
      const target = await targetOr404(request.params, reply);
      if (!target) return reply;
      const form = request.body;
      const token = checkFormToken(services.secrets.formToken, form.token, target.location.id, target.subMeasure?.id ?? null);
      const check = checkSubmission(form, scaleOf(target.programme.scale), {
        country: target.clientCountry,
        prizeDrawEnabled: target.programme.prizeDrawEnabled,
      });
      if (!check.ok) return showForm(reply, target, 400, form, check.errors);
      if (!token.ok) return showForm(reply, target, 400, form, { form: tokenMessages[token.reason] });

      const result = await submissions.submit(target, check.submission, form.via, token.nonce);
      if (!result.ok) return showForm(reply, target, 400, form, { receipt_code: receiptMessages[result.reason] });
      return reply
        .code(200)
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(renderThankYou(target, { prizeDrawEntered: result.prizeDrawEntered }));
    });
  }

  // A location's QR code, and each staff member's (for a name badge): it opens their page.
  for (const format of ['svg', 'png'] as const) {
    for (const path of [`/f/:locationCode/qr.${format}`, `/f/:locationCode/:subMeasureCode/qr.${format}`]) {
      typed.get(path, { schema: { params: locationParamsSchema, hide: true }, preHandler: limitPages }, async (request, reply) => {
        const target = await targetOr404(request.params, reply);
        if (!target) return reply;
        const link = `${services.publicUrl}${feedbackPath(target)}?via=qr`;
        reply.header('cache-control', 'public, max-age=3600');
        if (format === 'svg') return reply.type('image/svg+xml').send(await renderQrSvg(link));
        return reply.type('image/png').send(await renderQrPng(link));
      });
    }
  }
};
