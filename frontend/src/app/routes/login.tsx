import { usePrefetchQuery } from '@tanstack/react-query';
import { Navigate, useSearchParams } from 'react-router';

import { CenteredLayout } from '@/components/layouts/centered-layout';
import { PRODUCT_NAME } from '@/config/app';
import { Spinner } from '@/components/ui/spinner';
import { useMe } from '@/features/auth/api/me';
import { providersQueryOptions } from '@/features/auth/api/providers';
import { LoginForm } from '@/features/auth/components/login-form';
import { ProviderSignIn } from '@/features/auth/components/provider-sign-in';
import { SignInError } from '@/features/auth/components/sign-in-error';
import { safeNextPath } from '@/features/auth/utils/redirect';

/**
 * Sign-in, with an identity provider or a password. Whoever is signed in
 * (already, or by this page) goes on to the `next` path when it is a safe
 * same-origin one, else to the dashboard. A failed provider sign-in comes
 * back here with `?error=<reason>`.
 */
export function LoginRoute() {
  const [searchParams] = useSearchParams();
  const me = useMe();
  // Ask for the providers while the session is being checked, not after.
  usePrefetchQuery(providersQueryOptions());
  const next = safeNextPath(searchParams.get('next'));

  if (me.data) {
    return <Navigate to={next} replace />;
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
        <SignInError reason={searchParams.get('error')} />
        {me.isPending ? (
          <Spinner label="Checking your session…" />
        ) : (
          <>
            <ProviderSignIn next={next} />
            <LoginForm />
          </>
        )}
      </div>
    </CenteredLayout>
  );
}
