import { useOutletContext } from 'react-router';

import type { Me } from '@/features/auth/api/me';
import { TokensPage } from '@/features/tokens/components/tokens-page';

/** Sign-in methods that come with a browser session (as opposed to a bearer token). */
const sessionMethods = new Set(['local', 'oidc']);

export function TokensRoute() {
  const me = useOutletContext<Me>();
  return <TokensPage isAdmin={me.is_admin} canCreateTokens={sessionMethods.has(me.auth_method)} />;
}
