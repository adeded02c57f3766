import type { AccessToken, ServiceAccount } from '../api/keys';

export type CredentialStatus = 'active' | 'expired' | 'revoked' | 'disabled';

export const statusLabel: Record<CredentialStatus, string> = {
  active: 'Active',
  expired: 'Expired',
  revoked: 'Revoked',
  disabled: 'Disabled',
};

export const statusColor: Record<CredentialStatus, string> = {
  active: 'green',
  expired: 'gray',
  revoked: 'red',
  disabled: 'gray',
};

function past(iso: string | undefined, now: number): boolean {
  return iso !== undefined && Date.parse(iso) <= now;
}

export function tokenStatus(token: AccessToken, now = Date.now()): CredentialStatus {
  if (token.revoked_at) return 'revoked';
  if (past(token.expires_at, now)) return 'expired';
  return 'active';
}

export function accountStatus(account: ServiceAccount, now = Date.now()): CredentialStatus {
  if (account.disabled) return 'disabled';
  if (past(account.expires_at, now)) return 'expired';
  return 'active';
}

/** A date for a table: "—" when absent. */
export function shortDate(iso: string | undefined): string {
  return iso ? new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' }) : '—';
}

/** The lifetimes offered for a new token; undefined: never expires. */
export const lifetimes: { value: string; label: string; days: number | undefined }[] = [
  { value: '7', label: '7 days', days: 7 },
  { value: '30', label: '30 days', days: 30 },
  { value: '90', label: '90 days', days: 90 },
  { value: '365', label: '1 year', days: 365 },
  { value: 'never', label: 'Never (not recommended)', days: undefined },
];
