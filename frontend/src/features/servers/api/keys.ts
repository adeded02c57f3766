import type { components } from '@/lib/api/schema';

export type Server = components['schemas']['Server'];
export type Tool = components['schemas']['Tool'];
export type Permission = Server['permissions'][number];

/** The cache keys of the servers feature; the live stream updates entries under them. */
export const serverKeys = {
  all: ['servers'] as const,
  list: () => [...serverKeys.all, 'list'] as const,
  detail: (id: string) => [...serverKeys.all, 'detail', id] as const,
  tools: (id: string) => [...serverKeys.all, 'tools', id] as const,
  health: (id: string) => [...serverKeys.all, 'health', id] as const,
};
