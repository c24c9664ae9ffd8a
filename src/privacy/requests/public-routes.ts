/**
 * The public pages of privacy requests: the request form, the code check and the access
 * package download. Rate limited per IP; the verify page answers only the browser that
 * made the request (a signed cookie), so another request's id leads nowhere.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../context.ts';
import { refuseCrossSiteForm } from '../../http/cross-site-forms.ts';
import { answerRateLimitedByIp, RateLimitedError } from '../../http/errors.ts';
import { openDownloadLink } from './access-package.ts';
import { startPrivacyRequest, verifyPrivacyRequest } from './intake.ts';
import { renderPackagePage } from './package-html.ts';
import { codeProblemMessage, renderMessagePage, renderRequestForm, renderVerified, renderVerifyForm } from './pages.ts';
import { checkRequestForm, downloadParams, requestFormSchema, requestIdParams, verifyFormSchema } from './schemas.ts';
import { requestSecrets } from './secrets.ts';

const browserCookie = 'hark_privacy_request';

export const privacyRequestPages: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const window = services.config.rateLimits.windowSeconds * 1000;
  const limitPages = app.rateLimit({ max: services.config.rateLimits.pagePerIp, timeWindow: window, groupId: 'privacy-pages', errorResponseBuilder: answerRateLimitedByIp });
  const postLimiter = app.createRateLimit({ max: services.config.privacy.requestLimitPerIp, timeWindow: window, keyGenerator: (r) => `privacy-post:${r.ip}` });
  const limitPosts = async (request: FastifyRequest, reply: FastifyReply) => {
    const result = await postLimiter(request);
    if (!result.isAllowed && result.isExceeded) {
      reply.header('retry-after', String(result.ttlInSeconds));
      throw new RateLimitedError('ip', result.ttlInSeconds);
    }
  };
  // Before the limit, so a post from another site does not count against this IP.
  const refuseCrossSite = refuseCrossSiteForm(services);
  const secrets = requestSecrets(services);
  const smsAvailable = Boolean(services.config.privacy.smsFrom);

  const page = (reply: FastifyReply, status: number, body: string) => reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);

  function ownsRequest(request: FastifyRequest, requestId: string): boolean {
    const cookie = request.cookies[browserCookie] ?? '';
    const [id, mac] = cookie.split('.');
    if (id !== requestId || !mac) return false;
    const expected = Buffer.from(secrets.browserMac(requestId));
    const given = Buffer.from(mac);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  const notFound = (reply: FastifyReply) => page(reply, 404, renderMessagePage('Request not found', 'We could not find this request in this browser. If you started it elsewhere, finish it there, or start again.'));

  typed.get('/privacy/request', { schema: { hide: true }, preHandler: limitPages }, async (_request, reply) => page(reply, 200, renderRequestForm({}, {}, smsAvailable)));

  typed.post('/privacy/request', { schema: { body: requestFormSchema, hide: true }, preHandler: [refuseCrossSite, limitPosts], bodyLimit: 16 * 1024 }, async (request, reply) => {
    const form = request.body;
    const check = checkRequestForm(form);
    if (!check.ok) return page(reply, 400, renderRequestForm(form, check.errors, smsAvailable));
    const result = await startPrivacyRequest(services, check.request);
    if (!result.ok) {
      const errors = {
        too_many_for_address: { form: 'Several requests were made for this address today. Please use the code already sent, or try again tomorrow.' },
        sms_unavailable: { mobile: 'Codes cannot be texted on this installation. Please give an email address instead.' },
        send_failed: { form: 'We could not send your code just now. Nothing was lost: please press the button again in a minute.' },
      }[result.reason];
      return page(reply, result.reason === 'too_many_for_address' ? 429 : result.reason === 'send_failed' ? 503 : 400, renderRequestForm(form, errors, smsAvailable));
    }
    reply.setCookie(browserCookie, `${result.requestId}.${secrets.browserMac(result.requestId)}`, {
      path: '/privacy/request',
      httpOnly: true,
      sameSite: 'lax',
      secure: services.publicUrl.startsWith('https://'),
      maxAge: 24 * 3600,
    });
    return reply.redirect(`/privacy/request/${result.requestId}/verify`, 303);
  });

  async function kindsOf(requestId: string) {
    const rows = await services.db.selectFrom('privacy_request_identifiers').select('kind').where('request_id', '=', requestId).orderBy('kind').execute();
    return rows.map((r) => r.kind);
  }

  typed.get('/privacy/request/:id/verify', { schema: { params: requestIdParams, hide: true }, preHandler: limitPages }, async (request, reply) => {
    if (!ownsRequest(request, request.params.id)) return notFound(reply);
    const kinds = await kindsOf(request.params.id);
    if (kinds.length === 0) return notFound(reply);
    return page(reply, 200, renderVerifyForm(request.params.id, kinds));
  });

  typed.post(
    '/privacy/request/:id/verify',
    { schema: { params: requestIdParams, body: verifyFormSchema, hide: true }, preHandler: [refuseCrossSite, limitPosts], bodyLimit: 4 * 1024 },
    async (request, reply) => {
      const requestId = request.params.id;
      if (!ownsRequest(request, requestId)) return notFound(reply);
      const result = await verifyPrivacyRequest(services, requestId, { email: request.body.code_email, mobile: request.body.code_mobile });
      if (result.ok) return page(reply, 200, renderVerified(result.dueOn));
      if (result.reason === 'not_found') return notFound(reply);
      if (result.reason !== 'codes') {
        return page(reply, 409, renderMessagePage('Already confirmed', 'This request is already confirmed, and its code has been used. We will answer at the address you gave.'));
      }
      const kinds = await kindsOf(requestId);
      const errors: Partial<Record<'email' | 'mobile', string>> = {};
      let status = 400;
      for (const [kind, p] of Object.entries(result.problems) as Array<['email' | 'mobile', { problem: Parameters<typeof codeProblemMessage>[0]; triesLeft: number }]>) {
        errors[kind] = codeProblemMessage(p.problem, p.triesLeft);
        if (p.problem === 'expired' || p.problem === 'used') status = 410;
        if (p.problem === 'too_many_tries') status = 429;
      }
      return page(reply, status, renderVerifyForm(requestId, kinds, errors));
    },
  );

  typed.get('/privacy/download/:token', { schema: { params: downloadParams, hide: true }, preHandler: limitPages }, async (request, reply) => {
    const result = await openDownloadLink(services, request.params.token);
    if (!result.ok && result.reason === 'unknown') return page(reply, 404, renderMessagePage('Link not found', 'This link is not one of ours. Please check it was copied whole.'));
    if (!result.ok) {
      return page(reply, 410, renderMessagePage('This link has been used or has expired', 'Download links work once, for 7 days. Ask us for a new one by replying to our email, or make a new request.'));
    }
    return page(reply, 200, renderPackagePage(result.content));
  });
};
