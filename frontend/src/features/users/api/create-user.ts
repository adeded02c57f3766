import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';

import { userKeys, type User } from './keys';

export type CreateUserInput = components['schemas']['CreateUserRequest'];

export async function createUser(input: CreateUserInput): Promise<User> {
  return unwrap(api.POST('/api/users', { body: input }));
}

export function useCreateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createUser,
    // Passwords and secrets: not kept in the mutation cache once done with.
    gcTime: 0,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: userKeys.all }),
  });
}
