/**
 * The shapes of Hark's JSON API (/api/v1) as the portal uses them. They follow the server's
 * zod schemas (src/<domain>/schemas.ts); when one changes, change it here too.
 */

export type Role = 'owner' | 'admin' | 'manager' | 'viewer';
export type Permission = 'feedback.read' | 'feedback.update' | 'feedback.respond' | 'contact.read' | 'settings.manage' | 'users.manage';
export type Scale = 'recommend_5' | 'nps_10' | 'csat_5' | 'stars_5';
export type ScoreBand = 'low' | 'middle' | 'high';
export type TemplateBand = ScoreBand | 'any';
export type Channel = 'sms' | 'web' | 'qr' | 'kiosk' | 'api' | 'email';
export type FeedbackStatus = 'new' | 'in_progress' | 'resolved' | 'closed';
export type FeedbackCategory = 'complaint' | 'compliment' | 'suggestion' | 'general';
export type Interval = 'day' | 'week' | 'month';

export interface ApiErrorBody {
  error: { code: string; message: string };
}

export interface Ok {
  ok: true;
}

// ----- accounts -----

export interface Membership {
  clientId: string;
  clientName: string;
  role: Role;
  locationScope: string[] | null;
  requireTotp: boolean;
}

export interface Session {
  user: { id: string; name: string; email: string; kind: 'personnel' | 'operator'; totpEnabled: boolean; mobile: string | null };
  memberships: Membership[];
  activeClientId: string | null;
  permissions: string[];
  totpSetupRequired: boolean;
  csrfToken: string;
  expiresAt: string;
}

export interface LoginBody {
  email: string;
  password: string;
  totpCode?: string;
}

export interface InvitationInfo {
  clientName: string;
  email: string;
  role: Role;
  hasAccount: boolean;
}

export interface AcceptInvitationBody {
  name?: string;
  password: string;
  /** The current two-factor code, when the existing account has two-factor sign-in. */
  totpCode?: string;
}

export interface TotpEnrolment {
  secret: string;
  uri: string;
  qrSvg: string;
}

export interface TeamMember {
  userId: string;
  name: string;
  email: string;
  role: Role;
  locationScope: string[] | null;
  totpEnabled: boolean;
  joinedAt: string;
}

export interface PendingInvitation {
  id: string;
  email: string;
  role: Role;
  locationScope: string[] | null;
  expiresAt: string;
}

export interface Team {
  members: TeamMember[];
  invitations: PendingInvitation[];
}

export interface InviteBody {
  email: string;
  role: Role;
  locationScope: string[] | null;
}

export interface UpdateMemberBody {
  role?: Role;
  locationScope?: string[] | null;
}

export interface ClientSettings {
  id: string;
  name: string;
  timezone: string;
  country: string;
  privacyPolicyUrl: string | null;
  requireTotp: boolean;
}

export interface UpdateClientBody {
  name?: string;
  timezone?: string;
  privacyPolicyUrl?: string | null;
  requireTotp?: boolean;
}

// ----- programmes, locations, sub-measures -----

export interface PrizeDraw {
  enabled: boolean;
  /** What can be won; may be empty while the draw is off. */
  description: string;
  termsUrl: string | null;
}

export interface Programme {
  id: string;
  name: string;
  scale: Scale;
  leadQuestion: string;
  followUpQuestion: string;
  /** May be empty. */
  introText: string;
  thankYouTitle: string;
  thankYouText: string;
  prizeDraw: PrizeDraw;
  privacyPolicyUrl: string | null;
  retentionMonths: number;
  /** Feedback received under this programme (in the caller's scope): the scale is fixed once there is any. */
  feedbackCount: number;
}

export interface UpdateProgrammeBody {
  name?: string;
  scale?: Scale;
  leadQuestion?: string;
  followUpQuestion?: string;
  introText?: string;
  thankYouTitle?: string;
  thankYouText?: string;
  prizeDraw?: Partial<PrizeDraw>;
  privacyPolicyUrl?: string | null;
  retentionMonths?: number;
}

export interface SubMeasure {
  id: string;
  locationId: string;
  name: string;
  code: string;
  archived: boolean;
  feedbackUrl: string;
  qrSvgUrl: string;
  qrPngUrl: string;
}

export interface Location {
  id: string;
  name: string;
  code: string;
  parentId: string | null;
  /** 0 at the top (of the tree, or of the caller's scope), 1 below it, and so on. */
  depth: number;
  smsCode: string | null;
  archived: boolean;
  programmeId: string;
  feedbackUrl: string;
  qrSvgUrl: string;
  qrPngUrl: string;
  subMeasures: SubMeasure[];
}

export interface NewLocationBody {
  name: string;
  code: string;
  parentId?: string | null;
  smsCode?: string | null;
  programmeId: string;
}

export interface UpdateLocationBody {
  name?: string;
  parentId?: string | null;
  smsCode?: string | null;
  archived?: boolean;
}

export interface NewSubMeasureBody {
  name: string;
  code: string;
}

export interface UpdateSubMeasureBody {
  name?: string;
  archived?: boolean;
}

// ----- dashboard -----

export interface Estimate {
  value: number;
  low: number;
  high: number;
}

export interface Dashboard {
  programme: { id: string; name: string };
  scale: Scale;
  scoreKind: 'nps' | 'mean';
  period: { from: string; to: string };
  interval: Interval;
  responses: number;
  /** NPS (−100..100) on 0–10 scales, else the mean score. */
  score: Estimate | null;
  /** 5-point scales: % (0–100) of responses with one of the top two scores; null on 0–10 scales. */
  topBox: Estimate | null;
  channels: { channel: Channel; responses: number }[];
  textVsOnline: { text: number; online: number };
  trend: { start: string; end: string; responses: number; score: Estimate | null }[];
  locations: { id: string; name: string; parentId: string | null; responses: number; score: Estimate | null }[];
  subMeasures: { id: string; name: string; locationId: string; locationName: string; responses: number; score: Estimate | null }[];
  ranking: string;
}

export interface DashboardQuery {
  from: string;
  to: string;
  locationId?: string;
  programmeId?: string;
  interval?: Interval;
}

// ----- feedback -----

export interface FeedbackItem {
  id: string;
  score: number;
  scale: Scale;
  scoreBand: ScoreBand;
  /** May be empty. */
  comment: string;
  channel: Channel;
  status: FeedbackStatus;
  category: FeedbackCategory;
  locationId: string;
  locationName: string;
  subMeasureId: string | null;
  subMeasureName: string | null;
  submittedAt: string;
  hasContact: boolean;
  contactRequested: boolean;
  responded: boolean;
}

export interface FeedbackPage {
  items: FeedbackItem[];
  nextCursor: string | null;
}

export interface FeedbackFilters {
  from?: string;
  to?: string;
  locationId?: string;
  subMeasureId?: string;
  scoreBand?: ScoreBand;
  channel?: Channel;
  status?: FeedbackStatus;
  category?: FeedbackCategory;
  hasContact?: boolean;
  q?: string;
  sentiment?: 'positive' | 'neutral' | 'negative';
  theme?: string;
}

export type TimelineKind = 'feedback' | 'email' | 'sms' | 'note' | 'status' | 'category' | 'case';

export interface TimelineEntry {
  kind: TimelineKind;
  /** Replies: 'outbound' from the team, 'inbound' the customer's answer (by text). */
  direction: 'inbound' | 'outbound' | null;
  at: string;
  author: { id: string; name: string } | null;
  subject: string | null;
  /** The comment, reply or note; for status and category changes "old → new". */
  body: string;
  /** Replies: queued, sent or failed. */
  status: string | null;
  /** Why a reply failed. */
  error: string | null;
}

export interface SuggestedTemplate {
  id: string;
  name: string;
  subject: string;
  body: string;
}

export interface FeedbackDetail extends FeedbackItem {
  receiptCode: string | null;
  contact: { name: string | null; email: string | null; mobile: string | null } | null;
  contactHidden: boolean;
  timeline: TimelineEntry[];
  /** Whether the team can reply by text, and if not, why. */
  textReply: 'available' | 'no_mobile' | 'opted_out' | 'no_sms_number';
  suggestedTemplates: SuggestedTemplate[];
  /** The customer's statements of correction (Privacy Act principle 7), kept with this record. Absent from a changed feedback's answer (PATCH). */
  correctionStatements?: { id: string; statement: string; createdAt: string }[];
}

export interface UpdateFeedbackBody {
  status?: Exclude<FeedbackStatus, 'closed'>;
  category?: FeedbackCategory;
}

export type ResponseBody = { kind: 'email'; subject: string; body: string } | { kind: 'sms'; body: string } | { kind: 'note'; body: string };

export interface ResponseCreated {
  id: string;
  status: 'queued' | 'recorded';
  /** A text written in the business's quiet hours waits until this time. */
  sendAfter: string | null;
}

// ----- reply templates -----

export interface ResponseTemplate {
  id: string;
  name: string;
  scoreBand: TemplateBand;
  subject: string;
  body: string;
  updatedAt: string;
}

export interface TemplateBody {
  name: string;
  scoreBand: TemplateBand;
  subject: string;
  body: string;
}

// ----- SMS -----

export type SmsMessageKind = 'conversation' | 'invitation' | 'reply' | 'opt_out' | 'opt_in' | 'help' | 'unrecognised' | 'alert' | 'follow_up';
export type SmsMessageStatus = 'received' | 'queued' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'blocked';

/** One text of a feedback's thread (GET /feedback/:id/texts), oldest first. */
export interface ThreadMessage {
  id: string;
  direction: 'inbound' | 'outbound';
  kind: SmsMessageKind;
  /** Null when the text holds contact details the role may not see. */
  body: string | null;
  status: SmsMessageStatus;
  segments: number;
  encoding: 'GSM-7' | 'UCS-2' | null;
  error: string | null;
  createdAt: string;
  sentAt: string | null;
}

export interface QuietHours {
  /** HH:MM on the business's clock. */
  start: string;
  end: string;
}

export interface SmsSettings {
  provider: 'dev' | 'twilio';
  /** E.164, or null when the business has no number yet. */
  number: string | null;
  quarantineDays: number;
  quietHours: QuietHours;
  conversationMinutes: number;
}

export interface UpdateSmsSettingsBody {
  number?: string | null;
  quarantineDays?: number;
  quietHours?: QuietHours;
  conversationMinutes?: number;
}

export interface SmsInvitationBody {
  mobile: string;
  name?: string | null;
  locationId: string;
  subMeasureId?: string | null;
}

export interface SmsInvitationCreated {
  id: string;
  /** scheduled: held until the quiet hours end (sendAfter). */
  status: 'queued' | 'scheduled';
  sendAfter: string | null;
}

export interface CsvInvitationReport {
  accepted: number;
  /** Of the accepted, how many wait for the quiet hours to end. */
  scheduled: number;
  /** Numbered as in a spreadsheet: the header is row 1. */
  rejected: { row: number; reason: string }[];
}

export interface SmsCount {
  messages: number;
  segments: number;
}

export interface SmsUsage {
  from: string;
  to: string;
  sent: SmsCount;
  failed: number;
  /** Not sent because the number opted out. */
  blocked: number;
  /** Queued, or held for quiet hours. */
  waiting: number;
  received: SmsCount;
  byKind: (SmsCount & { kind: string })[];
}

// ----- cases -----

export type CaseStatus = 'new' | 'in_progress' | 'resolved';
export type CaseReason = 'low_score' | 'complaint' | 'contact_requested' | 'keywords' | 'manual';
export type ResolutionCode = 'fixed' | 'apologised' | 'refunded' | 'explained' | 'no_action_needed' | 'could_not_contact' | 'other';
export type CaseView = 'mine' | 'team' | 'unassigned';
export type CaseStatusFilter = 'open' | 'resolved' | 'all';

/** A case: the work of closing the loop on one feedback (GET /cases, /feedback/:id/case). */
/** Someone who may take a case: an owner, admin or manager who can see its location. */
export interface CaseAssignee {
  id: string;
  name: string;
  role: Role;
}

export interface Case {
  id: string;
  feedbackId: string;
  locationId: string;
  locationName: string;
  status: CaseStatus;
  reason: CaseReason;
  assignee: { id: string; name: string } | null;
  openedAt: string;
  dueAt: string;
  overdue: boolean;
  /** 0: with the team; 1: overdue, admins told; 2: long overdue, owners told. */
  escalationLevel: number;
  firstResponseAt: string | null;
  resolvedAt: string | null;
  resolutionCode: ResolutionCode | null;
  resolutionNote: string | null;
  followUp: { channel: 'email' | 'sms'; sentAt: string | null; answer: 'yes' | 'no' | null; answeredAt: string | null } | null;
  feedback: { score: number; scale: Scale; comment: string; submittedAt: string };
}

export interface CaseListQuery {
  view: CaseView;
  status: CaseStatusFilter;
  limit?: number;
}

export interface UpdateCaseBody {
  assigneeUserId?: string | null;
  status?: 'new' | 'in_progress';
}

export interface ResolveCaseBody {
  resolutionCode: ResolutionCode;
  note?: string;
  followUp?: boolean;
}

export interface ResolvedCase extends Case {
  /** Null when a follow-up was asked for but the customer left no way to reach them. */
  followUpSentBy: 'email' | 'sms' | null;
}

export interface CaseSummary {
  from: string;
  to: string;
  /** Now, whatever the period. */
  open: number;
  overdue: number;
  /** Of cases opened in the period. */
  opened: number;
  medianMinutesToFirstResponse: number | null;
  resolved: number;
  /** 0–1: of cases resolved in the period, the share resolved by their due time. */
  resolvedWithinServiceLevel: number | null;
  followUpsAnswered: number;
  /** 0–1: of follow-ups answered in the period, the share saying it was fixed. */
  recoveryRate: number | null;
}

export interface ServiceLevel {
  /** HH:MM on the business's clock. */
  businessHours: { start: string; end: string };
  /** ISO weekdays: 1 Monday … 7 Sunday. */
  businessDays: number[];
  /** A case is due this many business hours after it opens. */
  caseDueHours: number;
  timezone: string;
}

export interface UpdateServiceLevelBody {
  businessHours?: { start: string; end: string };
  businessDays?: number[];
  caseDueHours?: number;
}

// ----- alert rules -----

export type AlertChannel = 'email' | 'sms';
export type AlertDelivery = 'immediate' | 'daily_digest';

export interface AlertConditions {
  /** A score in the bottom band of the programme's scale (0–6 of 10, 1–2 of 5). */
  lowBand: boolean;
  scoreAtMost: number | null;
  complaint: boolean;
  contactRequested: boolean;
  keywords: string[];
}

export interface AlertRuleBody {
  name: string;
  enabled: boolean;
  match: 'any' | 'all';
  conditions: AlertConditions;
  /** Null: every location; else these and every location below them. */
  locationIds: string[] | null;
  recipients: { roles: Role[]; emails: string[]; mobiles: string[] };
  channels: AlertChannel[];
  delivery: AlertDelivery;
  /** 0–23, on the business's clock. */
  digestHour: number;
  deferWeekends: boolean;
  deferOutsideHours: boolean;
  opensCase: boolean;
  caseAssigneeUserId: string | null;
}

export interface AlertRule extends AlertRuleBody {
  id: string;
}
