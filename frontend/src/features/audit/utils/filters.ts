/** The audit log's filters, as they appear in its URL (the API's own query names). */
export type AuditFilters = {
  actor: string;
  action: string;
  outcome: '' | 'success' | 'failure' | 'denied';
  target_type: string;
  target: string;
  /** datetime-local values (the browser's local time), e.g. 2026-12-01T09:30. */
  since: string;
  until: string;
};

export const emptyFilters: AuditFilters = {
  actor: '',
  action: '',
  outcome: '',
  target_type: '',
  target: '',
  since: '',
  until: '',
};

const keys = Object.keys(emptyFilters) as (keyof AuditFilters)[];

export function parseAuditFilters(params: URLSearchParams): AuditFilters {
  const f = { ...emptyFilters };
  for (const k of keys) {
    const v = params.get(k) ?? '';
    if (k === 'outcome') f.outcome = v === 'success' || v === 'failure' || v === 'denied' ? v : '';
    else f[k] = v;
  }
  return f;
}

export function auditFiltersToParams(f: AuditFilters): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of keys) if (f[k].trim()) p.set(k, f[k].trim());
  return p;
}

/** A datetime-local value as RFC 3339 (UTC), or undefined when empty or not a time. */
export function localToRFC3339(value: string): string | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** The API query for the filters: empty ones left out, times in RFC 3339. */
export function auditQuery(f: AuditFilters): Record<string, string> {
  const q: Record<string, string> = {};
  for (const k of ['actor', 'action', 'outcome', 'target_type', 'target'] as const) {
    if (f[k].trim()) q[k] = f[k].trim();
  }
  const since = localToRFC3339(f.since);
  const until = localToRFC3339(f.until);
  if (since) q.since = since;
  if (until) q.until = until;
  return q;
}

/** The URL that downloads every matching event in `format`. */
export function exportUrl(f: AuditFilters, format: 'csv' | 'ndjson'): string {
  return `/api/audit?${new URLSearchParams({ ...auditQuery(f), format }).toString()}`;
}

/** Actions worth offering in the action filter; any other can be typed. */
export const knownActions = [
  'auth.',
  'auth.login',
  'auth.logout',
  'auth.token_refused',
  'mcp.',
  'mcp.tool_call',
  'mcp.denied',
  'server.',
  'server.create',
  'server.update',
  'server.toggle',
  'server.delete',
  'server.refresh',
  'tool.definition_changed',
  'scope.',
  'scopes.import',
  'mapping.',
  'user.',
  'group.',
  'session.',
  'pat.',
  'service_account.',
  'token.issue',
  'signing_key.',
];
