/** Request and response shapes of the alert-rule routes. */
import { z } from 'zod';

const e164 = z.string().trim().regex(/^\+[1-9]\d{6,14}$/, 'mobiles must be in international form, e.g. +6421555012');

export const alertRuleSchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  enabled: z.boolean(),
  match: z.enum(['any', 'all']),
  conditions: z.object({
    lowBand: z.boolean().describe("a score in the bottom band of the programme's scale (NPS 0–6, five-point 1–2)"),
    scoreAtMost: z.number().int().nullable(),
    complaint: z.boolean(),
    contactRequested: z.boolean(),
    keywords: z.array(z.string()),
  }),
  locationIds: z.array(z.string().uuid()).nullable().describe('null: every location; else these and every location below them'),
  recipients: z.object({ roles: z.array(z.enum(['owner', 'admin', 'manager', 'viewer'])), emails: z.array(z.string()), mobiles: z.array(z.string()) }),
  channels: z.array(z.enum(['email', 'sms'])),
  delivery: z.enum(['immediate', 'daily_digest']),
  digestHour: z.number().int(),
  deferWeekends: z.boolean(),
  deferOutsideHours: z.boolean(),
  opensCase: z.boolean(),
  caseAssigneeUserId: z.string().uuid().nullable(),
});

export const alertRuleBodySchema = z
  .object({
    name: z.string().trim().min(1, 'give the rule a name').max(100),
    enabled: z.boolean().default(true),
    match: z.enum(['any', 'all'], 'must be any or all').default('any'),
    conditions: z.object({
      lowBand: z.boolean().default(false),
      scoreAtMost: z.number().int().min(0, 'a score is 0 to 10').max(10, 'a score is 0 to 10').nullable().default(null),
      complaint: z.boolean().default(false),
      contactRequested: z.boolean().default(false),
      keywords: z.array(z.string().trim().toLowerCase().min(1).max(60)).max(50).default([]),
    }),
    locationIds: z.array(z.guid('must be location ids (uuids)')).min(1, 'give at least one location, or null for all').nullable().default(null),
    recipients: z
      .object({
        roles: z.array(z.enum(['owner', 'admin', 'manager', 'viewer'], 'roles are owner, admin, manager or viewer')).default([]),
        emails: z.array(z.string().trim().toLowerCase().email('must be email addresses')).max(20).default([]),
        mobiles: z.array(e164).max(20).default([]),
      })
      .default({ roles: ['manager'], emails: [], mobiles: [] }),
    channels: z.array(z.enum(['email', 'sms'], 'channels are email or sms')).min(1, 'choose at least one channel').default(['email']),
    delivery: z.enum(['immediate', 'daily_digest'], 'must be immediate or daily_digest').default('immediate'),
    digestHour: z.number().int().min(0).max(23, 'an hour of the day, 0 to 23').default(8),
    deferWeekends: z.boolean().default(false),
    deferOutsideHours: z.boolean().default(false),
    opensCase: z.boolean().default(false),
    caseAssigneeUserId: z.guid('must be a user id (a uuid)').nullable().default(null),
  })
  .superRefine((rule, ctx) => {
    const c = rule.conditions;
    if (!c.lowBand && c.scoreAtMost === null && !c.complaint && !c.contactRequested && c.keywords.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['conditions'], message: 'choose at least one condition (low score, a score at most, complaint, contact requested or keywords)' });
    }
    if (rule.channels.includes('sms') && rule.recipients.mobiles.length === 0 && rule.recipients.roles.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['recipients', 'mobiles'], message: 'alerts by text need roles (members with a mobile in their account) or mobiles to go to' });
    }
    if (rule.channels.includes('email') && rule.recipients.roles.length === 0 && rule.recipients.emails.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['recipients'], message: 'alerts by email need roles or email addresses to go to' });
    }
  });

export type AlertRuleBody = z.infer<typeof alertRuleBodySchema>;
export const ruleParamsSchema = z.object({ ruleId: z.guid('must be a rule id (a uuid)') });
