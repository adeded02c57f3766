import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import { accessKeys, type Group } from './keys';

export async function listGroups(): Promise<Group[]> {
  const list = await unwrap(api.GET('/api/groups'));
  return list.items;
}

export function useGroups() {
  return useQuery({ queryKey: accessKeys.groups(), queryFn: listGroups });
}
