import type { components } from '@/lib/api/schema';

export type User = components['schemas']['User'];

export const userKeys = {
  all: ['users'] as const,
  list: () => [...userKeys.all, 'list'] as const,
  groups: () => [...userKeys.all, 'groups'] as const,
  sessions: (id: number) => [...userKeys.all, 'sessions', id] as const,
};
