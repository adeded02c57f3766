import { queryOptions, useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import { serverKeys, type Tool } from './keys';

/** The tools the server listed at its last successful health check. */
export async function listTools(id: string): Promise<Tool[]> {
  const list = await unwrap(api.GET('/api/servers/{id}/tools', { params: { path: { id } } }));
  return list.items;
}

export function toolsQueryOptions(id: string) {
  return queryOptions({ queryKey: serverKeys.tools(id), queryFn: () => listTools(id) });
}

export function useServerTools(id: string) {
  return useQuery(toolsQueryOptions(id));
}
