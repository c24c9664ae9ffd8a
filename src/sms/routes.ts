/**
 * SMS over HTTP:
 *   /sms/twilio/inbound, /sms/twilio/status   the provider's webhooks, signed (403 otherwise)
 *   /sms/dev/*                                the development provider's phone, loopback only
 *   /api/v1/sms/*, /api/v1/feedback/:id/texts  the portal: settings, invitations, threads, usage
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { expandLocationScope, inScope, withAccess } from '../accounts/index.ts';
import type { Services } from '../context.ts';
import { withClient } from '../db/tenancy.ts';
import { answerRateLimitedByIp, errorResponseSchema, HttpError, RateLimitedError } from '../http/errors.ts';
import { onlyFromThisMachine } from '../http/this-machine.ts';
import { applyDeliveryStatus } from './delivery-status.ts';
import { receiveSms } from './inbound.ts';
import { describeRefusal, sendCsvInvitations, sendInvitation } from './invitations.ts';
import { twilioSignatureIsValid, webhookUrl } from './providers/twilio.ts';
import { mobileIndexOf } from './recipients.ts';
import * as s from './schemas.ts';
import { findSmsClientByNumber } from './sms-clients.ts';
import { readSmsSettings, updateSmsSettings } from './settings.ts';
import { listFeedbackTexts } from './thread.ts';
import { smsUsage } from './usage.ts';

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

export const smsRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { sms, rateLimits } = services.config;
  const window = rateLimits.windowSeconds * 1000;
  const limitWebhooksByIp = app.rateLimit({ max: sms.limitPerIp, timeWindow: window, groupId: 'sms-ip', errorResponseBuilder: answerRateLimitedByIp });
  // The provider calls from a few addresses for everyone; a flood is best told by its sender.
  const senderLimiter = app.createRateLimit({
    max: sms.limitPerNumber,
    timeWindow: window,
    keyGenerator: (request) => `sms-from:${(request.body as { From?: unknown; from?: unknown } | undefined)?.From ?? (request.body as { from?: unknown } | undefined)?.from ?? ''}`,
  });
  const limitBySender = async (request: FastifyRequest) => {
    const result = await senderLimiter(request);
    if (!result.isAllowed && result.isExceeded) throw new RateLimitedError('number', result.ttlInSeconds);
  };

  /** Refuses (403) a webhook whose X-Twilio-Signature does not match the token and the public URL. */
  const requireTwilioSignature = async (request: FastifyRequest) => {
    const twilio = services.config.sms.twilio;
    if (sms.provider !== 'twilio' || !twilio) throw new HttpError('not_found', 'The Twilio provider is not configured (HARK_SMS_PROVIDER).');
    const params = Object.fromEntries(Object.entries((request.body ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    const signature = request.headers['x-twilio-signature'];
    const valid = twilioSignatureIsValid({
      authToken: twilio.authToken,
      url: webhookUrl(services.publicUrl, request.url),
      params,
      signature: typeof signature === 'string' ? signature : undefined,
    });
    if (!valid) throw new HttpError('forbidden', 'The request signature (X-Twilio-Signature) is missing or does not match.');
  };

  api.post(
    '/sms/twilio/inbound',
    {
      schema: { tags: ['sms'], summary: 'Inbound text (Twilio webhook, signed)', body: s.twilioInboundSchema, response: { 403: errorResponseSchema, 429: errorResponseSchema } },
      preHandler: limitWebhooksByIp,
      preValidation: [requireTwilioSignature, limitBySender],
    },
    async (request, reply) => {
      const result = await receiveSms(services, { provider: 'twilio', providerMessageId: request.body.MessageSid, from: request.body.From, to: request.body.To, body: request.body.Body });
      if (!result.ok) request.log.warn({ reason: result.reason }, 'inbound text not taken');
      return twiml(reply);
    },
  );

  api.post(
    '/sms/twilio/status',
    {
      schema: { tags: ['sms'], summary: 'Delivery report (Twilio status callback, signed)', body: s.twilioStatusSchema, response: { 403: errorResponseSchema, 429: errorResponseSchema } },
      preHandler: limitWebhooksByIp,
      preValidation: requireTwilioSignature,
    },
    async (request, reply) => {
      const status = request.body.MessageStatus;
      if (status === 'sent' || status === 'delivered' || status === 'undelivered' || status === 'failed') {
        await applyDeliveryStatus(services, { provider: 'twilio', providerMessageId: request.body.MessageSid, status, errorCode: request.body.ErrorCode ?? null });
      }
      return twiml(reply);
    },
  );

  if (sms.provider === 'dev') registerDevPhone(app, services, limitBySender);

  api.get(
    '/api/v1/sms/settings',
    { schema: { tags: ['sms'], summary: "This business's SMS number and contact rules", response: { 200: s.smsSettingsSchema } } },
    async (request) => readSmsSettings(services, await request.requireAccess('feedback.read')),
  );

  api.patch(
    '/api/v1/sms/settings',
    {
      schema: {
        tags: ['sms'],
        summary: "Change this business's SMS number and contact rules",
        body: s.smsSettingsPatchSchema,
        response: { 200: s.smsSettingsSchema, 403: errorResponseSchema, 409: errorResponseSchema },
      },
    },
    async (request) => {
      const access = await request.requireAccess('settings.manage');
      const result = await updateSmsSettings(services, access, request.body);
      if (result === 'number_taken') throw new HttpError('conflict', 'Another business already uses this SMS number.');
      return result;
    },
  );

  api.post(
    '/api/v1/sms/invitations',
    {
      schema: {
        tags: ['sms'],
        summary: 'Invite a customer to give feedback by text',
        description:
          "Refused (409) for a number that opted out or was invited within the business's quarantine period. In quiet hours the text waits until they end (`sendAfter`).",
        body: s.invitationBodySchema,
        response: { 201: s.invitationCreatedSchema, 403: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema, 422: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const access = await request.requireAccess('feedback.respond');
      const result = await sendInvitation(services, access, request.body);
      if (result.ok) return reply.code(201).send({ id: result.messageId, status: result.sendAfter ? 'scheduled' : 'queued', sendAfter: result.sendAfter?.toISOString() ?? null });
      if (result.reason === 'unknown_location') throw new HttpError('not_found', 'There is no location with this id among the locations you can see.');
      if (result.reason === 'unknown_sub_measure') throw new HttpError('not_found', 'That location has no active staff member or sub-measure with this id.');
      if (result.reason === 'invalid_mobile') throw new HttpError('invalid_mobile');
      throw new HttpError('conflict', `Not sent: ${describeRefusal(result)}.`);
    },
  );

  api.post(
    '/api/v1/sms/invitations/csv',
    {
      schema: {
        tags: ['sms'],
        summary: 'Invite customers by text from a CSV file (columns: mobile, location; optional: name, staff)',
        description: 'Every valid row is invited; the answer lists each refused row, numbered as in a spreadsheet (the header is row 1), and why.',
        body: s.csvInvitationBodySchema,
        response: { 200: s.csvInvitationReportSchema, 400: errorResponseSchema, 403: errorResponseSchema },
      },
      bodyLimit: 1024 * 1024,
    },
    async (request) => {
      const access = await request.requireAccess('feedback.respond');
      const report = await sendCsvInvitations(services, access, request.body.csv);
      if ('error' in report) throw new HttpError('validation_failed', report.error);
      return report;
    },
  );

  api.get(
    '/api/v1/feedback/:feedbackId/texts',
    { schema: { tags: ['sms'], summary: 'The text messages of a feedback given by SMS, oldest first', params: s.feedbackParamsSchema, response: { 200: z.array(s.threadMessageSchema), 404: errorResponseSchema } } },
    async (request) => {
      const thread = await listFeedbackTexts(services, await request.requireAccess('feedback.read'), request.params.feedbackId);
      if (!thread) throw new HttpError('not_found');
      return thread;
    },
  );

  api.get(
    '/api/v1/sms/usage',
    { schema: { tags: ['sms'], summary: 'Texts sent and received over a period, in messages and segments', querystring: s.usageQuerySchema, response: { 200: s.usageSchema, 400: errorResponseSchema, 404: errorResponseSchema } } },
    async (request) => {
      const access = await request.requireAccess('feedback.read');
      const { from, to, locationId } = request.query;
      if (from > to) throw new HttpError('validation_failed', '`from` must not be after `to`.');
      if (locationId && !inScope(access, locationId)) throw new HttpError('not_found', 'There is no location with this id among the locations you can see.');
      const locationIds = locationId ? await withAccess(services.db, access, (trx) => expandLocationScope(trx, access.clientId, [locationId])) : undefined;
      return smsUsage(services, access, { from, to, locationIds });
    },
  );
};

function twiml(reply: FastifyReply) {
  return reply.type('text/xml; charset=utf-8').send(EMPTY_TWIML);
}

/**
 * The development provider's phone, for `hark sms`: send a text as a customer, read what
 * Hark texted back. Served only with HARK_SMS_PROVIDER=dev and only to this machine.
 */
function registerDevPhone(app: Parameters<FastifyPluginAsync>[0], services: Services, limitBySender: (request: FastifyRequest) => Promise<void>) {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/sms/dev/numbers', { schema: { hide: true, response: { 200: s.devNumbersSchema } }, preHandler: onlyFromThisMachine }, async () => {
    const rows = await services.db
      .selectFrom('clients as c')
      .innerJoin('locations as l', 'l.client_id', 'c.id')
      .select(['c.name as client', 'c.sms_number', 'l.name as location', 'l.sms_code'])
      .where('c.sms_number', 'is not', null)
      .where('l.sms_code', 'is not', null)
      .where('l.archived_at', 'is', null)
      .orderBy('c.name')
      .orderBy('l.sms_code')
      .execute();
    return rows.map((r) => ({ client: r.client, number: r.sms_number ?? '', location: r.location, code: r.sms_code ?? '' }));
  });

  api.post(
    '/sms/dev/inbound',
    { schema: { hide: true, body: s.devInboundSchema, response: { 200: s.devInboundResultSchema, 400: errorResponseSchema, 404: errorResponseSchema, 429: errorResponseSchema } }, preHandler: onlyFromThisMachine, preValidation: limitBySender },
    async (request) => {
      const result = await receiveSms(services, { provider: 'dev', providerMessageId: `dev-in-${crypto.randomUUID()}`, ...request.body });
      if (!result.ok && result.reason === 'unknown_number') throw new HttpError('not_found', `No business texts from ${request.body.to}. Numbers in use: GET /sms/dev/numbers.`);
      if (!result.ok) throw new HttpError('validation_failed', 'The sender is not a valid phone number.');
      return { handledAs: result.handledAs };
    },
  );

  api.get(
    '/sms/dev/messages',
    { schema: { hide: true, querystring: s.devMessagesQuerySchema, response: { 200: z.array(s.devMessageSchema), 400: errorResponseSchema, 404: errorResponseSchema } }, preHandler: onlyFromThisMachine },
    async (request) => {
      const client = await findSmsClientByNumber(services.db, request.query.to);
      if (!client) throw new HttpError('not_found', `No business texts from ${request.query.to}.`);
      return withClient(services.db, client.id, async (trx) => {
        const keyring = await services.keyrings.keyringFor(trx, client.id);
        const rows = await trx
          .selectFrom('sms_messages')
          .select(['id', 'body_enc', 'status', 'created_at'])
          .where('client_id', '=', client.id)
          .where('mobile_index', '=', mobileIndexOf(keyring, request.query.phone))
          .where('direction', '=', 'outbound')
          .where('created_at', '>', new Date(request.query.after ?? 0))
          .orderBy('created_at')
          .orderBy('id')
          .limit(100)
          .execute();
        return rows.map((r) => ({ id: r.id, body: keyring.decrypt('message', r.body_enc), status: r.status, createdAt: r.created_at.toISOString() }));
      });
    },
  );
}
