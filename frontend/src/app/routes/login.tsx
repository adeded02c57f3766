import { Navigate, useSearchParams } from 'react-router';

import { CenteredLayout } from '@/components/layouts/centered-layout';
import { PRODUCT_NAME } from '@/config/app';
import { Spinner } from '@/components/ui/spinner';
import { useMe } from '@/features/auth/api/me';
import { LoginForm } from '@/features/auth/components/login-form';
import { safeNextPath } from '@/features/auth/utils/redirect';

/**
 * Sign-in. Whoever is signed in (already, or by this form) goes on to the
 * `next` path when it is a safe same-origin one, else to the dashboard.
 */
export function LoginRoute() {
  const [searchParams] = useSearchParams();
  const me = useMe();

  if (me.data) {
    return <Navigate to={safeNextPath(searchParams.get('next'))} replace />;
  }
  return (
    <CenteredLayout>
      <title>{`Sign in · ${PRODUCT_NAME}`}</title>
      <div className="panel panel--narrow">
        <p className="panel__brand">
          <img src="/favicon.svg" alt="" width={32} height={32} />
          {PRODUCT_NAME}
        </p>
        <h1 className="panel__title">Sign in</h1>
        {me.isPending ? <Spinner label="Checking your session…" /> : <LoginForm />}
      </div>
    </CenteredLayout>
  );
}
