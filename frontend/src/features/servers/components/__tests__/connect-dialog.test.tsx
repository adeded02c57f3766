import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { makeServer } from '@/testing/data';
import { renderWithProviders } from '@/testing/render';

import { ConnectDialog } from '../connect-dialog';

function shownConfig(id: string): string {
  const block = document.querySelector(`[data-config="${id}"]`);
  if (!block) throw new Error(`no ${id} configuration shown`);
  return block.textContent ?? '';
}

describe('ConnectDialog', () => {
  it('shows the endpoints and each client’s configuration for the chosen transport', async () => {
    const { user } = renderWithProviders(<ConnectDialog server={makeServer()} onClose={() => {}} />);
    expect(await screen.findByRole('dialog', { name: 'Connect to Current Time' })).toBeInTheDocument();
    const origin = globalThis.location.origin;
    expect(screen.getByText(`${origin}/currenttime/mcp`)).toBeInTheDocument();
    expect(screen.getByText(`${origin}/currenttime/sse`)).toBeInTheDocument();

    expect(JSON.parse(shownConfig('vscode')).servers.currenttime.url).toBe(`${origin}/currenttime/mcp`);
    await user.click(screen.getByRole('tab', { name: 'Cursor' }));
    expect(JSON.parse(shownConfig('cursor')).mcpServers.currenttime.headers).toEqual({
      Authorization: 'Bearer ${env:MCPGW_TOKEN}',
    });
    await user.click(screen.getByText('SSE'));
    expect(JSON.parse(shownConfig('cursor')).mcpServers.currenttime.url).toBe(`${origin}/currenttime/sse`);
    await user.click(screen.getByRole('checkbox', { name: /pass-through/ }));
    expect(JSON.parse(shownConfig('cursor')).mcpServers.currenttime.headers).toHaveProperty('X-Authorization');
    expect(screen.getByRole('button', { name: 'Copy Cursor configuration' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'create a personal access token' })).toHaveAttribute('href', '/tokens');
  });

  it('starts with pass-through headers for a pass-through server', async () => {
    const server = makeServer({ egress: { type: 'passthrough', token_set: false, headers: [] } });
    renderWithProviders(<ConnectDialog server={server} onClose={() => {}} />);
    await screen.findByRole('dialog');
    expect(JSON.parse(shownConfig('vscode')).servers.currenttime.headers['X-Authorization']).toBe('Bearer ${input:mcpgw-token}');
  });
});
