import { Badge, Button, Code, Group, Stack, Table, Text, TextInput } from '@mantine/core';
import { useState } from 'react';

import { LoadError, Loading } from '@/components/ui/loading';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { errorMessage } from '@/lib/api/errors';

import { useDeleteScope } from '../api/delete-scope';
import type { Scope } from '../api/keys';
import { useScopes } from '../api/list-scopes';
import { permissionLabel, toRow } from '../utils/rules';
import { ScopeEditor } from './scope-editor';

function RuleSummary({ scope }: { scope: Scope }) {
  if (scope.rules.length === 0) return <Text size="sm" c="dimmed">no rules</Text>;
  return (
    <Stack gap={2}>
      {scope.rules.slice(0, 4).map((rule, i) => {
        const r = toRow(rule);
        const limits = [
          r.methods.includes('*') ? '' : `methods ${r.methods.join(', ')}`,
          r.tools.includes('*') ? '' : `tools ${r.tools.join(', ')}`,
        ].filter(Boolean);
        return (
          <Text key={i} size="xs">
            <Code>{r.server}</Code> {r.permissions.map((p) => permissionLabel[p]).join(', ')}
            {limits.length ? <Text span c="dimmed" size="xs">{` · ${limits.join(' · ')}`}</Text> : null}
          </Text>
        );
      })}
      {scope.rules.length > 4 ? (
        <Text size="xs" c="dimmed">
          and {scope.rules.length - 4} more
        </Text>
      ) : null}
    </Stack>
  );
}

/** Every scope with a summary of its rules; new, edit, delete. */
export function ScopesPanel() {
  const scopes = useScopes();
  const remove = useDeleteScope();
  const [editing, setEditing] = useState<Scope | null>();
  const [deleting, setDeleting] = useState<Scope>();
  const [q, setQ] = useState('');

  if (scopes.isPending) {
    return (
      <Loading label="Loading scopes…" />
    );
  }
  if (scopes.isError) {
    return (
      <LoadError title="Could not load the scopes" error={scopes.error} />
    );
  }
  const needle = q.trim().toLowerCase();
  const shown = scopes.data.filter(
    (s) => !needle || s.name.toLowerCase().includes(needle) || s.rules.some((r) => r.server.toLowerCase().includes(needle)),
  );
  return (
    <Stack>
      <Group justify="space-between">
        <TextInput
          type="search"
          aria-label="Filter scopes"
          placeholder="Filter by scope or server"
          value={q}
          onChange={(e) => setQ(e.currentTarget.value)}
          w={280}
        />
        <Button onClick={() => setEditing(null)}>New scope</Button>
      </Group>
      <div className="table-scroll">
        <Table striped verticalSpacing="sm" aria-label="Scopes">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Scope</Table.Th>
              <Table.Th>Rules</Table.Th>
              <Table.Th>
                <span className="visually-hidden">Actions</span>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {shown.map((s) => (
              <Table.Tr key={s.name} data-scope={s.name}>
                <Table.Td>
                  <Group gap={6}>
                    <Code>{s.name}</Code>
                    {s.builtin ? (
                      <Badge size="xs" variant="default" radius="sm">
                        built-in
                      </Badge>
                    ) : null}
                  </Group>
                  {s.description ? (
                    <Text size="xs" c="dimmed">
                      {s.description}
                    </Text>
                  ) : null}
                </Table.Td>
                <Table.Td>
                  <RuleSummary scope={s} />
                </Table.Td>
                <Table.Td>
                  <Group gap="xs" wrap="nowrap" justify="flex-end">
                    <Button size="xs" variant="default" onClick={() => setEditing(s)} aria-label={`${s.builtin ? 'View' : 'Edit'} ${s.name}`}>
                      {s.builtin ? 'View' : 'Edit'}
                    </Button>
                    {s.builtin ? null : (
                      <Button size="xs" variant="light" color="red" onClick={() => setDeleting(s)} aria-label={`Delete ${s.name}`}>
                        Delete
                      </Button>
                    )}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </div>
      <ScopeEditor scope={editing} takenNames={scopes.data.map((s) => s.name)} onClose={() => setEditing(undefined)} />
      <ConfirmDialog
        opened={deleting !== undefined}
        title={`Delete the scope ${deleting?.name ?? ''}?`}
        confirmLabel="Delete scope"
        pending={remove.isPending}
        error={remove.isError ? errorMessage(remove.error) : undefined}
        onClose={() => (remove.reset(), setDeleting(undefined))}
        onConfirm={() => deleting && remove.mutate(deleting.name, { onSuccess: () => setDeleting(undefined) })}
      >
        Groups mapped to it lose what it grants, on every replica within a second.
      </ConfirmDialog>
    </Stack>
  );
}
