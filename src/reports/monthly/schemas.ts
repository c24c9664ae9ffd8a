/** Request and response shapes of the monthly report routes; the OpenAPI document is generated from them. */
import { z } from 'zod';

export const monthlyReportQuerySchema = z.object({
  month: z
    .string('give the month to report, written YYYY-MM, e.g. 2025-03')
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month written YYYY-MM, e.g. 2025-03')
    .refine((m) => m >= '1970-01', 'must be a month from 1970 on')
    .describe("the calendar month to report, YYYY-MM, in the client's own timezone; not a future month"),
  locationId: z.guid('must be a location id (a uuid)').optional().describe('only this location and every location below it (within your scope)'),
});
export type MonthlyReportQuery = z.infer<typeof monthlyReportQuerySchema>;

export const subscriptionSchema = z.object({
  subscribed: z.boolean().describe('whether the monthly report PDF is emailed to you on the first working day of each month'),
  chosen: z.boolean().describe('false while the default for your role holds (owners and admins: subscribed; managers and viewers: not)'),
});
export type Subscription = z.infer<typeof subscriptionSchema>;

export const subscriptionBodySchema = z.object({
  subscribed: z.boolean('subscribed must be true or false').describe('true to receive the monthly report by email'),
});
