import { describe, expect, it } from 'vitest';

import { json, mockFetch } from '@/testing/mock-fetch';

import { api, unwrap } from '../client';
import { setCsrfToken } from '../csrf';
import { ApiError, parseRetryAfter, toApiError } from '../errors';

describe('api client', () => {
  it('adds X-CSRF-Token to writes only', async () => {
    const mock = mockFetch({
      'GET /api/auth/me': () => json({ username: 'a', groups: [], auth_method: 'local', is_admin: false }),
      'POST /api/auth/logout': () => new Response(null, { status: 204 }),
    });
    setCsrfToken('token-1');
    await unwrap(api.GET('/api/auth/me'));
    await unwrap(api.POST('/api/auth/logout'));
    expect(mock.requestsTo('GET /api/auth/me')[0]?.headers.get('X-CSRF-Token')).toBeNull();
    expect(mock.requestsTo('POST /api/auth/logout')[0]?.headers.get('X-CSRF-Token')).toBe('token-1');
    expect(mock.requestsTo('POST /api/auth/logout')[0]?.credentials).toBe('same-origin');
  });

  it('sends no X-CSRF-Token before one is known', async () => {
    const mock = mockFetch({ 'POST /api/auth/logout': () => new Response(null, { status: 204 }) });
    await unwrap(api.POST('/api/auth/logout'));
    expect(mock.requests[0]?.headers.has('X-CSRF-Token')).toBe(false);
  });

  it('throws an ApiError with the body and Retry-After', async () => {
    mockFetch({
      'POST /api/auth/login': () =>
        json({ error: { code: 'too_many_requests', message: 'slow down' } }, 429, { 'Retry-After': '7' }),
    });
    const error = await unwrap(api.POST('/api/auth/login', { body: { username: 'a', password: 'b' } })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 429, code: 'too_many_requests', message: 'slow down', retryAfter: 7 });
  });
});

describe('toApiError', () => {
  it('reads the field at fault', () => {
    const error = toApiError(new Response(null, { status: 422 }), {
      error: { code: 'validation_failed', message: 'password: is required', field: 'password' },
    });
    expect(error).toMatchObject({ status: 422, code: 'validation_failed', field: 'password' });
  });

  it('copes with a body that is not the error shape', () => {
    const error = toApiError(new Response(null, { status: 502, statusText: 'Bad Gateway' }), '<html>');
    expect(error).toMatchObject({ status: 502, code: 'unknown', message: 'The server answered 502 Bad Gateway.' });
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(parseRetryAfter('30', now)).toBe(30);
    expect(parseRetryAfter('Tue, 01 Jan 2030 00:01:00 GMT', now)).toBe(60);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
