import type { components } from '@/lib/api/schema';

export type AccessToken = components['schemas']['AccessToken'];
export type ServiceAccount = components['schemas']['ServiceAccount'];

export const tokenKeys = {
  all: ['tokens'] as const,
  personal: (everyone: boolean) => [...tokenKeys.all, 'personal', everyone ? 'all' : 'mine'] as const,
  serviceAccounts: () => [...tokenKeys.all, 'service-accounts'] as const,
};
