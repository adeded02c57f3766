import type { QueryClient } from '@tanstack/react-query';

import { serverKeys, type Server } from './keys';

/** Puts a server the API returned into the list and detail caches. */
export function storeServer(queryClient: QueryClient, server: Server): void {
  queryClient.setQueryData(serverKeys.detail(server.id), server);
  queryClient.setQueryData<Server[]>(serverKeys.list(), (list) => {
    if (!list) return list;
    const found = list.some((s) => s.id === server.id);
    return found ? list.map((s) => (s.id === server.id ? server : s)) : [...list, server];
  });
}

/** Forgets a deleted server. */
export function forgetServer(queryClient: QueryClient, id: string): void {
  queryClient.removeQueries({ queryKey: serverKeys.detail(id) });
  queryClient.removeQueries({ queryKey: serverKeys.tools(id) });
  queryClient.setQueryData<Server[]>(serverKeys.list(), (list) => list?.filter((s) => s.id !== id));
}
