import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';

import { accessKeys, type Scope } from './keys';

export type PutScopeInput = { name: string; body: components['schemas']['PutScopeRequest'] };

/** Creates or replaces a scope; the evaluator on every replica follows within a second. */
export async function putScope({ name, body }: PutScopeInput): Promise<Scope> {
  return unwrap(api.PUT('/api/scopes/{name}', { params: { path: { name } }, body }));
}

export function usePutScope() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: putScope, onSuccess: () => queryClient.invalidateQueries({ queryKey: accessKeys.all }) });
}
