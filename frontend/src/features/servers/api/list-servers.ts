import { queryOptions, useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import { serverKeys, type Server } from './keys';

/** The largest page GET /api/servers serves. */
const PAGE_SIZE = 500;

/**
 * Every server the caller may see, following next_cursor to the end. The
 * dashboard filters and sorts in the browser, so that live health changes
 * and typing in the search box need no round trip.
 */
export async function listServers(): Promise<Server[]> {
  const servers: Server[] = [];
  let cursor: string | undefined;
  do {
    const page = await unwrap(
      api.GET('/api/servers', { params: { query: { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) } } }),
    );
    servers.push(...page.items);
    cursor = page.next_cursor || undefined;
  } while (cursor);
  return servers;
}

export function serversQueryOptions() {
  return queryOptions({ queryKey: serverKeys.list(), queryFn: listServers });
}

export function useServers() {
  return useQuery(serversQueryOptions());
}
