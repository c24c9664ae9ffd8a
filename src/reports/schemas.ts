/** Request and response shapes of GET /api/v1/dashboard; the OpenAPI document is generated from them. */
import { z } from 'zod';

const datePattern = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A calendar date written YYYY-MM-DD that exists (no 30 February). Messages follow the
 * field's path in the error ("/from must be …").
 */
function isoDate() {
  return z
    .string()
    .regex(datePattern, 'must be a date written YYYY-MM-DD, e.g. 2025-03-31')
    .refine((value) => {
      if (!datePattern.test(value)) return true; // already refused above
      const [y = 0, m = 0, d = 0] = value.split('-').map(Number);
      const date = new Date(Date.UTC(y, m - 1, d));
      return y >= 1970 && date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
    }, 'is not a day of the calendar (from 1970 on)');
}

export const trendIntervalSchema = z.enum(['day', 'week', 'month'], 'must be day, week or month').describe('the size of each trend bucket; weeks run Monday to Sunday');

export const dashboardQuerySchema = z.object({
  from: isoDate().optional().describe("first day of the period (inclusive), in the client's own calendar; default: 29 days before `to`"),
  to: isoDate().optional().describe("last day of the period (inclusive); default: today in the client's timezone. At most 3 years after `from`"),
  locationId: z.guid('must be a location id (a uuid)').optional().describe('only this location and every location below it'),
  programmeId: z
    .guid('must be a programme id (a uuid)')
    .optional()
    .describe("the programme whose scale and locations to report; default: the location's programme, else the programme with the most locations"),
  interval: trendIntervalSchema.optional().describe('trend bucket size; default: day up to 31 days, week up to 190 days, month beyond'),
});
export type DashboardQuery = z.infer<typeof dashboardQuerySchema>;

export const estimateSchema = z
  .object({
    value: z.number().describe('the figure itself'),
    low: z.number().describe('lower end of its 95% confidence interval'),
    high: z.number().describe('upper end of its 95% confidence interval'),
  })
  .describe(
    'a figure with its 95% confidence interval: if two intervals overlap, the difference may be noise. NPS (−100..100) and shares (%) are rounded to 0.1, means to 0.01',
  );

const scoreSchema = estimateSchema
  .nullable()
  .describe(
    "the programme's score: NPS (adjusted Wald interval) on a 0–10 scale, the mean score (Student-t interval) on 5-point scales; null without responses",
  );

export const channelSchema = z.enum(['sms', 'web', 'qr', 'kiosk', 'api', 'email']);

export const dashboardSchema = z.object({
  programme: z.object({ id: z.guid(), name: z.string() }).describe('the programme reported on'),
  scale: z.enum(['recommend_5', 'nps_10', 'csat_5', 'stars_5']).describe("the programme's scale"),
  scoreKind: z.enum(['nps', 'mean']).describe('what `score` is: the Net Promoter Score (0–10 scales) or the mean score (5-point scales)'),
  period: z
    .object({ from: z.string().describe('first day, YYYY-MM-DD'), to: z.string().describe('last day, YYYY-MM-DD') })
    .describe("the period reported, in the client's own calendar, both days included"),
  interval: trendIntervalSchema,
  responses: z.number().int().describe('number of responses in the period and scope'),
  score: scoreSchema,
  topBox: estimateSchema
    .nullable()
    .describe('5-point scales: % of responses giving one of the top two scores, with its Wilson interval; null on 0–10 scales or without responses'),
  channels: z
    .array(z.object({ channel: channelSchema, responses: z.number().int() }))
    .describe('responses by channel, every channel listed (zero included)'),
  textVsOnline: z
    .object({
      text: z.number().int().describe('responses by text message (sms)'),
      online: z.number().int().describe('responses online (web, qr, kiosk, api, email)'),
    })
    .describe('responses by text message against online'),
  trend: z
    .array(
      z.object({
        start: z.string().describe('first day of the bucket inside the period, YYYY-MM-DD'),
        end: z.string().describe('last day of the bucket inside the period, YYYY-MM-DD (the first and last buckets may be partial weeks or months)'),
        responses: z.number().int(),
        score: scoreSchema,
      }),
    )
    .describe('every bucket of the period in order, empty ones included'),
  locations: z
    .array(
      z.object({
        id: z.guid(),
        name: z.string(),
        parentId: z.guid().nullable().describe('the location above this one (a region), if any'),
        responses: z.number().int().describe("responses given at this location itself (its sub-measures included, locations below it not)"),
        score: scoreSchema,
      }),
    )
    .describe('every location in scope, ranked (see `ranking`)'),
  subMeasures: z
    .array(
      z.object({
        id: z.guid(),
        name: z.string(),
        locationId: z.guid(),
        locationName: z.string(),
        responses: z.number().int(),
        score: scoreSchema,
      }),
    )
    .describe('every sub-measure (staff member, counter…) of the locations in scope, ranked (see `ranking`)'),
  ranking: z.string().describe('the sort rule of `locations` and `subMeasures`'),
});
export type Dashboard = z.infer<typeof dashboardSchema>;
