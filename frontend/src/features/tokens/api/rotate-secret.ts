import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import type { ServiceAccountCredentials } from './create-service-account';
import { tokenKeys } from './keys';

/** A new client secret; the old one stops working at once. */
export async function rotateSecret(id: number): Promise<ServiceAccountCredentials> {
  return unwrap(api.POST('/api/service-accounts/{id}/secret', { params: { path: { id } } }));
}

export function useRotateSecret() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: rotateSecret,
    // Passwords and secrets: not kept in the mutation cache once done with.
    gcTime: 0,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: tokenKeys.serviceAccounts() }),
  });
}
