import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';

import { accessKeys } from './keys';

export type CreateGroupInput = components['schemas']['CreateGroupRequest'];

export async function createGroup(input: CreateGroupInput): Promise<void> {
  await unwrap(api.POST('/api/groups', { body: input }));
}

export function useCreateGroup() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: createGroup, onSuccess: () => queryClient.invalidateQueries({ queryKey: accessKeys.groups() }) });
}
