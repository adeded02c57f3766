import { queryOptions, useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import { setCsrfToken } from '@/lib/api/csrf';
import { ApiError } from '@/lib/api/errors';
import type { components } from '@/lib/api/schema';

export type Me = components['schemas']['Me'];

/** The cache key of the signed-in principal; sign-in and sign-out update it. */
export const meQueryKey = ['auth', 'me'] as const;

/** The signed-in principal, or null when nobody is signed in (401). */
export async function getMe(): Promise<Me | null> {
  try {
    const me = await unwrap(api.GET('/api/auth/me'));
    setCsrfToken(me.csrf_token);
    return me;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      setCsrfToken(undefined);
      return null;
    }
    throw error;
  }
}

export function meQueryOptions() {
  return queryOptions({ queryKey: meQueryKey, queryFn: getMe });
}

export function useMe() {
  return useQuery(meQueryOptions());
}
