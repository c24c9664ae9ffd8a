import { useEffect } from 'react';

/**
 * Sets the browser tab's title for a screen: "Inbox · Harbour Lane Coffee · Hark". With
 * `skip`, leaves it to a nested screen (settings sections name themselves).
 */
export function useTitle(...parts: (string | null | undefined)[]): void {
  useTitleUnless(false, ...parts);
}

export function useTitleUnless(skip: boolean, ...parts: (string | null | undefined)[]): void {
  const title = [...parts.filter((p): p is string => Boolean(p)), 'Hark'].join(' · ');
  useEffect(() => {
    if (!skip) document.title = title;
  }, [title, skip]);
}
