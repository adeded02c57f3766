import { Badge } from '@mantine/core';

import type { LiveStatus } from '../api/health-events';

const text: Record<LiveStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
};
const color: Record<LiveStatus, string> = { connecting: 'gray', live: 'green', reconnecting: 'orange' };

/** Whether health changes are arriving: Live, or Reconnecting… while the browser retries. */
export function LiveIndicator({ status }: { status: LiveStatus }) {
  return (
    <Badge
      role="status"
      aria-live="polite"
      data-live-status={status}
      color={color[status]}
      variant="dot"
      size="lg"
      radius="sm"
      title={status === 'live' ? 'Health and tool counts update here as they change' : undefined}
    >
      {text[status]}
    </Badge>
  );
}
