import { screen, waitForElementToBeRemoved } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { providers } from '@/testing/data';
import { apiError, deferred, json, mockFetch } from '@/testing/mock-fetch';
import { renderWithProviders } from '@/testing/render';

import { ProviderSignIn } from '../provider-sign-in';

describe('ProviderSignIn', () => {
  it('links to each provider, asking to come back to next', async () => {
    mockFetch({ 'GET /api/auth/providers': () => json({ providers }) });
    renderWithProviders(<ProviderSignIn next="/servers?q=weather" />, { route: '/login' });

    const okta = await screen.findByRole('link', { name: 'Sign in with Okta' });
    expect(okta).toHaveAttribute('href', '/oauth2/login/okta?next=%2Fservers%3Fq%3Dweather');
    expect(screen.getByRole('link', { name: 'Sign in with Microsoft Entra ID' })).toHaveAttribute(
      'href',
      '/oauth2/login/entra?next=%2Fservers%3Fq%3Dweather',
    );
    expect(screen.getAllByRole('link')).toHaveLength(2);
    // Links, not buttons: a click is a full page navigation, not a request.
    expect(screen.queryByRole('button')).not.toBeInTheDocument();
    expect(screen.getByText('or')).toBeInTheDocument();
  });

  it('shows neither buttons nor the separator without providers', async () => {
    const api = mockFetch({ 'GET /api/auth/providers': () => json({ providers: [] }) });
    const { container } = renderWithProviders(<ProviderSignIn next="/" />);
    await waitForElementToBeRemoved(() => screen.queryByText('Loading sign-in options…'));
    expect(api.requestsTo('GET /api/auth/providers')).toHaveLength(1);
    expect(screen.queryByRole('link')).not.toBeInTheDocument();
    expect(screen.queryByText('or')).not.toBeInTheDocument();
    expect(container.querySelector('.sign-in__separator')).toBeNull();
  });

  it('shows a spinner while the providers load', async () => {
    const answer = deferred<Response>();
    mockFetch({ 'GET /api/auth/providers': () => answer.promise });
    renderWithProviders(<ProviderSignIn next="/" />);
    expect(screen.getByRole('status')).toHaveTextContent('Loading sign-in options…');
    answer.resolve(json({ providers }));
    expect(await screen.findByRole('link', { name: 'Sign in with Okta' })).toBeInTheDocument();
    expect(screen.queryByText('Loading sign-in options…')).not.toBeInTheDocument();
  });

  it('says the providers could not be loaded, without an alert', async () => {
    mockFetch({ 'GET /api/auth/providers': () => apiError(500, 'internal', 'internal error') });
    renderWithProviders(<ProviderSignIn next="/" />);
    expect(await screen.findByText(/Single sign-on options could not be loaded/)).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(screen.queryByRole('link')).not.toBeInTheDocument();
    expect(screen.queryByText('or')).not.toBeInTheDocument();
  });
});
