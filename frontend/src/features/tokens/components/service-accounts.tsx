import {
  Alert,
  Badge,
  Button,
  Code,
  Group,
  Menu,
  Modal,
  Stack,
  Table,
  TagsInput,
  Text,
  TextInput,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState, type FormEvent } from 'react';

import { FormActions } from '@/components/ui/form-actions';
import { LoadError, Loading } from '@/components/ui/loading';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { SecretReveal } from '@/components/ui/secret-reveal';
import { ApiError, errorMessage, fieldError } from '@/lib/api/errors';

import { useCreateServiceAccount, type ServiceAccountCredentials } from '../api/create-service-account';
import { useDeleteServiceAccount } from '../api/delete-service-account';
import type { ServiceAccount } from '../api/keys';
import { useServiceAccounts } from '../api/list-service-accounts';
import { useRevokeServiceAccountTokens } from '../api/revoke-service-account-tokens';
import { useRotateSecret } from '../api/rotate-secret';
import { useUpdateServiceAccount } from '../api/update-service-account';
import { accountStatus, shortDate } from '../utils/status';
import { StatusBadge } from './status-badge';

/** How to get a token with the credentials: the client-credentials grant. */
function Credentials({ credentials }: { credentials: ServiceAccountCredentials }) {
  const origin = globalThis.location.origin;
  return (
    <Stack>
      <Text size="sm">
        Client id: <Code>{credentials.client_id}</Code>
      </Text>
      <SecretReveal label="Client secret" value={credentials.client_secret} />
      <Text size="sm">Get a token (valid for a limited time) with the client-credentials grant:</Text>
      <Code block className="code-block">
        {`curl -s -u '${credentials.client_id}:<client secret>' \\\n  -d grant_type=client_credentials ${origin}/oauth2/token`}
      </Code>
    </Stack>
  );
}

function CreateAccountDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const create = useCreateServiceAccount();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [groups, setGroups] = useState<string[]>([]);
  const [created, setCreated] = useState<ServiceAccountCredentials>();

  // The dialog fades out first, then forgets: it must not flash the empty form while closing.
  function forget() {
    create.reset();
    setCreated(undefined);
    setName('');
    setDescription('');
    setGroups([]);
  }
  const close = onClose;

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate({ name: name.trim(), description: description.trim(), groups }, { onSuccess: setCreated });
  }

  const field = create.error instanceof ApiError ? create.error.field : undefined;
  return (
    <Modal
      opened={opened}
      onClose={close}
      title={created ? `${created.service_account.name} is ready` : 'Create a service account'}
      size="lg"
      // Shown once: only Done closes it, never a stray click or Escape.
      closeOnClickOutside={!created}
      closeOnEscape={!created}
      withCloseButton={!created}
      onExitTransitionEnd={forget}
    >
      {created ? (
        <Stack>
          <Credentials credentials={created} />
          <Group justify="flex-end">
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack>
            <TextInput
              label="Name"
              description="Lowercase, e.g. ci-deployer."
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              error={fieldError(create.error, 'name')}
              required
              data-autofocus
            />
            <TextInput label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
            <TagsInput
              label="Groups"
              description="They decide what the account may do, as for users (e.g. mcp-server-weather). Press Enter after each."
              value={groups}
              onChange={setGroups}
              error={fieldError(create.error, 'groups')}
            />
            {create.isError && field !== 'name' && field !== 'groups' ? (
              <Alert color="red" role="alert">
                {errorMessage(create.error)}
              </Alert>
            ) : null}
            <FormActions onCancel={close} submitLabel="Create account" pending={create.isPending} disabled={!name.trim()} />
          </Stack>
        </form>
      )}
    </Modal>
  );
}

type Pending = { kind: 'rotate' | 'revoke' | 'delete' | 'disable'; account: ServiceAccount } | undefined;

const confirmText = {
  rotate: {
    title: 'Rotate the client secret of',
    label: 'Rotate secret',
    body: 'The current secret stops working at once: update every place that uses it. Tokens already issued stay valid until they expire.',
  },
  revoke: {
    title: 'Revoke every token of',
    label: 'Revoke tokens',
    body: 'Every token issued to the account so far stops working, on every replica within the token cache time. The account may get new ones.',
  },
  disable: {
    title: 'Disable',
    label: 'Disable account',
    body: 'It gets no new tokens, and the ones it has are refused on every replica within the token cache time, until it is enabled again.',
  },
  delete: {
    title: 'Delete',
    label: 'Delete account',
    body: 'Its secret and tokens stop working, on every replica within the token cache time. This cannot be undone.',
  },
};

/** Service accounts for the client-credentials grant (administrators). */
export function ServiceAccounts() {
  const accounts = useServiceAccounts();
  const update = useUpdateServiceAccount();
  const rotate = useRotateSecret();
  const revoke = useRevokeServiceAccountTokens();
  const remove = useDeleteServiceAccount();
  const [creating, setCreating] = useState(false);
  const [pending, setPending] = useState<Pending>();
  const [rotated, setRotated] = useState<ServiceAccountCredentials>();

  const closeRotated = () => {
    rotate.reset();
    setRotated(undefined);
  };
  const action = pending ? { rotate, revoke, delete: remove, disable: update }[pending.kind] : undefined;
  function confirm() {
    if (!pending) return;
    const { kind, account } = pending;
    const done = () => setPending(undefined);
    if (kind === 'rotate') rotate.mutate(account.id, { onSuccess: (c) => (done(), setRotated(c)) });
    if (kind === 'revoke')
      revoke.mutate(account.id, {
        onSuccess: () => (done(), notifications.show({ color: 'green', message: `Every token of ${account.name} was revoked.` })),
      });
    if (kind === 'delete') remove.mutate(account.id, { onSuccess: done });
    if (kind === 'disable') update.mutate({ id: account.id, changes: { disabled: true } }, { onSuccess: done });
  }

  return (
    <Stack>
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Accounts for machines: they get tokens at /oauth2/token with a client id and secret. Their groups decide what
          they may do.
        </Text>
        <Button onClick={() => setCreating(true)}>Create service account</Button>
      </Group>
      {accounts.isPending ? (
        <Loading label="Loading service accounts…" />
      ) : accounts.isError ? (
        <LoadError title="Could not load the service accounts" error={accounts.error} />
      ) : accounts.data.length === 0 ? (
        <Text className="empty">No service accounts yet.</Text>
      ) : (
        <div className="table-scroll">
          <Table striped verticalSpacing="sm" aria-label="Service accounts">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Client id</Table.Th>
                <Table.Th>Groups</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Last used</Table.Th>
                <Table.Th>
                  <span className="visually-hidden">Actions</span>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {accounts.data.map((a) => (
                <Table.Tr key={a.id} data-account={a.name}>
                  <Table.Td>
                    <Text fw={500} size="sm">
                      {a.name}
                    </Text>
                    {a.description ? (
                      <Text size="xs" c="dimmed">
                        {a.description}
                      </Text>
                    ) : null}
                  </Table.Td>
                  <Table.Td>
                    <Code>{a.client_id}</Code>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {a.groups.length
                        ? a.groups.map((g) => (
                            <Badge key={g} variant="default" radius="sm" size="sm" tt="none">
                              {g}
                            </Badge>
                          ))
                        : '—'}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge status={accountStatus(a)} />
                  </Table.Td>
                  <Table.Td className="nowrap">{a.last_used_at ? shortDate(a.last_used_at) : 'never'}</Table.Td>
                  <Table.Td>
                    <Menu position="bottom-end" withinPortal>
                      <Menu.Target>
                        <Button size="xs" variant="default" aria-label={`Actions for ${a.name}`}>
                          Actions
                        </Button>
                      </Menu.Target>
                      <Menu.Dropdown>
                        <Menu.Item
                          onClick={() =>
                            a.disabled
                              ? update.mutate(
                                  { id: a.id, changes: { disabled: false } },
                                  {
                                    onError: (e) =>
                                      notifications.show({ color: 'red', title: `Could not enable ${a.name}`, message: errorMessage(e) }),
                                  },
                                )
                              : setPending({ kind: 'disable', account: a })
                          }
                        >
                          {a.disabled ? 'Enable' : 'Disable…'}
                        </Menu.Item>
                        <Menu.Item onClick={() => setPending({ kind: 'rotate', account: a })}>Rotate secret…</Menu.Item>
                        <Menu.Item onClick={() => setPending({ kind: 'revoke', account: a })}>Revoke tokens…</Menu.Item>
                        <Menu.Divider />
                        <Menu.Item color="red" onClick={() => setPending({ kind: 'delete', account: a })}>
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
      <CreateAccountDialog opened={creating} onClose={() => setCreating(false)} />
      <ConfirmDialog
        opened={pending !== undefined}
        title={pending ? `${confirmText[pending.kind].title} ${pending.account.name}?` : ''}
        confirmLabel={pending ? confirmText[pending.kind].label : ''}
        pending={action?.isPending}
        error={action?.isError ? errorMessage(action.error) : undefined}
        onClose={() => {
          action?.reset();
          setPending(undefined);
        }}
        onConfirm={confirm}
      >
        {pending ? confirmText[pending.kind].body : null}
      </ConfirmDialog>
      <Modal
        opened={rotated !== undefined}
        onClose={closeRotated}
        title="The new client secret"
        size="lg"
        closeOnClickOutside={false}
        closeOnEscape={false}
        withCloseButton={false}
      >
        {rotated ? (
          <Stack>
            <Credentials credentials={rotated} />
            <Group justify="flex-end">
              <Button onClick={closeRotated}>Done</Button>
            </Group>
          </Stack>
        ) : null}
      </Modal>
    </Stack>
  );
}
