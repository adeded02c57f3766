import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import type { components } from '@/lib/api/schema';
import { json, mockFetch } from '@/testing/mock-fetch';
import { currentLocation, renderWithProviders } from '@/testing/render';

import { AuditPage } from '../audit-page';

type AuditEvent = components['schemas']['AuditEvent'];

function event(id: number, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id,
    occurred_at: '2026-12-01T10:00:00Z',
    actor: 'alice',
    auth_method: 'local',
    action: 'server.update',
    outcome: 'success',
    target_type: 'server',
    target: 'weather',
    client_ip: '10.0.0.9',
    user_agent: 'Firefox',
    request_id: 'req-1',
    details: { after: { description: 'new' } },
    ...overrides,
  };
}

describe('AuditPage', () => {
  it('asks for the URL’s filters, pages back, shows details, and links exports', async () => {
    const api = mockFetch({
      'GET /api/audit': (r) => {
        const cursor = new URL(r.url).searchParams.get('cursor');
        return cursor
          ? json({ items: [event(1, { action: 'mcp.denied', outcome: 'denied' })] })
          : json({ items: [event(3), event(2)], next_cursor: 'c2' });
      },
    });
    const { user } = renderWithProviders(<AuditPage />, { route: '/audit?actor=alice&outcome=success' });
    const table = await screen.findByRole('table', { name: 'Audit events' });
    expect(within(table).getAllByText('server.update')).toHaveLength(2);
    const first = new URL(api.requestsTo('GET /api/audit')[0]!.url).searchParams;
    expect(first.get('actor')).toBe('alice');
    expect(first.get('outcome')).toBe('success');
    expect(first.get('limit')).toBe('100');

    await user.click(screen.getByRole('button', { name: 'Load older events' }));
    expect(await within(table).findByText('mcp.denied')).toBeInTheDocument();
    expect(screen.getByText('That is all.')).toBeInTheDocument();
    expect(new URL(api.requestsTo('GET /api/audit')[1]!.url).searchParams.get('cursor')).toBe('c2');

    await user.click(screen.getByRole('button', { name: 'Details of event 3' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText(/"description": "new"/)).toBeInTheDocument();
    expect(within(dialog).getByText('req-1')).toBeInTheDocument();

    expect(screen.getByRole('link', { name: 'Export CSV' })).toHaveAttribute(
      'href',
      '/api/audit?actor=alice&outcome=success&format=csv',
    );
  });

  it('puts a new filter in the URL and asks again', async () => {
    const api = mockFetch({ 'GET /api/audit': () => json({ items: [] }) });
    const { user } = renderWithProviders(<AuditPage />, { route: '/audit' });
    expect(await screen.findByText('No events match.')).toBeInTheDocument();
    await user.type(screen.getByRole('textbox', { name: 'Target' }), 'weather{Enter}');
    await waitFor(() => expect(currentLocation()).toBe('/audit?target=weather'));
    await waitFor(() =>
      expect(api.requestsTo('GET /api/audit').some((r) => new URL(r.url).searchParams.get('target') === 'weather')).toBe(true),
    );
  });
});
