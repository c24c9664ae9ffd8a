/**
 * The signed-in person: loaded once from /auth/session, replaced by what sign-in, accepting
 * an invitation or switching client answers, and dropped on sign-out or when the API says
 * the session is gone. Screens inside the signed-in layout read it with `useSession()`.
 */
import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { createContext, useContext } from 'react';
import { ApiError, setCsrfToken } from './api/client.ts';
import { api } from './api/endpoints.ts';
import type { Membership, Permission, Session } from './api/types.ts';

export const sessionKey = ['session'] as const;

async function loadSession(): Promise<Session | null> {
  try {
    const session = await api.session();
    setCsrfToken(session.csrfToken);
    return session;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw error;
  }
}

/** The session query: undefined while loading, null when signed out. */
export function useSessionQuery() {
  return useQuery({ queryKey: sessionKey, queryFn: loadSession, staleTime: 5 * 60_000, retry: false });
}

/**
 * Takes a session the API just answered with. When the person or the client changed, every
 * other cached answer belonged to someone else's view and is dropped.
 */
export function storeSession(queryClient: QueryClient, session: Session): void {
  const previous = queryClient.getQueryData<Session | null>(sessionKey);
  signedOutNotice = false;
  setCsrfToken(session.csrfToken);
  if (!previous || previous.user.id !== session.user.id || previous.activeClientId !== session.activeClientId) {
    queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== sessionKey[0] });
  }
  queryClient.setQueryData(sessionKey, session);
}

let signedOutNotice = false;

/** Signs out in the app: the sign-in screen that follows says so. */
export function signOutLocally(queryClient: QueryClient): void {
  signedOutNotice = true;
  clearSession(queryClient);
}

/** Whether the sign-in screen should say "You have signed out" (until someone signs in). */
export function takeSignedOutNotice(): boolean {
  return signedOutNotice;
}

export function clearSession(queryClient: QueryClient): void {
  setCsrfToken(null);
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== sessionKey[0] });
  queryClient.setQueryData(sessionKey, null);
}

export interface SignedInSession extends Session {
  activeMembership: Membership | null;
  can(permission: Permission): boolean;
}

export const SessionContext = createContext<SignedInSession | null>(null);

export function withHelpers(session: Session): SignedInSession {
  const activeMembership = session.memberships.find((m) => m.clientId === session.activeClientId) ?? null;
  return { ...session, activeMembership, can: (permission) => session.permissions.includes(permission) };
}

/** The signed-in session; only for screens inside the signed-in layout. */
export function useSession(): SignedInSession {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside the signed-in layout');
  return session;
}

export function useStoreSession(): (session: Session) => void {
  const queryClient = useQueryClient();
  return (session) => storeSession(queryClient, session);
}
