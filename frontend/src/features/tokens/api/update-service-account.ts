import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';

import { tokenKeys, type ServiceAccount } from './keys';

export type UpdateServiceAccountInput = { id: number; changes: components['schemas']['UpdateServiceAccountRequest'] };

export async function updateServiceAccount({ id, changes }: UpdateServiceAccountInput): Promise<ServiceAccount> {
  return unwrap(api.PATCH('/api/service-accounts/{id}', { params: { path: { id } }, body: changes }));
}

export function useUpdateServiceAccount() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateServiceAccount,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: tokenKeys.serviceAccounts() }),
  });
}
