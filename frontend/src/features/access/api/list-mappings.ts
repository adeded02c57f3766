import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import { accessKeys, type Mapping } from './keys';

export async function listMappings(): Promise<Mapping[]> {
  const list = await unwrap(api.GET('/api/mappings'));
  return list.items;
}

export function useMappings() {
  return useQuery({ queryKey: accessKeys.mappings(), queryFn: listMappings });
}
