import { describe, expect, it } from 'vitest';

import type { components } from '@/lib/api/schema';

import { filterUsers, passwordProblem, userChanges } from '../users';

type User = components['schemas']['User'];

const base: User = {
  id: 1,
  username: 'alice',
  display_name: 'Alice',
  email: 'a@example.com',
  auth_source: 'local',
  groups: ['b', 'a'],
  is_admin: false,
  disabled: false,
  created_at: '',
  updated_at: '',
};

describe('users', () => {
  it('searches every word in name, e-mail and groups, by source', () => {
    const idp = { ...base, id: 2, username: 'dana', display_name: 'Dana', email: 'd@corp.test', auth_source: 'okta', groups: ['mcp-user'] };
    expect(filterUsers([idp, base], '', 'all').map((u) => u.username)).toEqual(['alice', 'dana']);
    expect(filterUsers([idp, base], 'MCP-user', 'all').map((u) => u.username)).toEqual(['dana']);
    expect(filterUsers([idp, base], '', 'local').map((u) => u.username)).toEqual(['alice']);
    expect(filterUsers([idp, base], 'example alice', 'idp')).toEqual([]);
  });

  it('checks passwords', () => {
    expect(passwordProblem('short', 'short')).toMatch(/8 characters/);
    expect(passwordProblem('long enough', 'long enougH')).toMatch(/differ/);
    expect(passwordProblem('long enough', 'long enough')).toBeUndefined();
  });

  it('sends groups only when the set changed', () => {
    const edit = { display_name: 'Alice', email: 'a@example.com', groups: ['a', 'b'], disabled: false };
    expect(userChanges(base, edit)).toEqual({});
    expect(userChanges(base, { ...edit, groups: ['a', 'b', 'c', ' c '] })).toEqual({ groups: ['a', 'b', 'c'] });
    expect(userChanges(base, { ...edit, display_name: ' Al ', disabled: true })).toEqual({ display_name: 'Al', disabled: true });
  });
});
