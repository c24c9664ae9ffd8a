/** Settings for admins: a section per concern, each its own address. */
import type { ReactNode } from 'react';
import { Link, Navigate, NavLink, Outlet, useLocation } from 'react-router';
import type { Permission } from '../../api/types.ts';
import { Page } from '../../components/page.tsx';
import { useTitle } from '../../lib/use-title.ts';
import { useSession } from '../../session.tsx';

export const settingsSections: { path: string; name: string; permission: Permission }[] = [
  { path: 'programme', name: 'Programme', permission: 'settings.manage' },
  { path: 'locations', name: 'Locations', permission: 'settings.manage' },
  { path: 'sms', name: 'SMS', permission: 'settings.manage' },
  { path: 'team', name: 'Team', permission: 'users.manage' },
  { path: 'templates', name: 'Reply templates', permission: 'settings.manage' },
  { path: 'themes', name: 'Themes', permission: 'settings.manage' },
  { path: 'alerts', name: 'Alerts', permission: 'settings.manage' },
  { path: 'service-level', name: 'Service level', permission: 'settings.manage' },
  { path: 'business', name: 'Business', permission: 'settings.manage' },
  { path: 'benchmarks', name: 'Benchmarks', permission: 'settings.manage' },
  { path: 'api-keys', name: 'API keys', permission: 'settings.manage' },
  { path: 'webhooks', name: 'Webhooks', permission: 'settings.manage' },
];

/** Sections anyone who reads feedback may look at (read only) without the permission to change them. */
const readableSections: { path: string; name: string; permission: Permission }[] = [
  { path: 'sms', name: 'SMS number and texting rules', permission: 'feedback.read' },
  { path: 'alerts', name: 'Alert rules', permission: 'feedback.read' },
  { path: 'service-level', name: 'Service level for cases', permission: 'feedback.read' },
];

export function SettingsPage() {
  const session = useSession();
  const allowed = settingsSections.filter((s) => session.can(s.permission));
  const { pathname } = useLocation();
  const readable = readableSections.filter((s) => session.can(s.permission));
  // Someone with no settings of their own, looking at one they may read: that section alone.
  if (!allowed.length && readable.some((s) => pathname === `/settings/${s.path}`)) {
    return (
      <Page title="Settings" documentTitle={null}>
        <Outlet />
      </Page>
    );
  }
  if (!allowed.length && readable.length) {
    return (
      <Page title="Settings" intro="Your role does not include any settings.">
        <p>You can still look at:</p>
        <ul>
          {readable.map((s) => (
            <li key={s.path}>
              <Link to={`/settings/${s.path}`}>{s.name}</Link>
            </li>
          ))}
        </ul>
      </Page>
    );
  }
  return (
    <Page title="Settings" documentTitle={allowed.length ? null : 'Settings'} intro={allowed.length ? null : 'Your role does not include any settings.'}>
      {allowed.length ? (
        <div className="settings">
          <nav className="sub-nav" aria-label="Settings">
            <ul>
              {allowed.map((s) => (
                <li key={s.path}>
                  <NavLink to={`/settings/${s.path}`}>{s.name}</NavLink>
                </li>
              ))}
            </ul>
          </nav>
          <div className="settings-body">
            <Outlet />
          </div>
        </div>
      ) : null}
    </Page>
  );
}

export function SettingsIndex() {
  const session = useSession();
  const first = settingsSections.find((s) => session.can(s.permission));
  return first ? <Navigate to={`/settings/${first.path}`} replace /> : null;
}

/**
 * A settings section: its heading, tab title, and a refusal when the role lacks the
 * permission. With `readableWith`, a person holding only that permission sees the section
 * too, and the section itself shows what they may not change as read only.
 */
export function SettingsSection({
  title,
  permission,
  readableWith,
  intro,
  children,
}: {
  title: string;
  permission: Permission;
  readableWith?: Permission;
  intro?: ReactNode;
  children: ReactNode;
}) {
  const session = useSession();
  useTitle(title, 'Settings', session.activeMembership?.clientName);
  return (
    <section aria-labelledby="settings-section-heading" className="settings-section">
      <h2 id="settings-section-heading" className="section-title">
        {title}
      </h2>
      {intro ? <p className="section-intro">{intro}</p> : null}
      {session.can(permission) || (readableWith && session.can(readableWith)) ? children : <p className="notice notice-error">Your role does not allow changing this.</p>}
    </section>
  );
}
