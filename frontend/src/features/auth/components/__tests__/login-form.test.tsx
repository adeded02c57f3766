import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { apiError, deferred, json, mockFetch } from '@/testing/mock-fetch';
import { adminMe } from '@/testing/data';
import { renderWithProviders } from '@/testing/render';

import { LoginForm } from '../login-form';

async function signIn(username = 'admin', password = 'wrong-password') {
  const view = renderWithProviders(<LoginForm />, { route: '/login' });
  await view.user.type(screen.getByLabelText('Username'), username);
  await view.user.type(screen.getByLabelText('Password'), password);
  await view.user.click(screen.getByRole('button', { name: 'Sign in' }));
  return view;
}

describe('LoginForm', () => {
  it('labels its fields for password managers', () => {
    renderWithProviders(<LoginForm />);
    expect(screen.getByLabelText('Username')).toHaveAttribute('autocomplete', 'username');
    expect(screen.getByLabelText('Password')).toHaveAttribute('autocomplete', 'current-password');
    expect(screen.getByLabelText('Password')).toHaveAttribute('type', 'password');
  });

  it('posts the credentials as JSON', async () => {
    const api = mockFetch({ 'POST /api/auth/login': () => json(adminMe) });
    await signIn('admin', 'admin-password-1');
    const [request] = api.requestsTo('POST /api/auth/login');
    expect(request).toBeDefined();
    expect(await request?.json()).toEqual({ username: 'admin', password: 'admin-password-1' });
    expect(request?.headers.get('Content-Type')).toBe('application/json');
  });

  it('shows the invalid-credentials message', async () => {
    mockFetch({
      'POST /api/auth/login': () => apiError(401, 'invalid_credentials', 'invalid username or password'),
    });
    await signIn();
    expect(await screen.findByRole('alert')).toHaveTextContent('invalid username or password');
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeEnabled();
  });

  it('shows how long to wait when rate limited', async () => {
    mockFetch({
      'POST /api/auth/login': () =>
        apiError(429, 'too_many_requests', 'too many failed sign-ins', { headers: { 'Retry-After': '42' } }),
    });
    await signIn();
    expect(await screen.findByRole('alert')).toHaveTextContent('Too many attempts — try again in 42 seconds');
  });

  it('shows a field error next to its field', async () => {
    mockFetch({
      'POST /api/auth/login': () =>
        apiError(422, 'validation_failed', 'username: is too long', { field: 'username' }),
    });
    await signIn();
    const username = screen.getByLabelText('Username');
    expect(await screen.findByText('username: is too long')).toBeInTheDocument();
    expect(username).toHaveAttribute('aria-invalid', 'true');
    expect(username).toHaveAccessibleDescription('username: is too long');
    expect(screen.getByLabelText('Password')).not.toHaveAttribute('aria-invalid');
  });

  it('disables the submit button while signing in', async () => {
    const answer = deferred<Response>();
    mockFetch({ 'POST /api/auth/login': () => answer.promise });
    await signIn();
    expect(screen.getByRole('button', { name: 'Signing in…' })).toBeDisabled();
    answer.resolve(apiError(401, 'invalid_credentials', 'invalid username or password'));
    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeEnabled();
  });

  it('says when the server cannot be reached', async () => {
    mockFetch({
      'POST /api/auth/login': () => {
        throw new TypeError('Failed to fetch');
      },
    });
    await signIn();
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not reach the server');
  });
});
