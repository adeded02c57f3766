import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import { tokenKeys } from './keys';

export async function deleteServiceAccount(id: number): Promise<void> {
  await unwrap(api.DELETE('/api/service-accounts/{id}', { params: { path: { id } } }));
}

export function useDeleteServiceAccount() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteServiceAccount,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: tokenKeys.serviceAccounts() }),
  });
}
