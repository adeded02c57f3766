import type { ReactNode } from 'react';
import { Link } from 'react-router';

import { PRODUCT_NAME } from '@/config/app';
import { paths } from '@/config/paths';

type ShellLayoutProps = {
  /** Who is signed in and how to sign out, shown at the header's end. */
  account: ReactNode;
  children: ReactNode;
};

/** The frame of every signed-in page: header with the product and account, then the page. */
export function ShellLayout({ account, children }: ShellLayoutProps) {
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="shell__header">
        <Link to={paths.home} className="shell__brand">
          <img src="/favicon.svg" alt="" width={28} height={28} />
          <span>{PRODUCT_NAME}</span>
        </Link>
        <div className="shell__account">{account}</div>
      </header>
      <main id="main" className="shell__main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
