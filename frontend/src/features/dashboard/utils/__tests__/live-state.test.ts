import { describe, expect, it } from 'vitest';

import { applyEvent, fromSnapshot, sortedServers, type LiveServer } from '../live-state';

function server(id: string, path: string, status: LiveServer['status'], toolCount = 0): LiveServer {
  return { id, path, display_name: path, enabled: status !== 'disabled', status, tool_count: toolCount };
}

describe('live server state', () => {
  it('starts from the snapshot, in path order', () => {
    const state = fromSnapshot({ servers: [server('2', 'weather', 'healthy'), server('1', 'time', 'unknown')] });
    expect(sortedServers(state).map((s) => s.path)).toEqual(['time', 'weather']);
  });

  it('replaces a server with its new state and adds new ones', () => {
    let state = fromSnapshot({ servers: [server('1', 'time', 'unknown')] });
    state = applyEvent(state, { id: 7, type: 'server', server: server('1', 'time', 'healthy', 3) });
    state = applyEvent(state, { id: 8, type: 'server', server: server('2', 'docs', 'unhealthy') });
    expect(sortedServers(state)).toEqual([server('2', 'docs', 'unhealthy'), server('1', 'time', 'healthy', 3)]);
  });

  it('drops a removed server and leaves the previous state untouched', () => {
    const before = fromSnapshot({ servers: [server('1', 'time', 'healthy')] });
    const after = applyEvent(before, { id: 9, type: 'removed', server: server('1', 'time', 'healthy') });
    expect(after.size).toBe(0);
    expect(before.size).toBe(1);
  });
});
