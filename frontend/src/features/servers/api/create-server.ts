import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';

import { storeServer } from './cache';
import type { Server } from './keys';

export type CreateServerInput = components['schemas']['CreateServerRequest'];

export async function createServer(input: CreateServerInput): Promise<Server> {
  return unwrap(api.POST('/api/servers', { body: input }));
}

export function useCreateServer() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createServer,
    onSuccess: (server) => storeServer(queryClient, server),
  });
}
