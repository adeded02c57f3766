import { Alert, Anchor, Badge, Button, Code, Group, Loader, Modal, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState, type ReactNode } from 'react';
import { Link, useNavigate } from 'react-router';

import { dateTime } from '@/lib/format';
import { paths } from '@/config/paths';
import { ApiError, errorMessage } from '@/lib/api/errors';

import { useDeleteServer } from '../api/delete-server';
import { useServer } from '../api/get-server';
import { useLiveHealth } from '../api/health-events';
import type { Server } from '../api/keys';
import { useRefreshServer } from '../api/refresh-server';
import { endpointUrl } from '../utils/client-configs';
import { toolCount } from '../utils/health';
import { useListHref, useListState } from '../utils/list-return';
import { withLive } from '../utils/live-state';
import { can } from '../utils/permissions';
import { CheckedAt } from './checked-at';
import { ConnectDialog } from './connect-dialog';
import { CopyField } from './copy-field';
import { HealthBadge } from './health-badge';
import { HealthHistory } from './health-history';
import { LiveIndicator } from './live-indicator';
import { ServerStatus } from './server-status';
import { ToolList } from './tool-list';

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Table.Tr>
      <Table.Th scope="row" className="nowrap">
        {label}
      </Table.Th>
      <Table.Td className="break">{children}</Table.Td>
    </Table.Tr>
  );
}

function DeleteButton({ server }: { server: Server }) {
  // The version the user saw when they asked: a change made while the
  // dialog is open (the page follows live updates) must not be deleted
  // unseen, so that version goes in If-Match.
  const [seen, setSeen] = useState<number>();
  const open = seen !== undefined;
  const navigate = useNavigate();
  const listHref = useListHref();
  const remove = useDeleteServer();
  const close = () => {
    remove.reset();
    setSeen(undefined);
  };
  return (
    <>
      <Button color="red" variant="light" onClick={() => setSeen(server.version)}>
        Delete
      </Button>
      <Modal opened={open} onClose={close} title={`Delete ${server.display_name}?`}>
        <Stack>
          <Text size="sm">
            Agents lose access to <Code>/{server.path}</Code> at once, and its tools and health go with it. This cannot be
            undone.
          </Text>
          {remove.isError ? (
            <Alert color="red" role="alert">
              {remove.error instanceof ApiError && remove.error.status === 412
                ? 'Someone else changed this server since you opened it. Close this, look at the changes, and try again.'
                : errorMessage(remove.error)}
            </Alert>
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={close} data-autofocus>
              Cancel
            </Button>
            <Button
              color="red"
              loading={remove.isPending}
              onClick={() =>
                remove.mutate(
                  { id: server.id, version: seen ?? server.version },
                  {
                    onSuccess: () => {
                      notifications.show({ color: 'green', message: `${server.display_name} was deleted.` });
                      void navigate(listHref);
                    },
                  },
                )
              }
            >
              Delete server
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

/** One server: what it is, its health, its tools and how to connect, with the actions the user may take. */
export function ServerDetailPage({ id }: { id: string }) {
  const query = useServer(id);
  const live = useLiveHealth();
  const refresh = useRefreshServer();
  const [connecting, setConnecting] = useState(false);
  const listState = useListState();
  const listHref = useListHref();

  if (query.isPending) {
    return (
      <Group justify="center" p="xl" role="status">
        <Loader size="sm" />
        <Text size="sm">Loading the server…</Text>
      </Group>
    );
  }
  if (query.isError) {
    const notFound = query.error instanceof ApiError && query.error.status === 404;
    return (
      <Stack>
        <Alert color={notFound ? 'gray' : 'red'} role="alert" title={notFound ? 'No such server' : 'Could not load the server'}>
          {notFound ? 'It was deleted, or you may not see it.' : errorMessage(query.error)}
        </Alert>
        <Anchor component={Link} to={paths.home}>
          Back to the servers
        </Anchor>
      </Stack>
    );
  }

  const server = withLive(query.data, live.servers?.get(id));
  const origin = globalThis.location.origin;

  return (
    <div className="page">
      <title>{`${server.display_name} · MCP Gateway Registry`}</title>
      <Anchor component={Link} to={listHref} size="sm">
        ← Servers
      </Anchor>
      <div className="page__head">
        <Stack gap={4}>
          <Group gap="sm">
            <Title order={1} size="h2" className="page__title">
              {server.display_name}
            </Title>
            <HealthBadge health={server.health} />
            <LiveIndicator status={live.status} />
          </Group>
          <Text c="dimmed" ff="monospace" size="sm">
            /{server.path}
          </Text>
        </Stack>
        <Group gap="xs">
          <ServerStatus server={server} withLabel />
          <Button variant="light" onClick={() => setConnecting(true)}>
            Connect
          </Button>
          {can(server, 'health_check') ? (
            <Button
              variant="default"
              loading={refresh.isPending}
              disabled={!server.enabled}
              title={server.enabled ? undefined : 'A disabled server is not checked'}
              onClick={() =>
                refresh.mutate(server.id, {
                  onError: (error) =>
                    notifications.show({ color: 'red', title: 'The check could not run', message: errorMessage(error) }),
                })
              }
            >
              Check now
            </Button>
          ) : null}
          {can(server, 'edit') ? (
            <Button variant="default" component={Link} to={paths.editServer(server.id)} state={listState}>
              Edit
            </Button>
          ) : null}
          {can(server, 'register') ? <DeleteButton server={server} /> : null}
        </Group>
      </div>

      {server.description ? <Text>{server.description}</Text> : null}

      <div className="detail-grid">
        <Paper withBorder p="lg" component="section" aria-labelledby="health-heading">
          <Title order={2} size="h4" id="health-heading" mb="sm">
            Health
          </Title>
          <Stack gap={6}>
            <Group gap="xs">
              <HealthBadge health={server.health} />
              <CheckedAt health={server.health} />
            </Group>
            {server.health.error ? (
              <Text size="sm" c="red" className="break">
                {server.health.error}
              </Text>
            ) : null}
            <Text size="sm">Last healthy: {dateTime(server.health.last_healthy_at)}</Text>
            <Text size="sm">{toolCount(server.tool_count)} at the last check</Text>
            <HealthHistory serverId={server.id} />
          </Stack>
        </Paper>

        <Paper withBorder p="lg" component="section" aria-labelledby="endpoints-heading">
          <Title order={2} size="h4" id="endpoints-heading" mb="sm">
            Endpoints
          </Title>
          <Stack gap="xs">
            <CopyField value={endpointUrl(origin, server.path, server.transport)} label="endpoint" />
            <Text size="xs" c="dimmed">
              {server.transport === 'sse' ? 'SSE (legacy transport)' : 'Streamable HTTP'}; send a gateway token as{' '}
              <Code>Authorization: Bearer …</Code>
              {server.egress?.type === 'passthrough' ? (
                <>
                  {' '}
                  in <Code>X-Authorization</Code>, and your own token for the server in <Code>Authorization</Code>
                </>
              ) : null}
              .
            </Text>
          </Stack>
        </Paper>

        <Paper withBorder p="lg" component="section" aria-labelledby="about-heading">
          <Title order={2} size="h4" id="about-heading" mb="sm">
            About
          </Title>
          <Table withRowBorders={false} verticalSpacing={4}>
            <Table.Tbody>
              <Fact label="Transport">{server.transport}</Fact>
              {server.upstream_url ? <Fact label="Upstream">{server.upstream_url}</Fact> : null}
              {server.egress ? (
                <Fact label="Credentials">
                  {server.egress.type === 'none'
                    ? 'none'
                    : server.egress.type === 'bearer'
                      ? `bearer token (${server.egress.token_set ? 'set' : 'not set'})`
                      : server.egress.type === 'headers'
                        ? `headers: ${server.egress.headers.map((h) => h.name).join(', ') || 'none'}`
                        : 'pass-through (the agent’s own Authorization)'}
                </Fact>
              ) : null}
              <Fact label="Tags">
                {server.tags.length ? (
                  <Group gap={4}>
                    {server.tags.map((t) => (
                      <Badge key={t} variant="default" radius="sm" size="sm" tt="none">
                        {t}
                      </Badge>
                    ))}
                  </Group>
                ) : (
                  '—'
                )}
              </Fact>
              {server.license ? <Fact label="License">{server.license}</Fact> : null}
              <Fact label="Registered">
                {dateTime(server.created_at)} by {server.created_by}
              </Fact>
              <Fact label="Last edited">
                {dateTime(server.updated_at)} by {server.updated_by} (version {server.version})
              </Fact>
              <Fact label="You may">{server.permissions.join(', ') || 'see it'}</Fact>
            </Table.Tbody>
          </Table>
        </Paper>
      </div>

      <Paper withBorder p="lg" component="section" aria-labelledby="tools-heading">
        <Title order={2} size="h4" id="tools-heading" mb="sm">
          Tools
        </Title>
        <ToolList serverId={server.id} />
      </Paper>

      <ConnectDialog server={connecting ? server : null} onClose={() => setConnecting(false)} />
    </div>
  );
}
