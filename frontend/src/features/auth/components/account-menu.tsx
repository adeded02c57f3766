import { useNavigate } from 'react-router';

import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { paths } from '@/config/paths';
import { errorMessage } from '@/lib/api/errors';

import { useLogout } from '../api/logout';
import type { Me } from '../api/me';

/** Who is signed in, whether they administer the gateway, and a way to sign out. */
export function AccountMenu({ me }: { me: Me }) {
  const navigate = useNavigate();
  const logout = useLogout({ onSuccess: () => void navigate(paths.login, { replace: true }) });

  return (
    <div className="account">
      <p className="account__who">Signed in as {me.username}</p>
      {me.is_admin ? <Badge>Admin</Badge> : null}
      <Button variant="secondary" onClick={() => logout.mutate()} disabled={logout.isPending}>
        {logout.isPending ? 'Signing out…' : 'Sign out'}
      </Button>
      {logout.isError ? (
        <p role="alert" className="account__error">
          {errorMessage(logout.error)}
        </p>
      ) : null}
    </div>
  );
}
