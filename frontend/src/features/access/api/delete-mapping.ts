import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import { accessKeys } from './keys';

export async function deleteMapping(group: string): Promise<void> {
  await unwrap(api.DELETE('/api/mappings/{group}', { params: { path: { group } } }));
}

export function useDeleteMapping() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: deleteMapping, onSuccess: () => queryClient.invalidateQueries({ queryKey: accessKeys.all }) });
}
