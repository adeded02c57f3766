import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import { tokenKeys, type AccessToken } from './keys';

/** The caller's personal access tokens, or (administrators, everyone) every user's. */
export async function listTokens(everyone: boolean): Promise<AccessToken[]> {
  const list = await unwrap(api.GET('/api/tokens', { params: { query: everyone ? { all: true } : {} } }));
  return list.items;
}

export function useTokens(everyone: boolean) {
  return useQuery({ queryKey: tokenKeys.personal(everyone), queryFn: () => listTokens(everyone) });
}
