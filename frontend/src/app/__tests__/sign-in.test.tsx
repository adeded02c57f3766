import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { adminMe, providers } from '@/testing/data';
import { apiError, json, mockFetch } from '@/testing/mock-fetch';
import { currentLocation, renderWithProviders } from '@/testing/render';

import { AppRoutes } from '../router';

type ProvidersAnswer = () => Response;

/**
 * Not signed in at first; the right password signs in as admin. The
 * providers answer defaults to none configured.
 */
function mockSignedOutGateway(providersAnswer: ProvidersAnswer = () => json({ providers: [] })) {
  return mockFetch({
    'GET /api/auth/me': () => apiError(401, 'unauthorized', 'not signed in'),
    'GET /api/auth/providers': providersAnswer,
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
    expect(await screen.findByRole('heading', { name: 'MCP servers' })).toBeInTheDocument();
    expect(currentLocation()).toBe('/');
  });

  it.each(['//evil.com', 'https://evil.com', '/\\evil', '/\\evil.com/x'])(
    'ignores the unsafe next value %j and lands on /',
    async (next) => {
      mockSignedOutGateway();
      await signInAt(`/login?${new URLSearchParams({ next }).toString()}`);
      expect(await screen.findByRole('heading', { name: 'MCP servers' })).toBeInTheDocument();
      expect(currentLocation()).toBe('/');
    },
  );

  it('sends a signed-in user straight to the dashboard', async () => {
    mockFetch({
      'GET /api/auth/me': () => json(adminMe),
      'GET /api/auth/providers': () => json({ providers }),
    });
    renderWithProviders(<AppRoutes />, { route: '/login' });
    expect(await screen.findByRole('heading', { name: 'MCP servers' })).toBeInTheDocument();
    expect(currentLocation()).toBe('/');
    expect(screen.queryByLabelText('Password')).not.toBeInTheDocument();
  });
});

describe('sign-in with an identity provider', () => {
  it('offers one button per provider that comes back to `next`', async () => {
    mockSignedOutGateway(() => json({ providers }));
    renderWithProviders(<AppRoutes />, { route: '/login?next=%2Fservers%3Fq%3Dweather' });

    const okta = await screen.findByRole('link', { name: 'Sign in with Okta' });
    expect(okta).toHaveAttribute('href', '/oauth2/login/okta?next=%2Fservers%3Fq%3Dweather');
    expect(screen.getByRole('link', { name: 'Sign in with Microsoft Entra ID' })).toHaveAttribute(
      'href',
      '/oauth2/login/entra?next=%2Fservers%3Fq%3Dweather',
    );
    // The password form is there too, after an "or".
    expect(screen.getByText('or')).toBeInTheDocument();
    expect(screen.getByLabelText('Username')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeInTheDocument();
  });

  it('sends an unsafe `next` to the provider as /', async () => {
    mockSignedOutGateway(() => json({ providers }));
    renderWithProviders(<AppRoutes />, { route: `/login?${new URLSearchParams({ next: '//evil.com' }).toString()}` });
    expect(await screen.findByRole('link', { name: 'Sign in with Okta' })).toHaveAttribute(
      'href',
      '/oauth2/login/okta?next=%2F',
    );
  });

  it('shows only the password form when no provider is configured', async () => {
    const api = mockSignedOutGateway(() => json({ providers: [] }));
    renderWithProviders(<AppRoutes />, { route: '/login' });
    expect(await screen.findByLabelText('Username')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByText('Loading sign-in options…')).not.toBeInTheDocument());
    expect(api.requestsTo('GET /api/auth/providers')).toHaveLength(1);
    expect(screen.queryByRole('link', { name: /^Sign in with/ })).not.toBeInTheDocument();
    expect(screen.queryByText('or')).not.toBeInTheDocument();
  });

  it.each([
    ['a server error', () => apiError(500, 'internal', 'internal error')],
    [
      'an unreachable server',
      () => {
        throw new TypeError('Failed to fetch');
      },
    ],
  ])('still signs in with a password when the providers fail with %s', async (_, answer: ProvidersAnswer) => {
    mockSignedOutGateway(answer);
    const { user } = renderWithProviders(<AppRoutes />, { route: '/login?next=%2Fservers' });
    expect(await screen.findByText(/Single sign-on options could not be loaded/)).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();

    await user.type(screen.getByLabelText('Username'), 'admin');
    await user.type(screen.getByLabelText('Password'), 'admin-password-1');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Signed in as admin')).toBeInTheDocument();
    expect(currentLocation()).toBe('/servers');
  });

  it.each([
    ['state', 'The sign-in expired or was started in another browser or tab, so it could not be finished.'],
    ['idp_error', 'The identity provider did not sign you in'],
    ['token_exchange', 'The gateway could not complete the sign-in with the identity provider.'],
    ['invalid_token', 'The identity provider’s answer could not be verified, so you were not signed in.'],
    [
      'groups_overage',
      'Your account is in too many groups for the identity provider to list them all, so the gateway cannot tell ' +
        'what you may access. An administrator must configure app roles or group filtering for this application ' +
        'in the identity provider.',
    ],
    ['account_disabled', 'Your account has been disabled.'],
    ['unavailable', 'The identity provider could not be reached.'],
    ['unknown_provider', 'That sign-in option is not available.'],
    ['no_such_reason', 'Signing in did not work. Please try again, or contact an administrator.'],
  ])('explains ?error=%s', async (reason, message) => {
    mockSignedOutGateway(() => json({ providers }));
    renderWithProviders(<AppRoutes />, { route: `/login?error=${reason}` });
    expect(await screen.findByRole('alert')).toHaveTextContent(message);
    // Trying again is right there.
    expect(await screen.findByRole('link', { name: 'Sign in with Okta' })).toBeInTheDocument();
    expect(screen.getByLabelText('Username')).toBeInTheDocument();
  });

  it('shows no alert without ?error', async () => {
    mockSignedOutGateway(() => json({ providers }));
    renderWithProviders(<AppRoutes />, { route: '/login' });
    await screen.findByRole('link', { name: 'Sign in with Okta' });
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});
