import { Alert, Button, Code, Group, Modal, Select, Stack, Switch, Table, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';

import { FormActions } from '@/components/ui/form-actions';
import { LoadError, Loading } from '@/components/ui/loading';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { SecretReveal } from '@/components/ui/secret-reveal';
import { errorMessage, fieldError } from '@/lib/api/errors';

import { useCreateToken, type CreatedToken } from '../api/create-token';
import type { AccessToken } from '../api/keys';
import { useTokens } from '../api/list-tokens';
import { useRevokeToken } from '../api/revoke-token';
import { lifetimes, shortDate, tokenStatus } from '../utils/status';
import { StatusBadge } from './status-badge';

function CreateTokenDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const create = useCreateToken();
  const [name, setName] = useState('');
  const [lifetime, setLifetime] = useState('90');
  const [created, setCreated] = useState<CreatedToken>();

  // The dialog fades out first, then forgets: it must not flash the empty form while closing.
  function forget() {
    create.reset();
    setCreated(undefined);
    setName('');
    setLifetime('90');
  }
  const close = onClose;

  function submit(event: FormEvent) {
    event.preventDefault();
    const days = lifetimes.find((l) => l.value === lifetime)?.days;
    create.mutate({ name: name.trim(), ...(days ? { expires_in_days: days } : {}) }, { onSuccess: setCreated });
  }

  const nameError = fieldError(create.error, 'name');
  return (
    <Modal
      opened={opened}
      onClose={close}
      title={created ? 'Your new token' : 'Create a personal access token'}
      size="lg"
      // Shown once: only Done closes it, never a stray click or Escape.
      closeOnClickOutside={!created}
      closeOnEscape={!created}
      withCloseButton={!created}
      onExitTransitionEnd={forget}
    >
      {created ? (
        <Stack>
          <SecretReveal label="Token" value={created.token} />
          <Text size="sm">
            Send it as <Code>Authorization: Bearer &lt;token&gt;</Code> (or <Code>X-Authorization</Code> for pass-through
            servers). It acts as you, with your permissions at the time of each request.
          </Text>
          <Group justify="flex-end">
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack>
            <TextInput
              label="Name"
              description="What the token is for, e.g. laptop CLI or VS Code."
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              error={nameError}
              required
              data-autofocus
            />
            <Select
              label="Expires after"
              data={lifetimes.map(({ value, label }) => ({ value, label }))}
              value={lifetime}
              onChange={(v) => setLifetime(v ?? '90')}
              allowDeselect={false}
            />
            {create.isError && !nameError ? (
              <Alert color="red" role="alert">
                {errorMessage(create.error)}
              </Alert>
            ) : null}
            <FormActions onCancel={close} submitLabel="Create token" pending={create.isPending} disabled={!name.trim()} />
          </Stack>
        </form>
      )}
    </Modal>
  );
}

/**
 * The signed-in user's personal access tokens: create (the token is shown
 * once), list, revoke. Administrators may list everyone's.
 */
export function PersonalTokens({ isAdmin, canCreate }: { isAdmin: boolean; canCreate: boolean }) {
  const [everyone, setEveryone] = useState(false);
  const tokens = useTokens(everyone);
  const revoke = useRevokeToken();
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<AccessToken>();

  return (
    <Stack>
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Tokens for agents and scripts that act as you. Each has your permissions at the time of each request.
        </Text>
        <Group>
          {isAdmin ? (
            <Switch label="Everyone's tokens" checked={everyone} onChange={(e) => setEveryone(e.currentTarget.checked)} />
          ) : null}
          {canCreate ? <Button onClick={() => setCreating(true)}>Create token</Button> : null}
        </Group>
      </Group>
      {!canCreate ? (
        <Alert color="blue" variant="light">
          Tokens can be created only from a browser session, not with another token.
        </Alert>
      ) : null}
      {tokens.isPending ? (
        <Loading label="Loading tokens…" />
      ) : tokens.isError ? (
        <LoadError title="Could not load the tokens" error={tokens.error} />
      ) : tokens.data.length === 0 ? (
        <Text className="empty">No tokens yet.</Text>
      ) : (
        <div className="table-scroll">
          <Table striped verticalSpacing="sm" aria-label="Personal access tokens">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                {everyone ? <Table.Th>User</Table.Th> : null}
                <Table.Th>Token</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Last used</Table.Th>
                <Table.Th>Expires</Table.Th>
                <Table.Th>
                  <span className="visually-hidden">Actions</span>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {tokens.data.map((t) => {
                const status = tokenStatus(t);
                return (
                  <Table.Tr key={t.id} data-token={t.name}>
                    <Table.Td fw={500}>{t.name}</Table.Td>
                    {everyone ? <Table.Td>{t.username}</Table.Td> : null}
                    <Table.Td>
                      <Code>{t.prefix}…</Code>
                    </Table.Td>
                    <Table.Td>
                      <StatusBadge status={status} />
                    </Table.Td>
                    <Table.Td className="nowrap">{shortDate(t.created_at)}</Table.Td>
                    <Table.Td className="nowrap">{t.last_used_at ? shortDate(t.last_used_at) : 'never'}</Table.Td>
                    <Table.Td className="nowrap">{t.expires_at ? shortDate(t.expires_at) : 'never'}</Table.Td>
                    <Table.Td>
                      {status === 'active' ? (
                        <Button size="xs" variant="light" color="red" onClick={() => setRevoking(t)} aria-label={`Revoke ${t.name}`}>
                          Revoke
                        </Button>
                      ) : null}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </div>
      )}
      <CreateTokenDialog opened={creating} onClose={() => setCreating(false)} />
      <ConfirmDialog
        opened={revoking !== undefined}
        title={`Revoke ${revoking?.name ?? ''}?`}
        confirmLabel="Revoke token"
        pending={revoke.isPending}
        error={revoke.isError ? errorMessage(revoke.error) : undefined}
        onClose={() => {
          revoke.reset();
          setRevoking(undefined);
        }}
        onConfirm={() =>
          revoking &&
          revoke.mutate(revoking.id, {
            onSuccess: () => setRevoking(undefined),
          })
        }
      >
        Agents using it are refused on every replica within the token cache time (30 s by default). This cannot be undone.
      </ConfirmDialog>
    </Stack>
  );
}
