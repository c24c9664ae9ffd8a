/** Request and response shapes of the case routes. */
import { z } from 'zod';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD');
export const resolutionCodes = ['fixed', 'apologised', 'refunded', 'explained', 'no_action_needed', 'could_not_contact', 'other'] as const;

export const caseSchema = z.object({
  id: z.string().uuid(),
  feedbackId: z.string().uuid(),
  locationId: z.string().uuid(),
  locationName: z.string(),
  status: z.enum(['new', 'in_progress', 'resolved']),
  reason: z.enum(['low_score', 'complaint', 'contact_requested', 'keywords', 'manual']),
  assignee: z.object({ id: z.string(), name: z.string() }).nullable(),
  openedAt: z.string().datetime(),
  dueAt: z.string().datetime(),
  overdue: z.boolean(),
  escalationLevel: z.number().int().describe('0: with the team; 1: overdue, admins told; 2: long overdue, owners told'),
  firstResponseAt: z.string().datetime().nullable(),
  resolvedAt: z.string().datetime().nullable(),
  resolutionCode: z.enum(resolutionCodes).nullable(),
  resolutionNote: z.string().nullable(),
  followUp: z
    .object({ channel: z.enum(['email', 'sms']), sentAt: z.string().datetime().nullable(), answer: z.enum(['yes', 'no']).nullable(), answeredAt: z.string().datetime().nullable() })
    .nullable(),
  feedback: z.object({ score: z.number().int(), scale: z.enum(['recommend_5', 'nps_10', 'csat_5', 'stars_5']), comment: z.string(), submittedAt: z.string().datetime() }),
});

export const caseListQuerySchema = z.object({
  view: z.enum(['mine', 'team', 'unassigned'], 'must be mine, team or unassigned').default('team').describe("mine: assigned to you; team: every case you can see; unassigned: nobody's yet"),
  status: z.enum(['open', 'resolved', 'all'], 'must be open, resolved or all').default('open'),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});

export const caseParamsSchema = z.object({ caseId: z.guid('must be a case id (a uuid)') });
export const feedbackParamsSchema = z.object({ feedbackId: z.guid('must be a feedback id (a uuid)') });

export const openCaseBodySchema = z.object({ assigneeUserId: z.guid('must be a user id (a uuid)').nullable().optional() });

export const casePatchSchema = z
  .object({
    assigneeUserId: z.guid('must be a user id (a uuid)').nullable().optional(),
    status: z.enum(['new', 'in_progress'], 'must be new or in_progress (resolve with POST …/resolve)').optional(),
  })
  .refine((b) => b.assigneeUserId !== undefined || b.status !== undefined, { message: 'give an assignee or a status to change' });

export const resolveBodySchema = z.object({
  resolutionCode: z.enum(resolutionCodes, `must be one of ${resolutionCodes.join(', ')}`),
  note: z.string().trim().max(2000, 'the note can be at most 2000 characters').default(''),
  followUp: z.boolean().default(false).describe('ask the customer "did we fix it?" by text if possible, else by email'),
});

export const resolvedSchema = caseSchema.extend({
  followUpSentBy: z.enum(['email', 'sms']).nullable().describe('null when a follow-up was asked for but the customer left no way to reach them'),
});

export const summaryQuerySchema = z.object({
  from: isoDate,
  to: isoDate,
  locationId: z.guid('must be a location id (a uuid)').optional().describe('only cases at this location and every location below it'),
});
export const assigneeSchema = z.object({ id: z.string().uuid(), name: z.string(), role: z.string() });
export const summarySchema = z.object({
  from: z.string(),
  to: z.string(),
  open: z.number().int(),
  overdue: z.number().int(),
  opened: z.number().int(),
  medianMinutesToFirstResponse: z.number().nullable(),
  resolved: z.number().int(),
  resolvedWithinServiceLevel: z.number().nullable().describe('share (0–1) of cases resolved in the period that were resolved by their due time'),
  followUpsAnswered: z.number().int(),
  recoveryRate: z.number().nullable().describe('share (0–1) of answered follow-ups saying it was fixed'),
});

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day written HH:MM, e.g. 09:00');
export const serviceLevelSchema = z.object({
  businessHours: z.object({ start: z.string(), end: z.string() }),
  businessDays: z.array(z.number().int()).describe('ISO weekdays: 1 Monday … 7 Sunday'),
  caseDueHours: z.number().int().describe('a case is due this many business hours after it opens'),
  timezone: z.string(),
});
export const serviceLevelPatchSchema = z
  .object({
    businessHours: z.object({ start: clockTime, end: clockTime }).refine((h) => h.start < h.end, 'business hours must end after they start').optional(),
    businessDays: z.array(z.number().int().min(1).max(7), 'days are 1 (Monday) to 7 (Sunday)').min(1, 'choose at least one business day').max(7).optional(),
    caseDueHours: z.number().int('must be a whole number of hours').min(1, 'must be at least 1').max(2000, 'must be at most 2000').optional(),
  })
  .strict();
