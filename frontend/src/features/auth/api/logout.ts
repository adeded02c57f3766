import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import { setCsrfToken } from '@/lib/api/csrf';
import { ApiError } from '@/lib/api/errors';

import { meQueryKey } from './me';

/** Ends the session server-side. A session that has already ended (401) counts as signed out. */
export async function logout(): Promise<void> {
  try {
    await unwrap(api.POST('/api/auth/logout'));
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) throw error;
  }
  setCsrfToken(undefined);
}

type UseLogoutOptions = {
  /** Runs before the cache is cleared: navigate away from protected pages here. */
  onSuccess?: () => void;
};

/** Signs out and forgets everything cached for the old session. */
export function useLogout({ onSuccess }: UseLogoutOptions = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: logout,
    onSuccess: () => {
      onSuccess?.();
      queryClient.clear();
      // Known signed out: the sign-in page need not ask the server again.
      queryClient.setQueryData(meQueryKey, null);
    },
  });
}
