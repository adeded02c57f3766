import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';

import { userKeys, type User } from './keys';

export type UpdateUserInput = { id: number; changes: components['schemas']['UpdateUserRequest'] };

/** Changes the fields given. A new password, new groups or disabling end the user's sessions. */
export async function updateUser({ id, changes }: UpdateUserInput): Promise<User> {
  return unwrap(api.PATCH('/api/users/{id}', { params: { path: { id } }, body: changes }));
}

export function useUpdateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateUser,
    // Passwords and secrets: not kept in the mutation cache once done with.
    gcTime: 0,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: userKeys.all }),
  });
}
