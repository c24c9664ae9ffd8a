/** Kysely table types, written to match src/db/migrations. */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { PolicyVersionsTable, PrivacyComplaintRemindersTable, PrivacyComplaintsTable } from '../privacy/tables.ts';
import type { ClientExportsTable } from '../exports/tables.ts';
import type { DisclosuresTable } from '../disclosures/tables.ts';
import type { ClientTerminationsTable } from '../termination/tables.ts';
import type { CommentTables } from '../comments/tables.ts';
import type { ApiKeyTables } from '../api-keys/tables.ts';
import type { WebhookTables } from '../webhooks/tables.ts';
import type { MonthlyReportTables } from '../reports/monthly/tables.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Uuid = string;

export type Scale = 'recommend_5' | 'nps_10' | 'csat_5' | 'stars_5';
export type Channel = 'sms' | 'web' | 'qr' | 'kiosk' | 'api' | 'email';
export type FeedbackStatus = 'new' | 'in_progress' | 'resolved' | 'closed';
export type FeedbackCategory = 'complaint' | 'compliment' | 'suggestion' | 'general';
export type ConsentKind = 'contact' | 'prize_draw_terms' | 'privacy_policy';
export type ActorKind = 'system' | 'end_customer' | 'user' | 'operator' | 'api_key';

export interface ClientsTable {
  id: Generated<Uuid>;
  name: string;
  country: Generated<string>;
  timezone: Generated<string>;
  privacy_policy_url: string | null;
  require_totp: Generated<boolean>;
  sms_number: string | null;
  sms_quarantine_days: Generated<number>;
  sms_quiet_start: Generated<string>;
  sms_quiet_end: Generated<string>;
  sms_conversation_minutes: Generated<number>;
  business_hours_start: Generated<string>;
  business_hours_end: Generated<string>;
  business_days: Generated<number[]>;
  case_due_hours: Generated<number>;
  created_at: Generated<Date>;
}

export interface ClientKeysTable {
  client_id: Uuid;
  /** Names the key in the key store (src/keys/key-store.ts); the secret is never here. */
  key_id: string | null;
  /** Legacy (before 0013): moved to the key store on start, then cleared. */
  wrapped_data_key: Buffer | null;
  wrapped_index_key: Buffer | null;
  created_at: Generated<Date>;
}

export interface ProgrammesTable {
  client_id: Uuid;
  id: Generated<Uuid>;
  name: string;
  scale: Scale;
  lead_question: string;
  follow_up_question: string;
  intro_text: Generated<string>;
  thank_you_title: Generated<string>;
  thank_you_text: Generated<string>;
  prize_draw_enabled: Generated<boolean>;
  prize_draw_description: Generated<string>;
  prize_draw_terms_url: string | null;
  privacy_policy_url: string | null;
  retention_months: Generated<number>;
  created_at: Generated<Date>;
}

export interface LocationsTable {
  client_id: Uuid;
  id: Generated<Uuid>;
  programme_id: Uuid;
  parent_id: Uuid | null;
  name: string;
  code: string;
  sms_code: string | null;
  active: Generated<boolean>;
  archived_at: Timestamp | null;
  created_at: Generated<Date>;
}

export interface SubMeasuresTable {
  client_id: Uuid;
  id: Generated<Uuid>;
  location_id: Uuid;
  name: string;
  code: string;
  active: Generated<boolean>;
  archived_at: Timestamp | null;
  created_at: Generated<Date>;
}

export interface ReceiptCodesTable {
  client_id: Uuid;
  code: string;
  location_id: Uuid;
  used_at: Timestamp | null;
  feedback_id: Uuid | null;
  created_at: Generated<Date>;
}

export interface EndCustomersTable {
  client_id: Uuid;
  id: Generated<Uuid>;
  name_enc: Buffer | null;
  email_enc: Buffer | null;
  mobile_enc: Buffer | null;
  email_index: Buffer | null;
  mobile_index: Buffer | null;
  created_at: Generated<Date>;
}

export interface FeedbackTable {
  client_id: Uuid;
  id: Generated<Uuid>;
  programme_id: Uuid;
  location_id: Uuid;
  sub_measure_id: Uuid | null;
  channel: Channel;
  scale: Scale;
  score: number;
  comment: Generated<string>;
  receipt_code: string | null;
  end_customer_id: Uuid | null;
  contact_requested: Generated<boolean>;
  status: Generated<FeedbackStatus>;
  category: Generated<FeedbackCategory>;
  form_nonce: string | null;
  submitted_at: ColumnType<Date, Date | string | undefined, Date | string>;
  updated_at: Generated<Date>;
  first_response_at: Timestamp | null;
  comment_search: ColumnType<string, never, never>;
  /** Set when retention anonymised it: comment and contact gone, time cut to the month. */
  anonymised_at: Timestamp | null;
}

export interface ConsentsTable {
  client_id: Uuid;
  id: Generated<Uuid>;
  end_customer_id: Uuid;
  feedback_id: Uuid;
  kind: ConsentKind;
  document_url: string | null;
  given_at: ColumnType<Date, Date | string | undefined, Date | string>;
  /** The version of Hark's privacy policy in force when it was given; null before versions were kept. */
  policy_version: number | null;
}

export interface PrizeEntriesTable {
  client_id: Uuid;
  id: Generated<Uuid>;
  programme_id: Uuid;
  feedback_id: Uuid;
  end_customer_id: Uuid;
  entered_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface FeedbackDailyRollupsTable {
  client_id: Uuid;
  location_id: Uuid;
  sub_measure_key: Uuid;
  day: ColumnType<string, string, string>;
  channel: Channel;
  responses: number;
  score_sum: number;
  score_histogram: number[];
  with_comment: number;
  contact_requested: number;
  updated_at: Generated<Date>;
}

/** The daily rollups summed per month (`month` is the 1st); kept by the database (migration 0006). */
export interface FeedbackMonthlyRollupsTable {
  client_id: Uuid;
  location_id: Uuid;
  sub_measure_key: Uuid;
  month: ColumnType<string, string, string>;
  channel: Channel;
  responses: number;
  score_sum: number;
  score_histogram: number[];
  with_comment: number;
  contact_requested: number;
  updated_at: Generated<Date>;
}

/** The daily rollups summed over sub-measures, per location, day and channel; kept by the database (migration 0006). */
export interface FeedbackLocationDailyRollupsTable {
  client_id: Uuid;
  location_id: Uuid;
  day: ColumnType<string, string, string>;
  channel: Channel;
  responses: number;
  score_sum: number;
  score_histogram: number[];
  with_comment: number;
  contact_requested: number;
  updated_at: Generated<Date>;
}

export interface AuditLogTable {
  chain_id: Uuid;
  seq: ColumnType<number, never, never>;
  at: ColumnType<Date, never, never>;
  actor_kind: ActorKind;
  actor_id: string | null;
  action: string;
  subject_kind: string | null;
  subject_id: string | null;
  details: ColumnType<Record<string, unknown>, never, never>;
  prev_hash: ColumnType<Buffer, never, never>;
  hash: ColumnType<Buffer, never, never>;
}

export type UserKind = 'personnel' | 'operator';
export type MembershipRole = 'owner' | 'admin' | 'manager' | 'viewer';
export type ResponseKind = 'email' | 'sms' | 'note';
export type ResponseStatus = 'recorded' | 'queued' | 'sent' | 'failed';
export type ScoreBand = 'low' | 'middle' | 'high' | 'any';

export interface UsersTable {
  id: Generated<Uuid>;
  kind: Generated<UserKind>;
  email: string;
  name: string;
  password_hash: string | null;
  password_changed_at: Timestamp | null;
  totp_secret_enc: Buffer | null;
  totp_enabled_at: Timestamp | null;
  totp_last_step: number | null;
  disabled_at: Timestamp | null;
  mobile: string | null;
  created_at: Generated<Date>;
}

export interface MembershipsTable {
  client_id: Uuid;
  user_id: Uuid;
  role: MembershipRole;
  location_scope: Uuid[] | null;
  created_at: Generated<Date>;
}

export interface SessionsTable {
  token_hash: Buffer;
  user_id: Uuid;
  active_client_id: Uuid | null;
  csrf_token: string;
  created_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  expires_at: Timestamp;
  user_agent: string | null;
}

export interface LoginFailuresTable {
  user_id: Uuid;
  device: string;
  failures: number;
  locked_until: Timestamp | null;
  last_failure_at: Generated<Date>;
}

export interface InvitationsTable {
  client_id: Uuid;
  id: Generated<Uuid>;
  email: string;
  role: MembershipRole;
  location_scope: Uuid[] | null;
  invited_by: Uuid | null;
  created_at: Generated<Date>;
  expires_at: Timestamp;
  accepted_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface PasswordResetsTable {
  id: Generated<Uuid>;
  user_id: Uuid;
  created_at: Generated<Date>;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface ResponsesTable {
  client_id: Uuid;
  id: Generated<Uuid>;
  feedback_id: Uuid;
  location_id: Uuid;
  kind: ResponseKind;
  direction: Generated<'outbound' | 'inbound'>;
  author_user_id: Uuid | null;
  subject: string | null;
  body: string;
  status: ResponseStatus;
  error: string | null;
  created_at: Generated<Date>;
  sent_at: Timestamp | null;
}

export interface ResponseTemplatesTable {
  client_id: Uuid;
  id: Generated<Uuid>;
  name: string;
  score_band: ScoreBand;
  subject: string;
  body: string;
  archived_at: Timestamp | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export type SmsProviderName = 'dev' | 'twilio';
export type SmsStep = 'score' | 'comment' | 'prize_draw' | 'name' | 'email' | 'done';
export type SmsConversationState = 'open' | 'completed' | 'expired' | 'replaced';
export type SmsMessageKind = 'conversation' | 'invitation' | 'reply' | 'opt_out' | 'opt_in' | 'help' | 'unrecognised' | 'alert' | 'follow_up';
export type SmsMessageStatus = 'received' | 'queued' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'blocked';

export interface SmsRecipientsTable {
  client_id: Uuid;
  mobile_index: Buffer;
  mobile_enc: Buffer;
  opted_out_at: Timestamp | null;
  last_invited_at: Timestamp | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface SmsConversationsTable {
  client_id: Uuid;
  id: Generated<Uuid>;
  mobile_index: Buffer;
  location_id: Uuid;
  sub_measure_id: Uuid | null;
  programme_id: Uuid;
  origin: 'sms_code' | 'receipt_code' | 'invitation';
  receipt_code: string | null;
  step: SmsStep;
  state: Generated<SmsConversationState>;
  score: number | null;
  comment: Generated<string>;
  prize_draw: boolean | null;
  name_enc: Buffer | null;
  email_enc: Buffer | null;
  feedback_id: Uuid | null;
  started_at: Generated<Date>;
  last_message_at: Generated<Date>;
  expires_at: Timestamp;
  closed_at: Timestamp | null;
}

export interface SmsMessagesTable {
  client_id: Uuid;
  id: Generated<Uuid>;
  direction: 'inbound' | 'outbound';
  kind: SmsMessageKind;
  mobile_index: Buffer;
  mobile_enc: Buffer;
  body_enc: Buffer;
  encoding: 'GSM-7' | 'UCS-2' | null;
  segments: Generated<number>;
  holds_contact: Generated<boolean>;
  location_id: Uuid | null;
  conversation_id: Uuid | null;
  feedback_id: Uuid | null;
  response_id: Uuid | null;
  provider: SmsProviderName;
  provider_message_id: string | null;
  status: SmsMessageStatus;
  error_code: string | null;
  error: string | null;
  send_after: Timestamp | null;
  attempts: Generated<number>;
  sending_until: Timestamp | null;
  created_at: Generated<Date>;
  sent_at: Timestamp | null;
  status_at: Timestamp | null;
}

export type AlertChannel = 'email' | 'sms';
export type AlertStatus = 'pending' | 'sending' | 'sent' | 'failed';
export type CaseStatus = 'new' | 'in_progress' | 'resolved';
export type CaseReason = 'low_score' | 'complaint' | 'contact_requested' | 'keywords' | 'manual';
export type ResolutionCode = 'fixed' | 'apologised' | 'refunded' | 'explained' | 'no_action_needed' | 'could_not_contact' | 'other';

export interface AlertRulesTable {
  client_id: Uuid;
  id: Generated<Uuid>;
  name: string;
  enabled: Generated<boolean>;
  match: Generated<'any' | 'all'>;
  low_band: Generated<boolean>;
  score_at_most: number | null;
  complaint: Generated<boolean>;
  contact_requested: Generated<boolean>;
  keywords: Generated<string[]>;
  location_ids: Uuid[] | null;
  recipient_roles: Generated<MembershipRole[]>;
  extra_emails: Generated<string[]>;
  extra_mobiles: Generated<string[]>;
  channels: Generated<AlertChannel[]>;
  delivery: Generated<'immediate' | 'daily_digest'>;
  digest_hour: Generated<number>;
  defer_weekends: Generated<boolean>;
  defer_outside_hours: Generated<boolean>;
  opens_case: Generated<boolean>;
  case_assignee_user_id: Uuid | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface CasesTable {
  client_id: Uuid;
  id: Generated<Uuid>;
  feedback_id: Uuid;
  location_id: Uuid;
  status: Generated<CaseStatus>;
  reason: CaseReason;
  rule_id: Uuid | null;
  assignee_user_id: Uuid | null;
  opened_at: Generated<Date>;
  due_at: Timestamp;
  escalation_level: Generated<number>;
  escalated_at: Timestamp | null;
  first_response_at: Timestamp | null;
  resolved_at: Timestamp | null;
  resolved_by: Uuid | null;
  resolution_code: ResolutionCode | null;
  resolution_note: string | null;
  follow_up_channel: AlertChannel | null;
  follow_up_sent_at: Timestamp | null;
  follow_up_answer: 'yes' | 'no' | null;
  follow_up_answered_at: Timestamp | null;
  updated_at: Generated<Date>;
}

export interface AlertsTable {
  client_id: Uuid;
  id: Generated<Uuid>;
  kind: 'feedback' | 'case_overdue';
  dedupe_key: string;
  rule_id: Uuid | null;
  feedback_id: Uuid;
  case_id: Uuid | null;
  location_id: Uuid;
  channel: AlertChannel;
  recipient_user_id: Uuid | null;
  recipient_address: string | null;
  digest: Generated<boolean>;
  status: Generated<AlertStatus>;
  send_after: Generated<Date>;
  lease_until: Timestamp | null;
  attempts: Generated<number>;
  sent_at: Timestamp | null;
  error: string | null;
  created_at: Generated<Date>;
}

export type PrivacyRequestKind = 'access' | 'correction';
export type PrivacyRequestState = 'received' | 'verified' | 'in_progress' | 'extended' | 'responded' | 'refused';

export interface PrivacyRequestsTable {
  id: Generated<Uuid>;
  kind: PrivacyRequestKind;
  name_enc: Buffer;
  details_enc: Buffer | null;
  state: Generated<PrivacyRequestState>;
  received_at: Generated<Date>;
  received_on: string;
  due_on: string;
  holiday_table_version: string;
  verified_at: Timestamp | null;
  extended_at: Timestamp | null;
  extension_reason: string | null;
  extension_notice_sent_at: Timestamp | null;
  original_due_on: string | null;
  reminder_10_sent_at: Timestamp | null;
  reminder_15_sent_at: Timestamp | null;
  closed_at: Timestamp | null;
  outcome_note: string | null;
  last_searched_at: Timestamp | null;
  updated_at: Generated<Date>;
}

export interface PrivacyRequestIdentifiersTable {
  request_id: Uuid;
  kind: 'email' | 'mobile';
  value_enc: Buffer;
  value_index: Buffer;
  code_hash: Buffer;
  code_expires_at: Timestamp;
  attempts: Generated<number>;
  code_used_at: Timestamp | null;
  verified_at: Timestamp | null;
  created_at: Generated<Date>;
}

export interface PrivacyAccessPackagesTable {
  id: Generated<Uuid>;
  request_id: Uuid;
  content_enc: Buffer;
  items: number;
  flagged: number;
  built_by: Uuid | null;
  built_at: Generated<Date>;
  token_hash: Buffer | null;
  link_issued_at: Timestamp | null;
  link_expires_at: Timestamp | null;
  downloaded_at: Timestamp | null;
}

export interface PrivacyRequestSubjectsTable {
  client_id: Uuid;
  request_id: Uuid;
  id: Generated<Uuid>;
  end_customer_id: Uuid | null;
  mobile_index: Buffer | null;
  found_at: Generated<Date>;
  closed_at: Timestamp | null;
}

export interface PrivacyCorrectionStatementsTable {
  client_id: Uuid;
  id: Generated<Uuid>;
  request_id: Uuid;
  end_customer_id: Uuid;
  feedback_id: Uuid | null;
  statement_enc: Buffer;
  created_at: Generated<Date>;
}

export interface LegalHoldsTable {
  client_id: Uuid;
  id: Generated<Uuid>;
  /** Both null: the whole client is on hold. */
  feedback_id: Uuid | null;
  end_customer_id: Uuid | null;
  reason: string;
  placed_by: Uuid | null;
  placed_at: Generated<Date>;
  released_at: Timestamp | null;
  released_by: Uuid | null;
}

export type DrawPeriod = 'week' | 'month' | 'quarter';

export interface PrizeDrawSettingsTable {
  client_id: Uuid;
  programme_id: Uuid;
  period: DrawPeriod;
  winners: number;
  purge_after_days: number;
  prize: string;
  updated_at: Generated<Date>;
}

export interface PrizeDrawsTable {
  client_id: Uuid;
  id: Generated<Uuid>;
  programme_id: Uuid;
  period: DrawPeriod;
  /** yyyy-mm-dd (a date column: pg gives it back as a string or a Date, depending on parsers). */
  period_start: ColumnType<string, string, string>;
  period_end: ColumnType<string, string, string>;
  winners: number;
  prize: Generated<string>;
  seed_sealed: Buffer;
  commitment: Buffer;
  committed_at: Generated<Date>;
  seed: Buffer | null;
  entries_hash: Buffer | null;
  entry_count: number | null;
  status: Generated<'open' | 'drawn' | 'purged'>;
  drawn_at: Timestamp | null;
  drawn_by: Uuid | null;
  purge_after_days: number;
  purged_at: Timestamp | null;
}

export interface PrizeDrawEntrantsTable {
  client_id: Uuid;
  draw_id: Uuid;
  position: number;
  token: string;
  end_customer_id: Uuid | null;
}

export interface PrizeDrawWinnersTable {
  client_id: Uuid;
  draw_id: Uuid;
  round: number;
  position: number;
  status: Generated<'selected' | 'ineligible'>;
  ineligible_reason: string | null;
  decided_by: Uuid | null;
  decided_at: Timestamp | null;
  notified_at: Timestamp | null;
  notified_by: 'email' | 'sms' | null;
  created_at: Generated<Date>;
}

export type RetentionTrigger = 'schedule' | 'cli' | 'operator';

export interface RetentionRunsTable {
  id: Generated<Uuid>;
  dry_run: boolean;
  trigger: RetentionTrigger;
  started_at: Generated<Date>;
  finished_at: Timestamp | null;
  totals: ColumnType<Record<string, { anonymised: number; deleted: number }>, string | undefined, string>;
  skipped: ColumnType<Record<string, number>, string | undefined, string>;
  clients: Generated<number>;
  error: string | null;
}

export interface Database extends CommentTables, ApiKeyTables, WebhookTables, MonthlyReportTables {
  clients: ClientsTable;
  client_keys: ClientKeysTable;
  programmes: ProgrammesTable;
  locations: LocationsTable;
  sub_measures: SubMeasuresTable;
  receipt_codes: ReceiptCodesTable;
  end_customers: EndCustomersTable;
  feedback: FeedbackTable;
  consents: ConsentsTable;
  prize_entries: PrizeEntriesTable;
  feedback_daily_rollups: FeedbackDailyRollupsTable;
  feedback_monthly_rollups: FeedbackMonthlyRollupsTable;
  feedback_location_daily_rollups: FeedbackLocationDailyRollupsTable;
  audit_log: AuditLogTable;
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  login_failures: LoginFailuresTable;
  invitations: InvitationsTable;
  password_resets: PasswordResetsTable;
  responses: ResponsesTable;
  response_templates: ResponseTemplatesTable;
  sms_recipients: SmsRecipientsTable;
  sms_conversations: SmsConversationsTable;
  sms_messages: SmsMessagesTable;
  alert_rules: AlertRulesTable;
  cases: CasesTable;
  alerts: AlertsTable;
  client_exports: ClientExportsTable;
  disclosures: DisclosuresTable;
  client_terminations: ClientTerminationsTable;
  legal_holds: LegalHoldsTable;
  retention_runs: RetentionRunsTable;
  prize_draw_settings: PrizeDrawSettingsTable;
  prize_draws: PrizeDrawsTable;
  prize_draw_entrants: PrizeDrawEntrantsTable;
  prize_draw_winners: PrizeDrawWinnersTable;
  privacy_requests: PrivacyRequestsTable;
  privacy_request_identifiers: PrivacyRequestIdentifiersTable;
  privacy_access_packages: PrivacyAccessPackagesTable;
  privacy_request_subjects: PrivacyRequestSubjectsTable;
  privacy_correction_statements: PrivacyCorrectionStatementsTable;
  policy_versions: PolicyVersionsTable;
  privacy_complaints: PrivacyComplaintsTable;
  privacy_complaint_reminders: PrivacyComplaintRemindersTable;
}

export type ClientRow = Selectable<ClientsTable>;
export type ProgrammeRow = Selectable<ProgrammesTable>;
export type LocationRow = Selectable<LocationsTable>;
export type SubMeasureRow = Selectable<SubMeasuresTable>;
export type FeedbackRow = Selectable<FeedbackTable>;
export type NewFeedback = Insertable<FeedbackTable>;
