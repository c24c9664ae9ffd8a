import { z } from 'zod';

export const policyFormatSchema = z.enum(['markdown', 'text']).describe('how the text is written: Markdown, or plain text (paragraphs split by blank lines)');

export const policyVersionSummarySchema = z.object({
  version: z.number().int().describe('1, 2, 3 … in order of publication'),
  format: policyFormatSchema,
  sha256: z.string().describe('SHA-256 of the text (UTF-8, LF line endings), hex'),
  source: z.enum(['default', 'cli', 'api']).describe("'default': Hark's bundled text, published on first start"),
  publishedAt: z.string().datetime(),
  publishedBy: z.string().nullable().describe('name of the operator staff member who published it, if any'),
  current: z.boolean().describe('the version in force: the newest, which governs all data held'),
  url: z.string().describe('where the public reads it'),
});

export const policyVersionSchema = policyVersionSummarySchema.extend({ text: z.string() });

export const publishPolicyBodySchema = z.object({
  text: z.string().describe('the whole policy, at most 256 KB in UTF-8'),
  format: policyFormatSchema.default('markdown'),
});

export const policyVersionParamsSchema = z.object({
  version: z.string().max(20).describe('the version number'),
});

export const publishedPolicySchema = z.object({ version: z.number().int(), sha256: z.string(), publishedAt: z.string().datetime(), url: z.string() });

/** A version number in a URL: "1", "2" …; anything else is refused with 400. */
export function parseVersionNumber(value: string): number | null {
  return /^[1-9][0-9]{0,8}$/.test(value) ? Number(value) : null;
}
