/**
 * Survey invitations by text, one at a time or from a CSV file. Each obeys the client's
 * contact rules: never to a number that opted out, never more often than the quarantine
 * period, and never in quiet hours (it waits until they end). An invitation opens a
 * conversation at its location (and, when one is named, for its staff member or other
 * sub-measure), so the customer's reply is taken as the score and attributed there.
 */
import { parse } from 'csv-parse/sync';
import { appendAudit } from '../audit/index.ts';
import { inScope, withAccess, type Access } from '../accounts/index.ts';
import type { Services } from '../context.ts';
import type { Trx } from '../db/tenancy.ts';
import { normaliseMobile } from '../end-customers/index.ts';
import type { ClientKeyring } from '../keys/index.ts';
import { findFeedbackTargetOfLocation } from '../programmes/index.ts';
import { localDay } from '../reports/index.ts';
import { closeConversation, findOpenConversation, INVITATION_REPLY_DAYS, startConversation, wordingOf } from './conversations.ts';
import { queueText } from './messages.ts';
import { isQuietTime, nextSendableTime } from './quiet-hours.ts';
import { lockRecipient } from './recipients.ts';
import { loadSmsClient, type SmsClient } from './sms-clients.ts';
import * as say from './wording.ts';

export interface InvitationRequest {
  mobile: string;
  name?: string | null | undefined;
  locationId: string;
  /** The location's staff member (or other sub-measure) the feedback is about. */
  subMeasureId?: string | null | undefined;
}

export type InvitationRefusal =
  | { reason: 'invalid_mobile' | 'unknown_location' | 'unknown_sub_measure' | 'opted_out' | 'no_sms_number' }
  | { reason: 'quarantined'; until: Date; untilDay: string };

export type InvitationResult = ({ ok: true; messageId: string; sendAfter: Date | null }) | ({ ok: false } & InvitationRefusal);

export const MAX_CSV_ROWS = 5000;

export async function sendInvitation(services: Services, access: Access, request: InvitationRequest): Promise<InvitationResult> {
  return withAccess(services.db, access, async (trx) => {
    const inviter = await openInviter(services, trx, access);
    const result = await inviter.invite(request);
    if (result.ok) await auditInvitations(trx, access, 1, request.locationId);
    return result;
  });
}

export interface CsvInvitationReport {
  accepted: number;
  scheduled: number;
  rejected: { row: number; reason: string }[];
}

/**
 * Invites every valid row of a CSV with a header row naming at least `mobile` and
 * `location` (a location's link code, SMS code or name), and optionally `name` and `staff`
 * (a sub-measure of that location, by its code or name). Rows are checked one by one; the
 * report names each rejected row (numbered as in a spreadsheet, the header being row 1) and why.
 */
export async function sendCsvInvitations(services: Services, access: Access, csv: string): Promise<CsvInvitationReport | { error: string }> {
  const table = readCsv(csv);
  if ('error' in table) return table;
  return withAccess(services.db, access, async (trx) => {
    const inviter = await openInviter(services, trx, access);
    const locations = await trx.selectFrom('locations').select(['id', 'code', 'sms_code', 'name']).where('client_id', '=', access.clientId).where('archived_at', 'is', null).execute();
    const staff = table.columns.includes('staff')
      ? await trx
          .selectFrom('sub_measures')
          .select(['id', 'location_id', 'code', 'name'])
          .where('client_id', '=', access.clientId)
          .where('active', '=', true)
          .where('archived_at', 'is', null)
          .execute()
      : [];
    const report: CsvInvitationReport = { accepted: 0, scheduled: 0, rejected: [] };
    for (const [i, row] of table.rows.entries()) {
      const rowNumber = i + 2;
      const wanted = (row.location ?? '').trim().toLowerCase();
      const location = locations.find((l) => l.code === wanted || l.sms_code?.toLowerCase() === wanted || l.name.toLowerCase() === wanted);
      if (!wanted) {
        report.rejected.push({ row: rowNumber, reason: 'no location given' });
        continue;
      }
      if (!location || !inScope(access, location.id)) {
        report.rejected.push({ row: rowNumber, reason: `no location "${row.location?.trim()}" that you may invite for` });
        continue;
      }
      const wantedStaff = (row.staff ?? '').trim().toLowerCase();
      const subMeasure = wantedStaff ? staff.find((s) => s.location_id === location.id && (s.code === wantedStaff || s.name.toLowerCase() === wantedStaff)) : undefined;
      if (wantedStaff && !subMeasure) {
        report.rejected.push({ row: rowNumber, reason: `no staff member "${row.staff?.trim()}" at ${location.name}` });
        continue;
      }
      const result = await inviter.invite({ mobile: row.mobile ?? '', name: row.name, locationId: location.id, subMeasureId: subMeasure?.id });
      if (result.ok) {
        report.accepted += 1;
        if (result.sendAfter) report.scheduled += 1;
      } else {
        report.rejected.push({ row: rowNumber, reason: describeRefusal(result) });
      }
    }
    if (report.accepted > 0) await auditInvitations(trx, access, report.accepted, null);
    return report;
  });
}

export function describeRefusal(refusal: InvitationRefusal): string {
  switch (refusal.reason) {
    case 'invalid_mobile':
      return 'not a valid mobile number';
    case 'unknown_location':
      return 'no such location';
    case 'unknown_sub_measure':
      return 'no such staff member at that location';
    case 'opted_out':
      return 'this number has opted out of texts (STOP)';
    case 'no_sms_number':
      return 'this business has no SMS number set up';
    case 'quarantined':
      return `this number was invited recently; it may be invited again from ${refusal.untilDay}`;
  }
}

function readCsv(csv: string): { columns: string[]; rows: Record<string, string | undefined>[] } | { error: string } {
  let records: Record<string, string>[];
  let columns: string[] = [];
  try {
    records = parse(csv, {
      columns: (header: string[]) => (columns = header.map((h) => h.trim().toLowerCase())),
      skip_empty_lines: true,
      trim: true,
      bom: true,
      relax_column_count: true,
    });
  } catch (error) {
    return { error: `The file could not be read as CSV: ${error instanceof Error ? error.message : 'unknown problem'}` };
  }
  const missing = ['mobile', 'location'].filter((column) => !columns.includes(column));
  if (missing.length > 0) return { error: `The header row must name the columns mobile and location (and may name name and staff); missing: ${missing.join(', ')}.` };
  if (records.length === 0) return { error: 'The file has no rows under its header.' };
  if (records.length > MAX_CSV_ROWS) return { error: `The file has ${records.length} rows; send at most ${MAX_CSV_ROWS} at a time.` };
  return { columns, rows: records };
}

interface Inviter {
  invite(request: InvitationRequest): Promise<InvitationResult>;
}

async function openInviter(services: Services, trx: Trx, access: Access): Promise<Inviter> {
  const client = await loadSmsClient(trx, access.clientId);
  const keyring = await services.keyrings.keyringFor(trx, access.clientId);
  return { invite: (request) => invite(services, trx, keyring, client, access, request) };
}

async function invite(
  services: Services,
  trx: Trx,
  keyring: ClientKeyring,
  client: SmsClient,
  access: Access,
  request: InvitationRequest,
): Promise<InvitationResult> {
  if (!client.number) return { ok: false, reason: 'no_sms_number' };
  const mobile = normaliseMobile(request.mobile, client.country);
  if (!mobile) return { ok: false, reason: 'invalid_mobile' };
  if (!inScope(access, request.locationId)) return { ok: false, reason: 'unknown_location' };
  const target = await findFeedbackTargetOfLocation(trx, client.id, request.locationId, request.subMeasureId ? { id: request.subMeasureId } : null);
  if (!target) return { ok: false, reason: 'unknown_location' };
  if (request.subMeasureId && !target.subMeasure) return { ok: false, reason: 'unknown_sub_measure' };

  const recipient = await lockRecipient(trx, keyring, mobile);
  if (recipient.optedOut) return { ok: false, reason: 'opted_out' };
  const now = new Date();
  if (recipient.lastInvitedAt && client.quarantineDays > 0) {
    const until = new Date(recipient.lastInvitedAt.getTime() + client.quarantineDays * 86_400_000);
    if (until > now) return { ok: false, reason: 'quarantined', until, untilDay: localDay(until, client.timezone) };
  }
  await trx
    .updateTable('sms_recipients')
    .set({ last_invited_at: now, updated_at: now })
    .where('client_id', '=', client.id)
    .where('mobile_index', '=', recipient.mobileIndex)
    .execute();

  const sendAfter = isQuietTime(now, client.timezone, client.quietHours) ? nextSendableTime(now, client.timezone, client.quietHours) : null;
  const open = await findOpenConversation(trx, keyring, recipient.mobileIndex);
  if (open) await closeConversation(services, trx, keyring, open, mobile, 'replaced');
  const conversation = await startConversation(services, trx, keyring, {
    mobileIndex: recipient.mobileIndex,
    target,
    origin: 'invitation',
    receiptCode: null,
    expiresAt: new Date((sendAfter ?? now).getTime() + INVITATION_REPLY_DAYS * 86_400_000),
  });
  const name = request.name?.trim().slice(0, 50) || null;
  const messageId = await queueText({ trx, jobs: services.jobs, keyring, provider: services.sms.name }, recipient, {
    kind: 'invitation',
    body: say.invitation(wordingOf(target), name),
    locationId: target.location.id,
    conversationId: conversation.id,
    sendAfter,
  });
  return { ok: true, messageId, sendAfter };
}

async function auditInvitations(trx: Trx, access: Access, count: number, locationId: string | null): Promise<void> {
  await appendAudit(trx, {
    clientId: access.clientId,
    ...(access.apiKey ? { actorKind: 'api_key' as const, actorId: access.apiKey.id } : { actorKind: 'user' as const, actorId: access.userId }),
    action: 'sms.invitations_queued',
    subjectKind: locationId ? 'location' : null,
    subjectId: locationId,
    details: { count },
  });
}
