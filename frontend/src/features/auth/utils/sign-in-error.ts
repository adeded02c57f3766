/**
 * Why a sign-in through an identity provider failed, as the gateway reports
 * it in /login?error=<reason> when it sends the browser back.
 */
export type SignInErrorReason =
  | 'state'
  | 'idp_error'
  | 'token_exchange'
  | 'invalid_token'
  | 'groups_overage'
  | 'account_disabled'
  | 'unavailable'
  | 'unknown_provider';

const messages: Record<SignInErrorReason, string> = {
  state:
    'The sign-in expired or was started in another browser or tab, so it could not be finished. Please try again.',
  idp_error:
    'The identity provider did not sign you in: access may have been refused or the sign-in cancelled. Try again, or ask an administrator for access.',
  token_exchange:
    'The gateway could not complete the sign-in with the identity provider. Please try again; if it keeps happening, contact an administrator.',
  invalid_token:
    'The identity provider’s answer could not be verified, so you were not signed in. Please try again; if it keeps happening, contact an administrator.',
  groups_overage:
    'Your account is in too many groups for the identity provider to list them all, so the gateway cannot tell what you may access. An administrator must configure app roles or group filtering for this application in the identity provider.',
  account_disabled: 'Your account has been disabled. Contact an administrator to have it enabled again.',
  unavailable: 'The identity provider could not be reached. Please try again in a moment.',
  unknown_provider: 'That sign-in option is not available. Choose another way to sign in.',
};

/** Shown for a reason this version of the dashboard does not know. */
export const GENERIC_SIGN_IN_ERROR = 'Signing in did not work. Please try again, or contact an administrator.';

function isKnownReason(reason: string): reason is SignInErrorReason {
  // Own keys only: "constructor" or "__proto__" are not reasons.
  return Object.hasOwn(messages, reason);
}

/** A sentence for the user explaining `reason` (the `error` query parameter of /login). */
export function signInErrorMessage(reason: string): string {
  return isKnownReason(reason) ? messages[reason] : GENERIC_SIGN_IN_ERROR;
}
