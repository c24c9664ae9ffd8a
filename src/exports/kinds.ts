/**
 * What a client export holds: one kind per file, its columns (with the words SCHEMA.md
 * prints), and how its rows are read, a batch at a time, by keyset cursor. Each batch is
 * its own read-only tenant transaction (withClientRead; on the read replica for a client
 * export when there is one), so an export never holds the database's only
 * embedded connection for long, and never more than one batch is in memory.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../db/connect.ts';
import { withClientRead, type ClientId } from '../db/tenancy.ts';
import type { ClientKeyring, ContactField } from '../keys/index.ts';
import type { ExportScope } from './scope.ts';

export type Cell = string | number | boolean | null | unknown[] | { [key: string]: unknown };
export type ExportRecord = Record<string, Cell>;

export interface ColumnSpec {
  name: string;
  description: string;
  /** The database column, when it differs from `name`. */
  source?: string;
  /** Stored encrypted under the client's data key; exported decrypted. */
  decrypt?: ContactField;
}

export interface ReadContext {
  db: Db;
  clientId: ClientId;
  keyring: ClientKeyring;
  /** Null: everything of the client. */
  scope: ExportScope | null;
}

export type Cursor = string | number;

export interface Batch {
  records: ExportRecord[];
  /** Where the next batch starts; null when this was the last. */
  next: Cursor | null;
}

export interface ExportKind {
  /** The file name without extension, and the key in manifest row counts. */
  name: string;
  description: string;
  columns: ColumnSpec[];
  /** Part of a disclosure (a scoped export) too, restricted to the scope. */
  inScopedExport: boolean;
  readBatch(ctx: ReadContext, after: Cursor | null, limit: number): Promise<Batch>;
}

type Row = Record<string, unknown>;

function toCell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((v) => (v instanceof Date ? v.toISOString() : v));
  return value as { [key: string]: unknown };
}

function toRecord(row: Row, columns: ColumnSpec[], keyring: ClientKeyring): ExportRecord {
  const record: ExportRecord = {};
  for (const column of columns) {
    const value = row[column.source ?? column.name];
    if (column.decrypt) record[column.name] = Buffer.isBuffer(value) ? keyring.decrypt(column.decrypt, value) : null;
    else record[column.name] = toCell(value);
  }
  return record;
}

/** The feedback a scope covers, as a condition on feedback aliased `alias`. */
export function feedbackInScope(scope: ExportScope, alias: string): RawBuilder<boolean> {
  const ref = (column: string) => sql.ref(`${alias}.${column}`);
  const conditions: RawBuilder<unknown>[] = [sql`true`];
  if (scope.endCustomerIds) conditions.push(sql`${ref('end_customer_id')} = any(${scope.endCustomerIds}::uuid[])`);
  if (scope.feedbackIds) conditions.push(sql`${ref('id')} = any(${scope.feedbackIds}::uuid[])`);
  if (scope.from) conditions.push(sql`${ref('submitted_at')} >= ${scope.from}`);
  if (scope.to) conditions.push(sql`${ref('submitted_at')} <= ${scope.to}`);
  return sql<boolean>`(${sql.join(conditions, sql` and `)})`;
}

function scopedFeedbackIds(ctx: ReadContext, scope: ExportScope): RawBuilder<unknown> {
  return sql`(select f.id from feedback f where f.client_id = ${ctx.clientId} and ${feedbackInScope(scope, 'f')})`;
}

interface TableKindSpec {
  name: string;
  description: string;
  table: string;
  /** The column naming the client (audit_log: chain_id). */
  clientColumn?: string;
  key: string;
  columns: ColumnSpec[];
  /** Restricts rows to a scope; absent: the kind is left out of scoped exports. */
  scoped?: (ctx: ReadContext, scope: ExportScope) => RawBuilder<unknown>;
}

function tableKind(spec: TableKindSpec): ExportKind {
  const select = [...new Set([spec.key, ...spec.columns.map((c) => c.source ?? c.name)])];
  return {
    name: spec.name,
    description: spec.description,
    columns: spec.columns,
    inScopedExport: spec.scoped !== undefined,
    async readBatch(ctx, after, limit) {
      const conditions: RawBuilder<unknown>[] = [sql`${sql.ref(`t.${spec.clientColumn ?? 'client_id'}`)} = ${ctx.clientId}`];
      if (after !== null) conditions.push(sql`${sql.ref(`t.${spec.key}`)} > ${after}`);
      if (ctx.scope) {
        if (!spec.scoped) return { records: [], next: null };
        conditions.push(spec.scoped(ctx, ctx.scope));
      }
      const query = sql<Row>`
        select ${sql.join(select.map((c) => sql.ref(`t.${c}`)))}
        from ${sql.table(spec.table)} t
        where ${sql.join(conditions, sql` and `)}
        order by ${sql.ref(`t.${spec.key}`)} limit ${limit}`;
      const { rows } = await withClientRead(ctx.db, ctx.clientId, (trx) => query.execute(trx));
      const last = rows.at(-1);
      return {
        records: rows.map((row) => toRecord(row, spec.columns, ctx.keyring)),
        next: rows.length === limit && last ? (last[spec.key] as Cursor) : null,
      };
    },
  };
}

const id = (what: string): ColumnSpec => ({ name: 'id', description: `The ${what}'s id (uuid).` });
const createdAt: ColumnSpec = { name: 'created_at', description: 'When it was created (ISO 8601, UTC).' };
const feedbackId: ColumnSpec = { name: 'feedback_id', description: 'The feedback it belongs to (feedback.id).' };
const locationId: ColumnSpec = { name: 'location_id', description: 'The location (locations.id).' };

const programmes = tableKind({
  name: 'programmes',
  description: 'Feedback set-ups: questions, wording, prize draw and retention.',
  table: 'programmes',
  key: 'id',
  columns: [
    id('programme'),
    { name: 'name', description: 'Name.' },
    { name: 'scale', description: 'Scale of the lead question: recommend_5, nps_10, csat_5 or stars_5.' },
    { name: 'lead_question', description: 'The lead question.' },
    { name: 'follow_up_question', description: 'The follow-up question.' },
    { name: 'intro_text', description: 'Text above the form.' },
    { name: 'thank_you_title', description: 'Title of the thank-you page.' },
    { name: 'thank_you_text', description: 'Text of the thank-you page.' },
    { name: 'prize_draw_enabled', description: 'Whether a prize draw is offered.' },
    { name: 'prize_draw_description', description: 'What the prize draw offers.' },
    { name: 'prize_draw_terms_url', description: 'Link to the prize draw terms.' },
    { name: 'privacy_policy_url', description: "Link to the client's privacy policy." },
    { name: 'retention_months', description: 'Months feedback is kept.' },
    createdAt,
  ],
});

const locations = tableKind({
  name: 'locations',
  description: 'Stores, branches, advisors or channels, possibly in a hierarchy.',
  table: 'locations',
  key: 'id',
  columns: [
    id('location'),
    { name: 'programme_id', description: 'Its programme (programmes.id).' },
    { name: 'parent_id', description: 'The location above it (locations.id), if any.' },
    { name: 'name', description: 'Name.' },
    { name: 'code', description: 'Code in its feedback link.' },
    { name: 'sms_code', description: 'Code customers text, if any.' },
    { name: 'active', description: 'Whether it takes feedback.' },
    { name: 'archived_at', description: 'When it was archived, if it was.' },
    createdAt,
  ],
});

const subMeasures = tableKind({
  name: 'sub_measures',
  description: 'Finer units under a location (a staff member, a counter).',
  table: 'sub_measures',
  key: 'id',
  columns: [
    id('sub-measure'),
    locationId,
    { name: 'name', description: 'Name.' },
    { name: 'code', description: 'Code in its feedback link.' },
    { name: 'active', description: 'Whether it takes feedback.' },
    { name: 'archived_at', description: 'When it was archived, if it was.' },
    createdAt,
  ],
});

const endCustomers = tableKind({
  name: 'end_customers',
  description: 'People who gave feedback, with the contact details they chose to give, decrypted.',
  table: 'end_customers',
  key: 'id',
  columns: [
    id('end customer'),
    { name: 'name', source: 'name_enc', decrypt: 'name', description: 'Name as given (decrypted).' },
    { name: 'email', source: 'email_enc', decrypt: 'email', description: 'Email, lower case (decrypted).' },
    { name: 'mobile', source: 'mobile_enc', decrypt: 'mobile', description: 'Mobile in E.164 form (decrypted).' },
    createdAt,
  ],
  scoped: (ctx, scope) => sql`t.id in (select f.end_customer_id from feedback f where f.client_id = ${ctx.clientId} and ${feedbackInScope(scope, 'f')})`,
});

const feedback = tableKind({
  name: 'feedback',
  description: 'Each piece of feedback: score, comment, channel, status and category.',
  table: 'feedback',
  key: 'id',
  columns: [
    id('feedback'),
    { name: 'programme_id', description: 'Its programme (programmes.id).' },
    locationId,
    { name: 'sub_measure_id', description: 'The sub-measure (sub_measures.id), if any.' },
    { name: 'channel', description: 'sms, web, qr, kiosk, api or email.' },
    { name: 'scale', description: 'Scale of the score.' },
    { name: 'score', description: 'The score on that scale.' },
    { name: 'comment', description: 'The comment.' },
    { name: 'receipt_code', description: 'Receipt code used, if any.' },
    { name: 'end_customer_id', description: 'Who gave it (end_customers.id), if they left contact details.' },
    { name: 'contact_requested', description: 'Whether they asked to be contacted.' },
    { name: 'status', description: 'new, in_progress, resolved or closed.' },
    { name: 'category', description: 'complaint, compliment, suggestion or general.' },
    { name: 'submitted_at', description: 'When it was given.' },
    { name: 'updated_at', description: 'When it last changed.' },
    { name: 'first_response_at', description: 'When it was first answered, if it was.' },
  ],
  scoped: (_ctx, scope) => feedbackInScope(scope, 't'),
});

const responses = tableKind({
  name: 'responses',
  description: 'Replies to end customers (email, SMS) and internal notes.',
  table: 'responses',
  key: 'id',
  columns: [
    id('response'),
    feedbackId,
    locationId,
    { name: 'kind', description: 'email, sms or note.' },
    { name: 'direction', description: 'outbound or inbound.' },
    { name: 'author_user_id', description: 'Who wrote it (personnel.user_id), if a person.' },
    { name: 'subject', description: 'Email subject.' },
    { name: 'body', description: 'Text.' },
    { name: 'status', description: 'recorded, queued, sent or failed.' },
    { name: 'error', description: 'Why sending failed, if it did.' },
    createdAt,
    { name: 'sent_at', description: 'When it was sent.' },
  ],
  scoped: (ctx, scope) => sql`t.feedback_id in ${scopedFeedbackIds(ctx, scope)}`,
});

const consents = tableKind({
  name: 'consents',
  description: 'What end customers agreed to, when, and to which document.',
  table: 'consents',
  key: 'id',
  columns: [
    id('consent'),
    { name: 'end_customer_id', description: 'Who (end_customers.id).' },
    feedbackId,
    { name: 'kind', description: 'contact, prize_draw_terms or privacy_policy.' },
    { name: 'document_url', description: 'The document agreed to.' },
    { name: 'given_at', description: 'When.' },
  ],
  scoped: (ctx, scope) => sql`t.feedback_id in ${scopedFeedbackIds(ctx, scope)}`,
});

const prizeEntries = tableKind({
  name: 'prize_entries',
  description: 'Entries into prize draws.',
  table: 'prize_entries',
  key: 'id',
  columns: [
    id('entry'),
    { name: 'programme_id', description: 'The programme whose draw it is.' },
    feedbackId,
    { name: 'end_customer_id', description: 'Who entered (end_customers.id).' },
    { name: 'entered_at', description: 'When.' },
  ],
  scoped: (ctx, scope) => sql`t.feedback_id in ${scopedFeedbackIds(ctx, scope)}`,
});

const smsMessages = tableKind({
  name: 'sms_messages',
  description: 'Text messages to and from customers and staff, decrypted.',
  table: 'sms_messages',
  key: 'id',
  columns: [
    id('message'),
    { name: 'direction', description: 'inbound or outbound.' },
    { name: 'kind', description: 'What it was: conversation, invitation, reply, opt_out, opt_in, help, unrecognised, alert or follow_up.' },
    { name: 'mobile', source: 'mobile_enc', decrypt: 'mobile', description: 'The other party’s mobile (decrypted).' },
    { name: 'body', source: 'body_enc', decrypt: 'message', description: 'The text (decrypted).' },
    { name: 'segments', description: 'SMS segments.' },
    { name: 'location_id', description: 'The location, if known.' },
    { name: 'conversation_id', description: 'The SMS conversation, if any.' },
    { name: 'feedback_id', description: 'The feedback it belongs to, if any.' },
    { name: 'response_id', description: 'The response it carried, if any.' },
    { name: 'status', description: 'received, queued, sending, sent, delivered, undelivered, failed or blocked.' },
    createdAt,
    { name: 'sent_at', description: 'When it was sent.' },
  ],
  scoped: (ctx, scope) => {
    const byFeedback = sql`t.feedback_id in ${scopedFeedbackIds(ctx, scope)}`;
    if (scope.mobileIndexes.length === 0) return byFeedback;
    const inRange = [sql`t.mobile_index = any(${scope.mobileIndexes}::bytea[])`];
    if (scope.from) inRange.push(sql`t.created_at >= ${scope.from}`);
    if (scope.to) inRange.push(sql`t.created_at <= ${scope.to}`);
    return sql`(${byFeedback} or (${sql.join(inRange, sql` and `)}))`;
  },
});

const cases = tableKind({
  name: 'cases',
  description: 'Feedback followed up until resolved.',
  table: 'cases',
  key: 'id',
  columns: [
    id('case'),
    feedbackId,
    locationId,
    { name: 'status', description: 'new, in_progress or resolved.' },
    { name: 'reason', description: 'Why it was opened.' },
    { name: 'assignee_user_id', description: 'Who it is with (personnel.user_id).' },
    { name: 'opened_at', description: 'When it was opened.' },
    { name: 'due_at', description: 'When it was due.' },
    { name: 'escalation_level', description: '0, 1 (admins told) or 2 (owners told).' },
    { name: 'resolved_at', description: 'When it was resolved.' },
    { name: 'resolution_code', description: 'How it was resolved.' },
    { name: 'resolution_note', description: 'Note on the resolution.' },
    { name: 'follow_up_answer', description: '"Did we fix it?": yes or no.' },
  ],
  scoped: (ctx, scope) => sql`t.feedback_id in ${scopedFeedbackIds(ctx, scope)}`,
});

const alerts = tableKind({
  name: 'alerts',
  description: 'Notifications sent to personnel about feedback.',
  table: 'alerts',
  key: 'id',
  columns: [
    id('alert'),
    { name: 'kind', description: 'feedback or case_overdue.' },
    { name: 'rule_id', description: 'The alert rule.' },
    feedbackId,
    { name: 'case_id', description: 'The case, if any.' },
    locationId,
    { name: 'channel', description: 'email or sms.' },
    { name: 'recipient_user_id', description: 'The recipient (personnel.user_id), when a member of staff.' },
    { name: 'recipient_address', description: 'The recipient, when an address given in the rule.' },
    { name: 'status', description: 'pending, sending, sent or failed.' },
    createdAt,
    { name: 'sent_at', description: 'When it was sent.' },
  ],
});

const audit = tableKind({
  name: 'audit',
  description: "The client's audit chain: who did what with personal information. Each hash covers the previous one.",
  table: 'audit_log',
  clientColumn: 'chain_id',
  key: 'seq',
  columns: [
    { name: 'seq', description: 'Position in the chain, from 1.' },
    { name: 'at', description: 'When.' },
    { name: 'actor_kind', description: 'system, end_customer, user, operator or api_key.' },
    { name: 'actor_id', description: 'Who, if known.' },
    { name: 'action', description: 'What was done.' },
    { name: 'subject_kind', description: 'What kind of thing it concerned.' },
    { name: 'subject_id', description: 'Which one.' },
    { name: 'details', description: 'Ids and counts (JSON).' },
    { name: 'prev_hash', description: 'Hash of the entry before (base64).' },
    { name: 'hash', description: 'Hash of this entry (base64).' },
  ],
});

const personnelColumns: ColumnSpec[] = [
  { name: 'user_id', description: 'The person’s account id.' },
  { name: 'email', description: 'Sign-in email.' },
  { name: 'name', description: 'Name.' },
  { name: 'mobile', description: 'Mobile for alerts, if given.' },
  { name: 'role', description: 'owner, admin, manager or viewer.' },
  { name: 'location_scope', description: 'Locations they may see (JSON list of ids); null: all.' },
  { name: 'member_since', description: 'When the membership began.' },
  { name: 'disabled_at', description: 'When the account was disabled, if it was.' },
];

/** Users and their memberships. Accounts are not tenant rows: read as the owner role, by the ids the batch names. */
const personnel: ExportKind = {
  name: 'personnel',
  description: 'Staff with a membership of the client: account and role.',
  columns: personnelColumns,
  inScopedExport: false,
  async readBatch(ctx, after, limit) {
    if (ctx.scope) return { records: [], next: null };
    const memberships = await withClientRead(ctx.db, ctx.clientId, (trx) => {
      let query = trx.selectFrom('memberships').select(['user_id', 'role', 'location_scope', 'created_at']).where('client_id', '=', ctx.clientId);
      if (after !== null) query = query.where('user_id', '>', String(after));
      return query.orderBy('user_id').limit(limit).execute();
    });
    const ids = memberships.map((m) => m.user_id);
    const users = ids.length ? await ctx.db.selectFrom('users').select(['id', 'email', 'name', 'mobile', 'disabled_at']).where('id', 'in', ids).execute() : [];
    const byId = new Map(users.map((u) => [u.id, u]));
    const records = memberships.map((m): ExportRecord => {
      const user = byId.get(m.user_id);
      return {
        user_id: m.user_id,
        email: user?.email ?? null,
        name: user?.name ?? null,
        mobile: user?.mobile ?? null,
        role: m.role,
        location_scope: m.location_scope,
        member_since: m.created_at.toISOString(),
        disabled_at: user?.disabled_at ? new Date(user.disabled_at).toISOString() : null,
      };
    });
    const last = memberships.at(-1);
    return { records, next: memberships.length === limit && last ? last.user_id : null };
  },
};

/** Every kind, in the order the files appear in the zip. */
export const exportKinds: readonly ExportKind[] = [
  programmes,
  locations,
  subMeasures,
  personnel,
  endCustomers,
  feedback,
  responses,
  consents,
  prizeEntries,
  smsMessages,
  cases,
  alerts,
  audit,
];
