import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import { forgetServer } from './cache';

export type DeleteInput = { id: string; version: number };

/** Removes a server from the registry, only if it is still at the version the user saw. */
export async function deleteServer({ id, version }: DeleteInput): Promise<void> {
  await unwrap(
    api.DELETE('/api/servers/{id}', { params: { path: { id }, header: { 'If-Match': String(version) } } }),
  );
}

export function useDeleteServer() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteServer,
    onSuccess: (_, { id }) => forgetServer(queryClient, id),
  });
}
