import type { Server } from '../api/keys';

export type HealthFilter = Server['health']['status'];
export type EnabledFilter = 'enabled' | 'disabled';
export type SortKey = 'name' | 'path' | 'health' | 'checked';

/** The servers page's search and filters, as they appear in its URL. */
export type ServerFilters = {
  q: string;
  tags: string[];
  health: HealthFilter | undefined;
  enabled: EnabledFilter | undefined;
  sort: SortKey;
};

const healthValues: readonly HealthFilter[] = ['healthy', 'unhealthy', 'auth-required', 'disabled', 'unknown'];
const sortValues: readonly SortKey[] = ['name', 'path', 'health', 'checked'];

function oneOf<T extends string>(values: readonly T[], value: string | null): T | undefined {
  return values.find((v) => v === value);
}

/** Reads the filters from ?q=&tag=&tag=&health=&enabled=&sort=; unknown values are ignored. */
export function parseFilters(params: URLSearchParams): ServerFilters {
  return {
    q: params.get('q') ?? '',
    tags: [...new Set(params.getAll('tag').filter(Boolean))],
    health: oneOf(healthValues, params.get('health')),
    enabled: oneOf(['enabled', 'disabled'] as const, params.get('enabled')),
    sort: oneOf(sortValues, params.get('sort')) ?? 'name',
  };
}

/** The URL parameters for `filters`, leaving out defaults so that links stay short. */
export function filtersToParams(filters: ServerFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.q.trim()) params.set('q', filters.q);
  for (const tag of filters.tags) params.append('tag', tag);
  if (filters.health) params.set('health', filters.health);
  if (filters.enabled) params.set('enabled', filters.enabled);
  if (filters.sort !== 'name') params.set('sort', filters.sort);
  return params;
}

export function hasFilters(filters: ServerFilters): boolean {
  return Boolean(filters.q.trim() || filters.tags.length || filters.health || filters.enabled);
}

/** Every search word must appear in the name, path, description or a tag (any case). */
function matchesSearch(server: Server, q: string): boolean {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = [server.display_name, server.path, server.description, ...server.tags].join('\n').toLowerCase();
  return words.every((word) => haystack.includes(word));
}

const healthOrder: Record<HealthFilter, number> = {
  unhealthy: 0,
  'auth-required': 1,
  unknown: 2,
  healthy: 3,
  disabled: 4,
};

function checkedAt(server: Server): number {
  return server.health.last_checked_at ? Date.parse(server.health.last_checked_at) : 0;
}

function compare(sort: SortKey): (a: Server, b: Server) => number {
  const byName = (a: Server, b: Server) =>
    a.display_name.localeCompare(b.display_name, undefined, { sensitivity: 'base' }) || a.path.localeCompare(b.path);
  switch (sort) {
    case 'path':
      return (a, b) => a.path.localeCompare(b.path);
    case 'health':
      // Trouble first: what needs attention is at the top.
      return (a, b) => healthOrder[a.health.status] - healthOrder[b.health.status] || byName(a, b);
    case 'checked':
      // Most recently checked first; never checked last.
      return (a, b) => checkedAt(b) - checkedAt(a) || byName(a, b);
    default:
      return byName;
  }
}

/** The servers that pass every filter, in the chosen order. */
export function filterServers(servers: readonly Server[], filters: ServerFilters): Server[] {
  return servers
    .filter(
      (s) =>
        matchesSearch(s, filters.q) &&
        filters.tags.every((tag) => s.tags.includes(tag)) &&
        (!filters.health || s.health.status === filters.health) &&
        (!filters.enabled || s.enabled === (filters.enabled === 'enabled')),
    )
    .sort(compare(filters.sort));
}

/** Every tag in use, for the tag filter's options. */
export function allTags(servers: readonly Server[]): string[] {
  return [...new Set(servers.flatMap((s) => s.tags))].sort((a, b) => a.localeCompare(b));
}
