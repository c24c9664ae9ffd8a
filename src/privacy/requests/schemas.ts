/** Input and output shapes of privacy requests: the public form and the operator API. */
import { z } from 'zod';
import { normaliseEmail, normaliseMobile } from '../../end-customers/index.ts';
import { isPlainEmailAddress } from '../../lib/email-address.ts';
import type { NewPrivacyRequest } from './intake.ts';
import type { RequestField } from './pages.ts';

/** The public form as posted; every field is checked by `checkRequestForm` for readable messages. */
export const requestFormSchema = z.object({
  name: z.string().max(1000).optional(),
  email: z.string().max(1000).optional(),
  mobile: z.string().max(1000).optional(),
  kind: z.string().max(50).optional(),
  details: z.string().max(10_000).optional(),
});
export type RequestForm = z.infer<typeof requestFormSchema>;


export function checkRequestForm(
  form: RequestForm,
): { ok: true; request: NewPrivacyRequest } | { ok: false; errors: Partial<Record<RequestField, string>> } {
  const errors: Partial<Record<RequestField, string>> = {};
  const name = form.name?.trim() ?? '';
  if (name.length === 0) errors.name = 'Enter your name.';
  else if (name.length > 200) errors.name = 'Your name can be at most 200 characters.';
  const emailText = form.email?.trim() ?? '';
  const email = emailText ? normaliseEmail(emailText) : null;
  if (email && !isPlainEmailAddress(email)) errors.email = 'Enter an email address like name@example.com.';
  const mobileText = form.mobile?.trim() ?? '';
  const mobile = mobileText ? normaliseMobile(mobileText, 'NZ') : null;
  if (mobileText && !mobile) errors.mobile = 'Enter a mobile number with its country code (e.g. +64 21 555 0123) or as a New Zealand number.';
  if (!emailText && !mobileText) errors.email = 'Give an email address, a mobile number, or both.';
  const kind = form.kind === 'access' || form.kind === 'correction' ? form.kind : null;
  if (!kind) errors.kind = 'Choose whether you want a copy or a correction.';
  const details = form.details?.trim() ?? '';
  if (details.length > 2000) errors.details = 'Describe the correction in at most 2,000 characters.';
  if (kind === 'correction' && details.length === 0) errors.details = 'Say what should be corrected, and what it should say.';
  if (Object.keys(errors).length > 0 || !kind) return { ok: false, errors };
  return { ok: true, request: { kind, name, email, mobile, details: details || null } };
}

export const verifyFormSchema = z.object({
  code_email: z.string().max(100).optional(),
  code_mobile: z.string().max(100).optional(),
});

export const requestIdParams = z.object({ id: z.string().uuid().describe('The privacy request') });
export const downloadParams = z.object({ token: z.string().min(1).max(200) });

// ----- operator API -----

const state = z.enum(['received', 'verified', 'in_progress', 'extended', 'responded', 'refused']);
const identifier = z.object({ kind: z.enum(['email', 'mobile']), value: z.string(), verified: z.boolean() });

export const requestSummarySchema = z.object({
  id: z.string().uuid(),
  kind: z.enum(['access', 'correction']),
  state,
  name: z.string().describe('The requester’s name, as given'),
  receivedAt: z.string().datetime(),
  receivedOn: z.string().describe('Day of receipt, New Zealand time'),
  dueOn: z.string().describe('Due date: 20 working days after receipt, or as extended'),
  workingDaysLeft: z.number().int().describe('Working days until the due date; negative when overdue'),
  holidayTableVersion: z.string(),
});

export const clientFindingsSchema = z.object({
  clientId: z.string().uuid(),
  clientName: z.string(),
  endCustomers: z.array(z.string().uuid()),
  counts: z.record(z.string(), z.number().int()),
});

export const searchResultSchema = z.object({
  searchedAt: z.string().datetime(),
  clientsSearched: z.number().int(),
  clients: z.array(clientFindingsSchema).describe('Only the clients where something was found'),
  queuedJobs: z.array(z.object({ id: z.string(), name: z.string(), state: z.string() })),
});

export const requestDetailSchema = requestSummarySchema.extend({
  identifiers: z.array(identifier),
  details: z.string().nullable().describe('What the requester asked to have corrected'),
  extension: z.object({ extendedAt: z.string().datetime(), reason: z.string(), originalDueOn: z.string(), noticeSentAt: z.string().datetime() }).nullable(),
  outcomeNote: z.string().nullable(),
  closedAt: z.string().datetime().nullable(),
  findings: z.array(clientFindingsSchema.pick({ clientId: true, clientName: true, endCustomers: true })),
  packages: z.array(z.object({ id: z.string().uuid(), builtAt: z.string().datetime(), items: z.number().int(), flagged: z.number().int(), linkExpiresAt: z.string().datetime().nullable(), downloadedAt: z.string().datetime().nullable() })),
  remindersSent: z.object({ tenWorkingDays: z.string().datetime().nullable(), fifteenWorkingDays: z.string().datetime().nullable() }),
});

export const listQuerySchema = z.object({ state: z.enum(['open', 'all']).default('open').describe('open: verified, in progress or extended') });

export const searchBodySchema = z
  .object({
    identifiers: z
      .array(z.object({ kind: z.enum(['email', 'mobile']), value: z.string().max(254) }))
      .max(2)
      .optional()
      .describe('Limit the search to some of the request’s verified identifiers; any other identifier is refused'),
  })
  .default({});

export const extendBodySchema = z.object({
  extraWorkingDays: z.number().int().min(1, 'extend by at least 1 working day').max(60, 'extend by at most 60 working days'),
  reason: z.string().trim().min(10, 'say why, in a sentence (at least 10 characters)').max(2000),
});

export const closeBodySchema = z.object({
  message: z.string().trim().min(1, 'write the answer to the requester').max(5000),
});

export const correctBodySchema = z.union([
  z.object({
    clientId: z.string().uuid(),
    endCustomerId: z.string().uuid(),
    field: z.enum(['name', 'email', 'mobile']),
    value: z.string().trim().min(1).max(254),
  }),
  z.object({
    clientId: z.string().uuid(),
    endCustomerId: z.string().uuid(),
    feedbackId: z.string().uuid().optional(),
    statement: z.string().trim().min(1).max(2000).describe('A statement of correction, kept with the record'),
  }),
]);
export type CorrectBody = z.infer<typeof correctBodySchema>;

export const packageSummarySchema = z.object({ id: z.string().uuid(), items: z.number().int(), flagged: z.number().int(), builtAt: z.string().datetime() });
