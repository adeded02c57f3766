import { MutationCache, QueryClient, type DefaultOptions } from '@tanstack/react-query';

import { ApiError } from './api/errors';

/** Retry network trouble and 5xx a little; a 4xx answer will not change by asking again. */
function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status < 500) return false;
  return failureCount < 2;
}

export const queryConfig = {
  queries: {
    retry: shouldRetry,
    staleTime: 30_000,
  },
  mutations: {
    retry: false,
  },
} satisfies DefaultOptions;

/**
 * The dashboard's cache. After any successful write, every query is marked
 * stale (those on screen refetch at once): a change in one place can change
 * what another shows, e.g. a new mapping changes the user's own permissions
 * (the me query) and so which switches the servers page offers, or a new
 * group appears in the user editor's suggestions.
 */
export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    defaultOptions: queryConfig,
    mutationCache: new MutationCache({
      onSuccess: () => void client.invalidateQueries(),
    }),
  });
  return client;
}
