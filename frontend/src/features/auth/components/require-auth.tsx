import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';

import { CenteredLayout } from '@/components/layouts/centered-layout';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Spinner } from '@/components/ui/spinner';
import { errorMessage } from '@/lib/api/errors';

import { useMe, type Me } from '../api/me';
import { loginPath } from '../utils/redirect';

type RequireAuthProps = {
  /** Rendered with the signed-in principal. */
  children: (me: Me) => ReactNode;
};

/** Renders its children for a signed-in user; sends everyone else to sign in, then back here. */
export function RequireAuth({ children }: RequireAuthProps) {
  const me = useMe();
  const location = useLocation();

  if (me.isPending) {
    return (
      <CenteredLayout>
        <Spinner label="Checking your session…" />
      </CenteredLayout>
    );
  }
  if (me.isError) {
    return (
      <CenteredLayout>
        <div className="panel">
          <Alert>{errorMessage(me.error)}</Alert>
          <Button onClick={() => void me.refetch()} disabled={me.isFetching}>
            Try again
          </Button>
        </div>
      </CenteredLayout>
    );
  }
  if (me.data === null) {
    return <Navigate to={loginPath(location.pathname + location.search + location.hash)} replace />;
  }
  return children(me.data);
}
