import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import { userKeys } from './keys';

/** The names of the groups the gateway knows, for suggestions when editing a user's groups. */
export async function listGroupNames(): Promise<string[]> {
  const list = await unwrap(api.GET('/api/groups'));
  return list.items.map((g) => g.name).sort((a, b) => a.localeCompare(b));
}

export function useGroupNames() {
  return useQuery({ queryKey: userKeys.groups(), queryFn: listGroupNames });
}
