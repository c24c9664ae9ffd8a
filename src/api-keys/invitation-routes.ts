/**
 * POST /api/v1/invitations (email, text or both) and POST /api/v1/invitations/email, by key
 * with invitations:write or a person who may send invitations; and the public pages of the
 * email's score links under /r/.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../context.ts';
import { renderProblemPage, renderPublicPage } from '../feedback/index.ts';
import { answerRateLimitedByIp, errorResponseSchema, HttpError } from '../http/errors.ts';
import { html } from '../lib/html.ts';
import { scaleOf } from '../programmes/index.ts';
import { inviteCustomer, type ChannelRefusal, type CustomerInvitationResult } from './customer-invitations.ts';
import { addCommentFromLink, createEmailInvitation, readScoreLink, recordScoreFromLink, type ScoreLink } from './email-invitations.ts';

const MAX_COMMENT = 2000;

const invitationBodySchema = z
  .object({
    email: z.string().max(320).describe('the customer’s email address (kept encrypted)'),
    locationId: z.uuid().describe('where the customer was served'),
    subMeasureId: z.uuid().optional().describe('the staff member, counter or department'),
    orderRef: z.string().max(100).optional().describe('your order or transaction id'),
  })
  .strict();

const invitationCreatedSchema = z.object({ id: z.uuid(), status: z.literal('queued'), expiresAt: z.string() });

const customerInvitationBodySchema = z
  .object({
    email: z.string().max(320).optional().describe('the customer’s email address (kept encrypted): an email with one-click score links'),
    mobile: z.string().trim().min(3, 'mobile: give the number to text').max(32).optional().describe('the customer’s mobile number, international or local: a text invitation'),
    name: z.string().trim().max(100).optional().describe('the customer’s first name, to greet them in the text'),
    locationId: z.uuid().describe('where the customer was served'),
    subMeasureId: z.uuid().optional().describe('the staff member, counter or department: the answer, by email or text, is attributed to it'),
    orderRef: z.string().max(100).optional().describe('your order or transaction id (kept with the email invitation)'),
  })
  .strict()
  .refine((body) => body.email !== undefined || body.mobile !== undefined, { message: 'Give the customer’s email, mobile, or both.' });

const refusedSchema = z.object({
  status: z.literal('refused'),
  reason: z.enum(['opted_out', 'quarantined', 'no_sms_number']).describe('the channel’s rule that kept it from being sent'),
  message: z.string(),
  until: z.string().nullable().describe('quarantined: when the address or number may be invited again'),
});
const customerInvitationSchema = z.object({
  email: z.union([z.object({ status: z.literal('queued'), id: z.uuid(), expiresAt: z.string() }), refusedSchema]).nullable().describe('null: no email asked for'),
  sms: z
    .union([z.object({ status: z.enum(['queued', 'scheduled']).describe('scheduled: held until the quiet hours end'), id: z.uuid(), sendAfter: z.string().nullable() }), refusedSchema])
    .nullable()
    .describe('null: no text asked for'),
});

const badInvitation: Record<Exclude<CustomerInvitationResult, { ok: true }>['reason'], string> = {
  invalid_email: 'email must be an email address such as name@example.com.',
  invalid_mobile: 'The mobile number is not valid. Give it with its country code (e.g. +64 21 555 0123) or as a local number.',
  unknown_location: 'locationId is not an active location you may invite to.',
  unknown_sub_measure: 'subMeasureId is not an active sub-measure of that location.',
};

function presentRefusal(refusal: ChannelRefusal) {
  return { status: refusal.status, reason: refusal.reason, message: refusal.message, until: refusal.until?.toISOString() ?? null };
}

const linkParams = z.object({ token: z.string().max(200), score: z.string().max(3) });
const commentBody = z.object({ token: z.string().max(200).optional().default(''), comment: z.string().max(MAX_COMMENT * 4).optional().default('') });

const linkProblems = {
  unknown: [404, 'Link not found', 'This link is not one of ours, or it was changed. Please use the link in your email.'],
  used: [410, 'Already answered', 'This link was already used. Thank you, your score was recorded.'],
  expired: [410, 'Link expired', 'This invitation has expired. Thank you all the same.'],
  bad_score: [400, 'Score not recognised', 'Please use one of the score links in your email.'],
} as const;

function problem(reply: FastifyReply, reason: Exclude<ScoreLink, { ok: true }>['reason']) {
  const [status, title, message] = linkProblems[reason];
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(renderProblemPage(title, message));
}

function page(reply: FastifyReply, status: number, title: string, body: ReturnType<typeof html>) {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').header('x-robots-tag', 'noindex').send(renderPublicPage(title, body));
}

export const invitationRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const limitPages = app.rateLimit({
    max: services.config.rateLimits.pagePerIp,
    timeWindow: services.config.rateLimits.windowSeconds * 1000,
    groupId: 'email-invitation-pages',
    errorResponseBuilder: answerRateLimitedByIp,
  });
  const limitPosts = app.rateLimit({
    max: services.config.rateLimits.submitPerIp,
    timeWindow: services.config.rateLimits.windowSeconds * 1000,
    groupId: 'email-invitation-posts',
    errorResponseBuilder: answerRateLimitedByIp,
  });

  api.post(
    '/api/v1/invitations/email',
    {
      bodyLimit: 8 * 1024,
      schema: {
        tags: ['invitations'],
        summary: 'Invite a customer by email, with one-click score links (API key with invitations:write, or a person who may send invitations)',
        body: invitationBodySchema,
        response: { 202: invitationCreatedSchema, 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 409: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const access = await request.requireAccess('invitations.send');
      const result = await createEmailInvitation(services, access, request.body);
      if (!result.ok) {
        switch (result.reason) {
          case 'invalid_email':
            throw new HttpError('validation_failed', 'email must be an email address such as name@example.com.');
          case 'unknown_location':
            throw new HttpError('validation_failed', 'locationId is not an active location you may invite to.');
          case 'unknown_sub_measure':
            throw new HttpError('validation_failed', 'subMeasureId is not an active sub-measure of that location.');
          case 'quarantined':
            throw new HttpError('conflict', `This address was invited recently; the next invitation may go from ${result.until.toISOString()}.`);
        }
      }
      return reply.code(202).send({ id: result.invitationId, status: 'queued' as const, expiresAt: result.expiresAt.toISOString() });
    },
  );

  api.post(
    '/api/v1/invitations',
    {
      bodyLimit: 8 * 1024,
      schema: {
        tags: ['invitations'],
        summary: 'Invite a customer after a transaction, by email, by text, or both (API key with invitations:write, or a person who may send invitations)',
        description:
          'Each channel keeps its rules. A text is not sent to a number that opted out (STOP) or was invited within the business’s quarantine period, and waits out its quiet hours (`scheduled`, `sendAfter`). An address is emailed at most once per quarantine period. When every channel asked for is refused, the answer is 409 with the reason as its code (`opted_out`, `quarantined`, `no_sms_number`); when one of two is, the answer is 202 and that channel says `refused` and why.',
        body: customerInvitationBodySchema,
        response: { 202: customerInvitationSchema, 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 409: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const access = await request.requireAccess('invitations.send');
      const result = await inviteCustomer(services, access, request.body);
      if (!result.ok) throw new HttpError(result.reason === 'invalid_mobile' ? 'invalid_mobile' : 'validation_failed', badInvitation[result.reason]);
      const refusals = [result.email, result.sms].filter((outcome): outcome is ChannelRefusal => outcome?.status === 'refused');
      if (refusals.length === [result.email, result.sms].filter(Boolean).length) {
        const reasons = [...new Set(refusals.map((r) => r.reason))];
        return reply.code(409).send({ error: { code: reasons.length === 1 ? (reasons[0] as string) : 'not_sent', message: refusals.map((r) => r.message).join(' ') } });
      }
      return reply.code(202).send({
        email: result.email && (result.email.status === 'refused' ? presentRefusal(result.email) : { status: result.email.status, id: result.email.id, expiresAt: result.email.expiresAt.toISOString() }),
        sms: result.sms && (result.sms.status === 'refused' ? presentRefusal(result.sms) : { status: result.sms.status, id: result.sms.id, sendAfter: result.sms.sendAfter?.toISOString() ?? null }),
      });
    },
  );

  // GET only shows the choice: mail scanners open links, and must not answer for the customer.
  api.get('/r/:token/:score', { schema: { params: linkParams, hide: true }, preHandler: limitPages }, async (request, reply) => {
    const link = await readScoreLink(services, request.params.token, request.params.score);
    if (!link.ok) return problem(reply, link.reason);
    const scale = scaleOf(link.target.programme.scale);
    return page(
      reply,
      200,
      `${link.target.clientName}: confirm your score`,
      html`<h1>${link.target.clientName}</h1>
<p>${link.target.programme.leadQuestion}</p>
<p>You chose <strong>${String(link.score)}</strong> (from ${String(scale.min)}, ${scale.lowLabel}, to ${String(scale.max)}, ${scale.highLabel}).</p>
<form method="post" action="/r/${request.params.token}/${String(link.score)}"><button type="submit">Send my score of ${String(link.score)}</button></form>`,
    );
  });

  api.post('/r/:token/:score', { schema: { params: linkParams, hide: true }, preHandler: limitPosts }, async (request, reply) => {
    const recorded = await recordScoreFromLink(services, request.params.token, request.params.score);
    if (!recorded.ok) return problem(reply, recorded.reason);
    return page(
      reply,
      200,
      `${recorded.target.clientName}: thank you`,
      html`<h1>Thank you</h1>
<p>Your score of ${String(recorded.score)} was recorded.</p>
<form method="post" action="/r/comment">
<input type="hidden" name="token" value="${recorded.commentToken ?? ''}">
<label for="comment">${recorded.target.programme.followUpQuestion} (optional)</label>
<textarea id="comment" name="comment" rows="5" maxlength="${String(MAX_COMMENT)}"></textarea>
<button type="submit">Send comment</button>
</form>`,
    );
  });

  api.post('/r/comment', { schema: { body: commentBody, hide: true }, preHandler: limitPosts, bodyLimit: 32 * 1024 }, async (request, reply) => {
    const comment = request.body.comment.replace(/\r\n/g, '\n').trim();
    if (comment.length > MAX_COMMENT) {
      return reply.code(400).type('text/html; charset=utf-8').send(renderProblemPage('Comment too long', `Your comment is ${comment.length} characters long; please go back and shorten it to ${MAX_COMMENT}.`));
    }
    if (comment === '') return page(reply, 200, 'Thank you', html`<h1>Thank you</h1><p>Your score was recorded.</p>`);
    const added = await addCommentFromLink(services, request.body.token, comment);
    if (!added.ok) {
      return reply.code(added.reason === 'unknown' ? 404 : 410).type('text/html; charset=utf-8').send(renderProblemPage('Comment not added', added.reason === 'unknown' ? 'This form is not one of ours.' : 'A comment was already added to this feedback. Thank you.'));
    }
    return page(reply, 200, `${added.target.programme.thankYouTitle}`, html`<h1>${added.target.programme.thankYouTitle}</h1><p>${added.target.programme.thankYouText}</p>`);
  });
};
