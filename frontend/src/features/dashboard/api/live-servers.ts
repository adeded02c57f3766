import { useEffect, useState } from 'react';

import {
  applyEvent,
  fromSnapshot,
  type LiveEvent,
  type LiveServers,
  type LiveSnapshot,
} from '../utils/live-state';

/** connecting: no snapshot yet; live: following changes; reconnecting: the stream broke, the browser retries. */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

/**
 * The servers the signed-in user may see, kept current from
 * /api/health/events: a snapshot, then every change, from any replica.
 * EventSource reconnects by itself and sends Last-Event-ID, so a short
 * break resumes where it stopped (or starts over with a new snapshot).
 */
export function useLiveServers(): { servers: LiveServers | undefined; status: LiveStatus } {
  const [servers, setServers] = useState<LiveServers>();
  const [status, setStatus] = useState<LiveStatus>('connecting');

  useEffect(() => {
    const source = new EventSource('/api/health/events');
    const onSnapshot = (e: MessageEvent<string>) => {
      setServers(fromSnapshot(JSON.parse(e.data) as LiveSnapshot));
      setStatus('live');
    };
    const onChange = (e: MessageEvent<string>) => {
      const event = JSON.parse(e.data) as LiveEvent;
      setServers((state) => (state ? applyEvent(state, event) : state));
      setStatus('live');
    };
    source.addEventListener('snapshot', onSnapshot);
    source.addEventListener('server', onChange);
    source.addEventListener('removed', onChange);
    source.onerror = () => setStatus('reconnecting');
    return () => source.close();
  }, []);

  return { servers, status };
}
