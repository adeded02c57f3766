import type { components } from '@/lib/api/schema';

export type LiveServer = components['schemas']['LiveServer'];
export type LiveEvent = components['schemas']['LiveEvent'];

/** The data of the stream's `snapshot` event. */
export type LiveSnapshot = { servers: LiveServer[] };

/** The servers as the live stream has described them so far, by id. */
export type LiveServers = ReadonlyMap<string, LiveServer>;

/** The state after a snapshot: exactly the servers it lists. */
export function fromSnapshot(snapshot: LiveSnapshot): LiveServers {
  return new Map(snapshot.servers.map((s) => [s.id, s]));
}

/** The state after one `server` or `removed` event. */
export function applyEvent(state: LiveServers, event: LiveEvent): LiveServers {
  const next = new Map(state);
  if (event.type === 'removed') {
    next.delete(event.server.id);
  } else {
    next.set(event.server.id, event.server);
  }
  return next;
}

/** The servers in display order: by path. */
export function sortedServers(state: LiveServers): LiveServer[] {
  return [...state.values()].sort((a, b) => a.path.localeCompare(b.path));
}
