import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';

import { tokenKeys } from './keys';

export type CreateTokenInput = components['schemas']['CreateAccessTokenRequest'];
export type CreatedToken = components['schemas']['CreatedAccessToken'];

export async function createToken(input: CreateTokenInput): Promise<CreatedToken> {
  return unwrap(api.POST('/api/tokens', { body: input }));
}

export function useCreateToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createToken,
    // Passwords and secrets: not kept in the mutation cache once done with.
    gcTime: 0,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: tokenKeys.all }),
  });
}
