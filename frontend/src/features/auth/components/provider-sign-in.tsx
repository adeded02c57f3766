import { ButtonLink } from '@/components/ui/button-link';
import { Spinner } from '@/components/ui/spinner';

import { useProviders } from '../api/providers';
import { providerLoginHref } from '../utils/redirect';

type ProviderSignInProps = {
  /** Where to land after signing in: a safe same-origin path (see safeNextPath). */
  next: string;
};

/**
 * One button per configured identity provider, then an "or" before the
 * password form that follows. Each button is a plain link: signing in at a
 * provider is a full page navigation through the gateway and back, never a
 * fetch. Without providers (or without the list) it shows nothing that
 * stands in the way of the password form.
 */
export function ProviderSignIn({ next }: ProviderSignInProps) {
  const providers = useProviders();

  if (providers.isPending) {
    return <Spinner label="Loading sign-in options…" />;
  }
  if (providers.isError) {
    return (
      <p role="status" className="muted sign-in__note">
        Single sign-on options could not be loaded. You can still sign in with your password, or reload the page to
        try again.
      </p>
    );
  }
  if (providers.data.length === 0) return null;
  return (
    <>
      <ul className="sign-in__providers">
        {providers.data.map((provider) => (
          <li key={provider.id}>
            <ButtonLink
              variant="secondary"
              className="sign-in__provider"
              href={providerLoginHref(provider.login_url, next)}
            >
              Sign in with {provider.display_name}
            </ButtonLink>
          </li>
        ))}
      </ul>
      <p className="sign-in__separator">
        <span>or</span>
      </p>
    </>
  );
}
