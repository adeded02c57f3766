import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';

import { userKeys } from './keys';

export type Session = components['schemas']['SessionView'];

/** A user's live browser sessions, most recently used first. */
export async function listSessions(userId: number): Promise<Session[]> {
  const list = await unwrap(api.GET('/api/users/{id}/sessions', { params: { path: { id: userId } } }));
  return list.items;
}

export function useSessions(userId: number | undefined) {
  return useQuery({
    queryKey: userKeys.sessions(userId ?? 0),
    queryFn: () => listSessions(userId!),
    enabled: userId !== undefined,
  });
}
