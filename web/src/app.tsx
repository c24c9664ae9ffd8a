/** The portal's screens and who may see them. */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Navigate, Outlet, Route, Routes, useLocation } from 'react-router';
import { onAuthProblem } from './api/client.ts';
import { Layout } from './components/layout.tsx';
import { LoadError, Loading } from './components/status.tsx';
import { AcceptInvitationPage } from './pages/accept-invitation.tsx';
import { AccountPage } from './pages/account.tsx';
import { DashboardPage } from './pages/dashboard.tsx';
import { RankingsPage } from './pages/rankings.tsx';
import { ReportsPage } from './pages/reports.tsx';
import { BenchmarksPage } from './pages/benchmarks.tsx';
import { CommentsPage } from './pages/comments.tsx';
import { ThemeSettings } from './pages/settings/themes.tsx';
import { BenchmarkSettings } from './pages/settings/benchmarks.tsx';
import { ApiKeySettings } from './pages/settings/api-keys.tsx';
import { WebhookSettings } from './pages/settings/webhooks.tsx';
import { FeedbackDetailPage } from './pages/feedback-detail.tsx';
import { ForgotPasswordPage, ResetPasswordPage } from './pages/password-reset.tsx';
import { InboxPage } from './pages/inbox.tsx';
import { InvitePage } from './pages/invite.tsx';
import { LoginPage } from './pages/login.tsx';
import { NotFoundPage } from './pages/not-found.tsx';
import { SettingsPage, SettingsIndex } from './pages/settings/settings.tsx';
import { AlertSettings } from './pages/settings/alerts.tsx';
import { ServiceLevelSettings } from './pages/settings/service-level.tsx';
import { CasesPage } from './pages/cases.tsx';
import { PrizeDrawsPage } from './pages/prize-draws.tsx';
import { BusinessSettings } from './pages/settings/business.tsx';
import { LocationSettings } from './pages/settings/locations.tsx';
import { ProgrammeSettings } from './pages/settings/programme.tsx';
import { SmsSettingsSection } from './pages/settings/sms.tsx';
import { TeamSettings } from './pages/settings/team.tsx';
import { TemplateSettings } from './pages/settings/templates.tsx';
import { clearSession, SessionContext, sessionKey, useSessionQuery, withHelpers } from './session.tsx';
import { PublicLayout } from './components/public-layout.tsx';
import { OperatorIndex, OperatorPage } from './pages/operator/operator.tsx';
import { OperatorClients } from './pages/operator/clients.tsx';
import { OperatorBackups } from './pages/operator/backups.tsx';
import { OperatorStatistics } from './pages/operator/statistics.tsx';
import { OperatorTermination, OperatorTerminations } from './pages/operator/termination.tsx';
import { OperatorAnalytics } from './pages/operator/analytics.tsx';
import { OperatorRetention } from './pages/operator/retention.tsx';
import { OperatorComplaint, OperatorComplaints } from './pages/operator/complaints.tsx';
import { OperatorPrivacyRequest, OperatorPrivacyRequests } from './pages/operator/privacy-requests.tsx';
import { OperatorPolicies, OperatorPolicyVersion } from './pages/operator/policies.tsx';
import { OperatorExports } from './pages/operator/exports.tsx';
import { OperatorDisclosures } from './pages/operator/disclosures.tsx';

function SignedIn() {
  const { data: session, isPending, error, refetch } = useSessionQuery();
  const location = useLocation();
  if (isPending) {
    return (
      <PublicLayout>
        <Loading label="Opening Hark…" />
      </PublicLayout>
    );
  }
  if (error) {
    return (
      <PublicLayout>
        <LoadError error={error} what="Your session" retry={() => void refetch()} />
      </PublicLayout>
    );
  }
  if (!session) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`} replace />;
  }
  if (session.totpSetupRequired && location.pathname !== '/account') return <Navigate to="/account" replace />;
  // Operator staff who have not opened a client start in the operator console.
  if (session.user.kind === 'operator' && !session.activeClientId && location.pathname === '/') return <Navigate to="/operator" replace />;
  return (
    <SessionContext.Provider value={withHelpers(session)}>
      <Layout>
        <Outlet />
      </Layout>
    </SessionContext.Provider>
  );
}

export function App() {
  const queryClient = useQueryClient();
  useEffect(
    () =>
      onAuthProblem((error) => {
        if (error.code === 'unauthenticated') clearSession(queryClient);
        else void queryClient.invalidateQueries({ queryKey: sessionKey });
      }),
    [queryClient],
  );
  return (
    <Routes>
      <Route path="login" element={<LoginPage />} />
      <Route path="forgot-password" element={<ForgotPasswordPage />} />
      <Route path="reset-password/:token" element={<ResetPasswordPage />} />
      <Route path="invitation/:token" element={<AcceptInvitationPage />} />
      <Route element={<SignedIn />}>
        <Route index element={<DashboardPage />} />
        <Route path="inbox" element={<InboxPage />} />
        <Route path="inbox/invite" element={<InvitePage />} />
        <Route path="feedback/:id" element={<FeedbackDetailPage />} />
        <Route path="cases" element={<CasesPage />} />
        <Route path="prize-draws" element={<PrizeDrawsPage />} />
        <Route path="rankings" element={<RankingsPage />} />
        <Route path="reports" element={<ReportsPage />} />
        <Route path="benchmarks" element={<BenchmarksPage />} />
        <Route path="comments" element={<CommentsPage />} />
        <Route path="settings" element={<SettingsPage />}>
          <Route index element={<SettingsIndex />} />
          <Route path="programme" element={<ProgrammeSettings />} />
          <Route path="locations" element={<LocationSettings />} />
          <Route path="sms" element={<SmsSettingsSection />} />
          <Route path="team" element={<TeamSettings />} />
          <Route path="business" element={<BusinessSettings />} />
          <Route path="benchmarks" element={<BenchmarkSettings />} />
          <Route path="api-keys" element={<ApiKeySettings />} />
          <Route path="webhooks" element={<WebhookSettings />} />
          <Route path="templates" element={<TemplateSettings />} />
          <Route path="themes" element={<ThemeSettings />} />
          <Route path="alerts" element={<AlertSettings />} />
          <Route path="service-level" element={<ServiceLevelSettings />} />
        </Route>
        <Route path="operator" element={<OperatorPage />}>
          <Route index element={<OperatorIndex />} />
          <Route path="clients" element={<OperatorClients />} />
          <Route path="backups" element={<OperatorBackups />} />
          <Route path="statistics" element={<OperatorStatistics />} />
          <Route path="terminations" element={<OperatorTerminations />} />
          <Route path="terminations/:clientId" element={<OperatorTermination />} />
          <Route path="analytics" element={<OperatorAnalytics />} />
          <Route path="retention" element={<OperatorRetention />} />
          <Route path="privacy-requests" element={<OperatorPrivacyRequests />} />
          <Route path="privacy-requests/:id" element={<OperatorPrivacyRequest />} />
          <Route path="complaints" element={<OperatorComplaints />} />
          <Route path="complaints/:id" element={<OperatorComplaint />} />
          <Route path="policies" element={<OperatorPolicies />} />
          <Route path="policies/:version" element={<OperatorPolicyVersion />} />
          <Route path="exports" element={<OperatorExports />} />
          <Route path="disclosures" element={<OperatorDisclosures />} />
        </Route>
        <Route path="account" element={<AccountPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
