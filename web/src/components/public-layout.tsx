/** The frame of the screens used before signing in: the brand and one centred card. */
import type { ReactNode } from 'react';
import { Logo } from './logo.tsx';

export function PublicLayout({ children }: { children: ReactNode }) {
  return (
    <div className="public">
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="public-header">
        <Logo />
      </header>
      <main id="main" tabIndex={-1} className="public-main">
        <div className="card public-card">{children}</div>
      </main>
      <footer className="public-footer">
        <p>Hark — customer feedback, heard.</p>
      </footer>
    </div>
  );
}
