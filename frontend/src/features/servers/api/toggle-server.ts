import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import { storeServer } from './cache';
import type { Server } from './keys';

export type ToggleInput = { id: string; enabled: boolean };

/** Enables or disables a server: agents get 503 from a disabled one, and it is not polled. */
export async function toggleServer({ id, enabled }: ToggleInput): Promise<Server> {
  return unwrap(api.POST('/api/servers/{id}/toggle', { params: { path: { id } }, body: { enabled } }));
}

export function useToggleServer() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: toggleServer,
    onSuccess: (server) => storeServer(queryClient, server),
  });
}
