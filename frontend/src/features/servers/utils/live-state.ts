import type { components } from '@/lib/api/schema';

import type { Server } from '../api/keys';

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

function time(value: string | undefined): number {
  return value ? Date.parse(value) : 0;
}

/**
 * A server as the API returned it, brought up to date with its live state.
 * The registry fields (name, path, enabled) come from whichever is at the
 * newer version; health and tool count from whichever was checked later, at
 * the same version or newer. So an answer fetched after an event is never
 * overwritten by that older event, and vice versa.
 */
export function withLive(server: Server, live: LiveServer | undefined): Server {
  if (!live || live.version < server.version) return server;
  const newerVersion = live.version > server.version;
  const newerCheck = time(live.last_checked_at) >= time(server.health.last_checked_at);
  const merged: Server = newerVersion
    ? { ...server, display_name: live.display_name, path: live.path, enabled: live.enabled }
    : { ...server };
  if (newerVersion || newerCheck) {
    merged.tool_count = live.tool_count;
    merged.health = {
      status: live.status,
      error: live.error,
      latency_ms: live.latency_ms,
      last_checked_at: live.last_checked_at,
      last_healthy_at: live.last_healthy_at,
    };
  }
  return merged;
}

/**
 * Whether the live state shows the fetched servers are out of date: a server
 * the list lacks (new, or newly visible), or one at a newer version (edited:
 * its description or tags may have changed, which the stream does not carry).
 * A server the stream no longer has is simply not shown (see visibleServers).
 */
export function listIsStale(servers: readonly Server[], live: LiveServers): boolean {
  const byId = new Map(servers.map((s) => [s.id, s]));
  for (const l of live.values()) {
    const s = byId.get(l.id);
    if (!s || l.version > s.version) return true;
  }
  return false;
}

/**
 * The servers to show: the fetched ones with their live state. Once the
 * stream is live, a server it no longer lists (deleted, or no longer
 * visible to this user) is left out at once.
 */
export function visibleServers(servers: readonly Server[], live: LiveServers | undefined): Server[] {
  if (!live) return [...servers];
  return servers.filter((s) => live.has(s.id)).map((s) => withLive(s, live.get(s.id)));
}
