/**
 * Rows of programmes, locations and sub-measures as the settings API shows them, with the
 * public links a location's poster or QR code carries.
 */
import type { ProgrammeRow } from '../db/schema.ts';
import type { LocationView, ProgrammeView, SubMeasureView } from './schemas.ts';

export interface LocationLinks {
  feedbackUrl: string;
  qrSvgUrl: string;
  qrPngUrl: string;
}

/** The public links of a location code (and a sub-measure code), as served by the feedback pages under /f/. */
export function locationLinks(publicUrl: string, code: string, subMeasureCode?: string): LocationLinks {
  const feedbackUrl = `${publicUrl}/f/${code}${subMeasureCode ? `/${subMeasureCode}` : ''}`;
  return { feedbackUrl, qrSvgUrl: `${feedbackUrl}/qr.svg`, qrPngUrl: `${feedbackUrl}/qr.png` };
}

export function presentProgramme(row: ProgrammeRow, feedbackCount: number): ProgrammeView {
  return {
    id: row.id,
    name: row.name,
    scale: row.scale,
    leadQuestion: row.lead_question,
    followUpQuestion: row.follow_up_question,
    introText: row.intro_text,
    thankYouTitle: row.thank_you_title,
    thankYouText: row.thank_you_text,
    prizeDraw: { enabled: row.prize_draw_enabled, description: row.prize_draw_description, termsUrl: row.prize_draw_terms_url },
    privacyPolicyUrl: row.privacy_policy_url,
    retentionMonths: row.retention_months,
    feedbackCount,
  };
}

export interface SubMeasureListRow {
  id: string;
  location_id: string;
  name: string;
  code: string;
  active: boolean;
  archived_at: Date | null;
}

export function presentSubMeasure(publicUrl: string, locationCode: string, row: SubMeasureListRow): SubMeasureView {
  return {
    id: row.id,
    locationId: row.location_id,
    name: row.name,
    code: row.code,
    archived: row.archived_at !== null || !row.active,
    ...locationLinks(publicUrl, locationCode, row.code),
  };
}

export interface LocationListRow {
  id: string;
  name: string;
  code: string;
  parent_id: string | null;
  sms_code: string | null;
  programme_id: string;
  active: boolean;
  archived_at: Date | null;
}

export function presentLocation(publicUrl: string, row: LocationListRow, depth: number, subMeasures: readonly SubMeasureListRow[]): LocationView {
  return {
    id: row.id,
    name: row.name,
    code: row.code,
    parentId: row.parent_id,
    depth,
    smsCode: row.sms_code,
    archived: row.archived_at !== null || !row.active,
    programmeId: row.programme_id,
    ...locationLinks(publicUrl, row.code),
    subMeasures: subMeasures.map((s) => presentSubMeasure(publicUrl, row.code, s)),
  };
}
