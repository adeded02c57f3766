import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import { accessKeys } from './keys';

/** Server paths and names, for the rule editor's server field. */
export async function listServerNames(): Promise<{ path: string; display_name: string }[]> {
  const page = await unwrap(api.GET('/api/servers', { params: { query: { limit: 500 } } }));
  return page.items.map(({ path, display_name }) => ({ path, display_name }));
}

export function useServerNames() {
  return useQuery({ queryKey: accessKeys.servers(), queryFn: listServerNames });
}

/** Usernames, for "what can this user do?". */
export async function listUsernames(): Promise<string[]> {
  const list = await unwrap(api.GET('/api/users'));
  return list.items.map((u) => u.username).sort((a, b) => a.localeCompare(b));
}

export function useUsernames() {
  return useQuery({ queryKey: accessKeys.users(), queryFn: listUsernames });
}
