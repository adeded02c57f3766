import { Badge } from '@mantine/core';

import type { Server } from '../api/keys';
import { can } from '../utils/permissions';
import { ServerToggle } from './server-toggle';

/** The enable switch for those who may toggle the server; for everyone else, a read-only status. */
export function ServerStatus({ server, withLabel }: { server: Server; withLabel?: boolean }) {
  if (can(server, 'toggle')) return <ServerToggle server={server} withLabel={withLabel} />;
  return (
    <Badge variant="outline" color={server.enabled ? 'blue' : 'gray'} radius="sm" data-readonly-status>
      {server.enabled ? 'Enabled' : 'Disabled'}
    </Badge>
  );
}
