import { Badge } from '@mantine/core';

import { statusColor, statusLabel, type CredentialStatus } from '../utils/status';

export function StatusBadge({ status }: { status: CredentialStatus }) {
  return (
    <Badge color={statusColor[status]} variant="light" radius="sm" data-status={status}>
      {statusLabel[status]}
    </Badge>
  );
}
