/** Schemas of the portal's feedback API: the inbox list, a feedback's detail, and changes. */
import { z } from 'zod';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD');

export const inboxQuerySchema = z
  .object({
    from: day.optional().describe('first day (the client’s calendar), inclusive'),
    to: day.optional().describe('last day, inclusive'),
    locationId: z.string().uuid().optional().describe('a location; includes everything below it'),
    subMeasureId: z.string().uuid().optional(),
    scoreBand: z.enum(['low', 'middle', 'high']).optional().describe('NPS: 0–6, 7–8, 9–10; five-point scales: 1–2, 3, 4–5'),
    channel: z.enum(['sms', 'web', 'qr', 'kiosk', 'api', 'email']).optional(),
    status: z.enum(['new', 'in_progress', 'resolved', 'closed']).optional(),
    category: z.enum(['complaint', 'compliment', 'suggestion', 'general']).optional(),
    hasContact: z.enum(['true', 'false']).optional().describe('only feedback with (or without) contact details'),
    q: z.string().trim().max(200).optional().describe('words to find in comments'),
    sentiment: z.enum(['positive', 'neutral', 'negative']).optional().describe('only comments of this sentiment'),
    theme: z.string().uuid('the theme must be a theme id (GET /api/v1/themes)').optional().describe('only comments on this theme (a theme id)'),
    cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
    limit: z.coerce.number().int().min(1).max(100).default(25),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: '"from" must not be after "to"', path: ['from'] });

export const feedbackItemSchema = z.object({
  id: z.string().uuid(),
  score: z.number().int(),
  scale: z.enum(['recommend_5', 'nps_10', 'csat_5', 'stars_5']),
  scoreBand: z.enum(['low', 'middle', 'high']),
  comment: z.string(),
  channel: z.enum(['sms', 'web', 'qr', 'kiosk', 'api', 'email']),
  status: z.enum(['new', 'in_progress', 'resolved', 'closed']),
  category: z.enum(['complaint', 'compliment', 'suggestion', 'general']),
  locationId: z.string().uuid(),
  locationName: z.string(),
  subMeasureId: z.string().uuid().nullable(),
  subMeasureName: z.string().nullable(),
  submittedAt: z.string().datetime(),
  hasContact: z.boolean(),
  contactRequested: z.boolean(),
  responded: z.boolean().describe('a reply has been sent or queued'),
});

export const inboxPageSchema = z.object({
  items: z.array(feedbackItemSchema),
  nextCursor: z.string().nullable().describe('pass as cursor for the next page; null at the end'),
});

export const timelineEntrySchema = z.object({
  kind: z.enum(['feedback', 'email', 'sms', 'note', 'status', 'category', 'case']),
  at: z.string().datetime(),
  author: z.object({ id: z.string(), name: z.string() }).nullable(),
  subject: z.string().nullable(),
  body: z.string(),
  status: z.string().nullable().describe('for replies: queued, sent or failed'),
  direction: z.enum(['outbound', 'inbound']).nullable().describe("for replies: outbound from staff, inbound the customer's answer"),
  error: z.string().nullable().describe('why a reply failed'),
});

export const feedbackDetailSchema = feedbackItemSchema.extend({
  receiptCode: z.string().nullable(),
  contact: z.object({ name: z.string().nullable(), email: z.string().nullable(), mobile: z.string().nullable() }).nullable(),
  contactHidden: z.boolean().describe('contact details exist but this role may not see them'),
  timeline: z.array(timelineEntrySchema),
  textReply: z
    .enum(['available', 'no_mobile', 'opted_out', 'no_sms_number'])
    .describe('whether staff can reply by text: the customer gave a mobile, has not opted out, and the business has an SMS number'),
  suggestedTemplates: z.array(z.object({ id: z.string().uuid(), name: z.string(), subject: z.string(), body: z.string() })),
  correctionStatements: z
    .array(z.object({ id: z.string().uuid(), statement: z.string(), createdAt: z.string().datetime() }))
    .describe("the customer's statements of correction (Privacy Act principle 7), kept with this record"),
});

export const feedbackParamsSchema = z.object({ feedbackId: z.string().uuid() });

export const feedbackPatchSchema = z
  .object({
    status: z.enum(['new', 'in_progress', 'resolved']).optional(),
    category: z.enum(['complaint', 'compliment', 'suggestion', 'general']).optional(),
  })
  .refine((p) => p.status !== undefined || p.category !== undefined, { message: 'give a status or a category to change' });

export type InboxQuery = z.infer<typeof inboxQuerySchema>;
export type FeedbackItem = z.infer<typeof feedbackItemSchema>;
export type FeedbackDetail = z.infer<typeof feedbackDetailSchema>;
