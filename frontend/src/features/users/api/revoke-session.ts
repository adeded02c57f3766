import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

import { userKeys } from './keys';

export type RevokeSessionInput = { userId: number; sessionId: string };

/** Ends one session: its browser is signed out at its next request. */
export async function revokeSession({ userId, sessionId }: RevokeSessionInput): Promise<void> {
  await unwrap(
    api.DELETE('/api/users/{id}/sessions/{session}', { params: { path: { id: userId, session: sessionId } } }),
  );
}

export function useRevokeSession() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: revokeSession,
    onSuccess: (_, { userId }) => queryClient.invalidateQueries({ queryKey: userKeys.sessions(userId) }),
  });
}
