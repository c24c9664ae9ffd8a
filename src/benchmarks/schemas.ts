/** Request and response shapes of /api/v1/benchmarks and its profile; the OpenAPI document is generated from them. */
import { z } from 'zod';
import { hiddenRules, industries, industryIds, regionIds, regions } from './cells.ts';

export const industrySchema = z.enum(industryIds, `must be one of ${industryIds.join(', ')}`).describe('the industry the business compares itself within');
export const regionSchema = z.enum(regionIds, `must be one of ${regionIds.join(', ')}`).describe('the New Zealand region of the business');

export const benchmarkProfileSchema = z.object({
  industry: industrySchema.nullable().describe('null until chosen: no comparison is shown without it'),
  region: regionSchema.nullable().describe('optional; needed for a comparison within the region'),
  contributes: z.boolean().describe("whether this business's figures count in other businesses' comparisons (anonymously, in cells of at least 6)"),
  industries: z.array(z.object({ id: industrySchema, name: z.string() })).describe('the industries to choose from'),
  regions: z.array(z.object({ id: regionSchema, name: z.string() })).describe('the regions to choose from'),
});
export type BenchmarkProfile = z.infer<typeof benchmarkProfileSchema>;
export const profileLists = { industries: [...industries], regions: [...regions] };

export const updateBenchmarkProfileSchema = z
  .object({
    industry: industrySchema.nullable(),
    region: regionSchema.nullable(),
    contributes: z.boolean({ error: 'must be true or false' }),
  })
  .strict();
export type UpdateBenchmarkProfile = z.infer<typeof updateBenchmarkProfileSchema>;

const periodPattern = /^(\d{4})(?:-(0[1-9]|1[0-2])|-Q([1-4]))?$/;

export const benchmarksQuerySchema = z.object({
  period: z
    .string()
    .regex(periodPattern, 'must be a month (2025-03), a quarter (2025-Q1) or a year (2025)')
    .optional()
    .describe("whole months of the client's calendar: a month YYYY-MM, a quarter YYYY-Qn or a year YYYY; default: last month"),
  cell: z
    .enum(['industry', 'region'], 'must be industry or region')
    .optional()
    .describe('compare with the whole industry (default), or with the industry within your region'),
});
export type BenchmarksQuery = z.infer<typeof benchmarksQuerySchema>;

export const benchmarksSchema = z.object({
  period: z.object({ label: z.string(), from: z.string().describe('first day, YYYY-MM-DD'), to: z.string().describe('last day, YYYY-MM-DD') }),
  cell: z.enum(['industry', 'region']),
  industry: industrySchema.nullable(),
  region: regionSchema.nullable(),
  contributes: z.boolean(),
  scoreKind: z.enum(['nps', 'mean']).describe('businesses are compared on NPS (0–10 scales) or on mean score (5-point scales), never across the two'),
  own: z.object({ responses: z.number().int(), score: z.number().nullable() }).describe("this business's own score in the period (all its programmes of this kind of scale)"),
  shown: z.boolean(),
  hidden: z
    .object({ rule: z.enum(hiddenRules), message: z.string() })
    .nullable()
    .describe('why the comparison is hidden (the first rule that fails); null when shown'),
  figures: z
    .object({
      otherClients: z.string().describe('how many other businesses contribute, rounded down to a multiple of 5 ("5+", "10+" …)'),
      responses: z.number().int().describe("the cell's responses, rounded to the nearest 10"),
      q1: z.number().describe('the lower quartile of the businesses’ scores'),
      median: z.number().describe('the median of the businesses’ scores'),
      q3: z.number().describe('the upper quartile of the businesses’ scores'),
      percentile: z
        .number()
        .int()
        .nullable()
        .describe(`the share of other businesses scoring below yours (ties count half), 0–100; null when yours has fewer than the minimum responses`),
    })
    .nullable(),
  thresholds: z
    .object({
      minOtherClients: z.number().int(),
      minCellResponses: z.number().int(),
      minClientResponses: z.number().int(),
      maxClientShare: z.number(),
    })
    .describe('the rules a comparison must meet to be shown'),
});
export type Benchmarks = z.infer<typeof benchmarksSchema>;
