import { Text } from '@mantine/core';

import { useNow } from '@/lib/use-now';

import type { Server } from '../api/keys';
import { timeAgo } from '../utils/health';

/** "checked 2 min ago · 35 ms", with the exact time on hover. */
export function CheckedAt({ health }: { health: Server['health'] }) {
  const now = useNow();
  if (!health.last_checked_at) {
    return (
      <Text size="xs" c="dimmed" span>
        never checked
      </Text>
    );
  }
  const at = new Date(health.last_checked_at);
  return (
    <Text size="xs" c="dimmed" span>
      checked{' '}
      <time dateTime={health.last_checked_at} title={at.toLocaleString()}>
        {timeAgo(health.last_checked_at, now)}
      </time>
      {health.latency_ms !== undefined && health.status === 'healthy' ? ` · ${health.latency_ms} ms` : ''}
    </Text>
  );
}
