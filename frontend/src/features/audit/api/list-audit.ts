import { useInfiniteQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';

import { auditQuery, type AuditFilters } from '../utils/filters';

export type AuditEvent = components['schemas']['AuditEvent'];
export type AuditPage = components['schemas']['AuditList'];

const PAGE_SIZE = 100;

export async function listAudit(filters: AuditFilters, cursor: string | undefined): Promise<AuditPage> {
  return unwrap(
    api.GET('/api/audit', {
      params: { query: { ...auditQuery(filters), limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) } },
    }),
  ) as Promise<AuditPage>;
}

/** The audit trail, newest first, one page at a time ("Load older" fetches the next). */
export function useAudit(filters: AuditFilters) {
  return useInfiniteQuery({
    queryKey: ['audit', auditQuery(filters)],
    queryFn: ({ pageParam }) => listAudit(filters, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor || undefined,
  });
}
