import { Alert, Badge, Button, Group, Menu, SegmentedControl, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useSearchParams } from 'react-router';

import { notifications } from '@mantine/notifications';

import { dateTime } from '@/lib/format';
import { LoadError, Loading } from '@/components/ui/loading';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { errorMessage } from '@/lib/api/errors';

import { useDeleteUser } from '../api/delete-user';
import type { User } from '../api/keys';
import { useGroupNames } from '../api/list-group-names';
import { useUsers } from '../api/list-users';
import { useUpdateUser } from '../api/update-user';
import { filterUsers, type SourceFilter } from '../utils/users';
import { SessionsDialog } from './sessions-dialog';
import { CreateUserDialog, EditUserDialog, PasswordDialog } from './user-dialogs';

type Dialog = { kind: 'edit' | 'password' | 'sessions' | 'delete' | 'disable'; user: User } | undefined;

/** Local and identity-provider users (administrators): create, edit, disable, reset password, sessions. */
export function UsersPage({ currentUsername }: { currentUsername: string }) {
  const users = useUsers();
  const groups = useGroupNames();
  const update = useUpdateUser();
  const remove = useDeleteUser();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const source = (['local', 'idp'] as const).find((s) => s === params.get('source')) ?? 'all';
  const [creating, setCreating] = useState(false);
  const [dialog, setDialog] = useState<Dialog>();
  const shown = users.data ? filterUsers(users.data, q, source) : [];
  const groupNames = groups.data ?? [];

  function setFilter(next: { q?: string; source?: SourceFilter }) {
    const p = new URLSearchParams();
    const nq = next.q ?? q;
    const ns = next.source ?? source;
    if (nq) p.set('q', nq);
    if (ns !== 'all') p.set('source', ns);
    setParams(p, { replace: true });
  }

  const open = (kind: NonNullable<Dialog>['kind'], user: User) => setDialog({ kind, user });
  const close = () => setDialog(undefined);

  return (
    <div className="page">
      <title>Users · MCP Gateway Registry</title>
      <div className="page__head">
        <Title order={1} size="h2" className="page__title">
          Users
        </Title>
        <Button onClick={() => setCreating(true)}>Create user</Button>
      </div>
      <div className="filters" role="search">
        <TextInput
          className="filters__search"
          type="search"
          label="Search"
          placeholder="Username, name, e-mail or group"
          value={q}
          onChange={(e) => setFilter({ q: e.currentTarget.value })}
        />
        <SegmentedControl
          aria-label="Source"
          value={source}
          onChange={(v) => setFilter({ source: v as SourceFilter })}
          data={[
            { label: 'Everyone', value: 'all' },
            { label: 'Local', value: 'local' },
            { label: 'Identity provider', value: 'idp' },
          ]}
        />
      </div>
      {users.isPending ? (
        <Loading label="Loading users…" />
      ) : users.isError ? (
        <LoadError title="Could not load the users" error={users.error} />
      ) : shown.length === 0 ? (
        <Text className="empty">{q || source !== 'all' ? 'No users match.' : 'No users yet.'}</Text>
      ) : (
        <div className="table-scroll">
          <Table striped verticalSpacing="sm" aria-label="Users">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>User</Table.Th>
                <Table.Th>Signs in with</Table.Th>
                <Table.Th>Groups</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Last sign-in</Table.Th>
                <Table.Th>
                  <span className="visually-hidden">Actions</span>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {shown.map((u) => (
                <Table.Tr key={u.id} data-user={u.username}>
                  <Table.Td>
                    <Group gap={6}>
                      <Text fw={500} size="sm">
                        {u.username}
                      </Text>
                      {u.is_admin ? (
                        <Badge size="xs" variant="light" radius="sm">
                          Admin
                        </Badge>
                      ) : null}
                      {u.username === currentUsername ? (
                        <Badge size="xs" variant="outline" radius="sm">
                          You
                        </Badge>
                      ) : null}
                    </Group>
                    <Text size="xs" c="dimmed">
                      {[u.display_name, u.email].filter(Boolean).join(' · ')}
                    </Text>
                  </Table.Td>
                  <Table.Td>{u.auth_source === 'local' ? 'password' : u.auth_source}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {u.groups.length
                        ? u.groups.map((g) => (
                            <Badge key={g} variant="default" radius="sm" size="sm" tt="none">
                              {g}
                            </Badge>
                          ))
                        : '—'}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={u.disabled ? 'gray' : 'green'} variant="light" radius="sm">
                      {u.disabled ? 'Disabled' : 'Active'}
                    </Badge>
                  </Table.Td>
                  <Table.Td className="nowrap">{dateTime(u.last_login_at, 'never')}</Table.Td>
                  <Table.Td>
                    <Menu position="bottom-end">
                      <Menu.Target>
                        <Button size="xs" variant="default" aria-label={`Actions for ${u.username}`}>
                          Actions
                        </Button>
                      </Menu.Target>
                      <Menu.Dropdown>
                        <Menu.Item onClick={() => open('edit', u)}>Edit…</Menu.Item>
                        <Menu.Item onClick={() => open('sessions', u)}>Sessions…</Menu.Item>
                        {u.auth_source === 'local' ? (
                          <Menu.Item onClick={() => open('password', u)}>Reset password…</Menu.Item>
                        ) : null}
                        <Menu.Item
                          disabled={u.username === currentUsername}
                          onClick={() =>
                            u.disabled
                              ? update.mutate({ id: u.id, changes: { disabled: false } })
                              : open('disable', u)
                          }
                        >
                          {u.disabled ? 'Enable' : 'Disable'}
                        </Menu.Item>
                        <Menu.Divider />
                        <Menu.Item color="red" disabled={u.username === currentUsername} onClick={() => open('delete', u)}>
                          Delete…
                        </Menu.Item>
                      </Menu.Dropdown>
                    </Menu>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
      {update.isError && dialog?.kind !== 'disable' ? (
        <Alert color="red" role="alert">
          {errorMessage(update.error)}
        </Alert>
      ) : null}
      <CreateUserDialog opened={creating} onClose={() => setCreating(false)} groups={groupNames} />
      <EditUserDialog user={dialog?.kind === 'edit' ? dialog.user : undefined} onClose={close} groups={groupNames} />
      <PasswordDialog user={dialog?.kind === 'password' ? dialog.user : undefined} onClose={close} />
      <SessionsDialog user={dialog?.kind === 'sessions' ? dialog.user : undefined} onClose={close} />
      <ConfirmDialog
        opened={dialog?.kind === 'disable'}
        title={`Disable ${dialog?.user.username ?? ''}?`}
        confirmLabel="Disable user"
        pending={update.isPending}
        error={update.isError ? errorMessage(update.error) : undefined}
        onClose={() => (update.reset(), close())}
        onConfirm={() =>
          dialog &&
          update.mutate(
            { id: dialog.user.id, changes: { disabled: true } },
            {
              onSuccess: () => {
                notifications.show({ color: 'green', message: `${dialog.user.username} is disabled.` });
                close();
              },
            },
          )
        }
      >
        They cannot sign in any more: their sessions end at once and their tokens are refused, on every replica.
      </ConfirmDialog>
      <ConfirmDialog
        opened={dialog?.kind === 'delete'}
        title={`Delete ${dialog?.user.username ?? ''}?`}
        confirmLabel="Delete user"
        pending={remove.isPending}
        error={remove.isError ? errorMessage(remove.error) : undefined}
        onClose={() => (remove.reset(), close())}
        onConfirm={() => dialog && remove.mutate(dialog.user.id, { onSuccess: close })}
      >
        <Stack gap={4}>
          <span>Their sessions and personal access tokens end at once. This cannot be undone.</span>
          {dialog?.user.auth_source !== 'local' ? (
            <span>An identity-provider user comes back at their next sign-in, unless the provider stops them.</span>
          ) : null}
        </Stack>
      </ConfirmDialog>
    </div>
  );
}
