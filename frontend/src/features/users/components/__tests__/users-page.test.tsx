import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import type { components } from '@/lib/api/schema';
import { apiError, json, mockFetch } from '@/testing/mock-fetch';
import { chooseMenuItem, renderWithProviders } from '@/testing/render';

import { UsersPage } from '../users-page';

type User = components['schemas']['User'];

function user(id: number, username: string, overrides: Partial<User> = {}): User {
  return {
    id,
    username,
    display_name: '',
    email: '',
    auth_source: 'local',
    groups: [],
    is_admin: false,
    disabled: false,
    created_at: '2026-11-01T00:00:00Z',
    updated_at: '2026-11-01T00:00:00Z',
    ...overrides,
  };
}

const admin = user(1, 'admin', { groups: ['mcp-admin'], is_admin: true });
const alice = user(2, 'alice', { display_name: 'Alice Example', groups: ['developers'] });
const dana = user(3, 'dana', { auth_source: 'corp', groups: ['mcp-user'], email: 'dana@example.com' });

function routes(extra: Record<string, (r: Request) => Response | Promise<Response>> = {}) {
  return mockFetch({
    'GET /api/users': () => json({ items: [dana, alice, admin] }),
    'GET /api/groups': () => json({ items: [{ name: 'developers', description: '', source: 'local', members: 1 }] }),
    ...extra,
  });
}

describe('UsersPage', () => {
  it('lists users with source, groups and status, filtered from the URL', async () => {
    routes();
    renderWithProviders(<UsersPage currentUsername="admin" />, { route: '/users?source=idp' });
    const table = await screen.findByRole('table', { name: 'Users' });
    expect(within(table).getByText('dana')).toBeInTheDocument();
    expect(within(table).getByText('corp')).toBeInTheDocument();
    expect(within(table).queryByText('alice')).not.toBeInTheDocument();
  });

  it('creates a local user, checking the password first', { timeout: 20_000 }, async () => {
    const api = routes({ 'POST /api/users': () => json(user(4, 'bob'), 201) });
    const { user: u } = renderWithProviders(<UsersPage currentUsername="admin" />);
    await screen.findByRole('table', { name: 'Users' });
    await u.click(screen.getByRole('button', { name: 'Create user' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create a local user' });
    await u.type(within(dialog).getByRole('textbox', { name: /^Username/ }), 'bob');
    await u.type(within(dialog).getByLabelText(/^Password \*/), 'long enough pw');
    await u.type(within(dialog).getByLabelText(/^Password again/), 'different pw');
    await u.click(within(dialog).getByRole('button', { name: 'Create user' }));
    expect(await within(dialog).findByText('The two passwords differ.')).toBeInTheDocument();
    expect(api.requestsTo('POST /api/users')).toHaveLength(0);

    await u.clear(within(dialog).getByLabelText(/^Password again/));
    await u.type(within(dialog).getByLabelText(/^Password again/), 'long enough pw');
    await u.type(within(dialog).getByLabelText(/^Groups/), 'mcp-user{Enter}');
    await u.click(within(dialog).getByRole('button', { name: 'Create user' }));
    await waitFor(() => expect(api.requestsTo('POST /api/users')).toHaveLength(1));
    expect(await api.requestsTo('POST /api/users')[0]!.json()).toEqual({
      username: 'bob',
      display_name: '',
      email: '',
      password: 'long enough pw',
      groups: ['mcp-user'],
    });
  });

  it('edits groups, warning that sessions end, and sends only the change', async () => {
    const api = routes({ 'PATCH /api/users/2': () => json({ ...alice, groups: ['developers', 'mcp-user'] }) });
    const { user: u } = renderWithProviders(<UsersPage currentUsername="admin" />);
    await chooseMenuItem(u, 'Actions for alice', 'Edit…');
    const dialog = await screen.findByRole('dialog', { name: 'Edit alice' });
    await u.type(within(dialog).getByLabelText(/^Groups/), 'mcp-user{Enter}');
    expect(within(dialog).getByText(/ends all of alice's sessions/)).toBeInTheDocument();
    await u.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(api.requestsTo('PATCH /api/users/2')).toHaveLength(1));
    expect(await api.requestsTo('PATCH /api/users/2')[0]!.json()).toEqual({ groups: ['developers', 'mcp-user'] });
  });

  it('shows sessions and ends one', async () => {
    let live = ['s1', 's2'];
    const session = (id: string) => ({
      id,
      auth_method: 'local',
      created_at: '2026-12-01T08:00:00Z',
      last_seen_at: '2026-12-01T09:00:00Z',
      expires_at: '2026-12-01T20:00:00Z',
      client_ip: '10.0.0.1',
      user_agent: 'Firefox',
      current: false,
    });
    const api = routes({
      'GET /api/users/2/sessions': () => json({ items: live.map(session) }),
      'DELETE /api/users/2/sessions/s1': () => {
        live = ['s2'];
        return new Response(null, { status: 204 });
      },
    });
    const { user: u } = renderWithProviders(<UsersPage currentUsername="admin" />);
    await chooseMenuItem(u, 'Actions for alice', 'Sessions…');
    const dialog = await screen.findByRole('dialog', { name: 'Sessions of alice' });
    await within(dialog).findAllByText('10.0.0.1');
    const row = dialog.querySelector<HTMLElement>('[data-session="s1"]')!;
    await u.click(within(row).getByRole('button', { name: /^End the session signed in .* from 10\.0\.0\.1$/ }));
    await waitFor(() => expect(dialog.querySelector('[data-session="s1"]')).toBeNull());
    expect(api.requestsTo('DELETE /api/users/2/sessions/s1')).toHaveLength(1);
    expect(within(dialog).getByRole('button', { name: 'End every session' })).toBeInTheDocument();
  });

  it('does not offer to disable or delete yourself', async () => {
    routes();
    const { user: u } = renderWithProviders(<UsersPage currentUsername="admin" />);
    await u.click(await screen.findByRole('button', { name: 'Actions for admin' }));
    expect(await screen.findByRole('menuitem', { name: 'Delete…' })).toBeDisabled();
    expect((await screen.findByText('Disable')).closest('button')).toBeDisabled();
  });

  it('explains a refusal', async () => {
    routes({ 'PATCH /api/users/2': () => apiError(409, 'conflict', 'the last administrator cannot be disabled') });
    const { user: u } = renderWithProviders(<UsersPage currentUsername="admin" />);
    await u.click(await screen.findByRole('button', { name: 'Actions for alice' }));
    await u.click(await screen.findByText('Disable'));
    const dialog = await screen.findByRole('dialog', { name: 'Disable alice?' });
    await u.click(within(dialog).getByRole('button', { name: 'Disable user' }));
    expect(await within(dialog).findByText('the last administrator cannot be disabled')).toBeInTheDocument();
  });
});
