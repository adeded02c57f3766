import { describe, expect, it } from 'vitest';

import { clientConfigs, endpointUrl, type ConnectTarget } from '../client-configs';

const target: ConnectTarget = {
  path: 'currenttime',
  origin: 'https://gw.example.com/',
  transport: 'streamable-http',
  passthrough: false,
};

function byId(t: ConnectTarget) {
  return Object.fromEntries(clientConfigs(t).map((c) => [c.id, c]));
}

describe('client configurations', () => {
  it('points each client at the gateway endpoint of the transport', () => {
    expect(endpointUrl(target.origin, 'currenttime', 'streamable-http')).toBe('https://gw.example.com/currenttime/mcp');
    expect(endpointUrl(target.origin, 'currenttime', 'sse')).toBe('https://gw.example.com/currenttime/sse');

    const http = byId(target);
    const vscode = JSON.parse(http.vscode!.text);
    expect(vscode.servers.currenttime).toEqual({
      type: 'http',
      url: 'https://gw.example.com/currenttime/mcp',
      headers: { Authorization: 'Bearer ${input:mcpgw-token}' },
    });
    expect(vscode.inputs).toEqual([
      { type: 'promptString', id: 'mcpgw-token', description: 'MCP Gateway token', password: true },
    ]);
    expect(JSON.parse(http.cursor!.text).mcpServers.currenttime).toEqual({
      url: 'https://gw.example.com/currenttime/mcp',
      headers: { Authorization: 'Bearer ${env:MCPGW_TOKEN}' },
    });
    expect(JSON.parse(http.roo!.text).mcpServers.currenttime.type).toBe('streamable-http');
    expect(http['claude-code']!.text).toBe(
      'claude mcp add --transport http currenttime https://gw.example.com/currenttime/mcp \\\n' +
        '  --header "Authorization: Bearer $MCPGW_TOKEN"',
    );
    const desktop = JSON.parse(http['claude-desktop']!.text).mcpServers.currenttime;
    expect(desktop.command).toBe('npx');
    expect(desktop.args).toEqual([
      '-y',
      'mcp-remote',
      'https://gw.example.com/currenttime/mcp',
      '--header',
      'Authorization:${MCPGW_AUTH_HEADER}',
      '--transport',
      'http-only',
    ]);
    expect(desktop.env).toEqual({ MCPGW_AUTH_HEADER: 'Bearer <your gateway token>' });
  });

  it('uses the SSE endpoint and each client’s name for it', () => {
    const sse = byId({ ...target, transport: 'sse' });
    expect(JSON.parse(sse.vscode!.text).servers.currenttime).toMatchObject({ type: 'sse', url: 'https://gw.example.com/currenttime/sse' });
    expect(JSON.parse(sse.roo!.text).mcpServers.currenttime.type).toBe('sse');
    expect(sse['claude-code']!.text).toContain('--transport sse currenttime https://gw.example.com/currenttime/sse');
    expect(JSON.parse(sse['claude-desktop']!.text).mcpServers.currenttime.args).toContain('sse-only');
  });

  it('moves the gateway token to X-Authorization for a pass-through server (seed 002)', () => {
    const pt = byId({ ...target, passthrough: true });
    const vscode = JSON.parse(pt.vscode!.text);
    expect(vscode.servers.currenttime.headers).toEqual({
      'X-Authorization': 'Bearer ${input:mcpgw-token}',
      Authorization: 'Bearer ${input:upstream-token}',
    });
    expect(vscode.inputs.map((i: { id: string }) => i.id)).toEqual(['mcpgw-token', 'upstream-token']);
    expect(JSON.parse(pt.cursor!.text).mcpServers.currenttime.headers).toEqual({
      'X-Authorization': 'Bearer ${env:MCPGW_TOKEN}',
      Authorization: 'Bearer ${env:UPSTREAM_TOKEN}',
    });
    expect(pt['claude-code']!.text).toContain('--header "X-Authorization: Bearer $MCPGW_TOKEN"');
    expect(pt['claude-code']!.text).toContain('--header "Authorization: Bearer $UPSTREAM_TOKEN"');
    const desktop = JSON.parse(pt['claude-desktop']!.text).mcpServers.currenttime;
    expect(desktop.args).toContain('X-Authorization:${MCPGW_AUTH_HEADER}');
    expect(desktop.args).toContain('Authorization:${UPSTREAM_AUTH_HEADER}');
  });

  it('gives every client valid JSON (or a shell command) and never a real token', () => {
    for (const t of [target, { ...target, passthrough: true }, { ...target, transport: 'sse' as const }]) {
      for (const c of clientConfigs(t)) {
        if (c.language === 'json') expect(() => JSON.parse(c.text)).not.toThrow();
        expect(c.text).not.toMatch(/mcpgw_pat_|eyJ/);
      }
    }
  });
});
