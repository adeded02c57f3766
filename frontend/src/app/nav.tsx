import { NavLink } from '@mantine/core';
import { Link, useLocation } from 'react-router';

import { paths } from '@/config/paths';
import type { Me } from '@/features/auth/api/me';

type NavItem = { label: string; to: string; adminOnly?: boolean };

const items: NavItem[] = [
  { label: 'Servers', to: paths.home },
  { label: 'Tokens', to: paths.tokens },
  { label: 'Access', to: paths.access, adminOnly: true },
  { label: 'Users', to: paths.users, adminOnly: true },
  { label: 'Audit log', to: paths.audit, adminOnly: true },
];

function isActive(item: NavItem, pathname: string): boolean {
  if (item.to === paths.home) return pathname === paths.home || pathname.startsWith(`${paths.servers}/`);
  return pathname === item.to || pathname.startsWith(`${item.to}/`);
}

/** The sidebar's links: every page the signed-in user may use, admin pages only for admins. */
export function MainNav({ me }: { me: Me }) {
  const { pathname } = useLocation();
  return (
    <ul className="nav-list">
      {items
        .filter((item) => !item.adminOnly || me.is_admin)
        .map((item) => {
          const active = isActive(item, pathname);
          return (
            <li key={item.to}>
              <NavLink
                component={Link}
                to={item.to}
                label={item.label}
                active={active}
                aria-current={active ? 'page' : undefined}
              />
            </li>
          );
        })}
    </ul>
  );
}
