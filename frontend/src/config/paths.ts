/**
 * The dashboard's routes. The gateway reserves their first segments (login,
 * servers, access, users, tokens, audit, settings), so no MCP server can be
 * registered under them.
 */
export const paths = {
  home: '/',
  login: '/login',
  servers: '/servers',
  newServer: '/servers/new',
  server: (id: string) => `/servers/${encodeURIComponent(id)}`,
  editServer: (id: string) => `/servers/${encodeURIComponent(id)}/edit`,
  access: '/access',
  users: '/users',
  tokens: '/tokens',
  audit: '/audit',
} as const;
