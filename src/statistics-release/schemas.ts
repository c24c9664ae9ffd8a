/** Request and answer shapes of /api/v1/operator/statistics-releases. */
import { z } from 'zod';

export const newReleaseSchema = z
  .object({
    period: z.string().trim().min(4).max(40).describe('A month (2025-03), quarter (2025-Q1), year (2025) or a range of them (2024-07..2025-03); whole months before the current one'),
    by: z.array(z.string().max(20)).min(1, 'group by at least one of industry, region, month').max(3).describe('Dimensions of the cells: industry, region, month'),
    epsilon: z.number().positive('epsilon must be above 0').max(1000).default(0.5).describe('Privacy budget this release spends (Laplace noise scale grows as it shrinks)'),
  })
  .strict();

const budgetSchema = z.object({
  total: z.number().describe('HARK_STATS_EPSILON_BUDGET'),
  spent: z.number(),
  remaining: z.number(),
  releases: z.number().int(),
});

const methodSchema = z.object({
  rules: z.object({ minClients: z.number(), minResponses: z.number(), maxClientShare: z.number(), clipResponses: z.number() }),
  cellsPerClient: z.number().int(),
  noiseScale: z.object({ responses: z.number(), centredIndexSum: z.number(), bands: z.number() }),
  cells: z.object({ total: z.number().int(), published: z.number().int(), primarySuppressed: z.number().int(), complementarySuppressed: z.number().int(), empty: z.number().int() }),
});

export const releaseSummarySchema = z.object({
  id: z.string().uuid(),
  createdAt: z.string(),
  via: z.enum(['operator', 'cli']),
  period: z.object({ label: z.string(), fromMonth: z.string(), toMonth: z.string() }),
  by: z.array(z.enum(['industry', 'region', 'month'])),
  epsilon: z.number(),
  method: methodSchema.describe('Operator-side description: the cell counts are not part of the download'),
});

export const releaseListSchema = z.object({ budget: budgetSchema, releases: z.array(releaseSummarySchema) });
export const createdReleaseSchema = z.object({ release: releaseSummarySchema, budget: budgetSchema });

const cellSchema = z.object({
  industry: z.string().optional(),
  region: z.string().optional(),
  month: z.string().optional(),
  suppressed: z.boolean(),
  responses: z.number().nullable().describe('Noisy count of responses, each client capped at 20 per cell; may be negative'),
  mean_index: z.number().nullable().describe('Noisy mean score on the 0–100 index'),
  share_low: z.number().nullable(),
  share_middle: z.number().nullable(),
  share_high: z.number().nullable(),
});

export const releaseDocumentSchema = z.object({
  release: z.object({
    id: z.string().uuid(),
    createdAt: z.string(),
    period: z.object({ label: z.string(), fromMonth: z.string(), toMonth: z.string() }),
    by: z.array(z.enum(['industry', 'region', 'month'])),
    epsilon: z.number(),
    privacyUnit: z.literal('client'),
    scoreIndex: z.string(),
    bands: z.string(),
    rules: methodSchema.shape.rules,
    noiseScale: methodSchema.shape.noiseScale,
    columns: z.array(z.string()),
  }),
  cells: z.array(cellSchema),
});
