/** What a beacon may carry, and what the operator dashboard answers. */
import { z } from 'zod';

/** A path on this site: starts with '/', no query, fragment, spaces or control characters. */
const pathSchema = z
  .string()
  .max(512)
  .regex(/^\/[^\s?#\u0000-\u001f\u007f]*$/, 'must be a path starting with /');
const screenSide = z.number().int().min(1).max(10000);
/** A referrer as the browser gives it: empty, or an http(s) URL. */
const referrerSchema = z
  .string()
  .max(2048)
  .refine((value) => value === '' || /^https?:\/\//i.test(value) && URL.canParse(value), 'must be empty or an http(s) URL');

const common = {
  p: pathSchema.describe('location.pathname'),
  q: z.string().max(2048).optional().describe('location.search: only the utm_ tags are kept'),
  r: referrerSchema.optional().describe('document.referrer: only its host is kept'),
  w: screenSide.optional().describe('screen.width'),
  h: screenSide.optional().describe('screen.height'),
};

/** One beacon: a page view, or leaving a page after `d` milliseconds (at most 24 hours). */
export const beaconSchema = z.discriminatedUnion('k', [
  z.object({ k: z.literal('view'), ...common }).strict(),
  z.object({ k: z.literal('leave'), ...common, d: z.number().int().min(0).max(24 * 60 * 60 * 1000) }).strict(),
]);
export type Beacon = z.infer<typeof beaconSchema>;

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, YYYY-MM-DD').refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v), 'is not a real date');

export const MAX_RANGE_DAYS = 366;

export const dashboardQuerySchema = z.object({
  from: isoDay.optional().describe('first day (UTC), default 29 days before `to`'),
  to: isoDay.optional().describe('last day (UTC), default today'),
});

const seconds = z.number().nullable().describe('average time on page in seconds, from leave beacons; null when none came');

export const dashboardSchema = z.object({
  from: z.string(),
  to: z.string(),
  totals: z.object({
    visitors: z.number().int().describe('sum of daily visitors (a visitor is counted once per day)'),
    views: z.number().int(),
    averageSeconds: seconds,
    dropped: z.number().int(),
  }),
  days: z.array(
    z.object({
      day: z.string(),
      visitors: z.number().int(),
      views: z.number().int(),
      averageSeconds: seconds,
      dropped: z.record(z.string(), z.number().int()).describe('beacons refused or dropped, by reason'),
    }),
  ),
  topPages: z.array(z.object({ path: z.string(), views: z.number().int(), averageSeconds: seconds })),
  sources: z.array(z.object({ source: z.string().describe("utm_source, else the referrer's host, else '(direct)'"), views: z.number().int() })),
  devices: z.array(z.object({ device: z.string(), views: z.number().int() })),
  browsers: z.array(z.object({ browser: z.string(), views: z.number().int() })),
  operatingSystems: z.array(z.object({ os: z.string(), views: z.number().int() })),
  dropped: z.array(z.object({ reason: z.string(), count: z.number().int() })),
});
export type Dashboard = z.infer<typeof dashboardSchema>;
