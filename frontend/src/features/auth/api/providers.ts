import { queryOptions, useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';

export type AuthProvider = components['schemas']['httpapi.ProviderInfo'];

/** The cache key of the identity providers offered on the sign-in page. */
export const providersQueryKey = ['auth', 'providers'] as const;

/** The identity providers a browser may sign in with (public: no session needed). */
export async function getProviders(): Promise<AuthProvider[]> {
  const { providers } = await unwrap(api.GET('/api/auth/providers'));
  return providers;
}

export function providersQueryOptions() {
  return queryOptions({
    queryKey: providersQueryKey,
    queryFn: getProviders,
    // Configuration, not data: it changes when the gateway is reconfigured.
    staleTime: 5 * 60_000,
  });
}

export function useProviders() {
  return useQuery(providersQueryOptions());
}
