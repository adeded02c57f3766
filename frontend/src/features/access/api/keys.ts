import type { components } from '@/lib/api/schema';

export type Scope = components['schemas']['Scope'];
export type Rule = components['schemas']['Rule'];
export type Mapping = components['schemas']['Mapping'];
export type Group = components['schemas']['Group'];
export type EffectiveAccess = components['schemas']['EffectiveAccess'];
export type Permission = NonNullable<Rule['permissions']>[number];

export const accessKeys = {
  all: ['access'] as const,
  scopes: () => [...accessKeys.all, 'scopes'] as const,
  mappings: () => [...accessKeys.all, 'mappings'] as const,
  groups: () => [...accessKeys.all, 'groups'] as const,
  servers: () => [...accessKeys.all, 'servers'] as const,
  users: () => [...accessKeys.all, 'users'] as const,
  effective: (kind: 'user' | 'group', name: string) => [...accessKeys.all, 'effective', kind, name] as const,
};
