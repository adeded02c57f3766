import { describe, expect, it } from 'vitest';

import { auditFiltersToParams, auditQuery, exportUrl, parseAuditFilters } from '../filters';

describe('audit filters', () => {
  it('round-trips through the URL and drops unknown outcomes', () => {
    const f = parseAuditFilters(new URLSearchParams('actor=alice&action=server.&outcome=denied&since=2026-12-01T09:30'));
    expect(f).toMatchObject({ actor: 'alice', action: 'server.', outcome: 'denied', since: '2026-12-01T09:30', target: '' });
    expect(parseAuditFilters(auditFiltersToParams(f))).toEqual(f);
    expect(parseAuditFilters(new URLSearchParams('outcome=maybe')).outcome).toBe('');
  });

  it('asks the API with RFC 3339 times and without empty filters', () => {
    const f = parseAuditFilters(new URLSearchParams('actor= alice &since=2026-12-01T09:30&until=nonsense'));
    const q = auditQuery(f);
    expect(q.actor).toBe('alice');
    expect(q.since).toBe(new Date('2026-12-01T09:30').toISOString());
    expect(q).not.toHaveProperty('until');
    expect(q).not.toHaveProperty('target');
    expect(exportUrl(f, 'csv')).toBe(`/api/audit?actor=alice&since=${encodeURIComponent(q.since!)}&format=csv`);
  });
});
