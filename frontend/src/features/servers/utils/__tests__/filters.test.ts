import { describe, expect, it } from 'vitest';

import { makeServer } from '@/testing/data';

import { allTags, filterServers, filtersToParams, parseFilters } from '../filters';

const time = makeServer({ id: '1', path: 'currenttime', display_name: 'Current Time', tags: ['time', 'demo'] });
const docs = makeServer({
  id: '2',
  path: 'docs',
  display_name: 'docs search',
  description: 'Searches the handbook',
  tags: ['search'],
  enabled: false,
  health: { status: 'disabled' },
});
const broken = makeServer({
  id: '3',
  path: 'weather',
  display_name: 'Weather',
  description: '',
  tags: ['demo'],
  health: { status: 'unhealthy', last_checked_at: '2026-12-01T10:05:00Z' },
});
const all = [time, docs, broken];

describe('server filters in the URL', () => {
  it('reads what it writes, leaving defaults out', () => {
    const filters = parseFilters(new URLSearchParams('q=time&tag=demo&tag=time&health=healthy&enabled=enabled&sort=health'));
    expect(filters).toEqual({ q: 'time', tags: ['demo', 'time'], health: 'healthy', enabled: 'enabled', sort: 'health' });
    expect(parseFilters(filtersToParams(filters))).toEqual(filters);
    expect(filtersToParams(parseFilters(new URLSearchParams(''))).toString()).toBe('');
  });

  it('ignores values it does not know', () => {
    expect(parseFilters(new URLSearchParams('health=purple&enabled=maybe&sort=random'))).toEqual({
      q: '',
      tags: [],
      health: undefined,
      enabled: undefined,
      sort: 'name',
    });
  });
});

describe('filterServers', () => {
  const ids = (q: string) => filterServers(all, parseFilters(new URLSearchParams(q))).map((s) => s.id);

  it('matches every search word in name, path, description or tags, in any case', () => {
    expect(ids('q=HANDBOOK')).toEqual(['2']);
    expect(ids('q=demo weather')).toEqual(['3']);
    expect(ids('q=nothing-like-it')).toEqual([]);
  });

  it('needs every chosen tag, the health and the status', () => {
    expect(ids('tag=demo')).toEqual(['1', '3']);
    expect(ids('tag=demo&tag=time')).toEqual(['1']);
    expect(ids('health=unhealthy')).toEqual(['3']);
    expect(ids('enabled=disabled')).toEqual(['2']);
  });

  it('sorts by name (any case), path, trouble first, or last checked', () => {
    expect(ids('')).toEqual(['1', '2', '3']);
    expect(ids('sort=path')).toEqual(['1', '2', '3']);
    expect(ids('sort=health')).toEqual(['3', '1', '2']);
    expect(ids('sort=checked')).toEqual(['3', '1', '2']);
  });

  it('lists each tag once, sorted', () => {
    expect(allTags(all)).toEqual(['demo', 'search', 'time']);
  });
});
