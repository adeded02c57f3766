import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import { tokenKeys, type ServiceAccount } from './keys';

export async function listServiceAccounts(): Promise<ServiceAccount[]> {
  const list = await unwrap(api.GET('/api/service-accounts'));
  return list.items;
}

export function useServiceAccounts(enabled = true) {
  return useQuery({ queryKey: tokenKeys.serviceAccounts(), queryFn: listServiceAccounts, enabled });
}
