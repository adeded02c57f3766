import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';

import { serverKeys } from './keys';

export type HealthCheck = components['schemas']['HealthCheck'];

/** The server's latest health checks, newest first. */
export async function healthHistory(id: string, limit = 50): Promise<HealthCheck[]> {
  const history = await unwrap(api.GET('/api/servers/{id}/health', { params: { path: { id }, query: { limit } } }));
  return history.items;
}

export function useHealthHistory(id: string) {
  return useQuery({ queryKey: serverKeys.health(id), queryFn: () => healthHistory(id) });
}
