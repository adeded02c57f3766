import { Alert, Anchor, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';

import { LoadError } from '@/components/ui/loading';
import { paths } from '@/config/paths';

import { useCreateServer } from '../api/create-server';
import { useServer } from '../api/get-server';
import type { Server } from '../api/keys';
import { useServers } from '../api/list-servers';
import { useUpdateServer } from '../api/update-server';
import { allTags } from '../utils/filters';
import { useListState } from '../utils/list-return';
import { can } from '../utils/permissions';
import { toCreateRequest, toUpdateChanges } from '../utils/server-form';
import { ServerForm } from './server-form';

/** Register a new server. */
export function NewServerPage() {
  const navigate = useNavigate();
  const create = useCreateServer();
  const servers = useServers();
  return (
    <div className="page page--narrow">
      <title>Register a server · MCP Gateway Registry</title>
      <Anchor component={Link} to={paths.home} size="sm">
        ← Servers
      </Anchor>
      <Title order={1} size="h2" className="page__title">
        Register a server
      </Title>
      <ServerForm
        knownTags={servers.data ? allTags(servers.data) : []}
        onCancel={() => void navigate(paths.home)}
        onSubmit={async (values) => {
          const server = await create.mutateAsync(toCreateRequest(values));
          notifications.show({ color: 'green', message: `${server.display_name} is registered; its first check runs now.` });
          void navigate(paths.server(server.id));
        }}
      />
    </div>
  );
}

/** Edit a server, only if nobody changed it in between (If-Match). */
export function EditServerPage({ id }: { id: string }) {
  const query = useServer(id);

  if (query.isPending) {
    return (
      <Group justify="center" p="xl" role="status">
        <Loader size="sm" />
        <Text size="sm">Loading the server…</Text>
      </Group>
    );
  }
  if (query.isError) {
    return (
      <Stack>
        <LoadError title="Could not load the server" error={query.error} />
        <Anchor component={Link} to={paths.home}>
          Back to the servers
        </Anchor>
      </Stack>
    );
  }
  if (!can(query.data, 'edit')) {
    return (
      <Stack>
        <Alert color="gray" role="alert" title="You may not edit this server">
          Ask an administrator for the edit permission on {query.data.display_name}.
        </Alert>
        <Anchor component={Link} to={paths.server(query.data.id)}>
          Back to {query.data.display_name}
        </Anchor>
      </Stack>
    );
  }
  return <EditServer key={id} initial={query.data} reload={async () => (await query.refetch()).data} />;
}

/**
 * The form on the version the user started from, kept even when the cache
 * moves on (a live update, someone else's edit): saving sends that version
 * in If-Match, so a change made in between is never overwritten silently.
 */
function EditServer({ initial, reload }: { initial: Server; reload: () => Promise<Server | undefined> }) {
  const navigate = useNavigate();
  const update = useUpdateServer();
  const servers = useServers();
  const [base, setBase] = useState(initial);
  const listState = useListState();
  return (
    <div className="page page--narrow">
      <title>{`Edit ${base.display_name} · MCP Gateway Registry`}</title>
      <Anchor component={Link} to={paths.server(base.id)} state={listState} size="sm">
        ← {base.display_name}
      </Anchor>
      <Title order={1} size="h2" className="page__title">
        Edit {base.display_name}
      </Title>
      <ServerForm
        key={base.version}
        server={base}
        knownTags={servers.data ? allTags(servers.data) : []}
        onCancel={() => void navigate(paths.server(base.id), { state: listState })}
        onReload={async () => {
          const fresh = await reload();
          if (fresh) setBase(fresh);
        }}
        onSubmit={async (values) => {
          const changes = toUpdateChanges(values, base);
          if (Object.keys(changes).length > 0) {
            await update.mutateAsync({ id: base.id, version: base.version, changes });
            notifications.show({ color: 'green', message: 'Changes saved.' });
          }
          void navigate(paths.server(base.id), { state: listState });
        }}
      />
    </div>
  );
}
