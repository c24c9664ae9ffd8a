/**
 * A screen's frame: its heading (the page's one h1) and the browser tab's title. After a
 * navigation inside the app, focus moves to the heading, so keyboard and screen-reader users
 * start at the new screen's top, as they would after a full page load.
 */
import { useEffect, useRef, type ReactNode } from 'react';
import { useLocation } from 'react-router';
import { useTitleUnless } from '../lib/use-title.ts';


export function Page({
  title,
  documentTitle,
  intro,
  actions,
  children,
  narrow,
}: {
  title: ReactNode;
  /** The tab title when the heading is not plain text; null when a nested screen sets it. */
  documentTitle?: string | null;
  intro?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  narrow?: boolean;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  // The first page the browser loaded has the key "default"; every navigation since has its own.
  const arrivedByNavigation = useLocation().key !== 'default';
  useTitleUnless(documentTitle === null, documentTitle ?? (typeof title === 'string' ? title : null));
  useEffect(() => {
    if (arrivedByNavigation) heading.current?.focus();
    // Only when the screen first appears, not when its query string changes (filters).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return (
    <div className={narrow ? 'page page-narrow' : 'page'}>
      <div className="page-head">
        <div>
          <h1 ref={heading} tabIndex={-1}>
            {title}
          </h1>
          {intro ? <div className="page-intro">{intro}</div> : null}
        </div>
        {actions ? <div className="page-actions">{actions}</div> : null}
      </div>
      {children}
    </div>
  );
}
