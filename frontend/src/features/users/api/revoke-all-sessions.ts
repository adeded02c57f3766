import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import { userKeys } from './keys';

/** Ends every session of the user; returns how many were live. */
export async function revokeAllSessions(userId: number): Promise<number> {
  const result = await unwrap(api.DELETE('/api/users/{id}/sessions', { params: { path: { id: userId } } }));
  return result.revoked;
}

export function useRevokeAllSessions() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: revokeAllSessions,
    onSuccess: (_, userId) => queryClient.invalidateQueries({ queryKey: userKeys.sessions(userId) }),
  });
}
