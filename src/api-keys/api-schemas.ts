/** Schemas of the integration API: feedback posted by a client's system. */
import { z } from 'zod';

const MAX_COMMENT = 2000;

export const apiFeedbackBodySchema = z
  .object({
    locationId: z.uuid().describe('the location the feedback is about'),
    subMeasureId: z.uuid().optional().describe('a staff member, counter or department of that location'),
    score: z.number().int('The score must be a whole number.').min(0).max(10).describe("a point on the programme's scale"),
    comment: z.string().max(MAX_COMMENT, `Keep the comment to ${MAX_COMMENT} characters.`).optional().default('').describe('the customer’s comment'),
    contact: z
      .object({
        name: z.string().max(200).optional(),
        email: z.string().max(254).optional(),
        mobile: z.string().max(40).optional(),
      })
      .strict()
      .optional()
      .describe('contact details the customer chose to give (stored encrypted)'),
    contactRequested: z.boolean().optional().default(false).describe('the customer asked to be contacted'),
  })
  .strict();
export type ApiFeedbackBody = z.infer<typeof apiFeedbackBodySchema>;

export const apiFeedbackCreatedSchema = z.object({
  id: z.uuid(),
  locationId: z.uuid(),
  subMeasureId: z.uuid().nullable(),
  channel: z.literal('api'),
  score: z.number().int(),
  submittedAt: z.string(),
});

export const idempotencyKeyPattern = /^[\x21-\x7e]{1,255}$/;
