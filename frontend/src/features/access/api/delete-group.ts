import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import { accessKeys } from './keys';

export async function deleteGroup(name: string): Promise<void> {
  await unwrap(api.DELETE('/api/groups/{name}', { params: { path: { name } } }));
}

export function useDeleteGroup() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: deleteGroup, onSuccess: () => queryClient.invalidateQueries({ queryKey: accessKeys.all }) });
}
