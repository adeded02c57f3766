import { Burger } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { Link, useLocation } from 'react-router';

import { PRODUCT_NAME } from '@/config/app';
import { paths } from '@/config/paths';

type ShellLayoutProps = {
  /** Who is signed in and how to sign out, shown at the header's end. */
  account: ReactNode;
  /** The links to the pages, in the sidebar (behind the menu button on narrow screens). */
  nav: ReactNode;
  children: ReactNode;
};

/** The frame of every signed-in page: header, sidebar navigation, then the page. */
export function ShellLayout({ account, nav, children }: ShellLayoutProps) {
  // The menu is open on the page it was opened on: following a link closes it.
  const { pathname } = useLocation();
  const [openOn, setOpenOn] = useState<string>();
  const navOpen = openOn === pathname;
  const setNavOpen = (open: boolean) => setOpenOn(open ? pathname : undefined);

  return (
    <div className={navOpen ? 'shell shell--nav-open' : 'shell'}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="shell__header">
        <Burger
          className="shell__burger"
          opened={navOpen}
          onClick={() => setNavOpen(!navOpen)}
          size="sm"
          aria-label={navOpen ? 'Close navigation' : 'Open navigation'}
          aria-expanded={navOpen}
          aria-controls="shell-nav"
        />
        <Link to={paths.home} className="shell__brand">
          <img src="/favicon.svg" alt="" width={28} height={28} />
          <span>{PRODUCT_NAME}</span>
        </Link>
        <div className="shell__account">{account}</div>
      </header>
      <nav id="shell-nav" className="shell__nav" aria-label="Main">
        {nav}
      </nav>
      <main id="main" className="shell__main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
