import { describe, expect, it } from 'vitest';

import { loginPath, providerLoginHref, safeNextPath } from '../redirect';

describe('safeNextPath', () => {
  it.each([
    ['/servers', '/servers'],
    ['/servers/weather?tab=tools#top', '/servers/weather?tab=tools#top'],
    ['/', '/'],
  ])('keeps the same-origin path %s', (next, expected) => {
    expect(safeNextPath(next)).toBe(expected);
  });

  it.each([
    null,
    undefined,
    '',
    'servers',
    '//evil.com',
    '//evil.com/path',
    '/\\evil.com',
    '/\\/evil.com',
    'https://evil.com',
    'javascript:alert(1)',
    '/\t/evil.com',
    '/\n/evil.com',
    '/login',
    '/login?next=/login',
  ])('replaces %j with /', (next) => {
    expect(safeNextPath(next)).toBe('/');
  });
});

describe('loginPath', () => {
  it('encodes where to come back to', () => {
    expect(loginPath('/servers?q=a&b=c')).toBe('/login?next=%2Fservers%3Fq%3Da%26b%3Dc');
  });
});

describe('providerLoginHref', () => {
  it('asks the gateway to come back to next', () => {
    expect(providerLoginHref('/oauth2/login/okta', '/servers?q=a&b=c')).toBe(
      '/oauth2/login/okta?next=%2Fservers%3Fq%3Da%26b%3Dc',
    );
  });

  it('keeps a query the login URL already has', () => {
    expect(providerLoginHref('/oauth2/login/okta?prompt=login', '/')).toBe('/oauth2/login/okta?prompt=login&next=%2F');
  });
});
