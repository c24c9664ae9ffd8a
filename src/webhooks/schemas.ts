import { z } from 'zod';
import { webhookEvents } from './events.ts';

export const webhookEventSchema = z.enum(webhookEvents, { error: `Events are ${webhookEvents.join(', ')}.` });

export const endpointBodySchema = z
  .object({
    url: z.string().trim().min(1, 'Give the endpoint’s URL.').max(2000, 'Keep the URL to 2,000 characters.').describe('where deliveries are POSTed (https://…)'),
    events: z.array(webhookEventSchema).min(1, 'Choose at least one event.').max(webhookEvents.length).describe('the events sent to it'),
    description: z.string().trim().max(200, 'Keep the description to 200 characters.').optional().default(''),
    includeContact: z
      .boolean()
      .optional()
      .default(false)
      .describe("true: feedback and opt-out events carry the customer's name, email and mobile (needs contact:read; recorded in the audit log)"),
  })
  .strict();

export const endpointPatchSchema = z
  .object({
    url: endpointBodySchema.shape.url.optional(),
    events: endpointBodySchema.shape.events.optional(),
    description: z.string().trim().max(200, 'Keep the description to 200 characters.').optional(),
    includeContact: z.boolean().optional().describe("whether feedback and opt-out events carry the customer's contact details"),
    enabled: z.literal(true, { error: 'An endpoint can only be enabled here (Hark disables failing ones itself; delete one you no longer want).' }).optional().describe('true: enable again after Hark disabled it'),
  })
  .strict();

export const endpointSchema = z.object({
  id: z.uuid(),
  url: z.string(),
  description: z.string(),
  events: z.array(webhookEventSchema),
  enabled: z.boolean(),
  disabledAt: z.string().nullable(),
  disabledReason: z.string().nullable(),
  consecutiveFailures: z.number().int(),
  includeContact: z.boolean().describe("feedback and opt-out events carry the customer's contact details"),
  createdAt: z.string(),
});
export type EndpointView = z.infer<typeof endpointSchema>;

export const createdEndpointSchema = z.object({ endpoint: endpointSchema, secret: z.string().describe('the signing secret (whsec_…): shown this once') });

export const deliverySchema = z.object({
  id: z.uuid(),
  eventType: webhookEventSchema,
  messageId: z.string().describe('the webhook-id header: the same for every attempt'),
  status: z.enum(['pending', 'sending', 'succeeded', 'failed']),
  attempts: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  lastDurationMs: z.number().int().nullable(),
  lastAttemptAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable().describe('when the next attempt is due (pending only)'),
  deliveredAt: z.string().nullable(),
  createdAt: z.string(),
  payload: z.string().describe('the JSON body sent (contact details, for an endpoint allowed them, are added as each attempt is sent and not kept here)'),
});
export type DeliveryView = z.infer<typeof deliverySchema>;

export const attemptSchema = z.object({
  attempt: z.number().int().describe('1 for the first attempt; replays continue the count'),
  startedAt: z.string(),
  durationMs: z.number().int(),
  outcome: z
    .enum(['delivered', 'http_status', 'timeout', 'connection_refused', 'connection_reset', 'dns', 'tls', 'blocked', 'other'])
    .describe('delivered (a 2xx answer), http_status (another answer), or why no answer came; blocked: the address was internal'),
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  responseExcerpt: z.string().nullable().describe('the first kilobyte of the answer'),
});
export type AttemptView = z.infer<typeof attemptSchema>;

export const endpointParamsSchema = z.object({ endpointId: z.uuid() });
export const deliveryParamsSchema = z.object({ endpointId: z.uuid(), deliveryId: z.uuid() });
export const deliveriesQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(200).optional().default(50) });
