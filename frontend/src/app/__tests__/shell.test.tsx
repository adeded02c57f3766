import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { adminMe, userMe } from '@/testing/data';
import { apiError, json, mockFetch } from '@/testing/mock-fetch';
import { currentLocation, renderWithProviders } from '@/testing/render';

import { AppRoutes } from '../router';

/** The home page's list, empty. */
const noServers = { 'GET /api/servers': () => json({ items: [] }) };

describe('signed-in shell', () => {
  it('sends a signed-out visitor to sign in, remembering the page', async () => {
    mockFetch({
      'GET /api/auth/me': () => apiError(401, 'unauthorized', 'not signed in'),
      'GET /api/auth/providers': () => json({ providers: [] }),
    });
    renderWithProviders(<AppRoutes />, { route: '/servers?tab=tools' });
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(currentLocation()).toBe('/login?next=%2Fservers%3Ftab%3Dtools');
  });

  it('shows the product, who is signed in and the Admin badge', async () => {
    mockFetch({ 'GET /api/auth/me': () => json(adminMe), ...noServers });
    renderWithProviders(<AppRoutes />, { route: '/' });
    const header = await screen.findByRole('banner');
    expect(within(header).getByRole('link', { name: 'MCP Gateway Registry' })).toHaveAttribute('href', '/');
    expect(await within(header).findByText('Signed in as admin')).toBeInTheDocument();
    expect(within(header).getByText('Admin')).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'MCP servers' })).toBeInTheDocument();
    expect(screen.getByText('Connecting…')).toBeInTheDocument();
  });

  it('shows no Admin badge to other users', async () => {
    mockFetch({ 'GET /api/auth/me': () => json(userMe), ...noServers });
    renderWithProviders(<AppRoutes />, { route: '/' });
    expect(await screen.findByText('Signed in as alice')).toBeInTheDocument();
    expect(screen.queryByText('Admin')).not.toBeInTheDocument();
  });

  it('links administrators to the admin pages, and nobody else', async () => {
    mockFetch({ 'GET /api/auth/me': () => json(adminMe), ...noServers });
    const { unmount } = renderWithProviders(<AppRoutes />, { route: '/' });
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Servers' })).toHaveAttribute('aria-current', 'page');
    expect(within(nav).getByRole('link', { name: 'Tokens' })).toHaveAttribute('href', '/tokens');
    expect(within(nav).getByRole('link', { name: 'Audit log' })).toHaveAttribute('href', '/audit');
    unmount();

    mockFetch({ 'GET /api/auth/me': () => json(userMe), 'GET /api/audit': () => json({ items: [] }) });
    renderWithProviders(<AppRoutes />, { route: '/audit' });
    expect(await screen.findByText('Administrators only')).toBeInTheDocument();
    const userNav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(userNav).queryByRole('link', { name: 'Audit log' })).not.toBeInTheDocument();
    expect(within(userNav).getByRole('link', { name: 'Tokens' })).toBeInTheDocument();
  });

  it('shows unknown paths as not found, inside the shell', async () => {
    mockFetch({ 'GET /api/auth/me': () => json(adminMe), ...noServers });
    renderWithProviders(<AppRoutes />, { route: '/no/such/page' });
    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeInTheDocument();
    expect(screen.getByText('Signed in as admin')).toBeInTheDocument();
  });

  it('offers to try again when the gateway is unavailable', async () => {
    mockFetch({ 'GET /api/auth/me': () => apiError(503, 'unavailable', 'session store unavailable') });
    renderWithProviders(<AppRoutes />, { route: '/' });
    expect(await screen.findByRole('alert')).toHaveTextContent('session store unavailable');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });

  it('signs out with the CSRF token and returns to sign-in', async () => {
    const api = mockFetch({
      'GET /api/auth/me': () => json(adminMe),
      ...noServers,
      'POST /api/auth/logout': () => new Response(null, { status: 204 }),
      'GET /api/auth/providers': () => json({ providers: [] }),
    });
    const { user } = renderWithProviders(<AppRoutes />, { route: '/' });
    await user.click(await screen.findByRole('button', { name: 'Sign out' }));

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(currentLocation()).toBe('/login');
    const [logout] = api.requestsTo('POST /api/auth/logout');
    expect(logout?.headers.get('X-CSRF-Token')).toBe(adminMe.csrf_token);
    expect(screen.queryByText('Signed in as admin')).not.toBeInTheDocument();
  });

  it('keeps the user signed in when sign-out is refused', async () => {
    mockFetch({
      'GET /api/auth/me': () => json(adminMe),
      ...noServers,
      'POST /api/auth/logout': () => apiError(403, 'csrf_failed', 'missing or invalid X-CSRF-Token header'),
    });
    const { user } = renderWithProviders(<AppRoutes />, { route: '/' });
    await user.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('missing or invalid X-CSRF-Token header');
    expect(currentLocation()).toBe('/');
  });
});
