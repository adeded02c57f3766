import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import { allPages, MAX_PAGE_SIZE } from '@/lib/api/pages';

import { accessKeys } from './keys';

/** Every server's path and name, for the rule editor's server field. */
export async function listServerNames(): Promise<{ path: string; display_name: string }[]> {
  const servers = await allPages((cursor) =>
    unwrap(api.GET('/api/servers', { params: { query: { limit: MAX_PAGE_SIZE, ...(cursor ? { cursor } : {}) } } })),
  );
  return servers.map(({ path, display_name }) => ({ path, display_name }));
}

export function useServerNames() {
  return useQuery({ queryKey: accessKeys.servers(), queryFn: listServerNames });
}
