/**
 * Settings as admins manage them: programmes (wording, scale, thank-you page, prize draw,
 * privacy-policy link, retention), locations (hierarchy, SMS code, archiving) and their
 * sub-measures. Every change is in the audit log, with the names of the fields changed and
 * never their values (a sub-measure's name is often a staff member's name).
 *
 * Invariants kept here:
 * - a programme's scale is fixed once it has feedback, so its figures never mix scales;
 * - an enabled prize draw has a terms link;
 * - location and sub-measure codes never change (they are printed in links and QR codes);
 * - the location hierarchy has no cycles (moves are serialised per client by a lock).
 *
 * Expected refusals are typed results; the routes turn them into HTTP errors.
 */
import { sql } from 'kysely';
import { inScope, withAccess, type Access } from '../accounts/index.ts';
import { appendAudit, type AuditEntry } from '../audit/index.ts';
import type { Services } from '../context.ts';
import type { ProgrammeRow } from '../db/schema.ts';
import type { ClientId, Trx } from '../db/tenancy.ts';
import { forgetFeedbackTargets } from './feedback-target.ts';
import { presentLocation, presentProgramme, presentSubMeasure, type LocationListRow, type SubMeasureListRow } from './present.ts';
import type {
  LocationCreate,
  LocationPatch,
  LocationView,
  ProgrammeCreate,
  ProgrammePatch,
  ProgrammeView,
  SubMeasureCreate,
  SubMeasurePatch,
  SubMeasureView,
} from './schemas.ts';

export type SettingsResult<T, Reason extends string> = { ok: true; value: T } | { ok: false; reason: Reason };

export type ProgrammeRefusal = 'not_found' | 'scale_locked' | 'terms_url_required';
export type LocationRefusal =
  | 'not_found'
  | 'programme_not_found'
  | 'parent_not_found'
  | 'parent_archived'
  | 'cycle'
  | 'code_locked'
  | 'code_taken'
  | 'sms_code_taken';
export type SubMeasureRefusal = 'not_found' | 'location_archived' | 'code_locked' | 'code_taken';

const ok = <T>(value: T) => ({ ok: true, value }) as const;
const refuse = <Reason extends string>(reason: Reason) => ({ ok: false, reason }) as const;

function audit(trx: Trx, access: Access, entry: Omit<AuditEntry, 'clientId' | 'actorKind' | 'actorId'>): Promise<number> {
  return appendAudit(trx, { clientId: access.clientId, actorKind: 'user', actorId: access.userId, ...entry });
}

/** The constraint a statement violated by a duplicate, or null for any other error. */
function duplicateOf(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  return code === '23505' && typeof constraint === 'string' ? constraint : null;
}

/**
 * Runs a change and, once it has committed, drops the cached public-page lookups, so an
 * archived location stops answering at once in this process (other processes within the
 * cache's few seconds).
 */
async function change<T>(work: () => Promise<T>): Promise<T> {
  const result = await work();
  forgetFeedbackTargets();
  return result;
}

// ---------------------------------------------------------------------------------------
// Programmes

type ProgrammeSettings = Pick<
  ProgrammeRow,
  | 'name'
  | 'scale'
  | 'lead_question'
  | 'follow_up_question'
  | 'intro_text'
  | 'thank_you_title'
  | 'thank_you_text'
  | 'prize_draw_enabled'
  | 'prize_draw_description'
  | 'prize_draw_terms_url'
  | 'privacy_policy_url'
  | 'retention_months'
>;

/** Column → API field name, for the audit log's list of changed fields. */
const programmeFieldNames: Readonly<Record<keyof ProgrammeSettings, string>> = {
  name: 'name',
  scale: 'scale',
  lead_question: 'leadQuestion',
  follow_up_question: 'followUpQuestion',
  intro_text: 'introText',
  thank_you_title: 'thankYouTitle',
  thank_you_text: 'thankYouText',
  prize_draw_enabled: 'prizeDraw.enabled',
  prize_draw_description: 'prizeDraw.description',
  prize_draw_terms_url: 'prizeDraw.termsUrl',
  privacy_policy_url: 'privacyPolicyUrl',
  retention_months: 'retentionMonths',
};

function applyProgrammeInput(base: ProgrammeSettings, input: ProgrammePatch): ProgrammeSettings {
  const pick = <T>(given: T | undefined, current: T): T => (given === undefined ? current : given);
  return {
    name: pick(input.name, base.name),
    scale: pick(input.scale, base.scale),
    lead_question: pick(input.leadQuestion, base.lead_question),
    follow_up_question: pick(input.followUpQuestion, base.follow_up_question),
    intro_text: pick(input.introText, base.intro_text),
    thank_you_title: pick(input.thankYouTitle, base.thank_you_title),
    thank_you_text: pick(input.thankYouText, base.thank_you_text),
    prize_draw_enabled: pick(input.prizeDraw?.enabled, base.prize_draw_enabled),
    prize_draw_description: pick(input.prizeDraw?.description, base.prize_draw_description),
    prize_draw_terms_url: pick(input.prizeDraw?.termsUrl, base.prize_draw_terms_url),
    privacy_policy_url: pick(input.privacyPolicyUrl, base.privacy_policy_url),
    retention_months: pick(input.retentionMonths, base.retention_months),
  };
}

function changedProgrammeFields(before: ProgrammeSettings, after: ProgrammeSettings): Array<keyof ProgrammeSettings> {
  return (Object.keys(programmeFieldNames) as Array<keyof ProgrammeSettings>).filter((key) => before[key] !== after[key]);
}

/** Feedback per programme, counting only the caller's locations when they have a scope. */
async function countFeedbackByProgramme(trx: Trx, access: Access): Promise<Map<string, number>> {
  if (access.locationIds !== null && access.locationIds.length === 0) return new Map();
  let query = trx
    .selectFrom('feedback')
    .select((eb) => ['programme_id', eb.fn.countAll<number>().as('n')])
    .where('client_id', '=', access.clientId)
    .groupBy('programme_id');
  if (access.locationIds !== null) query = query.where('location_id', 'in', access.locationIds);
  const rows = await query.execute();
  return new Map(rows.map((r) => [r.programme_id, Number(r.n)]));
}

async function programmeHasFeedback(trx: Trx, clientId: ClientId, programmeId: string): Promise<boolean> {
  const row = await trx.selectFrom('feedback').select('id').where('client_id', '=', clientId).where('programme_id', '=', programmeId).limit(1).executeTakeFirst();
  return Boolean(row);
}

export async function listProgrammes(services: Services, access: Access): Promise<ProgrammeView[]> {
  return withAccess(services.db, access, async (trx) => {
    const rows = await trx.selectFrom('programmes').selectAll().where('client_id', '=', access.clientId).orderBy('created_at').orderBy('id').execute();
    const counts = await countFeedbackByProgramme(trx, access);
    return rows.map((row) => presentProgramme(row, counts.get(row.id) ?? 0));
  });
}

export async function addProgramme(services: Services, access: Access, input: ProgrammeCreate): Promise<SettingsResult<ProgrammeView, 'terms_url_required'>> {
  const defaults: ProgrammeSettings = {
    name: input.name,
    scale: input.scale,
    lead_question: input.leadQuestion,
    follow_up_question: input.followUpQuestion,
    intro_text: '',
    thank_you_title: 'Thank you',
    thank_you_text: 'Your feedback has been received.',
    prize_draw_enabled: false,
    prize_draw_description: '',
    prize_draw_terms_url: null,
    privacy_policy_url: null,
    retention_months: 36,
  };
  const settings = applyProgrammeInput(defaults, input);
  if (settings.prize_draw_enabled && !settings.prize_draw_terms_url) return refuse('terms_url_required');
  return change(() =>
    withAccess(services.db, access, async (trx) => {
      const row = await trx
        .insertInto('programmes')
        .values({ client_id: access.clientId, ...settings })
        .returningAll()
        .executeTakeFirstOrThrow();
      await audit(trx, access, { action: 'programme.created', subjectKind: 'programme', subjectId: row.id, details: { scale: row.scale } });
      return ok(presentProgramme(row, 0));
    }),
  );
}

export async function updateProgramme(
  services: Services,
  access: Access,
  programmeId: string,
  input: ProgrammePatch,
): Promise<SettingsResult<ProgrammeView, ProgrammeRefusal>> {
  return change(() =>
    withAccess(services.db, access, async (trx) => {
      const row = await trx.selectFrom('programmes').selectAll().where('client_id', '=', access.clientId).where('id', '=', programmeId).forUpdate().executeTakeFirst();
      if (!row) return refuse('not_found');
      const next = applyProgrammeInput(row, input);
      const changed = changedProgrammeFields(row, next);
      if (changed.includes('scale') && (await programmeHasFeedback(trx, access.clientId, programmeId))) return refuse('scale_locked');
      if (next.prize_draw_enabled && !next.prize_draw_terms_url) return refuse('terms_url_required');
      let current = row;
      if (changed.length > 0) {
        current = await trx
          .updateTable('programmes')
          .set(next)
          .where('client_id', '=', access.clientId)
          .where('id', '=', programmeId)
          .returningAll()
          .executeTakeFirstOrThrow();
        await audit(trx, access, {
          action: 'programme.updated',
          subjectKind: 'programme',
          subjectId: programmeId,
          details: { fields: changed.map((key) => programmeFieldNames[key]).join(',') },
        });
      }
      const counts = await countFeedbackByProgramme(trx, access);
      return ok(presentProgramme(current, counts.get(programmeId) ?? 0));
    }),
  );
}

// ---------------------------------------------------------------------------------------
// Locations and sub-measures

const locationColumns = ['id', 'name', 'code', 'parent_id', 'sms_code', 'programme_id', 'active', 'archived_at'] as const;
const subMeasureColumns = ['id', 'location_id', 'name', 'code', 'active', 'archived_at'] as const;

/**
 * Orders locations as a tree: each location followed by those below it, siblings by name.
 * A location whose parent is not listed (archived, or above the caller's scope) starts a
 * tree of its own.
 */
export function orderAsTree<T extends { id: string; name: string; code: string; parent_id: string | null }>(rows: readonly T[]): Array<{ row: T; depth: number }> {
  const ids = new Set(rows.map((r) => r.id));
  const children = new Map<string | null, T[]>();
  for (const row of rows) {
    const parent = row.parent_id !== null && ids.has(row.parent_id) ? row.parent_id : null;
    const list = children.get(parent) ?? [];
    list.push(row);
    children.set(parent, list);
  }
  const bySortName = (a: T, b: T) => a.name.localeCompare(b.name) || a.code.localeCompare(b.code);
  const ordered: Array<{ row: T; depth: number }> = [];
  const seen = new Set<string>();
  const visit = (parent: string | null, depth: number) => {
    for (const row of (children.get(parent) ?? []).sort(bySortName)) {
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      ordered.push({ row, depth });
      visit(row.id, depth + 1);
    }
  };
  visit(null, 0);
  // The hierarchy has no cycles; should one ever appear, its locations are still listed.
  for (const row of rows) if (!seen.has(row.id)) ordered.push({ row, depth: 0 });
  return ordered;
}

async function listSubMeasuresOf(trx: Trx, access: Access, locationIds: readonly string[], includeArchived: boolean): Promise<SubMeasureListRow[]> {
  if (locationIds.length === 0) return [];
  let query = trx.selectFrom('sub_measures').select(subMeasureColumns).where('client_id', '=', access.clientId).where('location_id', 'in', locationIds);
  if (!includeArchived) query = query.where('archived_at', 'is', null).where('active', '=', true);
  return query.orderBy('name').orderBy('code').execute();
}

async function presentOneLocation(trx: Trx, services: Services, access: Access, row: LocationListRow): Promise<LocationView> {
  const subs = await listSubMeasuresOf(trx, access, [row.id], true);
  // Depth counts the ancestors, as the tree listing would for an unscoped caller.
  const { rows } = await sql<{ depth: number }>`
    with recursive up(id, parent_id, depth) as (
      select id, parent_id, 0 from locations where client_id = ${access.clientId} and id = ${row.id}
      union
      select l.id, l.parent_id, up.depth + 1 from locations l join up on l.id = up.parent_id
      where l.client_id = ${access.clientId} and up.depth < 100
    )
    select max(depth)::int as depth from up`.execute(trx);
  return presentLocation(services.publicUrl, row, Number(rows[0]?.depth ?? 0), subs);
}

/** The caller's locations (their scope only) in tree order, each with its sub-measures. */
export async function listLocations(services: Services, access: Access, options: { includeArchived: boolean }): Promise<LocationView[]> {
  return withAccess(services.db, access, async (trx) => {
    if (access.locationIds !== null && access.locationIds.length === 0) return [];
    let query = trx.selectFrom('locations').select(locationColumns).where('client_id', '=', access.clientId);
    if (access.locationIds !== null) query = query.where('id', 'in', access.locationIds);
    if (!options.includeArchived) query = query.where('archived_at', 'is', null).where('active', '=', true);
    const rows = await query.execute();
    const subs = await listSubMeasuresOf(
      trx,
      access,
      rows.map((r) => r.id),
      options.includeArchived,
    );
    const subsOf = new Map<string, SubMeasureListRow[]>();
    for (const sub of subs) subsOf.set(sub.location_id, [...(subsOf.get(sub.location_id) ?? []), sub]);
    return orderAsTree(rows).map(({ row, depth }) => presentLocation(services.publicUrl, row, depth, subsOf.get(row.id) ?? []));
  });
}

/** Serialises changes to a client's hierarchy, so two concurrent moves cannot make a cycle. */
async function lockHierarchy(trx: Trx, clientId: ClientId): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`locations:${clientId}`}, 0))`.execute(trx);
}

async function findLocation(trx: Trx, access: Access, locationId: string, options: { forUpdate?: boolean } = {}): Promise<LocationListRow | undefined> {
  if (!inScope(access, locationId)) return undefined;
  let query = trx.selectFrom('locations').select(locationColumns).where('client_id', '=', access.clientId).where('id', '=', locationId);
  if (options.forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

async function programmeExists(trx: Trx, clientId: ClientId, programmeId: string): Promise<boolean> {
  const row = await trx.selectFrom('programmes').select('id').where('client_id', '=', clientId).where('id', '=', programmeId).executeTakeFirst();
  return Boolean(row);
}

/** Whether `locationId` is `parentId` or above it, i.e. putting it under `parentId` would close a loop. */
async function wouldMakeCycle(trx: Trx, clientId: ClientId, locationId: string, parentId: string): Promise<boolean> {
  if (locationId === parentId) return true;
  const { rows } = await sql<{ found: boolean }>`
    with recursive up(id, parent_id) as (
      select id, parent_id from locations where client_id = ${clientId} and id = ${parentId}
      union
      select l.id, l.parent_id from locations l join up on l.id = up.parent_id where l.client_id = ${clientId}
    )
    select exists (select 1 from up where id = ${locationId}) as found`.execute(trx);
  return Boolean(rows[0]?.found);
}

function isArchived(row: { active: boolean; archived_at: Date | null }): boolean {
  return row.archived_at !== null || !row.active;
}

/** Checks a new parent: the client's, in scope, not archived. */
async function checkParent(trx: Trx, access: Access, parentId: string): Promise<'parent_not_found' | 'parent_archived' | null> {
  const parent = await findLocation(trx, access, parentId);
  if (!parent) return 'parent_not_found';
  if (isArchived(parent)) return 'parent_archived';
  return null;
}

function locationDuplicate(error: unknown): 'code_taken' | 'sms_code_taken' | null {
  const constraint = duplicateOf(error);
  if (constraint === 'locations_code_key') return 'code_taken';
  if (constraint === 'locations_client_id_sms_code_key') return 'sms_code_taken';
  return null;
}

export async function addLocation(services: Services, access: Access, input: LocationCreate): Promise<SettingsResult<LocationView, LocationRefusal>> {
  try {
    return await change(() =>
      withAccess(services.db, access, async (trx) => {
        if (!(await programmeExists(trx, access.clientId, input.programmeId))) return refuse('programme_not_found');
        const parentId = input.parentId ?? null;
        if (parentId !== null) {
          await lockHierarchy(trx, access.clientId);
          const problem = await checkParent(trx, access, parentId);
          if (problem) return refuse(problem);
        }
        const row = await trx
          .insertInto('locations')
          .values({
            client_id: access.clientId,
            programme_id: input.programmeId,
            parent_id: parentId,
            name: input.name,
            code: input.code,
            sms_code: input.smsCode ?? null,
          })
          .returning(locationColumns)
          .executeTakeFirstOrThrow();
        await audit(trx, access, { action: 'location.created', subjectKind: 'location', subjectId: row.id, details: { code: row.code } });
        return ok(await presentOneLocation(trx, services, access, row));
      }),
    );
  } catch (error) {
    const duplicate = locationDuplicate(error);
    if (duplicate) return refuse(duplicate);
    throw error;
  }
}

export async function updateLocation(
  services: Services,
  access: Access,
  locationId: string,
  input: LocationPatch,
): Promise<SettingsResult<LocationView, LocationRefusal>> {
  try {
    return await change(() =>
      withAccess(services.db, access, async (trx) => {
        const moving = input.parentId !== undefined;
        // Taken before the row lock, in the same order as addLocation, so the two never deadlock.
        if (moving) await lockHierarchy(trx, access.clientId);
        const row = await findLocation(trx, access, locationId, { forUpdate: true });
        if (!row) return refuse('not_found');
        if (input.code !== undefined && input.code.trim().toLowerCase() !== row.code) return refuse('code_locked');

        const fields: string[] = [];
        const set: { name?: string; parent_id?: string | null; sms_code?: string | null; programme_id?: string } = {};
        if (input.name !== undefined && input.name !== row.name) {
          set.name = input.name;
          fields.push('name');
        }
        if (input.parentId !== undefined && input.parentId !== row.parent_id) {
          if (input.parentId !== null) {
            const problem = await checkParent(trx, access, input.parentId);
            if (problem) return refuse(problem);
            if (await wouldMakeCycle(trx, access.clientId, locationId, input.parentId)) return refuse('cycle');
          }
          set.parent_id = input.parentId;
          fields.push('parentId');
        }
        if (input.smsCode !== undefined && input.smsCode !== row.sms_code) {
          set.sms_code = input.smsCode;
          fields.push('smsCode');
        }
        if (input.programmeId !== undefined && input.programmeId !== row.programme_id) {
          if (!(await programmeExists(trx, access.clientId, input.programmeId))) return refuse('programme_not_found');
          set.programme_id = input.programmeId;
          fields.push('programmeId');
        }
        const archiving = input.archived !== undefined && input.archived !== isArchived(row);

        let current = row;
        if (fields.length > 0 || archiving) {
          current = await trx
            .updateTable('locations')
            .set({ ...set, ...(archiving ? (input.archived ? { archived_at: new Date() } : { archived_at: null, active: true }) : {}) })
            .where('client_id', '=', access.clientId)
            .where('id', '=', locationId)
            .returning(locationColumns)
            .executeTakeFirstOrThrow();
        }
        if (fields.length > 0) {
          await audit(trx, access, { action: 'location.updated', subjectKind: 'location', subjectId: locationId, details: { fields: fields.join(',') } });
        }
        if (archiving) {
          await audit(trx, access, { action: input.archived ? 'location.archived' : 'location.restored', subjectKind: 'location', subjectId: locationId });
        }
        return ok(await presentOneLocation(trx, services, access, current));
      }),
    );
  } catch (error) {
    const duplicate = locationDuplicate(error);
    if (duplicate) return refuse(duplicate);
    throw error;
  }
}

export async function addSubMeasure(
  services: Services,
  access: Access,
  locationId: string,
  input: SubMeasureCreate,
): Promise<SettingsResult<SubMeasureView, SubMeasureRefusal>> {
  try {
    return await change(() =>
      withAccess(services.db, access, async (trx) => {
        const location = await findLocation(trx, access, locationId);
        if (!location) return refuse('not_found');
        if (isArchived(location)) return refuse('location_archived');
        const row = await trx
          .insertInto('sub_measures')
          .values({ client_id: access.clientId, location_id: locationId, name: input.name, code: input.code })
          .returning(subMeasureColumns)
          .executeTakeFirstOrThrow();
        await audit(trx, access, { action: 'sub_measure.created', subjectKind: 'sub_measure', subjectId: row.id, details: { location_id: locationId, code: row.code } });
        return ok(presentSubMeasure(services.publicUrl, location.code, row));
      }),
    );
  } catch (error) {
    if (duplicateOf(error) === 'sub_measures_client_id_location_id_code_key') return refuse('code_taken');
    throw error;
  }
}

export async function updateSubMeasure(
  services: Services,
  access: Access,
  subMeasureId: string,
  input: SubMeasurePatch,
): Promise<SettingsResult<SubMeasureView, Exclude<SubMeasureRefusal, 'location_archived' | 'code_taken'>>> {
  return change(() =>
    withAccess(services.db, access, async (trx) => {
      const row = await trx
        .selectFrom('sub_measures as s')
        .innerJoin('locations as l', (j) => j.onRef('l.client_id', '=', 's.client_id').onRef('l.id', '=', 's.location_id'))
        .select(['s.id', 's.location_id', 's.name', 's.code', 's.active', 's.archived_at', 'l.code as location_code'])
        .where('s.client_id', '=', access.clientId)
        .where('s.id', '=', subMeasureId)
        .forUpdate(['s'])
        .executeTakeFirst();
      if (!row || !inScope(access, row.location_id)) return refuse('not_found');
      if (input.code !== undefined && input.code.trim().toLowerCase() !== row.code) return refuse('code_locked');
      const renaming = input.name !== undefined && input.name !== row.name;
      const archiving = input.archived !== undefined && input.archived !== isArchived(row);
      let current: SubMeasureListRow = row;
      if (renaming || archiving) {
        current = await trx
          .updateTable('sub_measures')
          .set({
            ...(renaming ? { name: input.name } : {}),
            ...(archiving ? (input.archived ? { archived_at: new Date() } : { archived_at: null, active: true }) : {}),
          })
          .where('client_id', '=', access.clientId)
          .where('id', '=', subMeasureId)
          .returning(subMeasureColumns)
          .executeTakeFirstOrThrow();
      }
      if (renaming) await audit(trx, access, { action: 'sub_measure.updated', subjectKind: 'sub_measure', subjectId: subMeasureId, details: { fields: 'name' } });
      if (archiving) await audit(trx, access, { action: input.archived ? 'sub_measure.archived' : 'sub_measure.restored', subjectKind: 'sub_measure', subjectId: subMeasureId });
      return ok(presentSubMeasure(services.publicUrl, row.location_code, current));
    }),
  );
}
