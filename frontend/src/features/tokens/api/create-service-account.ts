import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';

import { tokenKeys } from './keys';

export type CreateServiceAccountInput = components['schemas']['CreateServiceAccountRequest'];
export type ServiceAccountCredentials = components['schemas']['ServiceAccountCredentials'];

export async function createServiceAccount(input: CreateServiceAccountInput): Promise<ServiceAccountCredentials> {
  return unwrap(api.POST('/api/service-accounts', { body: input }));
}

export function useCreateServiceAccount() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createServiceAccount,
    // Passwords and secrets: not kept in the mutation cache once done with.
    gcTime: 0,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: tokenKeys.serviceAccounts() }),
  });
}
