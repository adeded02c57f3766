import { describe, expect, it } from 'vitest';

import { makeServer } from '@/testing/data';

import { applyEvent, fromSnapshot, listIsStale, visibleServers, withLive, type LiveServer } from '../live-state';

function live(id: string, overrides: Partial<LiveServer> = {}): LiveServer {
  return { id, path: id, display_name: id, enabled: true, status: 'healthy', tool_count: 0, version: 3, ...overrides };
}

describe('live server state', () => {
  it('starts from the snapshot and follows server and removed events without touching the old state', () => {
    const before = fromSnapshot({ servers: [live('a'), live('b')] });
    let state = applyEvent(before, { id: 7, type: 'server', server: live('a', { status: 'unhealthy' }) });
    state = applyEvent(state, { id: 8, type: 'server', server: live('c') });
    state = applyEvent(state, { id: 9, type: 'removed', server: live('b') });
    expect([...state.keys()].sort()).toEqual(['a', 'c']);
    expect(state.get('a')?.status).toBe('unhealthy');
    expect(before.get('a')?.status).toBe('healthy');
    expect(before.size).toBe(2);
  });
});

describe('withLive', () => {
  const server = makeServer({ id: 'a', version: 3, health: { status: 'healthy', last_checked_at: '2026-12-01T10:00:00Z' } });

  it('takes a later check at the same version', () => {
    const merged = withLive(
      server,
      live('a', { status: 'unhealthy', error: 'did not answer in time', tool_count: 9, last_checked_at: '2026-12-01T10:00:30.5Z' }),
    );
    expect(merged.health).toMatchObject({ status: 'unhealthy', error: 'did not answer in time' });
    expect(merged.tool_count).toBe(9);
    // Registry fields stay as the API gave them at the same version.
    expect(merged.display_name).toBe(server.display_name);
  });

  it('ignores an older check', () => {
    const merged = withLive(server, live('a', { status: 'unhealthy', last_checked_at: '2026-12-01T09:59:00Z' }));
    expect(merged.health.status).toBe('healthy');
  });

  it('takes name, path, enabled and health from a newer version', () => {
    const merged = withLive(
      server,
      live('a', { version: 4, display_name: 'Clock', path: 'clock', enabled: false, status: 'disabled' }),
    );
    expect(merged).toMatchObject({ display_name: 'Clock', path: 'clock', enabled: false, health: { status: 'disabled' } });
  });

  it('ignores an event from before the version the API returned', () => {
    expect(withLive(server, live('a', { version: 2, enabled: false, status: 'disabled' }))).toEqual(server);
  });
});

describe('listIsStale and visibleServers', () => {
  const a = makeServer({ id: 'a', version: 3 });
  const b = makeServer({ id: 'b', version: 1 });

  it('is stale when the stream has a server the list lacks, or a newer version', () => {
    expect(listIsStale([a, b], fromSnapshot({ servers: [live('a'), live('b', { version: 1 })] }))).toBe(false);
    expect(listIsStale([a], fromSnapshot({ servers: [live('a'), live('b', { version: 1 })] }))).toBe(true);
    expect(listIsStale([a, b], fromSnapshot({ servers: [live('a', { version: 4 }), live('b', { version: 1 })] }))).toBe(true);
    // A server only the list has is not a reason to fetch: it is hidden.
    expect(listIsStale([a, b], fromSnapshot({ servers: [live('a')] }))).toBe(false);
  });

  it('hides the servers the stream no longer lists, once it is live', () => {
    expect(visibleServers([a, b], undefined).map((s) => s.id)).toEqual(['a', 'b']);
    expect(visibleServers([a, b], fromSnapshot({ servers: [live('b', { version: 1 })] })).map((s) => s.id)).toEqual(['b']);
  });
});
