/**
 * The settings API's shapes: programmes, locations and sub-measures as admins see and change
 * them. The same schemas validate requests and describe the OpenAPI document.
 */
import { z } from 'zod';

/** A link customers open: only http(s), so no `javascript:` or `data:` link reaches a page. */
const webAddress = (what: string) =>
  z
    .url({ protocol: /^https?$/, error: `${what} must be a web address starting with https:// or http://` })
    .max(2000, `${what} must be at most 2000 characters`);

export const scaleSchema = z
  .enum(['recommend_5', 'nps_10', 'csat_5', 'stars_5'])
  .describe('recommend_5: likelihood to recommend 1–5; nps_10: Net Promoter 0–10; csat_5: satisfaction 1–5; stars_5: 1–5 stars');

const nameSchema = (what: string) => z.string().trim().min(1, `give the ${what} a name`).max(200, 'a name must be at most 200 characters');

export const programmeSchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  scale: scaleSchema,
  leadQuestion: z.string().describe('the question answered on the scale'),
  followUpQuestion: z.string().describe('the question above the comment box'),
  introText: z.string().describe('shown above the questions; may be empty'),
  thankYouTitle: z.string(),
  thankYouText: z.string(),
  prizeDraw: z.object({
    enabled: z.boolean().describe('customers may enter a prize draw when they give feedback'),
    description: z.string().describe('what can be won, shown beside the entry box'),
    termsUrl: z.string().nullable().describe("the draw's terms, which an entrant accepts"),
  }),
  privacyPolicyUrl: z.string().nullable().describe("the client's privacy policy for this programme; null: the client's default"),
  retentionMonths: z.number().int().describe('feedback older than this is deleted or anonymised'),
  feedbackCount: z.number().int().describe("feedback received under this programme (in the caller's location scope)"),
});

const programmeFields = {
  name: nameSchema('programme'),
  scale: scaleSchema,
  leadQuestion: z.string().trim().min(1, 'the lead question is required').max(300, 'the lead question must be at most 300 characters'),
  followUpQuestion: z.string().trim().min(1, 'the follow-up question is required').max(300, 'the follow-up question must be at most 300 characters'),
  introText: z.string().trim().max(2000, 'the introduction must be at most 2000 characters').describe('may be empty'),
  thankYouTitle: z.string().trim().min(1, 'the thank-you title is required').max(200, 'the thank-you title must be at most 200 characters'),
  thankYouText: z.string().trim().max(2000, 'the thank-you text must be at most 2000 characters'),
  prizeDraw: z
    .object({
      enabled: z.boolean(),
      description: z.string().trim().max(500, 'the prize description must be at most 500 characters'),
      termsUrl: webAddress('the terms link').nullable(),
    })
    .partial()
    .describe('an enabled prize draw needs a terms link'),
  privacyPolicyUrl: webAddress('the privacy-policy link').nullable(),
  retentionMonths: z
    .number()
    .int('the retention period is a whole number of months')
    .min(1, 'keep feedback for 1 to 240 months')
    .max(240, 'keep feedback for 1 to 240 months')
    .describe('months to keep feedback, 1–240'),
};

export const programmeCreateSchema = z.object({
  ...programmeFields,
  introText: programmeFields.introText.optional(),
  thankYouTitle: programmeFields.thankYouTitle.optional(),
  thankYouText: programmeFields.thankYouText.optional(),
  prizeDraw: programmeFields.prizeDraw.optional(),
  privacyPolicyUrl: programmeFields.privacyPolicyUrl.optional(),
  retentionMonths: programmeFields.retentionMonths.optional(),
});
export type ProgrammeCreate = z.infer<typeof programmeCreateSchema>;

export const programmePatchSchema = z.object(programmeFields).partial();
export type ProgrammePatch = z.infer<typeof programmePatchSchema>;

export const programmeParamsSchema = z.object({ programmeId: z.string().uuid() });

const locationCodeSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9-]{1,39}$/, 'the code must be 2 to 40 lowercase letters, digits and hyphens, starting with a letter or digit')
  .describe('the public link is /f/<code>; unique across the installation and fixed once made');
const subMeasureCodeSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'the code must be 1 to 40 lowercase letters, digits and hyphens, starting with a letter or digit')
  .describe("the public link is /f/<location code>/<code>; unique within the location and fixed once made");
const smsCodeSchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9]{2,12}$/, 'the SMS code must be 2 to 12 letters and digits')
  .describe('what a customer texts to give feedback on this location; unique within the client');

export const subMeasureSchema = z.object({
  id: z.string().uuid(),
  locationId: z.string().uuid(),
  name: z.string(),
  code: z.string(),
  archived: z.boolean(),
  feedbackUrl: z.string().describe('the public feedback link of this sub-measure'),
  qrSvgUrl: z.string().describe('the QR code of its link (for a name badge), as SVG'),
  qrPngUrl: z.string().describe('the QR code of its link, as PNG'),
});

export const locationSchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  code: z.string(),
  parentId: z.string().uuid().nullable(),
  depth: z.number().int().describe("0 for a top-level location (or the top of the caller's scope), 1 below it, and so on"),
  smsCode: z.string().nullable(),
  archived: z.boolean().describe('an archived location keeps its feedback; its public page answers "not found"'),
  programmeId: z.string().uuid(),
  feedbackUrl: z.string().describe('the public feedback link'),
  qrSvgUrl: z.string().describe('the QR code of the link, as SVG'),
  qrPngUrl: z.string().describe('the QR code of the link, as PNG'),
  subMeasures: z.array(subMeasureSchema),
});

export const locationListQuerySchema = z.object({
  includeArchived: z.enum(['true', 'false']).optional().describe('true: list archived locations and sub-measures too'),
});

export const locationCreateSchema = z.object({
  name: nameSchema('location'),
  code: locationCodeSchema,
  parentId: z.string().uuid().nullable().optional().describe('the location this one sits under (e.g. its region)'),
  smsCode: smsCodeSchema.nullable().optional(),
  programmeId: z.string().uuid().describe('the programme whose questions this location asks'),
});
export type LocationCreate = z.infer<typeof locationCreateSchema>;

export const locationPatchSchema = z.object({
  name: nameSchema('location').optional(),
  parentId: z.string().uuid().nullable().optional().describe('null: a top-level location'),
  smsCode: smsCodeSchema.nullable().optional().describe('null: no SMS code'),
  programmeId: z.string().uuid().optional(),
  archived: z.boolean().optional().describe('true archives (the public page stops answering); false restores'),
  code: z.string().max(100).optional().describe('cannot be changed (it is printed in links and QR codes); a different value is refused'),
});
export type LocationPatch = z.infer<typeof locationPatchSchema>;

export const locationParamsSchema = z.object({ locationId: z.string().uuid() });

export const subMeasureCreateSchema = z.object({
  name: nameSchema('sub-measure'),
  code: subMeasureCodeSchema,
});
export type SubMeasureCreate = z.infer<typeof subMeasureCreateSchema>;

export const subMeasurePatchSchema = z.object({
  name: nameSchema('sub-measure').optional(),
  archived: z.boolean().optional().describe('true archives (its public page stops answering); false restores'),
  code: z.string().max(100).optional().describe('cannot be changed (it is printed in links); a different value is refused'),
});
export type SubMeasurePatch = z.infer<typeof subMeasurePatchSchema>;

export const subMeasureParamsSchema = z.object({ subMeasureId: z.string().uuid() });

export type ProgrammeView = z.infer<typeof programmeSchema>;
export type LocationView = z.infer<typeof locationSchema>;
export type SubMeasureView = z.infer<typeof subMeasureSchema>;
