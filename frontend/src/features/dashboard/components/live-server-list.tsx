import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';

import { useLiveServers, type LiveStatus } from '../api/live-servers';
import { sortedServers, type LiveServer } from '../utils/live-state';

const statusText: Record<LiveServer['status'], string> = {
  healthy: 'Healthy',
  unhealthy: 'Unhealthy',
  'auth-required': 'Needs credentials',
  disabled: 'Disabled',
  unknown: 'Not checked yet',
};

const liveText: Record<LiveStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
};

function checkedAt(s: LiveServer): string {
  return s.last_checked_at ? `checked ${new Date(s.last_checked_at).toLocaleTimeString()}` : 'never checked';
}

/** The servers the user may see, with their health, updated live without reloading. */
export function LiveServerList() {
  const { servers, status } = useLiveServers();
  const list = servers ? sortedServers(servers) : undefined;
  return (
    <Card title="MCP servers">
      <p className="muted" role="status" aria-live="polite" data-live-status={status}>
        {liveText[status]}
      </p>
      {list === undefined ? null : list.length === 0 ? (
        <p className="empty">No servers you may see yet</p>
      ) : (
        <ul className="server-list">
          {list.map((s) => (
            <li key={s.id} className="server-list__item" data-server={s.path} data-status={s.status}>
              <span className="server-list__name">{s.display_name}</span>{' '}
              <span className="muted">/{s.path}</span> <Badge>{statusText[s.status]}</Badge>
              <span className="muted server-list__meta">
                {s.tool_count} {s.tool_count === 1 ? 'tool' : 'tools'} · {checkedAt(s)}
                {s.error ? ` · ${s.error}` : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
