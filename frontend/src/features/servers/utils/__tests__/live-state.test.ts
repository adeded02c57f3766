import { describe, expect, it } from 'vitest';

import { makeServer } from '@/testing/data';

import { applyEvent, fromSnapshot, listIsStale, staleKey, visibleServers, withLive, type LiveServer } from '../live-state';

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

describe('events out of order', () => {
  it('ignores an event older than what is known', () => {
    let state = fromSnapshot({ servers: [live('a', { version: 4, last_checked_at: '2026-12-01T10:00:30Z' })] });
    // A check stored before the edit to version 4, published after it.
    state = applyEvent(state, { id: 2, type: 'server', server: live('a', { version: 3, status: 'unhealthy' }) });
    expect(state.get('a')?.version).toBe(4);
    // An earlier check at the same version.
    state = applyEvent(state, {
      id: 3,
      type: 'server',
      server: live('a', { version: 4, status: 'unhealthy', last_checked_at: '2026-12-01T10:00:00Z' }),
    });
    expect(state.get('a')?.status).toBe('healthy');
  });

  it('never brings a removed server back', () => {
    let state = fromSnapshot({ servers: [live('a')] });
    state = applyEvent(state, { id: 2, type: 'removed', server: live('a') });
    state = applyEvent(state, { id: 3, type: 'server', server: live('a', { version: 9 }) });
    expect(state.has('a')).toBe(false);
    expect(visibleServers([makeServer({ id: 'a' })], state)).toEqual([]);
    // A list fetched before the deletion does not look stale because of it.
    expect(listIsStale([makeServer({ id: 'a' })], state)).toBe(false);
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

  it('hides the servers the stream no longer lists, once it is live, but not while it reconnects', () => {
    const state = fromSnapshot({ servers: [live('b', { version: 1 })] });
    expect(visibleServers([a, b], undefined).map((s) => s.id)).toEqual(['a', 'b']);
    expect(visibleServers([a, b], state).map((s) => s.id)).toEqual(['b']);
    expect(visibleServers([a, b], state, false).map((s) => s.id)).toEqual(['a', 'b']);
  });

  it('names what is stale, so that each state is fetched for once', () => {
    const state = fromSnapshot({ servers: [live('a', { version: 4 }), live('c', { version: 1 })] });
    expect(staleKey([a, b], state)).toBe('a@4,c@1');
    expect(staleKey([makeServer({ id: 'a', version: 4 }), makeServer({ id: 'c', version: 1 })], state)).toBe('');
  });
});
