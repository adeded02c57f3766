import { act, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { makeServer, makeTool, readOnlyServer } from '@/testing/data';
import { FakeEventSource } from '@/testing/event-source';
import { apiError, json, mockFetch } from '@/testing/mock-fetch';
import { renderWithProviders } from '@/testing/render';

import { ServerDetailPage } from '../server-detail-page';

const server = makeServer({ id: 'id-time' });
const changed = makeTool({
  name: 'convert_time',
  description: 'Converts between timezones',
  definition_changed_at: '2026-12-01T09:00:00Z',
});

describe('ServerDetailPage', () => {
  it('shows the tools readably, raw on demand, and flags a changed definition', async () => {
    mockFetch({
      'GET /api/servers/id-time': () => json(server),
      'GET /api/servers/id-time/tools': () => json({ items: [makeTool(), changed] }),
      'GET /api/servers/id-time/health': () =>
        json({
          items: [
            { checked_at: '2026-12-01T10:00:30Z', status: 'unhealthy', error: 'did not answer in time', tool_count: 0 },
            { checked_at: '2026-12-01T10:00:00Z', status: 'healthy', latency_ms: 12, tool_count: 2 },
          ],
        }),
    });
    const { user } = renderWithProviders(<ServerDetailPage id="id-time" />);
    expect(await screen.findByRole('heading', { name: 'Current Time' })).toBeInTheDocument();
    expect(await screen.findByText('2 tools · 1 changed since first seen')).toBeInTheDocument();
    const item = document.querySelector<HTMLElement>('[data-tool="convert_time"]')!;
    expect(within(item).getByText('Definition changed')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: /current_time_by_timezone/ }));
    const first = within(document.querySelector<HTMLElement>('[data-tool="current_time_by_timezone"]')!);
    expect(await first.findByText('An IANA timezone name')).toBeInTheDocument();
    expect(first.getByText('required')).toBeInTheDocument();
    expect(first.getByText('default "UTC"')).toBeInTheDocument();
    await user.click(first.getByRole('button', { name: 'Raw JSON' }));
    expect(first.getByText(/"tz_name": \{/)).toBeInTheDocument();
    expect(screen.getByText('http://10.0.0.5:8000/mcp')).toBeInTheDocument();
    // The history: a strip of results and the latest checks.
    expect(screen.getByRole('img', { name: '1 of the last 2 checks healthy' })).toBeInTheDocument();
    const checks = screen.getByRole('table', { name: 'Health checks' });
    expect(within(checks).getByText('12 ms')).toBeInTheDocument();
    expect(within(checks).getAllByText('did not answer in time').length).toBeGreaterThan(0);
  });

  it('checks the server now and shows the new result', async () => {
    const api = mockFetch({
      'GET /api/servers/id-time': () => json(server),
      'GET /api/servers/id-time/tools': () => json({ items: [] }),
      'GET /api/servers/id-time/health': () => json({ items: [] }),
      'POST /api/servers/id-time/refresh': () =>
        json({ ...server, health: { status: 'unhealthy', error: 'unreachable', last_checked_at: '2026-12-01T11:00:00Z' } }),
    });
    const { user } = renderWithProviders(<ServerDetailPage id="id-time" />);
    await user.click(await screen.findByRole('button', { name: 'Check now' }));
    expect((await screen.findAllByText('Unhealthy')).length).toBeGreaterThan(0);
    expect(screen.getAllByText('unreachable').length).toBeGreaterThan(0);
    expect(api.requestsTo('POST /api/servers/id-time/refresh')).toHaveLength(1);
  });

  it('follows the live stream and offers a read-only user no actions', async () => {
    mockFetch({
      'GET /api/servers/id-time': () => json(readOnlyServer({ id: 'id-time' })),
      'GET /api/servers/id-time/tools': () => json({ items: [] }),
      'GET /api/servers/id-time/health': () => json({ items: [] }),
    });
    renderWithProviders(<ServerDetailPage id="id-time" />);
    await screen.findByRole('heading', { name: 'Current Time' });
    expect(screen.queryByRole('button', { name: 'Check now' })).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Edit' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Delete' })).not.toBeInTheDocument();
    expect(screen.queryByRole('switch')).not.toBeInTheDocument();
    act(() =>
      FakeEventSource.latest().emit('snapshot', {
        servers: [
          {
            id: 'id-time',
            path: 'currenttime',
            display_name: 'Current Time',
            enabled: true,
            status: 'auth-required',
            tool_count: 0,
            version: 3,
            last_checked_at: '2026-12-01T11:00:00Z',
          },
        ],
      }),
    );
    expect((await screen.findAllByText('Needs credentials')).length).toBeGreaterThan(0);
  });

  it('deletes at the version seen when asked, not a newer one that arrived meanwhile', async () => {
    const api = mockFetch({
      'GET /api/servers/id-time': () => json(server),
      'GET /api/servers/id-time/tools': () => json({ items: [] }),
      'GET /api/servers/id-time/health': () => json({ items: [] }),
      'DELETE /api/servers/id-time': () => apiError(412, 'precondition_failed', 'the server changed'),
    });
    const { user, queryClient } = renderWithProviders(<ServerDetailPage id="id-time" />);
    await user.click(await screen.findByRole('button', { name: 'Delete' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete Current Time?' });
    // Someone edits the server while the dialog is open; the page follows.
    act(() => queryClient.setQueryData(['servers', 'detail', 'id-time'], { ...server, version: 4, description: 'changed' }));
    await user.click(within(dialog).getByRole('button', { name: 'Delete server' }));
    expect(await within(dialog).findByText(/Someone else changed this server/)).toBeInTheDocument();
    expect(api.requestsTo('DELETE /api/servers/id-time')[0]!.headers.get('If-Match')).toBe('3');
  });

  it('explains a server that does not exist or may not be seen', async () => {
    mockFetch({ 'GET /api/servers/nope': () => apiError(404, 'not_found', 'server not found') });
    renderWithProviders(<ServerDetailPage id="nope" />);
    expect(await screen.findByText('No such server')).toBeInTheDocument();
  });
});
