import { Anchor, Badge, Button, Group, Table, Text } from '@mantine/core';
import { Link } from 'react-router';

import { paths } from '@/config/paths';

import { toolCount } from '../utils/health';
import { useListState } from '../utils/list-return';
import { can } from '../utils/permissions';
import { CheckedAt } from './checked-at';
import { HealthBadge } from './health-badge';
import type { ServerViewProps } from './server-cards';
import { ServerStatus } from './server-status';

/** The servers as a dense table: one row each, the same facts and actions as the cards. */
export function ServerTable({ servers, onConnect }: ServerViewProps) {
  const listState = useListState();
  return (
    <div className="table-scroll">
      <Table striped highlightOnHover verticalSpacing="sm" aria-label="Servers">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Server</Table.Th>
            <Table.Th>Health</Table.Th>
            <Table.Th>Tools</Table.Th>
            <Table.Th>Tags</Table.Th>
            <Table.Th>Enabled</Table.Th>
            <Table.Th>
              <span className="visually-hidden">Actions</span>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {servers.map((s) => (
            <Table.Tr key={s.id} data-server={s.path} data-status={s.health.status}>
              <Table.Td>
                <Anchor component={Link} to={paths.server(s.id)}
                  state={listState} fw={600}>
                  {s.display_name}
                </Anchor>
                <Text size="xs" c="dimmed" ff="monospace">
                  /{s.path}
                </Text>
              </Table.Td>
              <Table.Td>
                <HealthBadge health={s.health} />
                <div>
                  <CheckedAt health={s.health} />
                </div>
              </Table.Td>
              <Table.Td className="nowrap">{toolCount(s.tool_count)}</Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {s.tags.map((tag) => (
                    <Badge key={tag} variant="default" radius="sm" size="sm" tt="none">
                      {tag}
                    </Badge>
                  ))}
                </Group>
              </Table.Td>
              <Table.Td>
                <ServerStatus server={s} />
              </Table.Td>
              <Table.Td>
                <Group gap="xs" wrap="nowrap" justify="flex-end">
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
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}
