import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';

import { storeServer } from './cache';
import type { Server } from './keys';

export type UpdateServerInput = {
  id: string;
  /** The version the user edited: someone else's change in between fails with 412. */
  version: number;
  changes: components['schemas']['UpdateServerRequest'];
};

export async function updateServer({ id, version, changes }: UpdateServerInput): Promise<Server> {
  return unwrap(
    api.PATCH('/api/servers/{id}', {
      params: { path: { id }, header: { 'If-Match': String(version) } },
      body: changes,
    }),
  );
}

export function useUpdateServer() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateServer,
    onSuccess: (server) => storeServer(queryClient, server),
  });
}
