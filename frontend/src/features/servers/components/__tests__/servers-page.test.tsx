import { act, screen, waitFor, within } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { describe, expect, it, vi } from 'vitest';

import { setCsrfToken } from '@/lib/api/csrf';
import { makeServer, readOnlyServer } from '@/testing/data';
import { FakeEventSource } from '@/testing/event-source';
import { json, mockFetch } from '@/testing/mock-fetch';
import { currentLocation, renderWithProviders } from '@/testing/render';

import type { Server } from '@/features/servers/api/keys';
import type { LiveServer } from '@/features/servers/utils/live-state';
import { ServerDetailPage } from '../server-detail-page';
import { ServersPage } from '../servers-page';

const time = makeServer({ id: 'id-time', path: 'currenttime', display_name: 'Current Time', tags: ['time'] });
const weather = makeServer({
  id: 'id-weather',
  path: 'weather',
  display_name: 'Weather',
  description: 'Forecasts',
  tags: ['demo'],
  health: { status: 'unhealthy', error: 'did not answer in time', last_checked_at: '2026-12-01T10:00:00Z' },
});

function liveOf(s: Server, overrides: Partial<LiveServer> = {}): LiveServer {
  return {
    id: s.id,
    path: s.path,
    display_name: s.display_name,
    enabled: s.enabled,
    status: s.health.status,
    tool_count: s.tool_count,
    version: s.version,
    last_checked_at: s.health.last_checked_at,
    ...overrides,
  };
}

function serveList(...lists: Server[][]) {
  let call = 0;
  return mockFetch({
    'GET /api/servers': () => json({ items: lists[Math.min(call++, lists.length - 1)] }),
    'POST /api/servers/id-time/toggle': async (r) => {
      const { enabled } = (await r.json()) as { enabled: boolean };
      return json({ ...time, enabled, version: time.version + 1, health: { status: enabled ? 'unknown' : 'disabled' } });
    },
  });
}

function card(path: string): HTMLElement {
  const li = document.querySelector<HTMLElement>(`li[data-server="${path}"]`);
  if (!li) throw new Error(`no card for ${path}`);
  return li;
}

describe('ServersPage', () => {
  it('gives those who may a switch and an edit button, and a register button', async () => {
    serveList([time, weather]);
    renderWithProviders(<ServersPage canRegister />);
    await screen.findByText('Current Time');
    const c = within(card('currenttime'));
    expect(c.getByRole('switch', { name: 'Enabled: Current Time' })).toBeChecked();
    expect(c.getByRole('link', { name: 'Edit Current Time' })).toHaveAttribute('href', '/servers/id-time/edit');
    expect(c.getByText('Healthy')).toBeInTheDocument();
    expect(within(card('weather')).getByText('Unhealthy')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Register server' })).toHaveAttribute('href', '/servers/new');
  });

  it('shows a read-only user the status, but no switch, edit or register button', async () => {
    serveList([readOnlyServer({ id: 'id-time' })]);
    renderWithProviders(<ServersPage canRegister={false} />);
    await screen.findByText('Current Time');
    expect(screen.queryByRole('switch')).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: /Edit/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Register server' })).not.toBeInTheDocument();
    expect(within(card('currenttime')).getByText('Enabled')).toBeInTheDocument();
  });

  it('toggles a server with the CSRF header and shows the result', async () => {
    setCsrfToken('csrf-1');
    const fetch = serveList([time]);
    const { user } = renderWithProviders(<ServersPage canRegister />);
    const toggle = await screen.findByRole('switch', { name: 'Enabled: Current Time' });
    await user.click(toggle);
    await waitFor(() => expect(toggle).not.toBeChecked());
    const [request] = fetch.requestsTo('POST /api/servers/id-time/toggle');
    expect(request!.headers.get('X-CSRF-Token')).toBe('csrf-1');
    expect(await request!.json()).toEqual({ enabled: false });
    expect(within(card('currenttime')).getByText('Disabled')).toBeInTheDocument();
  });

  it('changes health and tool counts in place from the live stream', async () => {
    serveList([time, weather]);
    renderWithProviders(<ServersPage canRegister />);
    await screen.findByText('Weather');
    const source = FakeEventSource.latest();
    expect(source.url).toBe('/api/health/events');
    expect(screen.getByRole('status', { name: '' })).toHaveTextContent('Connecting…');

    act(() => source.emit('snapshot', { servers: [liveOf(time), liveOf(weather)] }));
    expect(screen.getByText('Live')).toBeInTheDocument();
    act(() =>
      source.emit('server', {
        id: 5,
        type: 'server',
        server: liveOf(weather, { status: 'healthy', tool_count: 7, last_checked_at: '2026-12-01T10:00:30Z' }),
      }),
    );
    expect(card('weather')).toHaveAttribute('data-status', 'healthy');
    expect(within(card('weather')).getByText('7 tools')).toBeInTheDocument();

    act(() => source.fail());
    expect(screen.getByText('Reconnecting…')).toBeInTheDocument();
    act(() => source.emit('removed', { id: 6, type: 'removed', server: liveOf(weather) }));
    expect(document.querySelector('li[data-server="weather"]')).toBeNull();
  });

  it('fetches the list again when the stream shows a server it lacks', async () => {
    const added = makeServer({ id: 'id-new', path: 'fresh', display_name: 'Fresh one' });
    const fetch = serveList([time], [time, added]);
    renderWithProviders(<ServersPage canRegister />);
    await screen.findByText('Current Time');
    const source = FakeEventSource.latest();
    act(() => source.emit('snapshot', { servers: [liveOf(time)] }));
    act(() => source.emit('server', { id: 2, type: 'server', server: liveOf(added) }));
    await screen.findByText('Fresh one');
    expect(fetch.requestsTo('GET /api/servers')).toHaveLength(2);
  });

  it('fetches once for a server the list still lacks, not in a loop', async () => {
    const ghost = makeServer({ id: 'id-ghost', path: 'ghost', display_name: 'Ghost' });
    const fetch = serveList([time]);
    renderWithProviders(<ServersPage canRegister />);
    await screen.findByText('Current Time');
    act(() => FakeEventSource.latest().emit('snapshot', { servers: [liveOf(time), liveOf(ghost)] }));
    await waitFor(() => expect(fetch.requestsTo('GET /api/servers')).toHaveLength(2));
    await new Promise((r) => setTimeout(r, 100));
    expect(fetch.requestsTo('GET /api/servers')).toHaveLength(2);
  });

  it('starts the stream again after an answer the browser gives up on', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      serveList([time]);
      renderWithProviders(<ServersPage canRegister />);
      await screen.findByText('Current Time');
      const first = FakeEventSource.latest();
      act(() => first.emit('snapshot', { servers: [liveOf(time)] }));
      act(() => first.refuse());
      expect(screen.getByText('Reconnecting…')).toBeInTheDocument();
      // Servers stay listed while the stream is away.
      expect(screen.getByText('Current Time')).toBeInTheDocument();
      await act(async () => {
        await vi.advanceTimersByTimeAsync(1100);
      });
      const second = FakeEventSource.latest();
      expect(second).not.toBe(first);
      act(() => second.emit('snapshot', { servers: [liveOf(time, { status: 'unhealthy', last_checked_at: '2026-12-01T11:00:00Z' })] }));
      expect(screen.getByText('Live')).toBeInTheDocument();
      expect(card('currenttime')).toHaveAttribute('data-status', 'unhealthy');
      // A plain break resumes: the browser retries and opens again.
      act(() => second.fail());
      expect(screen.getByText('Reconnecting…')).toBeInTheDocument();
      act(() => second.open());
      expect(screen.getByText('Live')).toBeInTheDocument();
      expect(FakeEventSource.latest()).toBe(second);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps search and filters in the URL and filters by them', async () => {
    serveList([time, weather]);
    const { user } = renderWithProviders(<ServersPage canRegister />, { route: '/?health=unhealthy' });
    await screen.findByText('Weather');
    expect(screen.queryByText('Current Time')).not.toBeInTheDocument();
    expect(screen.getByText('1 of 2 servers')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    await screen.findByText('Current Time');
    await user.type(screen.getByRole('searchbox', { name: 'Search' }), 'forecast');
    expect(currentLocation()).toBe('/?q=forecast');
    expect(screen.queryByText('Current Time')).not.toBeInTheDocument();
    expect(screen.getByText('Weather')).toBeInTheDocument();

    await user.clear(screen.getByRole('searchbox', { name: 'Search' }));
    await user.type(screen.getByRole('searchbox', { name: 'Search' }), 'no such thing');
    expect(screen.getByText('No servers match these filters.')).toBeInTheDocument();
  });

  it('comes back from a server to the list as it was filtered', async () => {
    mockFetch({
      'GET /api/servers': () => json({ items: [time, weather] }),
      'GET /api/servers/id-weather': () => json(weather),
      'GET /api/servers/id-weather/tools': () => json({ items: [] }),
      'GET /api/servers/id-weather/health': () => json({ items: [] }),
    });
    const { user } = renderWithProviders(
      <Routes>
        <Route path="/" element={<ServersPage canRegister />} />
        <Route path="/servers/:id" element={<ServerDetailPage id="id-weather" />} />
      </Routes>,
      { route: '/?tag=demo' },
    );
    await user.click(await screen.findByRole('link', { name: 'Weather' }));
    await user.click(await screen.findByRole('link', { name: '← Servers' }));
    await screen.findByText('1 of 2 servers');
    expect(currentLocation()).toBe('/?tag=demo');
  });

  it('remembers the table view', async () => {
    serveList([time]);
    const { user, unmount } = renderWithProviders(<ServersPage canRegister />);
    await screen.findByText('Current Time');
    await user.click(screen.getByText('Table'));
    expect(await screen.findByRole('table', { name: 'Servers' })).toBeInTheDocument();
    unmount();

    serveList([time]);
    renderWithProviders(<ServersPage canRegister />);
    expect(await screen.findByRole('table', { name: 'Servers' })).toBeInTheDocument();
    expect(screen.getByRole('switch', { name: 'Enabled: Current Time' })).toBeInTheDocument();
  });

  it('says when there is nothing to show, and when loading failed', async () => {
    mockFetch({ 'GET /api/servers': () => json({ items: [] }) });
    const { unmount } = renderWithProviders(<ServersPage canRegister={false} />);
    expect(await screen.findByText(/No servers you may see yet/)).toBeInTheDocument();
    unmount();

    mockFetch({ 'GET /api/servers': () => json({ error: { code: 'internal', message: 'The database is down.' } }, 500) });
    renderWithProviders(<ServersPage canRegister={false} />);
    expect(await screen.findByText('The database is down.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});
