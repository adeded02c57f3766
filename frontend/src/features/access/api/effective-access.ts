import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import { accessKeys, type EffectiveAccess } from './keys';

export type Subject = { kind: 'user' | 'group'; name: string };

/** What a user (with their groups) or a group may do on every server, and which scopes grant it. */
export async function effectiveAccess({ kind, name }: Subject): Promise<EffectiveAccess> {
  return unwrap(api.GET('/api/access/effective', { params: { query: kind === 'user' ? { user: name } : { group: name } } }));
}

export function useEffectiveAccess(subject: Subject | undefined) {
  return useQuery({
    queryKey: accessKeys.effective(subject?.kind ?? 'user', subject?.name ?? ''),
    queryFn: () => effectiveAccess(subject!),
    enabled: subject !== undefined && subject.name !== '',
    staleTime: 0,
  });
}
