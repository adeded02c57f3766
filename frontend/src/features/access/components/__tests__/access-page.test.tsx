import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import type { components } from '@/lib/api/schema';
import { apiError, json, mockFetch } from '@/testing/mock-fetch';
import { renderWithProviders } from '@/testing/render';

import { AccessPage } from '../access-page';

type Scope = components['schemas']['Scope'];

const builtin: Scope = { name: 'mcp:registry:read', description: 'Read every server', builtin: true, rules: [{ server: '*', permissions: ['read'] }] };
const weather: Scope = {
  name: 'weather-users',
  description: '',
  builtin: false,
  rules: [{ server: 'weather', permissions: ['read', 'execute'], methods: ['tools/list', 'tools/call'], tools: ['get_forecast'] }],
};

function routes(extra: Record<string, (r: Request) => Response | Promise<Response>> = {}) {
  return mockFetch({
    'GET /api/scopes': () => json({ items: [builtin, weather] }),
    'GET /api/servers': () => json({ items: [] }),
    'GET /api/mappings': () => json({ items: [{ group: 'developers', scopes: ['weather-users', 'gone'] }] }),
    'GET /api/groups': () => json({ items: [{ name: 'developers', description: '', source: 'local', members: 2 }] }),
    'GET /api/users': () => json({ items: [] }),
    ...extra,
  });
}

describe('AccessPage', () => {
  it('lists scopes with their rules; a built-in one is read-only', async () => {
    routes();
    const { user } = renderWithProviders(<AccessPage />, { route: '/access' });
    const row = (await screen.findByText('weather-users')).closest('tr')!;
    expect(within(row).getByText('weather')).toBeInTheDocument();
    expect(within(row).getByText(/tools get_forecast/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'View mcp:registry:read' }));
    const dialog = await screen.findByRole('dialog', { name: 'mcp:registry:read' });
    expect(within(dialog).getByText(/built-in scope: it cannot be changed/)).toBeInTheDocument();
    expect(within(dialog).queryByRole('button', { name: 'Save scope' })).not.toBeInTheDocument();
  });

  it('creates a scope from its rules table, checking each row first', { timeout: 20_000 }, async () => {
    const api = routes({ 'PUT /api/scopes/ops': async (r) => json({ ...weather, name: 'ops', rules: (await r.json()).rules }) });
    const { user } = renderWithProviders(<AccessPage />, { route: '/access' });
    await user.click(await screen.findByRole('button', { name: 'New scope' }));
    const dialog = await screen.findByRole('dialog', { name: 'New scope' });
    await user.click(within(dialog).getByRole('button', { name: 'Save scope' }));
    expect(await within(dialog).findByText(/Give the scope a name/)).toBeInTheDocument();
    expect(within(dialog).getByText(/Name a server/)).toBeInTheDocument();
    expect(api.requestsTo('PUT /api/scopes/ops')).toHaveLength(0);

    await user.type(within(dialog).getByRole('textbox', { name: /^Name/ }), 'ops');
    await user.type(within(dialog).getByLabelText('Rule 1 server'), 'weather');
    await user.click(within(dialog).getByRole('checkbox', { name: 'toggle' }));
    const tools = within(dialog).getByLabelText('Rule 1 tools');
    await user.type(tools, '{Backspace}get_forecast{Enter}');
    await user.click(within(dialog).getByRole('button', { name: 'Save scope' }));
    await waitFor(() => expect(api.requestsTo('PUT /api/scopes/ops')).toHaveLength(1));
    expect(await api.requestsTo('PUT /api/scopes/ops')[0]!.json()).toEqual({
      description: '',
      rules: [{ server: 'weather', permissions: ['read', 'execute', 'toggle'], methods: ['*'], tools: ['get_forecast'] }],
    });
  });

  it('maps a group to scopes, and flags a scope that is not defined', async () => {
    const api = routes({ 'PUT /api/mappings/ops-team': () => new Response(null, { status: 204 }) });
    const { user } = renderWithProviders(<AccessPage />, { route: '/access?tab=mappings' });
    const row = (await screen.findByText('developers')).closest('tr')!;
    expect(within(row).getByTitle('Not defined: grants nothing')).toHaveTextContent('gone');
    await user.click(screen.getByRole('button', { name: 'Map a group' }));
    const dialog = await screen.findByRole('dialog', { name: 'Map a group to scopes' });
    await user.type(within(dialog).getByRole('textbox', { name: /^Group/ }), 'ops-team');
    await user.type(within(dialog).getByLabelText(/^Scopes/), 'weather{ArrowDown}{Enter}');
    await user.click(within(dialog).getByRole('button', { name: 'Save mapping' }));
    await waitFor(() => expect(api.requestsTo('PUT /api/mappings/ops-team')).toHaveLength(1));
    expect(await api.requestsTo('PUT /api/mappings/ops-team')[0]!.json()).toEqual({ scopes: ['weather-users'] });
  });

  it('shows what a user may do, and why', async () => {
    routes({
      'GET /api/access/effective': (r) => {
        expect(new URL(r.url).searchParams.get('user')).toBe('alice');
        return json({
          subject: { kind: 'user', name: 'alice' },
          groups: ['mcp-server-weather'],
          is_admin: false,
          disabled: true,
          scopes: [{ name: 'mcp:server:weather:read', group: 'mcp-server-weather', source: 'convention' }],
          servers: [
            {
              id: 'w',
              path: 'weather',
              display_name: 'Weather',
              permissions: ['read', 'execute'],
              methods: ['*'],
              tools: ['get_forecast'],
              granted_by: ['mcp:server:weather:read'],
            },
          ],
        });
      },
    });
    renderWithProviders(<AccessPage />, { route: '/access?tab=effective&user=alice' });
    const table = await screen.findByRole('table', { name: 'Effective permissions' });
    const row = table.querySelector<HTMLElement>('tr[data-server="weather"]')!;
    expect(within(row).getByText('execute')).toBeInTheDocument();
    expect(within(row).getByText('all')).toBeInTheDocument();
    expect(within(row).getByText('get_forecast')).toBeInTheDocument();
    expect(screen.getByText(/convention of mcp-server-weather/)).toBeInTheDocument();
    expect(screen.getByText('alice is disabled')).toBeInTheDocument();
  });

  it('imports scopes.yml as YAML, all or nothing', async () => {
    let attempt = 0;
    const api = routes({
      'POST /api/scopes.yml': () =>
        attempt++ === 0
          ? apiError(422, 'invalid', 'line 3: group_mappings must be a map')
          : json({ scopes: 2, mappings: 1, replaced: true }),
    });
    const { user } = renderWithProviders(<AccessPage />, { route: '/access?tab=import' });
    await user.type(await screen.findByRole('textbox', { name: 'scopes.yml' }), 'group_mappings: x');
    await user.click(screen.getByRole('button', { name: 'Import' }));
    expect(await screen.findByText('line 3: group_mappings must be a map')).toBeInTheDocument();
    await user.click(screen.getByRole('checkbox', { name: /Replace/ }));
    await user.click(screen.getByRole('button', { name: 'Replace everything with this file' }));
    // Asked first: it removes everything defined before.
    expect(api.requestsTo('POST /api/scopes.yml')).toHaveLength(1);
    await user.click(within(await screen.findByRole('dialog', { name: 'Replace every scope and mapping?' })).getByRole('button', { name: 'Replace everything' }));
    expect(await screen.findByText(/2 scopes and 1 mappings, replacing everything/)).toBeInTheDocument();
    const [, second] = api.requestsTo('POST /api/scopes.yml');
    expect(new URL(second!.url).searchParams.get('replace')).toBe('true');
    expect(second!.headers.get('Content-Type')).toBe('application/yaml');
    expect(await second!.text()).toBe('group_mappings: x');
    expect(screen.getByRole('link', { name: 'Download scopes.yml' })).toHaveAttribute('href', '/api/scopes.yml');
  });
});
