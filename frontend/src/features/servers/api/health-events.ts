import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';

import {
  applyEvent,
  fromSnapshot,
  type LiveEvent,
  type LiveServer,
  type LiveServers,
  type LiveSnapshot,
} from '../utils/live-state';
import { serverKeys, type Server } from './keys';

/** connecting: no snapshot yet; live: following changes; reconnecting: the stream broke, the browser retries. */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

export type LiveHealth = {
  /** Every server the user may see, as the stream last described it; undefined before the first snapshot. */
  servers: LiveServers | undefined;
  status: LiveStatus;
};

/**
 * Follows GET /api/health/events: a snapshot of the servers the user may
 * see, then each change, from any replica. EventSource reconnects by itself
 * and sends Last-Event-ID, so a short break resumes where it stopped (or
 * starts over with a new snapshot).
 *
 * Pages merge this state into what the API returned (see withLive). Besides,
 * an event for a server at a newer version than the cached one (an edit) or
 * a tool count that changed marks those cache entries stale, so they reload.
 */
export function useLiveHealth(): LiveHealth {
  const queryClient = useQueryClient();
  const [servers, setServers] = useState<LiveServers>();
  const [status, setStatus] = useState<LiveStatus>('connecting');

  useEffect(() => {
    let source: EventSource | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let stopped = false;
    let haveSnapshot = false;

    function invalidateChanged(state: Iterable<LiveServer>, removed: string[]) {
      for (const live of state) {
        const cached = queryClient.getQueryData<Server>(serverKeys.detail(live.id));
        if (cached && live.version > cached.version) {
          void queryClient.invalidateQueries({ queryKey: serverKeys.detail(live.id) });
        }
        if (cached && (live.tool_count !== cached.tool_count || live.last_checked_at !== cached.health.last_checked_at)) {
          void queryClient.invalidateQueries({ queryKey: serverKeys.tools(live.id) });
        }
        if (live.last_checked_at) {
          // A new check: its row joins the history (refetched only where shown).
          void queryClient.invalidateQueries({ queryKey: serverKeys.health(live.id) });
        }
      }
      for (const id of removed) {
        void queryClient.invalidateQueries({ queryKey: serverKeys.detail(id) });
      }
    }

    const onSnapshot = (e: MessageEvent<string>) => {
      const state = fromSnapshot(JSON.parse(e.data) as LiveSnapshot);
      failures = 0;
      haveSnapshot = true;
      setServers(state);
      setStatus('live');
      invalidateChanged(state.values(), []);
    };
    const onChange = (e: MessageEvent<string>) => {
      const event = JSON.parse(e.data) as LiveEvent;
      setServers((state) => (state ? applyEvent(state, event) : state));
      setStatus('live');
      if (event.type === 'removed') invalidateChanged([], [event.server.id]);
      else invalidateChanged([event.server], []);
    };

    function connect() {
      const s = new EventSource('/api/health/events');
      source = s;
      s.addEventListener('snapshot', onSnapshot);
      s.addEventListener('server', onChange);
      s.addEventListener('removed', onChange);
      // Back after a break: resumed where it stopped (or a snapshot follows).
      s.onopen = () => {
        if (haveSnapshot) setStatus('live');
      };
      s.onerror = () => {
        setStatus('reconnecting');
        // The browser retries a broken stream by itself, but gives up for
        // good on an answer other than 200 (a 401 after the session ended,
        // a 503 while a replica drains, a proxy's 502): start over then,
        // waiting longer each time, up to 30 s.
        if (s.readyState === EventSource.CLOSED && !stopped) {
          failures++;
          retry = setTimeout(connect, Math.min(30_000, 1000 * 2 ** Math.min(failures - 1, 5)));
        }
      };
    }
    connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      source?.close();
    };
  }, [queryClient]);

  return { servers, status };
}
