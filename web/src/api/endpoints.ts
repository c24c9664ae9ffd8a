/** One typed function per API call the portal makes. */
import { apiRequest } from './client.ts';
import type {
  AcceptInvitationBody,
  ClientSettings,
  CsvInvitationReport,
  Dashboard,
  DashboardQuery,
  FeedbackDetail,
  FeedbackFilters,
  FeedbackPage,
  InvitationInfo,
  InviteBody,
  Location,
  LoginBody,
  NewLocationBody,
  NewSubMeasureBody,
  Ok,
  Programme,
  ResponseBody,
  ResponseCreated,
  ResponseTemplate,
  Session,
  SmsInvitationBody,
  SmsInvitationCreated,
  SmsSettings,
  SmsUsage,
  SubMeasure,
  Team,
  TemplateBody,
  ThreadMessage,
  TotpEnrolment,
  UpdateClientBody,
  UpdateFeedbackBody,
  UpdateLocationBody,
  UpdateMemberBody,
  UpdateProgrammeBody,
  UpdateSmsSettingsBody,
  UpdateSubMeasureBody,
} from './types.ts';

const enc = encodeURIComponent;

export const api = {
  // auth
  session: () => apiRequest<Session>('GET', '/auth/session'),
  login: (body: LoginBody) => apiRequest<Session>('POST', '/auth/login', { body }),
  logout: () => apiRequest<Ok>('POST', '/auth/logout'),
  switchClient: (clientId: string) => apiRequest<Session>('POST', '/auth/switch-client', { body: { clientId } }),
  changePassword: (currentPassword: string, newPassword: string) => apiRequest<Ok>('POST', '/auth/password', { body: { currentPassword, newPassword } }),
  requestPasswordReset: (email: string) => apiRequest<{ message: string }>('POST', '/auth/password-reset', { body: { email } }),
  confirmPasswordReset: (token: string, password: string) => apiRequest<Ok>('POST', '/auth/password-reset/confirm', { body: { token, password } }),
  invitation: (token: string) => apiRequest<InvitationInfo>('GET', `/auth/invitations/${enc(token)}`),
  acceptInvitation: (token: string, body: AcceptInvitationBody) => apiRequest<Session>('POST', `/auth/invitations/${enc(token)}/accept`, { body }),
  startTotp: () => apiRequest<TotpEnrolment>('POST', '/auth/totp/setup'),
  confirmTotp: (code: string) => apiRequest<Ok>('POST', '/auth/totp/confirm', { body: { code } }),
  disableTotp: (password: string, code: string) => apiRequest<Ok>('POST', '/auth/totp/disable', { body: { password, code } }),

  // dashboard
  dashboard: (query: DashboardQuery, signal?: AbortSignal) => apiRequest<Dashboard>('GET', '/dashboard', { query: { ...query }, signal }),

  // feedback
  feedbackList: (filters: FeedbackFilters, cursor: string | null, signal?: AbortSignal) =>
    apiRequest<FeedbackPage>('GET', '/feedback', { query: { ...filters, cursor: cursor ?? undefined, limit: 25 }, signal }),
  feedback: (id: string) => apiRequest<FeedbackDetail>('GET', `/feedback/${enc(id)}`),
  updateFeedback: (id: string, body: UpdateFeedbackBody) => apiRequest<FeedbackDetail>('PATCH', `/feedback/${enc(id)}`, { body }),
  respond: (id: string, body: ResponseBody) => apiRequest<ResponseCreated>('POST', `/feedback/${enc(id)}/responses`, { body }),
  feedbackTexts: (id: string) => apiRequest<ThreadMessage[]>('GET', `/feedback/${enc(id)}/texts`),

  // SMS
  smsSettings: () => apiRequest<SmsSettings>('GET', '/sms/settings'),
  updateSmsSettings: (body: UpdateSmsSettingsBody) => apiRequest<SmsSettings>('PATCH', '/sms/settings', { body }),
  inviteBySms: (body: SmsInvitationBody) => apiRequest<SmsInvitationCreated>('POST', '/sms/invitations', { body }),
  inviteBySmsCsv: (csv: string) => apiRequest<CsvInvitationReport>('POST', '/sms/invitations/csv', { body: { csv } }),
  smsUsage: (from: string, to: string, locationId: string, signal?: AbortSignal) =>
    apiRequest<SmsUsage>('GET', '/sms/usage', { query: { from, to, ...(locationId ? { locationId } : {}) }, signal }),

  // settings
  programmes: () => apiRequest<Programme[]>('GET', '/programmes'),
  updateProgramme: (id: string, body: UpdateProgrammeBody) => apiRequest<Programme>('PATCH', `/programmes/${enc(id)}`, { body }),
  locations: (includeArchived = false) => apiRequest<Location[]>('GET', '/locations', { query: { includeArchived } }),
  createLocation: (body: NewLocationBody) => apiRequest<Location>('POST', '/locations', { body }),
  updateLocation: (id: string, body: UpdateLocationBody) => apiRequest<Location>('PATCH', `/locations/${enc(id)}`, { body }),
  createSubMeasure: (locationId: string, body: NewSubMeasureBody) => apiRequest<SubMeasure>('POST', `/locations/${enc(locationId)}/sub-measures`, { body }),
  updateSubMeasure: (id: string, body: UpdateSubMeasureBody) => apiRequest<SubMeasure>('PATCH', `/sub-measures/${enc(id)}`, { body }),
  team: () => apiRequest<Team>('GET', '/team'),
  invite: (body: InviteBody) => apiRequest<{ id: string }>('POST', '/team/invitations', { body }),
  revokeInvitation: (id: string) => apiRequest<Ok>('DELETE', `/team/invitations/${enc(id)}`),
  updateMember: (userId: string, body: UpdateMemberBody) => apiRequest<Ok>('PATCH', `/team/members/${enc(userId)}`, { body }),
  removeMember: (userId: string) => apiRequest<Ok>('DELETE', `/team/members/${enc(userId)}`),
  clientSettings: () => apiRequest<ClientSettings>('GET', '/client'),
  updateClientSettings: (body: UpdateClientBody) => apiRequest<ClientSettings>('PATCH', '/client', { body }),
  templates: () => apiRequest<ResponseTemplate[]>('GET', '/response-templates'),
  createTemplate: (body: TemplateBody) => apiRequest<ResponseTemplate>('POST', '/response-templates', { body }),
  updateTemplate: (id: string, body: Partial<TemplateBody>) => apiRequest<ResponseTemplate>('PATCH', `/response-templates/${enc(id)}`, { body }),
  deleteTemplate: (id: string) => apiRequest<Ok>('DELETE', `/response-templates/${enc(id)}`),
};
