/** Request and response shapes of the SMS routes; the OpenAPI document is generated from them. */
import { z } from 'zod';

const e164 = z.string().trim().regex(/^\+[1-9]\d{6,14}$/, 'must be a phone number in international form, e.g. +6421555012');
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day written HH:MM, e.g. 21:00');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD');

/** What Twilio posts for an inbound text (only the fields Hark reads; the rest are signed and ignored). */
export const twilioInboundSchema = z.looseObject({
  MessageSid: z.string().min(1).max(64),
  From: z.string().min(1).max(32),
  To: z.string().min(1).max(32),
  Body: z.string().max(1600).default(''),
});

export const twilioStatusSchema = z.looseObject({
  MessageSid: z.string().min(1).max(64),
  MessageStatus: z.string().min(1).max(32),
  ErrorCode: z.string().max(16).optional(),
});

export const smsSettingsSchema = z.object({
  provider: z.enum(['dev', 'twilio']).describe('where texts go: the development phone, or a Twilio-compatible API'),
  number: z.string().nullable().describe('the number customers text, E.164'),
  quarantineDays: z.number().int().describe('a number is invited at most once in this many days (0: no limit)'),
  quietHours: z.object({ start: z.string(), end: z.string() }).describe("invitations and staff replies wait out these hours of the business's clock"),
  conversationMinutes: z.number().int().describe('a conversation left unanswered this long is closed, keeping what was given'),
});

export const smsSettingsPatchSchema = z
  .object({
    number: e164.nullable().optional(),
    quarantineDays: z.number().int('must be a whole number of days').min(0, 'must be 0 or more').max(365, 'must be at most 365').optional(),
    quietHours: z.object({ start: clockTime, end: clockTime }).optional(),
    conversationMinutes: z.number().int('must be a whole number of minutes').min(5, 'must be at least 5').max(10080, 'must be at most 10080 (a week)').optional(),
  })
  .strict();

export const invitationBodySchema = z.object({
  mobile: z.string().trim().min(3, 'give the mobile number to text').max(32),
  name: z.string().trim().max(100).nullable().optional(),
  locationId: z.guid('must be a location id (a uuid)'),
  subMeasureId: z.guid('must be a staff member’s id (a uuid)').nullable().optional().describe('the staff member, counter or department the answer is attributed to'),
});

export const invitationCreatedSchema = z.object({
  id: z.string().uuid(),
  status: z.enum(['queued', 'scheduled']).describe('scheduled: held until the quiet hours end'),
  sendAfter: z.string().datetime().nullable(),
});

export const csvInvitationBodySchema = z.object({
  csv: z.string().min(1, 'the CSV file is empty').max(1_000_000, 'the CSV file is too large (at most 1 MB)'),
});

export const csvInvitationReportSchema = z.object({
  accepted: z.number().int(),
  scheduled: z.number().int().describe('of the accepted, how many wait for quiet hours to end'),
  rejected: z.array(z.object({ row: z.number().int(), reason: z.string() })),
});

export const feedbackParamsSchema = z.object({ feedbackId: z.guid('must be a feedback id (a uuid)') });

export const threadMessageSchema = z.object({
  id: z.string().uuid(),
  direction: z.enum(['inbound', 'outbound']),
  kind: z.enum(['conversation', 'invitation', 'reply', 'opt_out', 'opt_in', 'help', 'unrecognised', 'alert', 'follow_up']),
  body: z.string().nullable().describe('null when the text holds contact details your role may not see'),
  status: z.enum(['received', 'queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'blocked']),
  segments: z.number().int(),
  encoding: z.enum(['GSM-7', 'UCS-2']).nullable(),
  error: z.string().nullable(),
  createdAt: z.string().datetime(),
  sentAt: z.string().datetime().nullable(),
});

export const usageQuerySchema = z.object({
  from: isoDate.describe("first day (inclusive), in the business's calendar"),
  to: isoDate.describe('last day (inclusive)'),
  locationId: z.guid('must be a location id (a uuid)').optional().describe('only texts about this location and every location below it'),
});

const countSchema = z.object({ messages: z.number().int(), segments: z.number().int() });
export const usageSchema = z.object({
  from: z.string(),
  to: z.string(),
  sent: countSchema,
  failed: z.number().int(),
  blocked: z.number().int().describe('not sent because the number opted out'),
  waiting: z.number().int().describe('queued, or held for quiet hours'),
  received: countSchema,
  byKind: z.array(countSchema.extend({ kind: z.string() })),
});

export const devNumbersSchema = z.array(z.object({ client: z.string(), number: z.string(), location: z.string(), code: z.string() }));
export const devInboundSchema = z.object({ from: e164, to: e164, body: z.string().max(1600) });
export const devInboundResultSchema = z.object({ handledAs: z.string() });
export const devMessagesQuerySchema = z.object({ phone: e164, to: e164, after: z.string().datetime().optional() });
export const devMessageSchema = z.object({ id: z.string().uuid(), body: z.string(), status: z.string(), createdAt: z.string() });
