import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import { storeServer } from './cache';
import { serverKeys, type Server } from './keys';

/** Checks the server now (on whichever replica answers) and returns it with the result. */
export async function refreshServer(id: string): Promise<Server> {
  return unwrap(api.POST('/api/servers/{id}/refresh', { params: { path: { id } } }));
}

export function useRefreshServer() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: refreshServer,
    onSuccess: (server) => {
      storeServer(queryClient, server);
      void queryClient.invalidateQueries({ queryKey: serverKeys.tools(server.id) });
      void queryClient.invalidateQueries({ queryKey: serverKeys.health(server.id) });
    },
  });
}
