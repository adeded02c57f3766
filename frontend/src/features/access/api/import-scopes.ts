import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';

import { accessKeys } from './keys';

export type ImportResult = components['schemas']['ImportResult'];
export type ImportInput = { yaml: string; replace: boolean };

/** Reads a scopes.yml: all or nothing; a bad file changes nothing and the error names the place. */
export async function importScopes({ yaml, replace }: ImportInput): Promise<ImportResult> {
  return unwrap(
    api.POST('/api/scopes.yml', {
      params: { query: replace ? { replace: true } : {} },
      body: yaml,
      bodySerializer: (body) => body,
      headers: { 'Content-Type': 'application/yaml' },
    }),
  );
}

/** Where the browser downloads the current scopes.yml. */
export const exportScopesUrl = '/api/scopes.yml';

export function useImportScopes() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: importScopes, onSuccess: () => queryClient.invalidateQueries({ queryKey: accessKeys.all }) });
}
