import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import { setCsrfToken } from '@/lib/api/csrf';
import type { components } from '@/lib/api/schema';

import { meQueryKey, type Me } from './me';

export type LoginInput = components['schemas']['LoginRequest'];

/** Starts a session: the gateway sets the HttpOnly cookie and returns the principal. */
export async function login(input: LoginInput): Promise<Me> {
  const me = await unwrap(api.POST('/api/auth/login', { body: input }));
  setCsrfToken(me.csrf_token);
  return me;
}

/** Signs in and puts the principal in the cache, which is what routes watch. */
export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: login,
    // Passwords and secrets: not kept in the mutation cache once done with.
    gcTime: 0,
    onSuccess: (me) => {
      queryClient.setQueryData(meQueryKey, me);
    },
  });
}
