import { Alert, Badge, Button, Group, Modal, MultiSelect, Stack, Table, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';

import { FormActions } from '@/components/ui/form-actions';
import { LoadError, Loading } from '@/components/ui/loading';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { errorMessage } from '@/lib/api/errors';

import { useDeleteMapping } from '../api/delete-mapping';
import type { Mapping } from '../api/keys';
import { useMappings } from '../api/list-mappings';
import { useScopes } from '../api/list-scopes';
import { usePutMapping } from '../api/put-mapping';

function MappingDialog({
  mapping,
  scopeNames,
  onClose,
}: {
  mapping: Mapping | null | undefined;
  scopeNames: string[];
  onClose: () => void;
}) {
  return (
    <Modal
      opened={mapping !== undefined}
      onClose={onClose}
      title={mapping ? `Scopes of ${mapping.group}` : 'Map a group to scopes'}
      size="lg"
    >
      {mapping !== undefined ? <MappingForm key={mapping?.group ?? '(new)'} mapping={mapping} scopeNames={scopeNames} onClose={onClose} /> : null}
    </Modal>
  );
}

function MappingForm({ mapping, scopeNames, onClose }: { mapping: Mapping | null; scopeNames: string[]; onClose: () => void }) {
  const put = usePutMapping();
  const [group, setGroup] = useState(mapping?.group ?? '');
  const [scopes, setScopes] = useState<string[]>(mapping?.scopes ?? []);
  const [tried, setTried] = useState(false);
  function submit(e: FormEvent) {
    e.preventDefault();
    setTried(true);
    if (!group.trim()) return;
    put.mutate({ group: group.trim(), scopes }, { onSuccess: onClose });
  }
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <TextInput
          label="Group"
          description="As the identity provider reports it (Entra ID: the group's object id), or a local group."
          value={group}
          readOnly={mapping !== null}
          onChange={(e) => setGroup(e.currentTarget.value)}
          error={tried && !group.trim() ? 'Name the group.' : undefined}
          required={mapping === null}
          data-autofocus={mapping === null || undefined}
        />
        <MultiSelect
          label="Scopes"
          description="Members get every permission these scopes grant."
          data={[...new Set([...scopeNames, ...scopes])]}
          value={scopes}
          onChange={setScopes}
          searchable
          clearable
        />
        {put.isError ? (
          <Alert color="red" role="alert">
            {errorMessage(put.error)}
          </Alert>
        ) : null}
        <FormActions onCancel={onClose} submitLabel="Save mapping" pending={put.isPending} />
      </Stack>
    </form>
  );
}

/** Group → scope mappings: what each group's members get. */
export function MappingsPanel() {
  const mappings = useMappings();
  const scopes = useScopes();
  const remove = useDeleteMapping();
  const [editing, setEditing] = useState<Mapping | null>();
  const [deleting, setDeleting] = useState<Mapping>();
  const scopeNames = scopes.data?.map((s) => s.name) ?? [];
  const defined = new Set(scopeNames);

  if (mappings.isPending) {
    return (
      <Loading label="Loading mappings…" />
    );
  }
  if (mappings.isError) {
    return (
      <LoadError title="Could not load the mappings" error={mappings.error} />
    );
  }
  return (
    <Stack>
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Groups named by the conventions (mcp-admin, mcp-user, mcp-server-&#123;name&#125;…) get their scopes without a
          mapping.
        </Text>
        <Button onClick={() => setEditing(null)}>Map a group</Button>
      </Group>
      {mappings.data.length === 0 ? (
        <Text className="empty">No mappings yet.</Text>
      ) : (
        <div className="table-scroll">
          <Table striped verticalSpacing="sm" aria-label="Group mappings">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Group</Table.Th>
                <Table.Th>Scopes</Table.Th>
                <Table.Th>
                  <span className="visually-hidden">Actions</span>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {mappings.data.map((m) => (
                <Table.Tr key={m.group} data-mapping={m.group}>
                  <Table.Td fw={500}>{m.group}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {m.scopes.map((s) => (
                        <Badge
                          key={s}
                          variant={defined.has(s) || !scopes.data ? 'default' : 'light'}
                          color={defined.has(s) || !scopes.data ? undefined : 'orange'}
                          radius="sm"
                          tt="none"
                          title={defined.has(s) || !scopes.data ? undefined : 'Not defined: grants nothing'}
                        >
                          {s}
                          {defined.has(s) || !scopes.data ? null : ' (not defined)'}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap" justify="flex-end">
                      <Button size="xs" variant="default" onClick={() => setEditing(m)} aria-label={`Edit ${m.group}`}>
                        Edit
                      </Button>
                      <Button size="xs" variant="light" color="red" onClick={() => setDeleting(m)} aria-label={`Remove ${m.group}`}>
                        Remove
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
      <MappingDialog mapping={editing} scopeNames={scopeNames} onClose={() => setEditing(undefined)} />
      <ConfirmDialog
        opened={deleting !== undefined}
        title={`Remove the mapping of ${deleting?.group ?? ''}?`}
        confirmLabel="Remove mapping"
        pending={remove.isPending}
        error={remove.isError ? errorMessage(remove.error) : undefined}
        onClose={() => (remove.reset(), setDeleting(undefined))}
        onConfirm={() => deleting && remove.mutate(deleting.group, { onSuccess: () => setDeleting(undefined) })}
      >
        Its members lose these scopes on every replica within a second (unless another group gives them).
      </ConfirmDialog>
    </Stack>
  );
}
