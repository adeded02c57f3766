/**
 * Ready-to-paste MCP client configurations for a server behind the gateway,
 * with the header conventions of seed 002: the gateway token goes in
 * Authorization, or in X-Authorization when the agent's own Authorization
 * header is meant for the upstream server (a pass-through server). The
 * token itself never appears: each client reads it from where it keeps
 * secrets (an input prompt, an environment variable).
 */

export type Transport = 'streamable-http' | 'sse';

export type ClientId = 'vscode' | 'claude-code' | 'claude-desktop' | 'cursor' | 'roo';

export type ConnectTarget = {
  /** The server's path, used as its name in the client too. */
  path: string;
  /** The gateway's origin, e.g. https://gateway.example.com. */
  origin: string;
  transport: Transport;
  /** The agent also sends its own Authorization for the upstream (the server's egress is pass-through). */
  passthrough: boolean;
};

export type ClientConfig = {
  id: ClientId;
  label: string;
  /** Where the snippet goes. */
  file: string;
  language: 'json' | 'shell';
  text: string;
  /** What to do besides pasting, in a sentence. */
  hint: string;
};

/** The environment variable the snippets read the gateway token from. */
export const TOKEN_ENV = 'MCPGW_TOKEN';

/** The gateway endpoint for the transport: /{path}/mcp (Streamable HTTP) or /{path}/sse. */
export function endpointUrl(origin: string, path: string, transport: Transport): string {
  return `${origin.replace(/\/+$/, '')}/${path}/${transport === 'sse' ? 'sse' : 'mcp'}`;
}

/** The header that carries the gateway token. */
export function ingressHeader(passthrough: boolean): 'Authorization' | 'X-Authorization' {
  return passthrough ? 'X-Authorization' : 'Authorization';
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** Headers with the gateway token from `token` (a client's placeholder), plus the agent's own for pass-through. */
function headers(target: ConnectTarget, token: string, upstreamToken: string): Record<string, string> {
  const h: Record<string, string> = { [ingressHeader(target.passthrough)]: `Bearer ${token}` };
  if (target.passthrough) h.Authorization = `Bearer ${upstreamToken}`;
  return h;
}

export function vscodeConfig(target: ConnectTarget): ClientConfig {
  const inputs = [
    { type: 'promptString', id: 'mcpgw-token', description: 'MCP Gateway token', password: true },
    ...(target.passthrough
      ? [{ type: 'promptString', id: 'upstream-token', description: `Your token for ${target.path}`, password: true }]
      : []),
  ];
  return {
    id: 'vscode',
    label: 'VS Code',
    file: '.vscode/mcp.json',
    language: 'json',
    hint: 'VS Code asks for the token the first time it starts the server and keeps it in its secret storage.',
    text: json({
      inputs,
      servers: {
        [target.path]: {
          type: target.transport === 'sse' ? 'sse' : 'http',
          url: endpointUrl(target.origin, target.path, target.transport),
          headers: headers(target, '${input:mcpgw-token}', '${input:upstream-token}'),
        },
      },
    }),
  };
}

export function claudeCodeConfig(target: ConnectTarget): ClientConfig {
  const h = headers(target, `$${TOKEN_ENV}`, '$UPSTREAM_TOKEN');
  const headerArgs = Object.entries(h)
    .map(([name, value]) => ` \\\n  --header "${name}: ${value}"`)
    .join('');
  return {
    id: 'claude-code',
    label: 'Claude Code',
    file: 'a terminal',
    language: 'shell',
    hint: `Set ${TOKEN_ENV} to your gateway token first${target.passthrough ? ', and UPSTREAM_TOKEN to your own token for the server' : ''}; add --scope project to share the server through .mcp.json.`,
    text: `claude mcp add --transport ${target.transport === 'sse' ? 'sse' : 'http'} ${target.path} ${endpointUrl(target.origin, target.path, target.transport)}${headerArgs}`,
  };
}

export function claudeDesktopConfig(target: ConnectTarget): ClientConfig {
  // Claude Desktop starts local programs: mcp-remote bridges to the gateway.
  // Header values come from env, as spaces inside args break on Windows.
  const names = Object.keys(headers(target, '', ''));
  const env: Record<string, string> = {};
  const args = ['-y', 'mcp-remote', endpointUrl(target.origin, target.path, target.transport)];
  names.forEach((name, i) => {
    const variable = i === 0 ? 'MCPGW_AUTH_HEADER' : 'UPSTREAM_AUTH_HEADER';
    args.push('--header', `${name}:\${${variable}}`);
    env[variable] = i === 0 ? 'Bearer <your gateway token>' : 'Bearer <your token for the server>';
  });
  args.push('--transport', target.transport === 'sse' ? 'sse-only' : 'http-only');
  return {
    id: 'claude-desktop',
    label: 'Claude Desktop',
    file: 'claude_desktop_config.json',
    language: 'json',
    hint: 'Settings → Developer → Edit Config; put your token in env, then restart Claude Desktop. Needs Node.js for npx.',
    text: json({ mcpServers: { [target.path]: { command: 'npx', args, env } } }),
  };
}

export function cursorConfig(target: ConnectTarget): ClientConfig {
  return {
    id: 'cursor',
    label: 'Cursor',
    file: '.cursor/mcp.json (or ~/.cursor/mcp.json)',
    language: 'json',
    hint: `Cursor reads the token from the ${TOKEN_ENV} environment variable of the process that started it.`,
    text: json({
      mcpServers: {
        [target.path]: {
          url: endpointUrl(target.origin, target.path, target.transport),
          headers: headers(target, `\${env:${TOKEN_ENV}}`, '${env:UPSTREAM_TOKEN}'),
        },
      },
    }),
  };
}

export function rooConfig(target: ConnectTarget): ClientConfig {
  return {
    id: 'roo',
    label: 'Roo Code',
    file: '.roo/mcp.json (or the global mcp_settings.json)',
    language: 'json',
    hint: `Roo Code reads the token from the ${TOKEN_ENV} environment variable.`,
    text: json({
      mcpServers: {
        [target.path]: {
          type: target.transport === 'sse' ? 'sse' : 'streamable-http',
          url: endpointUrl(target.origin, target.path, target.transport),
          headers: headers(target, `\${env:${TOKEN_ENV}}`, '${env:UPSTREAM_TOKEN}'),
        },
      },
    }),
  };
}

/** Every client's configuration for `target`, in the order the dialog shows them. */
export function clientConfigs(target: ConnectTarget): ClientConfig[] {
  return [vscodeConfig, claudeCodeConfig, claudeDesktopConfig, cursorConfig, rooConfig].map((make) => make(target));
}
