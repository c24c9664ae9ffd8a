import { z } from 'zod';

export const orderKinds = ['warrant', 'production_order', 'subpoena', 'other'] as const;

const instant = z.string().datetime({ offset: true, message: 'must be a date and time such as 2026-03-01T00:00:00Z' });

export const scopeSchema = z
  .object({
    clientId: z.string().uuid().describe('The client whose data the order covers'),
    emails: z.array(z.string().trim().email().max(254)).max(100).default([]).describe("End customers' emails named in the order"),
    mobiles: z.array(z.string().trim().min(3).max(30)).max(100).default([]).describe("End customers' mobiles named in the order"),
    feedbackIds: z.array(z.string().uuid()).max(1000).default([]).describe('Feedback named in the order'),
    from: instant.optional().describe('Feedback given at or after this time'),
    to: instant.optional().describe('Feedback given at or before this time'),
  })
  .refine((s) => s.emails.length + s.mobiles.length + s.feedbackIds.length > 0 || s.from !== undefined || s.to !== undefined, {
    message: 'give at least one of emails, mobiles, feedbackIds, from or to: a disclosure covers only what the order names',
  })
  .refine((s) => !s.from || !s.to || Date.parse(s.from) <= Date.parse(s.to), { message: '`from` must not be after `to`', path: ['to'] });

export const recordDisclosureBodySchema = z.object({
  orderKind: z.enum(orderKinds).describe('warrant, production_order, subpoena or other'),
  issuer: z.string().trim().min(1, 'name who issued the order').max(200).describe('Who issued the order (court, agency)'),
  reference: z.string().trim().min(1, 'give the order’s reference').max(200).describe("The order's reference or number"),
  orderDate: z.iso.date('must be a date such as 2026-03-01').describe('The date of the order'),
  recipient: z.string().trim().min(1, 'name who receives the data').max(500).describe('Who receives the data'),
  approverUserId: z.string().uuid().describe('The operator, other than the one recording, who approved the disclosure'),
  notes: z.string().trim().max(2000).default(''),
  scope: scopeSchema,
});

export const disclosureParamsSchema = z.object({ disclosureId: z.string().uuid().describe("The disclosure's id") });

export const disclosureSchema = z.object({
  id: z.string().uuid(),
  orderKind: z.enum(orderKinds),
  issuer: z.string(),
  reference: z.string(),
  orderDate: z.string(),
  recipient: z.string(),
  notes: z.string(),
  clientId: z.string().uuid(),
  clientName: z.string(),
  scope: z.object({
    emails: z.number().describe('How many emails the order names (the addresses are stored encrypted)'),
    mobiles: z.number().describe('How many mobiles the order names'),
    feedbackIds: z.array(z.string().uuid()),
    from: z.string().datetime().nullable(),
    to: z.string().datetime().nullable(),
  }),
  recordedBy: z.string(),
  approver: z.string(),
  recordedAt: z.string().datetime(),
  status: z.enum(['recorded', 'releasing', 'released', 'release_failed']),
  releasedAt: z.string().datetime().nullable(),
  releasedBy: z.string().nullable(),
  release: z
    .object({
      rowCounts: z.record(z.string(), z.number()).describe('What left: rows per kind'),
      sha256: z.string().describe('SHA-256 (hex) of the zip that left'),
      bytes: z.number(),
    })
    .nullable(),
});

export const approverSchema = z.object({ id: z.string().uuid(), name: z.string(), email: z.string() });
