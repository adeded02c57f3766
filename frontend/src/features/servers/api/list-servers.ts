import { queryOptions, useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import { allPages, MAX_PAGE_SIZE } from '@/lib/api/pages';

import { serverKeys, type Server } from './keys';

/**
 * Every server the caller may see. The dashboard filters and sorts in the
 * browser, so that live health changes and typing in the search box need no
 * round trip.
 */
export async function listServers(): Promise<Server[]> {
  return allPages((cursor) =>
    unwrap(api.GET('/api/servers', { params: { query: { limit: MAX_PAGE_SIZE, ...(cursor ? { cursor } : {}) } } })),
  );
}

export function serversQueryOptions() {
  return queryOptions({ queryKey: serverKeys.list(), queryFn: listServers });
}

export function useServers() {
  return useQuery(serversQueryOptions());
}
