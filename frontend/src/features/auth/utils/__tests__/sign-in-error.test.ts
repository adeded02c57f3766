import { describe, expect, it } from 'vitest';

import { GENERIC_SIGN_IN_ERROR, signInErrorMessage } from '../sign-in-error';

describe('signInErrorMessage', () => {
  it.each([
    ['state', /expired or was started in another browser or tab/],
    ['idp_error', /identity provider did not sign you in/],
    ['token_exchange', /could not complete the sign-in with the identity provider/],
    ['invalid_token', /could not be verified/],
    ['groups_overage', /too many groups for the identity provider to list.*administrator must configure app roles or group filtering/],
    ['account_disabled', /account has been disabled/],
    ['unavailable', /identity provider could not be reached/],
    ['unknown_provider', /sign-in option is not available/],
  ])('explains %s', (reason, message) => {
    expect(signInErrorMessage(reason)).toMatch(message);
    expect(signInErrorMessage(reason)).not.toBe(GENERIC_SIGN_IN_ERROR);
  });

  it.each(['', 'something_new', 'constructor', '__proto__', 'toString'])(
    'gives the generic message for the unknown reason %j',
    (reason) => {
      expect(signInErrorMessage(reason)).toBe(GENERIC_SIGN_IN_ERROR);
    },
  );
});
