import { useOutletContext } from 'react-router';

import type { Me } from '@/features/auth/api/me';
import { UsersPage } from '@/features/users/components/users-page';

import { AdminOnly } from './admin';

function CurrentUsers() {
  const me = useOutletContext<Me>();
  return <UsersPage currentUsername={me.username} />;
}

export function UsersRoute() {
  return (
    <AdminOnly>
      <CurrentUsers />
    </AdminOnly>
  );
}
