// The session's CSRF token, as the gateway last reported it in a Me (from
// sign-in or /api/auth/me). Kept in memory only: never in localStorage or
// sessionStorage, where injected script could read it later.
let token: string | undefined;

export function getCsrfToken(): string | undefined {
  return token;
}

export function setCsrfToken(value: string | undefined): void {
  token = value;
}
