import { paths } from '@/config/paths';

const PROBE_ORIGIN = 'http://app.invalid';

/**
 * The path to go to after signing in: `next` when it is a same-origin
 * relative path ("/servers?q=x"), otherwise "/". Rejects protocol-relative
 * ("//evil.com", "/\\evil.com"), absolute URLs, control characters (which
 * browsers strip, turning "/\t/evil.com" into "//evil.com") and the sign-in
 * page itself, which would redirect to itself forever.
 */
export function safeNextPath(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) {
    return paths.home;
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(next)) return paths.home;
  let url: URL;
  try {
    url = new URL(next, PROBE_ORIGIN);
  } catch {
    return paths.home;
  }
  if (url.origin !== PROBE_ORIGIN) return paths.home;
  if (url.pathname === paths.login || url.pathname.startsWith(`${paths.login}/`)) return paths.home;
  return url.pathname + url.search + url.hash;
}

/** The sign-in page, remembering where to come back to. */
export function loginPath(next: string): string {
  return `${paths.login}?${new URLSearchParams({ next }).toString()}`;
}

/**
 * Where a provider's sign-in button goes: the gateway's login URL for it
 * (from GET /api/auth/providers), asking to come back to `next`.
 */
export function providerLoginHref(loginUrl: string, next: string): string {
  const separator = loginUrl.includes('?') ? '&' : '?';
  return `${loginUrl}${separator}${new URLSearchParams({ next }).toString()}`;
}
