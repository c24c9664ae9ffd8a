/** Request and response shapes of GET /api/v1/rankings and GET /api/v1/dashboard/change. */
import { z } from 'zod';
import { dashboardQuerySchema, estimateSchema } from './schemas.ts';

export const rankingRuleSchema = z
  .enum(['shrunk', 'lower_bound'], 'must be shrunk or lower_bound')
  .describe('shrunk: by the score shrunk towards the mean of the table (empirical Bayes); lower_bound: by the lower end of the 95% interval');

export const rankingsQuerySchema = dashboardQuerySchema.pick({ from: true, to: true, locationId: true, programmeId: true }).extend({
  by: z.enum(['location', 'staff'], 'must be location or staff').describe('rank locations, or staff members (sub-measures)'),
  rule: rankingRuleSchema.optional().describe('the ranking rule; default: shrunk'),
});
export type RankingsQuery = z.infer<typeof rankingsQuerySchema>;

export const changeQuerySchema = dashboardQuerySchema.pick({ from: true, to: true, locationId: true, programmeId: true });
export type ChangeQuery = z.infer<typeof changeQuerySchema>;

const periodSchema = z
  .object({ from: z.string().describe('first day, YYYY-MM-DD'), to: z.string().describe('last day, YYYY-MM-DD') })
  .describe("a period in the client's own calendar, both days included");

export const changeSchema = z
  .object({
    test: z.literal('welch_t').describe("the test used: Welch's t-test on per-response values (see `changeTest`)"),
    difference: z.number().describe("this period's score less the previous period's, rounded like the score"),
    t: z.number().describe('the t statistic'),
    df: z.number().int().describe('degrees of freedom (Welch–Satterthwaite, rounded down)'),
    pValue: z.number().describe('two-sided p-value'),
    significant: z.boolean().describe('true when the change is significant at 95% (p < 0.05)'),
  })
  .nullable()
  .describe('the change against the previous equal-length period; null when either period has fewer than 2 responses');

const scoreSchema = estimateSchema.nullable().describe('NPS on 0–10 scales, mean score on 5-point scales, with its 95% interval; null without responses');

export const rankingRowSchema = z.object({
  rank: z.number().int().nullable().describe('1 for the top of the table; null for rows without responses (listed last)'),
  id: z.guid(),
  name: z.string(),
  locationId: z.guid().describe('the location itself, or the location of the staff member'),
  locationName: z.string(),
  responses: z.number().int().describe('responses in the period'),
  score: scoreSchema.describe('the raw score of the period, with its 95% interval'),
  shrunk: z.number().nullable().describe('the score shrunk towards the mean of the table (empirical Bayes); null without responses'),
  previous: z.object({ responses: z.number().int(), score: z.number().nullable() }).describe('the previous equal-length period'),
  change: changeSchema,
});

export const rankingsSchema = z.object({
  programme: z.object({ id: z.guid(), name: z.string() }),
  scale: z.enum(['recommend_5', 'nps_10', 'csat_5', 'stars_5']),
  scoreKind: z.enum(['nps', 'mean']),
  by: z.enum(['location', 'staff']),
  period: periodSchema,
  previousPeriod: periodSchema.describe('the equal-length period just before, for `change`'),
  rule: rankingRuleSchema,
  ranking: z.string().describe('the ranking rule in words, to show beside the table'),
  shrinkage: z
    .object({
      mean: z.number().nullable().describe('the mean the scores shrink towards (all responses in the table)'),
      betweenVariance: z.number().describe('τ², the variance between units beyond chance (method of moments)'),
      withinVariance: z.number().describe('σ², the pooled variance of single responses'),
    })
    .describe('the figures of the empirical-Bayes shrinkage, in per-response value units'),
  changeTest: z.string().describe('the significance test of `change`, in words'),
  rows: z.array(rankingRowSchema),
});
export type Rankings = z.infer<typeof rankingsSchema>;
export type RankingRow = z.infer<typeof rankingRowSchema>;

export const scoreChangeSchema = z.object({
  programme: z.object({ id: z.guid(), name: z.string() }),
  scoreKind: z.enum(['nps', 'mean']),
  period: periodSchema,
  previousPeriod: periodSchema,
  current: z.object({ responses: z.number().int(), score: scoreSchema }),
  previous: z.object({ responses: z.number().int(), score: scoreSchema }),
  change: changeSchema,
  changeTest: z.string().describe('the significance test of `change`, in words'),
});
export type ScoreChange = z.infer<typeof scoreChangeSchema>;
