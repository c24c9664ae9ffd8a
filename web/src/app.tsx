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
        <Route path="settings" element={<SettingsPage />}>
          <Route index element={<SettingsIndex />} />
          <Route path="programme" element={<ProgrammeSettings />} />
          <Route path="locations" element={<LocationSettings />} />
          <Route path="sms" element={<SmsSettingsSection />} />
          <Route path="team" element={<TeamSettings />} />
          <Route path="business" element={<BusinessSettings />} />
          <Route path="templates" element={<TemplateSettings />} />
          <Route path="alerts" element={<AlertSettings />} />
          <Route path="service-level" element={<ServiceLevelSettings />} />
        </Route>
        <Route path="operator" element={<OperatorPage />}>
          <Route index element={<OperatorIndex />} />
          <Route path="clients" element={<OperatorClients />} />
        </Route>
        <Route path="account" element={<AccountPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
