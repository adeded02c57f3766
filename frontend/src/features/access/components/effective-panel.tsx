import { Alert, Autocomplete, Badge, Button, Code, Group, SegmentedControl, Stack, Table, Text } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';

import { Loading } from '@/components/ui/loading';
import { ApiError, errorMessage } from '@/lib/api/errors';

import { useEffectiveAccess, type Subject } from '../api/effective-access';
import { useGroups } from '../api/list-groups';
import { useUsernames } from '../api/list-usernames';
import { permissionLabel } from '../utils/rules';

function List({ items }: { items: string[] }) {
  if (items.length === 0) return <Text size="xs" c="dimmed">none</Text>;
  if (items.includes('*')) return <Badge variant="light" radius="sm">all</Badge>;
  return (
    <Group gap={4}>
      {items.map((i) => (
        <Code key={i}>{i}</Code>
      ))}
    </Group>
  );
}

/** "What can this user do?": a user's or group's effective permissions on every server, and why. */
export function EffectivePanel() {
  const [params, setParams] = useSearchParams();
  const kind = params.get('group') !== null ? 'group' : 'user';
  const name = params.get(kind) ?? '';
  const subject: Subject | undefined = name ? { kind, name } : undefined;
  const [draftKind, setDraftKind] = useState<Subject['kind']>(kind);
  const [draft, setDraft] = useState(name);
  const users = useUsernames();
  const groups = useGroups();
  const access = useEffectiveAccess(subject);

  function submit(e: FormEvent) {
    e.preventDefault();
    const p = new URLSearchParams(params);
    p.delete('user');
    p.delete('group');
    if (draft.trim()) p.set(draftKind, draft.trim());
    setParams(p, { replace: true });
  }

  const suggestions = draftKind === 'user' ? (users.data ?? []) : (groups.data ?? []).map((g) => g.name);
  return (
    <Stack>
      <form onSubmit={submit} className="filters" role="search" aria-label="Who">
        <SegmentedControl
          aria-label="Look up a"
          value={draftKind}
          onChange={(v) => setDraftKind(v as Subject['kind'])}
          data={[
            { label: 'User', value: 'user' },
            { label: 'Group', value: 'group' },
          ]}
        />
        <Autocomplete
          className="filters__search"
          label={draftKind === 'user' ? 'Username' : 'Group name'}
          data={suggestions}
          value={draft}
          onChange={setDraft}
          onOptionSubmit={setDraft}
          limit={20}
        />
        <Button type="submit">Show access</Button>
      </form>
      {!subject ? (
        <Text size="sm" c="dimmed">
          Pick a user or a group: the table shows what they may do on every server, and which scopes grant it.
        </Text>
      ) : access.isPending ? (
        <Loading label="Working it out…" />
      ) : access.isError ? (
        <Alert color={access.error instanceof ApiError && access.error.status === 404 ? 'gray' : 'red'} role="alert">
          {access.error instanceof ApiError && access.error.status === 404
            ? `There is no user called ${subject.name}.`
            : errorMessage(access.error)}
        </Alert>
      ) : (
        <Stack data-effective={`${access.data.subject.kind}:${access.data.subject.name}`}>
          <Group gap="xs">
            <Text size="sm">
              <b>{access.data.subject.name}</b>
              {access.data.subject.kind === 'user' ? ' is in ' : ' '}
            </Text>
            {access.data.subject.kind === 'user'
              ? access.data.groups.map((g) => (
                  <Badge key={g} variant="default" radius="sm" tt="none">
                    {g}
                  </Badge>
                ))
              : null}
            {access.data.subject.kind === 'user' && access.data.groups.length === 0 ? <Text size="sm">no group</Text> : null}
            {access.data.is_admin ? (
              <Badge color="blue" radius="sm">
                Registry administrator
              </Badge>
            ) : null}
          </Group>
          {access.data.disabled ? (
            <Alert color="orange" variant="light" title={`${access.data.subject.name} is disabled`}>
              They cannot sign in and their tokens are refused; below is what their groups would give them.
            </Alert>
          ) : null}
          <Text size="sm" fw={600}>
            Scopes
          </Text>
          {access.data.scopes.length === 0 ? (
            <Text size="sm" c="dimmed">
              None: no mapping or convention gives this {access.data.subject.kind} a scope.
            </Text>
          ) : (
            <Group gap={6}>
              {access.data.scopes.map((s) => (
                <Badge key={`${s.group}/${s.name}`} variant="light" color={s.source === 'mapping' ? 'blue' : 'teal'} radius="sm" tt="none">
                  {s.name} · {s.source === 'mapping' ? `mapped to ${s.group}` : `convention of ${s.group}`}
                </Badge>
              ))}
            </Group>
          )}
          <div className="table-scroll">
            <Table striped verticalSpacing="sm" aria-label="Effective permissions">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Server</Table.Th>
                  <Table.Th>Permissions</Table.Th>
                  <Table.Th>Methods</Table.Th>
                  <Table.Th>Tools</Table.Th>
                  <Table.Th>Granted by</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {access.data.servers.length === 0 ? (
                  <Table.Tr>
                    <Table.Td colSpan={5}>
                      <Text size="sm" c="dimmed">
                        No server: this {access.data.subject.kind} may not see or use any.
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ) : (
                  access.data.servers.map((s) => (
                    <Table.Tr key={s.id} data-server={s.path}>
                      <Table.Td>
                        <Text size="sm" fw={500}>
                          {s.display_name}
                        </Text>
                        <Text size="xs" c="dimmed" ff="monospace">
                          /{s.path}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Group gap={4}>
                          {s.permissions.map((p) => (
                            <Badge key={p} variant="light" radius="sm" size="sm">
                              {permissionLabel[p]}
                            </Badge>
                          ))}
                        </Group>
                      </Table.Td>
                      <Table.Td>
                        <List items={s.methods} />
                      </Table.Td>
                      <Table.Td>
                        <List items={s.tools} />
                      </Table.Td>
                      <Table.Td>
                        <Stack gap={2}>
                          {s.granted_by.map((g) => (
                            <Code key={g}>{g}</Code>
                          ))}
                        </Stack>
                      </Table.Td>
                    </Table.Tr>
                  ))
                )}
              </Table.Tbody>
            </Table>
          </div>
        </Stack>
      )}
    </Stack>
  );
}
