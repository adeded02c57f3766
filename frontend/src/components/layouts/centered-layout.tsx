import type { ReactNode } from 'react';

/** A single centred panel, for pages outside the shell such as sign-in. */
export function CenteredLayout({ children }: { children: ReactNode }) {
  return (
    <main id="main" className="centered">
      {children}
    </main>
  );
}
