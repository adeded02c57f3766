import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import { tokenKeys } from './keys';

/** Every token issued to the account so far stops working; it may get new ones. */
export async function revokeServiceAccountTokens(id: number): Promise<void> {
  await unwrap(api.POST('/api/service-accounts/{id}/revoke-tokens', { params: { path: { id } } }));
}

export function useRevokeServiceAccountTokens() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: revokeServiceAccountTokens,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: tokenKeys.serviceAccounts() }),
  });
}
