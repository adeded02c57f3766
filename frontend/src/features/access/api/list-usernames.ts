import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import { accessKeys } from './keys';

/** Every username, for "what can this user do?". */
export async function listUsernames(): Promise<string[]> {
  const list = await unwrap(api.GET('/api/users'));
  return list.items.map((u) => u.username).sort((a, b) => a.localeCompare(b));
}

export function useUsernames() {
  return useQuery({ queryKey: accessKeys.users(), queryFn: listUsernames });
}
