import type { components } from '@/lib/api/schema';

type Me = components['schemas']['Me'];

export const adminMe: Me = {
  username: 'admin',
  groups: ['mcp-admin'],
  auth_method: 'local',
  is_admin: true,
  scopes: ['mcp:registry:admin'],
  can_modify_servers: true,
  can_register_servers: true,
  accessible_servers: ['currenttime'],
  server_permissions: {
    currenttime: ['read', 'execute', 'toggle', 'edit', 'register', 'health_check'],
  },
  csrf_token: 'csrf-admin-token',
  session_expires_at: '2030-01-01T00:00:00Z',
};

export const userMe: Me = {
  username: 'alice',
  groups: ['developers'],
  auth_method: 'local',
  is_admin: false,
  scopes: [],
  can_modify_servers: false,
  can_register_servers: false,
  accessible_servers: [],
  server_permissions: {},
  csrf_token: 'csrf-alice-token',
};

type AuthProvider = components['schemas']['httpapi.ProviderInfo'];

/** Two identity providers, as GET /api/auth/providers lists them. */
export const providers: AuthProvider[] = [
  { id: 'okta', display_name: 'Okta', type: 'okta', login_url: '/oauth2/login/okta' },
  { id: 'entra', display_name: 'Microsoft Entra ID', type: 'entra', login_url: '/oauth2/login/entra' },
];
