import { z } from 'zod';

export const MAX_DETAILS = 5000;
export const MAX_RESPONSE = 10000;

const name = z.string().trim().min(1, 'Give your name.').max(200, 'Keep the name under 200 characters.');
const email = z.string().trim().toLowerCase().max(254, 'That email address is too long.').email('Give an email address like name@example.com.');
const details = z
  .string()
  .trim()
  .min(10, 'Tell us what happened, in a sentence or more.')
  .max(MAX_DETAILS, `Keep it under ${MAX_DETAILS} characters; we will ask for more if we need it.`);
const business = z.string().trim().max(200, 'Keep the business name under 200 characters.');
const phone = z.string().trim().regex(/^\+?[0-9 ()-]{6,24}$/, 'Give a phone number of digits, spaces and +, such as +64 21 555 0123.');

/** The public form (application/x-www-form-urlencoded). Every field arrives as text. */
export const complaintFormSchema = z.object({
  name: z.string().max(1000).default(''),
  email: z.string().max(1000).default(''),
  business: z.string().max(1000).default(''),
  details: z.string().max(20000).default(''),
});
export type ComplaintForm = z.infer<typeof complaintFormSchema>;
export type ComplaintFormField = keyof ComplaintForm;

export const checkedComplaintFormSchema = z.object({ name, email, business: business.optional(), details });

/** Operator staff record a complaint that came by phone, email or letter. */
export const createComplaintBodySchema = z
  .object({
    channel: z.enum(['phone', 'email', 'letter']).describe('how the complaint reached the operator'),
    name: name.describe("the complainant's name"),
    email: email.optional().describe('where the confirmation and the response go'),
    phone: phone.optional().describe('a number to call back'),
    business: business.optional().describe('the business the complaint is about, if known'),
    details: details.describe('what happened, in the complainant’s words'),
    receivedAt: z.string().datetime({ offset: true }).optional().describe('when it was received (default: now); it starts the 30 days'),
  })
  .refine((b) => b.email !== undefined || b.phone !== undefined, { message: 'Give an email address or a phone number, so the person can be answered.', path: ['email'] });

export const complaintStatusSchema = z.enum(['received', 'investigating', 'responded', 'closed']);

export const changeStatusBodySchema = z.object({
  status: z.enum(['investigating', 'responded', 'closed']).describe('the next state: received → investigating → responded → closed'),
  response: z.string().trim().min(1, 'Write the response to the complainant.').max(MAX_RESPONSE).optional().describe('required when moving to responded; kept, and emailed to the complainant'),
});

export const complaintListQuerySchema = z.object({
  state: z.enum(['open', 'done', 'all']).default('all').describe('open: received or investigating; done: responded or closed'),
});

export const complaintIdParamsSchema = z.object({ id: z.string().uuid('That is not a complaint id.') });

export const complaintSummarySchema = z.object({
  id: z.string().uuid(),
  reference: z.string().describe('what the complainant was given, e.g. PC-7K3M9Q2A'),
  channel: z.enum(['web', 'phone', 'email', 'letter']),
  business: z.string().nullable(),
  status: complaintStatusSchema,
  receivedAt: z.string().datetime(),
  dueOn: z.string().describe('YYYY-MM-DD: 30 calendar days after receipt (NZ)'),
  daysLeft: z.number().int().describe('days until the due date; negative once overdue'),
  overdue: z.boolean(),
});

export const complaintSchema = complaintSummarySchema.extend({
  name: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  details: z.string(),
  response: z.string().nullable(),
  respondedAt: z.string().datetime().nullable(),
  closedAt: z.string().datetime().nullable(),
  remindersSent: z.array(z.object({ kind: z.enum(['week_before', 'due_date']), sentAt: z.string().datetime().nullable() })),
  allowedNext: z.array(complaintStatusSchema).describe('the states it may move to now'),
});
