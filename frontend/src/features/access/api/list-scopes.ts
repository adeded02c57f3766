import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import { accessKeys, type Scope } from './keys';

export async function listScopes(): Promise<Scope[]> {
  const list = await unwrap(api.GET('/api/scopes'));
  return list.items;
}

export function useScopes() {
  return useQuery({ queryKey: accessKeys.scopes(), queryFn: listScopes });
}
