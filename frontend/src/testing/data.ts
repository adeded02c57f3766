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

type Server = components['schemas']['Server'];
type Tool = components['schemas']['Tool'];

const allPermissions: Server['permissions'] = ['read', 'execute', 'toggle', 'edit', 'register', 'health_check'];

/** A server as GET /api/servers returns it to an admin; override what a test needs. */
export function makeServer(overrides: Partial<Server> = {}): Server {
  return {
    id: '0b0f6a8e-6f4b-4a4e-9d51-3f0c2b8b1e10',
    path: 'currenttime',
    display_name: 'Current Time',
    description: 'Tells the time in any timezone',
    tags: ['time', 'demo'],
    license: 'MIT',
    transport: 'streamable-http',
    upstream_url: 'http://10.0.0.5:8000/mcp',
    egress: { type: 'none', token_set: false, headers: [] },
    enabled: true,
    health: { status: 'healthy', last_checked_at: '2026-12-01T10:00:00Z', latency_ms: 12 },
    tool_count: 2,
    permissions: allPermissions,
    version: 3,
    created_at: '2026-11-30T09:00:00Z',
    created_by: 'admin',
    updated_at: '2026-11-30T09:30:00Z',
    updated_by: 'admin',
    ...overrides,
  };
}

/** The same server as a read-only user sees it: no upstream, no egress, read only. */
export function readOnlyServer(overrides: Partial<Server> = {}): Server {
  const server: Server = { ...makeServer(), permissions: ['read', 'execute'], ...overrides };
  delete server.upstream_url;
  delete server.egress;
  return server;
}

export function makeTool(overrides: Partial<Tool> = {}): Tool {
  return {
    name: 'current_time_by_timezone',
    description: 'The current time in a timezone',
    definition_hash: 'abc',
    first_seen_at: '2026-11-30T09:00:00Z',
    updated_at: '2026-11-30T09:00:00Z',
    input_schema: {
      type: 'object',
      properties: { tz_name: { type: 'string', description: 'An IANA timezone name', default: 'UTC' } },
      required: ['tz_name'],
    },
    ...overrides,
  };
}
