import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { setCsrfToken } from '@/lib/api/csrf';
import type { components } from '@/lib/api/schema';
import { apiError, json, mockFetch } from '@/testing/mock-fetch';
import { chooseMenuItem, renderWithProviders } from '@/testing/render';

import { TokensPage } from '../tokens-page';

type AccessToken = components['schemas']['AccessToken'];
type ServiceAccount = components['schemas']['ServiceAccount'];

const laptop: AccessToken = {
  id: 1,
  name: 'laptop CLI',
  prefix: 'mcpgw_pat_Ab3d',
  user_id: 1,
  username: 'alice',
  created_at: '2026-11-01T10:00:00Z',
  expires_at: '2030-01-01T00:00:00Z',
};
const old: AccessToken = { ...laptop, id: 2, name: 'old one', revoked_at: '2026-11-20T10:00:00Z' };
const ci: ServiceAccount = {
  id: 7,
  name: 'ci-deployer',
  client_id: 'mcpgw-sa-123',
  description: 'Deploys',
  groups: ['mcp-server-weather'],
  disabled: false,
  created_at: '2026-11-01T10:00:00Z',
  created_by: 'admin',
  updated_at: '2026-11-01T10:00:00Z',
};

describe('TokensPage', () => {
  it('creates a token and shows it once, with a copy button', async () => {
    setCsrfToken('csrf-1');
    let created = false;
    const api = mockFetch({
      'GET /api/tokens': () => json({ items: created ? [laptop] : [] }),
      'POST /api/tokens': () => {
        created = true;
        return json({ token: 'mcpgw_pat_secret-value', access_token: laptop }, 201);
      },
    });
    const { user } = renderWithProviders(<TokensPage isAdmin={false} canCreateTokens />);
    expect(await screen.findByText('No tokens yet.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Create token' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create a personal access token' });
    await user.type(within(dialog).getByRole('textbox', { name: /^Name/ }), 'laptop CLI');
    await user.click(within(dialog).getByRole('button', { name: 'Create token' }));

    const reveal = await screen.findByRole('dialog', { name: 'Your new token' });
    expect(within(reveal).getByText('mcpgw_pat_secret-value')).toBeInTheDocument();
    // Shown once: a stray Escape does not throw it away.
    await user.keyboard('{Escape}');
    expect(screen.getByRole('dialog', { name: 'Your new token' })).toBeInTheDocument();
    expect(within(reveal).getByRole('button', { name: 'Copy token' })).toBeInTheDocument();
    expect(within(reveal).getByText(/shown only this once/)).toBeInTheDocument();
    const [post] = api.requestsTo('POST /api/tokens');
    expect(post!.headers.get('X-CSRF-Token')).toBe('csrf-1');
    expect(await post!.json()).toEqual({ name: 'laptop CLI', expires_in_days: 90 });

    await user.click(within(reveal).getByRole('button', { name: 'Done' }));
    expect(await screen.findByText('laptop CLI')).toBeInTheDocument();
    // Closed, the token is gone from the page for good.
    await waitFor(() => expect(screen.queryByText('mcpgw_pat_secret-value')).not.toBeInTheDocument());
  });

  it('revokes a token after asking, and offers no revoke for a revoked one', async () => {
    let revoked = false;
    const api = mockFetch({
      'GET /api/tokens': () => json({ items: [revoked ? { ...laptop, revoked_at: '2026-12-01T00:00:00Z' } : laptop, old] }),
      'DELETE /api/tokens/1': () => {
        revoked = true;
        return new Response(null, { status: 204 });
      },
    });
    const { user } = renderWithProviders(<TokensPage isAdmin={false} canCreateTokens />);
    const row = (await screen.findByText('old one')).closest('tr')!;
    expect(within(row).getByText('Revoked')).toBeInTheDocument();
    expect(within(row).queryByRole('button', { name: /Revoke/ })).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Revoke laptop CLI' }));
    const dialog = await screen.findByRole('dialog', { name: 'Revoke laptop CLI?' });
    await user.click(within(dialog).getByRole('button', { name: 'Revoke token' }));
    await waitFor(() => expect(api.requestsTo('DELETE /api/tokens/1')).toHaveLength(1));
    await waitFor(() => expect(within(screen.getByText('laptop CLI').closest('tr')!).getByText('Revoked')).toBeInTheDocument());
  });

  it('explains why a token session cannot create tokens', async () => {
    mockFetch({ 'GET /api/tokens': () => json({ items: [] }) });
    renderWithProviders(<TokensPage isAdmin={false} canCreateTokens={false} />);
    expect(await screen.findByText(/only from a browser session/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Create token' })).not.toBeInTheDocument();
    expect(screen.queryByRole('tab', { name: 'Service accounts' })).not.toBeInTheDocument();
  });

  it('lets an administrator create a service account and rotate its secret', async () => {
    const api = mockFetch({
      'GET /api/tokens': () => json({ items: [] }),
      'GET /api/service-accounts': () => json({ items: [ci] }),
      'POST /api/service-accounts': () =>
        json({ client_id: 'mcpgw-sa-999', client_secret: 'first-secret', service_account: { ...ci, id: 9, name: 'bot' } }, 201),
      'POST /api/service-accounts/7/secret': () => json({ client_id: ci.client_id, client_secret: 'second-secret', service_account: ci }),
    });
    const { user } = renderWithProviders(<TokensPage isAdmin canCreateTokens />, { route: '/tokens?tab=service-accounts' });
    expect(await screen.findByText('ci-deployer')).toBeInTheDocument();
    expect(screen.getByText('mcp-server-weather')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Create service account' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create a service account' });
    await user.type(within(dialog).getByRole('textbox', { name: /^Name/ }), 'bot');
    await user.type(within(dialog).getByLabelText(/^Groups/), 'mcp-user{Enter}');
    await user.click(within(dialog).getByRole('button', { name: 'Create account' }));
    const ready = await screen.findByRole('dialog', { name: 'bot is ready' });
    expect(within(ready).getByText('first-secret')).toBeInTheDocument();
    expect(within(ready).getByText('mcpgw-sa-999')).toBeInTheDocument();
    expect(await api.requestsTo('POST /api/service-accounts')[0]!.json()).toEqual({ name: 'bot', description: '', groups: ['mcp-user'] });
    await user.click(within(ready).getByRole('button', { name: 'Done' }));

    await chooseMenuItem(user, 'Actions for ci-deployer', 'Rotate secret…');
    const confirm = await screen.findByRole('dialog', { name: 'Rotate the client secret of ci-deployer?' });
    await user.click(within(confirm).getByRole('button', { name: 'Rotate secret' }));
    expect(await screen.findByText('second-secret')).toBeInTheDocument();
  });

  it('shows an error when the list cannot be loaded', async () => {
    mockFetch({ 'GET /api/tokens': () => apiError(503, 'unavailable', 'The database is unavailable.') });
    renderWithProviders(<TokensPage isAdmin={false} canCreateTokens />);
    expect(await screen.findByText('The database is unavailable.')).toBeInTheDocument();
  });
});
