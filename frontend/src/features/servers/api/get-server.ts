import { queryOptions, useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import { serverKeys, type Server } from './keys';

export async function getServer(id: string): Promise<Server> {
  return unwrap(api.GET('/api/servers/{id}', { params: { path: { id } } }));
}

export function serverQueryOptions(id: string) {
  return queryOptions({ queryKey: serverKeys.detail(id), queryFn: () => getServer(id) });
}

export function useServer(id: string) {
  return useQuery(serverQueryOptions(id));
}
