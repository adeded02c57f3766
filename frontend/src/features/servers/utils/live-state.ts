import type { components } from '@/lib/api/schema';

import type { Server } from '../api/keys';

export type LiveServer = components['schemas']['LiveServer'];
export type LiveEvent = components['schemas']['LiveEvent'];

/** The data of the stream's `snapshot` event. */
export type LiveSnapshot = { servers: LiveServer[] };

/**
 * The servers as the live stream has described them so far, by id, and
 * the ids it said were removed (server ids are never reused, so a late
 * event about one of them is ignored rather than bringing it back).
 */
export type LiveServers = ReadonlyMap<string, LiveServer> & { readonly removed?: ReadonlySet<string> };

function withRemoved(map: Map<string, LiveServer>, removed: ReadonlySet<string>): LiveServers {
  return Object.assign(map, { removed });
}

/** The state after a snapshot: exactly the servers it lists. */
export function fromSnapshot(snapshot: LiveSnapshot): LiveServers {
  return withRemoved(new Map(snapshot.servers.map((s) => [s.id, s])), new Set());
}

function time(value: string | undefined): number {
  return value ? Date.parse(value) : 0;
}

/** Whether `next` says something `current` does not: a newer version, or a later check at the same one. */
function isNewer(next: LiveServer, current: LiveServer): boolean {
  if (next.version !== current.version) return next.version > current.version;
  return time(next.last_checked_at) >= time(current.last_checked_at);
}

/**
 * The state after one `server` or `removed` event. Events can arrive out
 * of order (a check stored just before an edit may be published after it),
 * so an event older than what is known changes nothing.
 */
export function applyEvent(state: LiveServers, event: LiveEvent): LiveServers {
  const removed = state.removed ?? new Set<string>();
  const id = event.server.id;
  if (removed.has(id)) return state;
  const next = new Map(state);
  if (event.type === 'removed') {
    next.delete(id);
    return withRemoved(next, new Set([...removed, id]));
  }
  const current = state.get(id);
  if (current && !isNewer(event.server, current)) return state;
  next.set(id, event.server);
  return withRemoved(next, removed);
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
 * What makes the fetched servers out of date, as a key ("" when nothing
 * does): servers the list lacks (new, or newly visible) and servers at a
 * newer version (edited: their description or tags may have changed, which
 * the stream does not carry). The page fetches the list again once per
 * distinct key, so a server that stays missing (say, the list answer is
 * older than the event) never makes it fetch in a loop. A server the
 * stream no longer has is simply not shown (see visibleServers).
 */
export function staleKey(servers: readonly Server[], live: LiveServers): string {
  const byId = new Map(servers.map((s) => [s.id, s]));
  const stale: string[] = [];
  for (const l of live.values()) {
    const s = byId.get(l.id);
    if (!s || l.version > s.version) stale.push(`${l.id}@${l.version}`);
  }
  return stale.sort().join(',');
}

/** Whether the live state shows the fetched servers are out of date (see staleKey). */
export function listIsStale(servers: readonly Server[], live: LiveServers): boolean {
  return staleKey(servers, live) !== '';
}

/**
 * The servers to show: the fetched ones with their live state. While the
 * stream is live (`current`), a server it no longer lists (deleted, or no
 * longer visible to this user) is left out at once; while it reconnects,
 * its state may be out of date, so nothing is left out for its sake.
 */
export function visibleServers(servers: readonly Server[], live: LiveServers | undefined, current = true): Server[] {
  if (!live) return [...servers];
  const shown = current ? servers.filter((s) => live.has(s.id) && !live.removed?.has(s.id)) : servers;
  return shown.map((s) => withLive(s, live.get(s.id)));
}
