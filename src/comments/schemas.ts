/** Schemas of the comments API: the cloud, comments by term, themes and their trends. */
import { z } from 'zod';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'is not a real date');

const periodFields = {
  from: day.optional().describe('first day (the client’s calendar), inclusive; default 29 days before "to"'),
  to: day.optional().describe('last day, inclusive; default today'),
  locationId: z.string().uuid().optional().describe('a location; includes everything below it'),
};

const periodOrder = { message: '"from" must not be after "to"', path: ['from'] };
const MAX_DAYS = 3 * 366;
const periodLength = { message: `the period may be at most ${MAX_DAYS} days`, path: ['from'] };
function periodDays(q: { from?: string | undefined; to?: string | undefined }): number {
  if (!q.from || !q.to) return 0;
  return (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000;
}

export const cloudQuerySchema = z
  .object({
    ...periodFields,
    minCount: z.coerce.number().int().min(1).max(1000).default(2).describe('leave out terms used by fewer comments'),
    limit: z.coerce.number().int().min(1).max(200).default(60),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, periodOrder)
  .refine((q) => periodDays(q) <= MAX_DAYS, periodLength);
export type CloudQuery = z.infer<typeof cloudQuerySchema>;

export const cloudTermSchema = z.object({
  term: z.string().describe('the term’s key (stems): give it to GET /api/v1/comments?term='),
  label: z.string().describe('the word or two-word phrase as customers wrote it'),
  kind: z.enum(['word', 'phrase']),
  comments: z.number().int().describe('comments in the period and scope using it'),
  averageSentiment: z.number().describe('-1 (negative) … 1 (positive), over those comments'),
  averageRatingPercent: z.number().describe('their scores as a percentage of the scale, averaged'),
});

export const cloudSchema = z.object({
  from: z.string(),
  to: z.string(),
  terms: z.array(cloudTermSchema),
});
export type Cloud = z.infer<typeof cloudSchema>;

export const commentsQuerySchema = z
  .object({
    ...periodFields,
    term: z.string().trim().min(1, 'give a term').max(100).describe('a term key from the cloud, or a word or two-word phrase'),
    cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
    limit: z.coerce.number().int().min(1).max(100).default(25),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, periodOrder)
  .refine((q) => periodDays(q) <= MAX_DAYS, periodLength);
export type CommentsQuery = z.infer<typeof commentsQuerySchema>;

const sentimentSchema = z.enum(['positive', 'neutral', 'negative']);

export const commentItemSchema = z.object({
  feedbackId: z.string().uuid(),
  comment: z.string(),
  score: z.number().int(),
  scale: z.enum(['recommend_5', 'nps_10', 'csat_5', 'stars_5']),
  sentiment: sentimentSchema,
  sentimentScore: z.number(),
  themes: z.array(z.object({ id: z.string().uuid(), name: z.string() })),
  locationId: z.string().uuid(),
  locationName: z.string(),
  submittedAt: z.string(),
});
export const commentPageSchema = z.object({ items: z.array(commentItemSchema), nextCursor: z.string().nullable() });
export type CommentItem = z.infer<typeof commentItemSchema>;

export const MAX_KEYWORDS = 30;
export const MAX_THEMES = 50;

export const themeBodySchema = z.object({
  name: z.string().trim().min(1, 'give the theme a name').max(60, 'a theme name may be at most 60 characters'),
  keywords: z
    .array(z.string().trim().min(1, 'a keyword may not be empty').max(40, 'a keyword may be at most 40 characters'))
    .min(1, 'give at least one keyword')
    .max(MAX_KEYWORDS, `a theme may have at most ${MAX_KEYWORDS} keywords`)
    .describe('words or two-word phrases; plurals and other endings match too ("queue" matches "queues", "queued")'),
});
export type ThemeBody = z.infer<typeof themeBodySchema>;

export const themeSchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  keywords: z.array(z.string()),
  updatedAt: z.string(),
});
export type Theme = z.infer<typeof themeSchema>;

export const themeParamsSchema = z.object({ themeId: z.string().uuid('the theme id must be a uuid') });

export const trendQuerySchema = z
  .object({
    ...periodFields,
    interval: z.enum(['day', 'week', 'month']).default('week'),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, periodOrder)
  .refine((q) => periodDays(q) <= MAX_DAYS, periodLength);
export type TrendQuery = z.infer<typeof trendQuerySchema>;

const figureSchema = z.object({
  comments: z.number().int(),
  averageSentiment: z.number().nullable(),
  averageRatingPercent: z.number().nullable(),
});

export const themeTrendSchema = z.object({
  from: z.string(),
  to: z.string(),
  interval: z.enum(['day', 'week', 'month']),
  themes: z.array(
    z.object({
      id: z.string().uuid(),
      name: z.string(),
      total: figureSchema,
      points: z.array(figureSchema.extend({ period: z.string().describe('first day of the day, week (Monday) or month') })),
    }),
  ),
});
export type ThemeTrend = z.infer<typeof themeTrendSchema>;
