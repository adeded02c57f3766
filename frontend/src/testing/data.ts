import type { components } from '@/lib/api/schema';

type Me = components['schemas']['Me'];

export const adminMe: Me = {
  username: 'admin',
  groups: ['mcp-admin'],
  auth_method: 'local',
  is_admin: true,
  csrf_token: 'csrf-admin-token',
  session_expires_at: '2030-01-01T00:00:00Z',
};

export const userMe: Me = {
  username: 'alice',
  groups: ['developers'],
  auth_method: 'local',
  is_admin: false,
  csrf_token: 'csrf-alice-token',
};
