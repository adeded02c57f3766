import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import { accessKeys } from './keys';

export async function deleteScope(name: string): Promise<void> {
  await unwrap(api.DELETE('/api/scopes/{name}', { params: { path: { name } } }));
}

export function useDeleteScope() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: deleteScope, onSuccess: () => queryClient.invalidateQueries({ queryKey: accessKeys.all }) });
}
