/**
 * The operator console: what operator staff of this installation run (clients, privacy
 * requests and complaints, disclosures, policy versions, backups …). Each concern is a
 * section with its own address under /operator; add a section to `operatorSections` and a
 * route under the operator route in app.tsx.
 */
import type { ReactNode } from 'react';
import { Navigate, NavLink, Outlet } from 'react-router';
import { Page } from '../../components/page.tsx';
import { useTitle } from '../../lib/use-title.ts';
import { useSession } from '../../session.tsx';

export const operatorSections: { path: string; name: string }[] = [{ path: 'clients', name: 'Clients' }, { path: 'retention', name: 'Retention' }, { path: 'privacy-requests', name: 'Privacy requests' }, { path: 'complaints', name: 'Complaints' }, { path: 'policies', name: 'Privacy policy' }, { path: 'analytics', name: 'Website' }, { path: 'statistics', name: 'Statistics' }, { path: 'exports', name: 'Exports' }, { path: 'disclosures', name: 'Disclosures' }, { path: 'terminations', name: 'Terminations' }, { path: 'backups', name: 'Backups' }];

export function OperatorPage() {
  const session = useSession();
  if (session.user.kind !== 'operator') {
    return (
      <Page title="Operator console">
        <p className="notice notice-error">Only operator staff of this Hark installation may use the operator console.</p>
      </Page>
    );
  }
  return (
    <Page title="Operator console" documentTitle={null}>
      <div className="settings">
        <nav className="sub-nav" aria-label="Operator console">
          <ul>
            {operatorSections.map((s) => (
              <li key={s.path}>
                <NavLink to={`/operator/${s.path}`}>{s.name}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="settings-body">
          <Outlet />
        </div>
      </div>
    </Page>
  );
}

export function OperatorIndex() {
  const [first] = operatorSections;
  return first ? <Navigate to={`/operator/${first.path}`} replace /> : null;
}

/** One operator section: its heading and tab title. */
export function OperatorSection({ title, intro, children }: { title: string; intro?: ReactNode; children: ReactNode }) {
  useTitle(title, 'Operator console');
  return (
    <section aria-labelledby="operator-section-heading" className="settings-section">
      <h2 id="operator-section-heading" className="section-title">
        {title}
      </h2>
      {intro ? <p className="section-intro">{intro}</p> : null}
      {children}
    </section>
  );
}
