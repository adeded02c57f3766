import { Alert, Button, Group, Modal, Stack, Table, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';

import { FormActions } from '@/components/ui/form-actions';
import { LoadError, Loading } from '@/components/ui/loading';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { errorMessage, fieldError } from '@/lib/api/errors';

import { useCreateGroup } from '../api/create-group';
import { useDeleteGroup } from '../api/delete-group';
import type { Group as GroupT } from '../api/keys';
import { useGroups } from '../api/list-groups';

function CreateGroupDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const create = useCreateGroup();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  function close() {
    create.reset();
    setName('');
    setDescription('');
    onClose();
  }
  function submit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) return;
    create.mutate({ name: name.trim(), description: description.trim() }, { onSuccess: close });
  }
  const nameError = fieldError(create.error, 'name');
  return (
    <Modal opened={opened} onClose={close} title="Create a local group">
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput
            label="Name"
            description="e.g. mcp-server-weather (the conventions apply), or any name to map to scopes."
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={nameError}
            required
            data-autofocus
          />
          <TextInput label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
          {create.isError && !nameError ? (
            <Alert color="red" role="alert">
              {errorMessage(create.error)}
            </Alert>
          ) : null}
          <FormActions onCancel={close} submitLabel="Create group" pending={create.isPending} disabled={!name.trim()} />
        </Stack>
      </form>
    </Modal>
  );
}

/** Local groups and those identity providers reported, with member counts. */
export function GroupsPanel() {
  const groups = useGroups();
  const remove = useDeleteGroup();
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<GroupT>();

  if (groups.isPending) {
    return (
      <Loading label="Loading groups…" />
    );
  }
  if (groups.isError) {
    return (
      <LoadError title="Could not load the groups" error={groups.error} />
    );
  }
  return (
    <Stack>
      <Group justify="flex-end">
        <Button onClick={() => setCreating(true)}>Create group</Button>
      </Group>
      {groups.data.length === 0 ? (
        <Text className="empty">No groups yet.</Text>
      ) : (
        <div className="table-scroll">
          <Table striped verticalSpacing="sm" aria-label="Groups">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Group</Table.Th>
                <Table.Th>Source</Table.Th>
                <Table.Th>Members</Table.Th>
                <Table.Th>
                  <span className="visually-hidden">Actions</span>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {groups.data.map((g) => (
                <Table.Tr key={g.name} data-group={g.name}>
                  <Table.Td>
                    <Text fw={500} size="sm">
                      {g.name}
                    </Text>
                    {g.description ? (
                      <Text size="xs" c="dimmed">
                        {g.description}
                      </Text>
                    ) : null}
                  </Table.Td>
                  <Table.Td>{g.source}</Table.Td>
                  <Table.Td>{g.members}</Table.Td>
                  <Table.Td>
                    <Group justify="flex-end">
                      <Button size="xs" variant="light" color="red" onClick={() => setDeleting(g)} aria-label={`Delete ${g.name}`}>
                        Delete
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
      <CreateGroupDialog opened={creating} onClose={() => setCreating(false)} />
      <ConfirmDialog
        opened={deleting !== undefined}
        title={`Delete the group ${deleting?.name ?? ''}?`}
        confirmLabel="Delete group"
        pending={remove.isPending}
        error={remove.isError ? errorMessage(remove.error) : undefined}
        onClose={() => (remove.reset(), setDeleting(undefined))}
        onConfirm={() => deleting && remove.mutate(deleting.name, { onSuccess: () => setDeleting(undefined) })}
      >
        Its {deleting?.members ?? 0} members leave it and lose what it gave them; their sessions end.
      </ConfirmDialog>
    </Stack>
  );
}
