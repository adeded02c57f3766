import { Badge, Tooltip } from '@mantine/core';

import type { Server } from '../api/keys';
import { healthColor, healthLabel } from '../utils/health';

/** The server's health as a coloured badge; the reason for trouble shows on hover and to screen readers. */
export function HealthBadge({ health }: { health: Server['health'] }) {
  const badge = (
    <Badge
      color={healthColor[health.status]}
      variant="light"
      radius="sm"
      data-health={health.status}
    >
      {healthLabel[health.status]}
      {health.error ? <span className="visually-hidden">: {health.error}</span> : null}
    </Badge>
  );
  if (!health.error) return badge;
  return (
    <Tooltip label={health.error} multiline maw={320} withArrow>
      {badge}
    </Tooltip>
  );
}
