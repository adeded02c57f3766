import { Outlet } from 'react-router';

import { ShellLayout } from '@/components/layouts/shell-layout';
import { AccountMenu } from '@/features/auth/components/account-menu';
import { RequireAuth } from '@/features/auth/components/require-auth';

import { MainNav } from '../nav';

/** The signed-in shell around every page but sign-in. */
export function AppRoot() {
  return (
    <RequireAuth>
      {(me) => (
        <ShellLayout account={<AccountMenu me={me} />} nav={<MainNav me={me} />}>
          <Outlet context={me} />
        </ShellLayout>
      )}
    </RequireAuth>
  );
}
