import {
  ActionIcon,
  Alert,
  Autocomplete,
  Badge,
  Button,
  Checkbox,
  Group,
  Modal,
  Stack,
  Table,
  TagsInput,
  Text,
  TextInput,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState, type FormEvent } from 'react';

import { RemoveIcon } from '@/components/ui/icons';
import { ApiError, errorMessage } from '@/lib/api/errors';

import type { Scope } from '../api/keys';
import { useServerNames } from '../api/list-server-names';
import { usePutScope } from '../api/put-scope';
import {
  allPermissions,
  commonMethods,
  newRow,
  permissionLabel,
  rowProblems,
  scopeNameProblem,
  toRow,
  toRule,
  type RuleRow,
} from '../utils/rules';

type ScopeEditorProps = {
  /** The scope to edit; null to create one. undefined: closed. */
  scope: Scope | null | undefined;
  takenNames: string[];
  onClose: () => void;
};

/** A scope's rules in a table: server, permissions, methods and tools per row. Built-in scopes are shown read-only. */
export function ScopeEditor({ scope, takenNames, onClose }: ScopeEditorProps) {
  const title = scope === null ? 'New scope' : scope ? (scope.builtin ? scope.name : `Edit ${scope.name}`) : '';
  return (
    <Modal opened={scope !== undefined} onClose={onClose} title={title} size="90rem">
      {scope !== undefined ? <EditorBody key={scope?.name ?? '(new)'} scope={scope} takenNames={takenNames} onClose={onClose} /> : null}
    </Modal>
  );
}

function EditorBody({ scope, takenNames, onClose }: { scope: Scope | null; takenNames: string[]; onClose: () => void }) {
  const put = usePutScope();
  const servers = useServerNames();
  const readOnly = scope?.builtin ?? false;
  const [name, setName] = useState(scope?.name ?? '');
  const [description, setDescription] = useState(scope?.description ?? '');
  const [rows, setRows] = useState<RuleRow[]>(scope ? scope.rules.map(toRow) : [newRow()]);
  const [tried, setTried] = useState(false);
  const problems = rowProblems(rows);
  const nameProblem = scope ? undefined : scopeNameProblem(name, takenNames);
  const serverOptions = ['*', ...(servers.data ?? []).map((s) => s.path)];

  const setRow = (i: number, changes: Partial<RuleRow>) => setRows(rows.map((r, j) => (j === i ? { ...r, ...changes } : r)));

  function submit(e: FormEvent) {
    e.preventDefault();
    setTried(true);
    if (readOnly || nameProblem || problems.size > 0) return;
    const scopeName = scope?.name ?? name.trim();
    put.mutate(
      { name: scopeName, body: { description: description.trim(), rules: rows.map(toRule) } },
      {
        onSuccess: () => {
          notifications.show({ color: 'green', message: `Scope ${scopeName} saved; every replica enforces it within a second.` });
          onClose();
        },
      },
    );
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        {readOnly ? (
          <Alert color="blue" variant="light">
            A built-in scope: it cannot be changed. Map groups to it, or make your own scope.
          </Alert>
        ) : null}
        <Group grow align="flex-start">
          <TextInput
            label="Name"
            value={scope?.name ?? name}
            readOnly={scope !== null}
            onChange={(e) => setName(e.currentTarget.value)}
            error={tried ? nameProblem : undefined}
            classNames={{ input: 'mono' }}
            required={scope === null}
            data-autofocus={scope === null || undefined}
          />
          <TextInput label="Description" value={description} readOnly={readOnly} onChange={(e) => setDescription(e.currentTarget.value)} />
        </Group>
        <div className="table-scroll">
          <Table verticalSpacing="sm" aria-label="Rules" withTableBorder>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Server</Table.Th>
                <Table.Th>Permissions</Table.Th>
                <Table.Th>Methods (with execute)</Table.Th>
                <Table.Th>Tools (tools/call)</Table.Th>
                {readOnly ? null : (
                  <Table.Th>
                    <span className="visually-hidden">Remove</span>
                  </Table.Th>
                )}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r, i) => (
                <Table.Tr key={i} data-rule={i}>
                  <Table.Td className="rule-cell--server">
                    <Autocomplete
                      aria-label={`Rule ${i + 1} server`}
                      data={serverOptions}
                      value={r.server}
                      readOnly={readOnly}
                      placeholder="path, name or *"
                      onChange={(v) => setRow(i, { server: v })}
                      error={tried ? problems.get(i) : undefined}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Checkbox.Group
                      aria-label={`Rule ${i + 1} permissions`}
                      value={r.permissions}
                      onChange={(v) => !readOnly && setRow(i, { permissions: v as RuleRow['permissions'] })}
                    >
                      <div className="permission-grid">
                        {allPermissions.map((p) => (
                          <Checkbox key={p} value={p} label={permissionLabel[p]} size="xs" disabled={readOnly} />
                        ))}
                      </div>
                    </Checkbox.Group>
                  </Table.Td>
                  <Table.Td className="rule-cell--list">
                    <TagsInput
                      aria-label={`Rule ${i + 1} methods`}
                      data={commonMethods}
                      value={r.methods}
                      readOnly={readOnly}
                      disabled={!r.permissions.includes('execute')}
                      onChange={(v) => setRow(i, { methods: v })}
                    />
                  </Table.Td>
                  <Table.Td className="rule-cell--list">
                    <TagsInput
                      aria-label={`Rule ${i + 1} tools`}
                      data={['*']}
                      value={r.tools}
                      readOnly={readOnly}
                      disabled={!r.permissions.includes('execute')}
                      onChange={(v) => setRow(i, { tools: v })}
                    />
                  </Table.Td>
                  {readOnly ? null : (
                    <Table.Td>
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        aria-label={`Remove rule ${i + 1}`}
                        onClick={() => setRows(rows.filter((_, j) => j !== i))}
                      >
                        <RemoveIcon />
                      </ActionIcon>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
        {rows.length === 0 ? (
          <Text size="sm" c="dimmed">
            No rules: the scope grants nothing.
          </Text>
        ) : null}
        {readOnly ? null : (
          <Text size="xs" c="dimmed">
            A server rule names a path, a display name or * for every server. Execute reaches the methods listed (and
            always the protocol&apos;s own, such as initialize and ping); tools/call reaches the tools listed. Toggle,
            edit, register and health check also give read.
          </Text>
        )}
        {put.isError ? (
          <Alert color="red" role="alert" title="Not saved">
            {errorMessage(put.error)}
            {put.error instanceof ApiError && put.error.field ? (
              <Badge ml="xs" variant="light" color="red" radius="sm">
                {put.error.field}
              </Badge>
            ) : null}
          </Alert>
        ) : null}
        <Group justify="space-between">
          {readOnly ? <span /> : (
            <Button variant="default" onClick={() => setRows([...rows, newRow()])}>
              Add rule
            </Button>
          )}
          <Group>
            <Button variant="default" onClick={onClose}>
              {readOnly ? 'Close' : 'Cancel'}
            </Button>
            {readOnly ? null : (
              <Button type="submit" loading={put.isPending}>
                Save scope
              </Button>
            )}
          </Group>
        </Group>
      </Stack>
    </form>
  );
}
