import type { Db } from '../db/connect.ts';
import type { LocationRow, ProgrammeRow, Scale, SubMeasureRow } from '../db/schema.ts';
import { withClient, type ClientId } from '../db/tenancy.ts';

export interface NewProgramme {
  name: string;
  scale: Scale;
  leadQuestion: string;
  followUpQuestion: string;
  introText?: string;
  thankYouTitle?: string;
  thankYouText?: string;
  prizeDraw?: { description: string; termsUrl: string } | null;
  privacyPolicyUrl?: string | null;
  retentionMonths?: number;
}

export function createProgramme(db: Db, clientId: ClientId, input: NewProgramme): Promise<ProgrammeRow> {
  return withClient(db, clientId, (trx) =>
    trx
      .insertInto('programmes')
      .values({
        client_id: clientId,
        name: input.name,
        scale: input.scale,
        lead_question: input.leadQuestion,
        follow_up_question: input.followUpQuestion,
        intro_text: input.introText ?? '',
        thank_you_title: input.thankYouTitle ?? 'Thank you',
        thank_you_text: input.thankYouText ?? 'Your feedback has been received.',
        prize_draw_enabled: Boolean(input.prizeDraw),
        prize_draw_description: input.prizeDraw?.description ?? '',
        prize_draw_terms_url: input.prizeDraw?.termsUrl ?? null,
        privacy_policy_url: input.privacyPolicyUrl ?? null,
        retention_months: input.retentionMonths ?? 36,
      })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
}

export interface NewLocation {
  programmeId: string;
  name: string;
  code: string;
  smsCode?: string | null;
  parentId?: string | null;
}

export function createLocation(db: Db, clientId: ClientId, input: NewLocation): Promise<LocationRow> {
  return withClient(db, clientId, (trx) =>
    trx
      .insertInto('locations')
      .values({
        client_id: clientId,
        programme_id: input.programmeId,
        name: input.name,
        code: input.code,
        sms_code: input.smsCode ?? null,
        parent_id: input.parentId ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
}

export interface NewSubMeasure {
  locationId: string;
  name: string;
  code: string;
}

export function createSubMeasure(db: Db, clientId: ClientId, input: NewSubMeasure): Promise<SubMeasureRow> {
  return withClient(db, clientId, (trx) =>
    trx
      .insertInto('sub_measures')
      .values({ client_id: clientId, location_id: input.locationId, name: input.name, code: input.code })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
}

export async function createReceiptCodes(db: Db, clientId: ClientId, locationId: string, codes: string[]): Promise<void> {
  if (codes.length === 0) return;
  await withClient(db, clientId, (trx) =>
    trx
      .insertInto('receipt_codes')
      .values(codes.map((code) => ({ client_id: clientId, code, location_id: locationId })))
      .execute(),
  );
}
