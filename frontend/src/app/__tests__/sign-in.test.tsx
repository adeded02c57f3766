import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { adminMe } from '@/testing/data';
import { apiError, json, mockFetch } from '@/testing/mock-fetch';
import { currentLocation, renderWithProviders } from '@/testing/render';

import { AppRoutes } from '../router';

/** Not signed in at first; the right password signs in as admin. */
function mockSignedOutGateway() {
  return mockFetch({
    'GET /api/auth/me': () => apiError(401, 'unauthorized', 'not signed in'),
    'POST /api/auth/login': () => json(adminMe),
  });
}

async function signInAt(route: string) {
  const view = renderWithProviders(<AppRoutes />, { route });
  await view.user.type(await screen.findByLabelText('Username'), 'admin');
  await view.user.type(screen.getByLabelText('Password'), 'admin-password-1');
  await view.user.click(screen.getByRole('button', { name: 'Sign in' }));
  return view;
}

describe('sign-in page', () => {
  it('goes on to `next` after signing in', async () => {
    mockSignedOutGateway();
    await signInAt('/login?next=%2Fservers%3Fq%3Dweather');
    expect(await screen.findByText('Signed in as admin')).toBeInTheDocument();
    expect(currentLocation()).toBe('/servers?q=weather');
  });

  it('goes to the dashboard when there is no `next`', async () => {
    mockSignedOutGateway();
    await signInAt('/login');
    expect(await screen.findByText('Servers will appear here')).toBeInTheDocument();
    expect(currentLocation()).toBe('/');
  });

  it.each(['//evil.com', 'https://evil.com', '/\\evil', '/\\evil.com/x'])(
    'ignores the unsafe next value %j and lands on /',
    async (next) => {
      mockSignedOutGateway();
      await signInAt(`/login?${new URLSearchParams({ next }).toString()}`);
      expect(await screen.findByText('Servers will appear here')).toBeInTheDocument();
      expect(currentLocation()).toBe('/');
    },
  );

  it('sends a signed-in user straight to the dashboard', async () => {
    mockFetch({ 'GET /api/auth/me': () => json(adminMe) });
    renderWithProviders(<AppRoutes />, { route: '/login' });
    expect(await screen.findByText('Servers will appear here')).toBeInTheDocument();
    expect(currentLocation()).toBe('/');
    expect(screen.queryByLabelText('Password')).not.toBeInTheDocument();
  });
});
