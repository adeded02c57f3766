import { Anchor, Badge, Button, Group, Paper, Text } from '@mantine/core';
import { Link } from 'react-router';

import { paths } from '@/config/paths';

import type { Server } from '../api/keys';
import { toolCount } from '../utils/health';
import { useListState } from '../utils/list-return';
import { can } from '../utils/permissions';
import { CheckedAt } from './checked-at';
import { HealthBadge } from './health-badge';
import { ServerStatus } from './server-status';

export type ServerViewProps = {
  servers: Server[];
  /** Opens the connect dialog for a server. */
  onConnect: (server: Server) => void;
};

/** One card per server: what it is, how it is, and what the user may do with it. */
export function ServerCards({ servers, onConnect }: ServerViewProps) {
  const listState = useListState();
  return (
    <ul className="card-grid" aria-label="Servers">
      {servers.map((s) => (
        <li key={s.id} data-server={s.path} data-status={s.health.status}>
          <Paper withBorder p="md" className="server-card" component="article" aria-labelledby={`server-${s.id}`}>
            <Group justify="space-between" align="flex-start" wrap="nowrap" gap="xs">
              <div className="server-card__title">
                <Anchor component={Link} to={paths.server(s.id)}
                  state={listState} fw={600} id={`server-${s.id}`}>
                  {s.display_name}
                </Anchor>
                <Text size="sm" c="dimmed" ff="monospace">
                  /{s.path}
                </Text>
              </div>
              <HealthBadge health={s.health} />
            </Group>
            {s.health.error ? (
              <Text size="xs" c="red.9" lineClamp={2} className="break" data-health-error>
                {s.health.error}
              </Text>
            ) : null}
            <Text size="sm" className="server-card__description" lineClamp={3} c={s.description ? undefined : 'dimmed'}>
              {s.description || 'No description'}
            </Text>
            {s.tags.length > 0 ? (
              <Group gap={6} aria-label="Tags">
                {s.tags.map((tag) => (
                  <Badge key={tag} variant="default" radius="sm" size="sm" tt="none">
                    {tag}
                  </Badge>
                ))}
              </Group>
            ) : null}
            <Group gap="xs">
              <Text size="xs" span>
                {toolCount(s.tool_count)}
              </Text>
              <Text size="xs" c="dimmed" span aria-hidden>
                ·
              </Text>
              <CheckedAt health={s.health} />
            </Group>
            <Group justify="space-between" gap="xs">
              <ServerStatus server={s} />
              <Group gap="xs">
                <Button size="xs" variant="light" onClick={() => onConnect(s)} aria-label={`Connect to ${s.display_name}`}>
                  Connect
                </Button>
                {can(s, 'edit') ? (
                  <Button
                    size="xs"
                    variant="default"
                    component={Link}
                    to={paths.editServer(s.id)}
                    state={listState}
                    aria-label={`Edit ${s.display_name}`}
                  >
                    Edit
                  </Button>
                ) : null}
              </Group>
            </Group>
          </Paper>
        </li>
      ))}
    </ul>
  );
}
