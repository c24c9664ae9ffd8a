import type { Db } from '../db/connect.ts';
import type { Scale } from '../db/schema.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { asClientId, type ClientId, type Trx } from '../db/tenancy.ts';

/** Everything a public feedback page needs to know about where the feedback is going. */
export interface FeedbackTarget {
  clientId: ClientId;
  clientName: string;
  clientPrivacyPolicyUrl: string | null;
  /** IANA timezone: the client's calendar days are the rollups' days. */
  clientTimezone: string;
  /** ISO country code: the default for mobile numbers given without one. */
  clientCountry: string;
  location: { id: string; name: string; code: string };
  subMeasure: { id: string; name: string; code: string } | null;
  programme: {
    id: string;
    scale: Scale;
    leadQuestion: string;
    followUpQuestion: string;
    introText: string;
    thankYouTitle: string;
    thankYouText: string;
    prizeDrawEnabled: boolean;
    prizeDrawDescription: string;
    prizeDrawTermsUrl: string | null;
    privacyPolicyUrl: string | null;
  };
}

export type FeedbackTargetLookup =
  | { ok: true; target: FeedbackTarget }
  | { ok: false; reason: 'unknown_location' | 'unknown_sub_measure' };

const CACHE_MS = 10_000;
const cache = new Map<string, { at: number; result: FeedbackTargetLookup }>();

/**
 * Resolves a public location code (and optional sub-measure code) of a location (and
 * sub-measure) that is neither inactive nor archived. This is the one lookup
 * that crosses tenants: a public link names no client. It runs as the owning role and reads
 * only what the public page shows; everything after it runs in the client's transaction.
 * Results are cached for a few seconds per process, so a busy page costs no query per view.
 */
export async function findFeedbackTarget(db: Db, locationCode: string, subMeasureCode?: string): Promise<FeedbackTargetLookup> {
  const key = `${locationCode}/${subMeasureCode ?? ''}`;
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.result;
  const result = await lookUp(db, locationCode, subMeasureCode);
  if (cache.size > 10_000) cache.clear();
  cache.set(key, { at: Date.now(), result });
  return result;
}

/**
 * Drops every cached lookup. Settings changes call it once committed, so an archived
 * location stops answering in this process at once; other processes follow within
 * the cache's few seconds.
 */
export function forgetFeedbackTargets(): void {
  cache.clear();
}

/**
 * The feedback target of one of a client's locations, read in that client's transaction
 * (SMS conversations know their location by id). Null for an inactive or archived location.
 * With `subMeasure` (by id or by code), the target is that sub-measure's when it is one of the
 * location's and neither inactive nor archived, and the location's alone otherwise.
 */
export async function findFeedbackTargetOfLocation(
  trx: Trx,
  clientId: ClientId,
  locationId: string,
  subMeasure?: SubMeasureKey | null,
): Promise<FeedbackTarget | null> {
  const row = await targetQuery(trx, subMeasure ?? undefined).where('l.client_id', '=', clientId).where('l.id', '=', locationId).executeTakeFirst();
  return row ? toTarget(row) : null;
}

/** A sub-measure named by its id, or by its code (as in its link). */
export type SubMeasureKey = { id: string } | { code: string };

async function lookUp(db: Db, locationCode: string, subMeasureCode: string | undefined): Promise<FeedbackTargetLookup> {
  const row = await targetQuery(db, subMeasureCode === undefined ? undefined : { code: subMeasureCode }).where('l.code', '=', locationCode).executeTakeFirst();
  if (!row) return { ok: false, reason: 'unknown_location' };
  if (subMeasureCode !== undefined && !row.sub_measure_id) return { ok: false, reason: 'unknown_sub_measure' };
  return { ok: true, target: toTarget(row) };
}

function targetQuery(db: Kysely<Database>, subMeasure: SubMeasureKey | undefined) {
  return db
    .selectFrom('locations as l')
    .innerJoin('programmes as p', (j) => j.onRef('p.client_id', '=', 'l.client_id').onRef('p.id', '=', 'l.programme_id'))
    .innerJoin('clients as c', 'c.id', 'l.client_id')
    .leftJoin('sub_measures as s', (j) =>
      j
        .onRef('s.client_id', '=', 'l.client_id')
        .onRef('s.location_id', '=', 'l.id')
        .on((eb) => (subMeasure === undefined ? eb.lit(false) : 'id' in subMeasure ? eb('s.id', '=', subMeasure.id) : eb('s.code', '=', subMeasure.code)))
        .on('s.active', '=', true)
        .on('s.archived_at', 'is', null),
    )
    .select([
      'l.client_id',
      'c.name as client_name',
      'c.privacy_policy_url as client_privacy_policy_url',
      'c.timezone as client_timezone',
      'c.country as client_country',
      'l.id as location_id',
      'l.name as location_name',
      'l.code as location_code',
      's.id as sub_measure_id',
      's.name as sub_measure_name',
      's.code as sub_measure_code',
      'p.id as programme_id',
      'p.scale',
      'p.lead_question',
      'p.follow_up_question',
      'p.intro_text',
      'p.thank_you_title',
      'p.thank_you_text',
      'p.prize_draw_enabled',
      'p.prize_draw_description',
      'p.prize_draw_terms_url',
      'p.privacy_policy_url',
    ])
    .where('l.active', '=', true)
    .where('l.archived_at', 'is', null);
}

type TargetRow = NonNullable<Awaited<ReturnType<ReturnType<typeof targetQuery>['executeTakeFirst']>>>;

function toTarget(row: TargetRow): FeedbackTarget {
  return {
    clientId: asClientId(row.client_id),
    clientName: row.client_name,
    clientPrivacyPolicyUrl: row.client_privacy_policy_url,
    clientTimezone: row.client_timezone,
    clientCountry: row.client_country,
    location: { id: row.location_id, name: row.location_name, code: row.location_code },
    subMeasure:
      row.sub_measure_id && row.sub_measure_name && row.sub_measure_code
        ? { id: row.sub_measure_id, name: row.sub_measure_name, code: row.sub_measure_code }
        : null,
    programme: {
      id: row.programme_id,
      scale: row.scale,
      leadQuestion: row.lead_question,
      followUpQuestion: row.follow_up_question,
      introText: row.intro_text,
      thankYouTitle: row.thank_you_title,
      thankYouText: row.thank_you_text,
      prizeDrawEnabled: row.prize_draw_enabled,
      prizeDrawDescription: row.prize_draw_description,
      prizeDrawTermsUrl: row.prize_draw_terms_url,
      privacyPolicyUrl: row.privacy_policy_url,
    },
  };
}
