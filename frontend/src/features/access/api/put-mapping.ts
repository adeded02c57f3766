import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import { accessKeys } from './keys';

export type PutMappingInput = { group: string; scopes: string[] };

/** Sets the scopes a group gets (the whole list). */
export async function putMapping({ group, scopes }: PutMappingInput): Promise<void> {
  await unwrap(api.PUT('/api/mappings/{group}', { params: { path: { group } }, body: { scopes } }));
}

export function usePutMapping() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: putMapping, onSuccess: () => queryClient.invalidateQueries({ queryKey: accessKeys.all }) });
}
