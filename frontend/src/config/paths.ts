/**
 * The dashboard's top-level routes. The gateway reserves these segments
 * (and /servers, /access, /users, /tokens, /audit, /settings for pages to
 * come), so no MCP server can be registered under them.
 */
export const paths = {
  home: '/',
  login: '/login',
} as const;
