import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import { accessKeys } from './keys';

/** The largest page GET /api/servers serves. */
const PAGE_SIZE = 500;

/** Every server's path and name, for the rule editor's server field. */
export async function listServerNames(): Promise<{ path: string; display_name: string }[]> {
  const names: { path: string; display_name: string }[] = [];
  let cursor: string | undefined;
  do {
    const page = await unwrap(
      api.GET('/api/servers', { params: { query: { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) } } }),
    );
    names.push(...page.items.map(({ path, display_name }) => ({ path, display_name })));
    cursor = page.next_cursor || undefined;
  } while (cursor);
  return names;
}

export function useServerNames() {
  return useQuery({ queryKey: accessKeys.servers(), queryFn: listServerNames });
}
