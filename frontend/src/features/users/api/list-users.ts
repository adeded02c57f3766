import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import { userKeys, type User } from './keys';

export async function listUsers(): Promise<User[]> {
  const list = await unwrap(api.GET('/api/users'));
  return list.items;
}

export function useUsers() {
  return useQuery({ queryKey: userKeys.list(), queryFn: listUsers });
}
