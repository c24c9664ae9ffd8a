/**
 * The signed-in frame: a skip link, the header with the business (and a switcher for people
 * in several), the main navigation and sign-out, then the screen.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { Link, NavLink, useNavigate } from 'react-router';
import { errorMessage } from '../api/client.ts';
import { api } from '../api/endpoints.ts';
import { signOutLocally, storeSession, useSession } from '../session.tsx';
import { Logo } from './logo.tsx';

function ClientSwitcher() {
  const session = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const selectId = useId();
  const [chosen, setChosen] = useState(session.activeClientId ?? '');
  const switchClient = useMutation({
    mutationFn: (clientId: string) => api.switchClient(clientId),
    onSuccess: (next) => {
      storeSession(queryClient, next);
      void navigate('/');
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    if (chosen && chosen !== session.activeClientId) switchClient.mutate(chosen);
  }
  return (
    <form className="client-switcher" onSubmit={submit}>
      <label htmlFor={selectId} className="visually-hidden">
        Business
      </label>
      <select id={selectId} value={chosen} onChange={(e) => setChosen(e.target.value)}>
        {session.memberships.map((m) => (
          <option key={m.clientId} value={m.clientId}>
            {m.clientName}
          </option>
        ))}
      </select>
      <button type="submit" className="button button-quiet button-small" disabled={switchClient.isPending || chosen === session.activeClientId}>
        Switch
      </button>
      {switchClient.error ? (
        <p className="field-error" role="alert">
          {errorMessage(switchClient.error)}
        </p>
      ) : null}
    </form>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const signOut = useMutation({
    mutationFn: () => api.logout(),
    // The signed-in frame then sends the person to the sign-in screen, which says they signed out.
    onSettled: () => signOutLocally(queryClient),
  });
  const membership = session.activeMembership;
  const showSettings = session.can('settings.manage') || session.can('users.manage');
  const locked = session.totpSetupRequired;
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="app-header">
        <div className="app-header-inner">
          <div className="brand-row">
            <Link to="/" className="brand-link" aria-label="Hark dashboard">
              <Logo />
            </Link>
            <div className="client-name">
              {session.memberships.length > 1 ? <ClientSwitcher /> : <span>{membership?.clientName ?? 'No business'}</span>}
            </div>
          </div>
          <nav className="main-nav" aria-label="Main">
            <ul>
              {locked ? null : (
                <>
                  <li>
                    <NavLink to="/" end>
                      Dashboard
                    </NavLink>
                  </li>
                  <li>
                    <NavLink to="/inbox">Inbox</NavLink>
                  </li>
                  {session.can('feedback.read') ? (
                    <li>
                      <NavLink to="/cases">Cases</NavLink>
                    </li>
                  ) : null}
                  {session.can('feedback.read') ? (
                    <li>
                      <NavLink to="/comments">Comments</NavLink>
                    </li>
                  ) : null}
                  {session.can('feedback.read') ? (
                    <li>
                      <NavLink to="/rankings">Rankings</NavLink>
                    </li>
                  ) : null}
                  {session.can('feedback.read') ? (
                    <li>
                      <NavLink to="/reports">Reports</NavLink>
                    </li>
                  ) : null}
                  {session.can('feedback.read') && session.activeMembership?.locationScope == null ? (
                    <li>
                      <NavLink to="/benchmarks">Benchmarks</NavLink>
                    </li>
                  ) : null}
                  {session.can('feedback.read') ? (
                    <li>
                      <NavLink to="/prize-draws">Prize draws</NavLink>
                    </li>
                  ) : null}
                  {showSettings ? (
                    <li>
                      <NavLink to="/settings">Settings</NavLink>
                    </li>
                  ) : null}
                </>
              )}
              {session.user.kind === 'operator' ? (
                <li>
                  <NavLink to="/operator">Operator</NavLink>
                </li>
              ) : null}
              <li>
                <NavLink to="/account">Account</NavLink>
              </li>
            </ul>
          </nav>
          <div className="user-box">
            <span className="user-name" title={session.user.email}>
              {session.user.name}
            </span>
            <button type="button" className="button button-quiet button-small" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="app-main">
        {membership || session.user.kind === 'operator' ? null : (
          <p className="notice notice-info banner">Your account is not a member of any business on this Hark yet. Ask the business's admin for an invitation.</p>
        )}
        {children}
      </main>
    </div>
  );
}
