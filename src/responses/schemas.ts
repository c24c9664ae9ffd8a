import { z } from 'zod';

export const scoreBandSchema = z.enum(['low', 'middle', 'high', 'any']).describe('the score band a template is meant for');
export const templateSchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  scoreBand: scoreBandSchema,
  subject: z.string(),
  body: z.string(),
  updatedAt: z.string().datetime(),
});
export const templateBodySchema = z.object({
  name: z.string().trim().min(1, 'give the template a name').max(100),
  scoreBand: scoreBandSchema,
  subject: z.string().trim().min(1, 'a subject is required').max(200),
  body: z.string().trim().min(1, 'the template needs some text').max(5000),
});
export const templatePatchSchema = templateBodySchema.partial();
export const templateParamsSchema = z.object({ templateId: z.string().uuid() });
export const feedbackParamsSchema = z.object({ feedbackId: z.string().uuid() });
export const responseBodySchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('email').describe('a reply to the customer by email'),
    subject: z.string().trim().min(1, 'a subject is required').max(200),
    body: z.string().trim().min(1, 'write a reply first').max(5000),
  }),
  z.object({
    kind: z.literal('sms').describe('a reply to the customer by text, to the number their feedback came from'),
    body: z.string().trim().min(1, 'write a reply first').max(1600, 'a text reply can be at most 1600 characters (10 messages)'),
  }),
  z.object({
    kind: z.literal('note').describe('an internal note, never sent to the customer'),
    body: z.string().trim().min(1, 'write a note first').max(5000),
  }),
]);
export const responseCreatedSchema = z.object({
  id: z.string().uuid(),
  status: z.enum(['queued', 'recorded']),
  sendAfter: z.string().datetime().nullable().describe("a text reply written in the business's quiet hours waits until they end"),
});
