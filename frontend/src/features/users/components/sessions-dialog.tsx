import { Alert, Badge, Button, Group, Modal, Stack, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';

import { dateTime } from '@/lib/format';
import { Loading } from '@/components/ui/loading';
import { errorMessage } from '@/lib/api/errors';

import type { User } from '../api/keys';
import { useSessions } from '../api/list-sessions';
import { useRevokeAllSessions } from '../api/revoke-all-sessions';
import { useRevokeSession } from '../api/revoke-session';

/** A user's live browser sessions, each with a way to end it, and one to end them all. */
export function SessionsDialog({ user, onClose }: { user: User | undefined; onClose: () => void }) {
  const sessions = useSessions(user?.id);
  const revoke = useRevokeSession();
  const revokeAll = useRevokeAllSessions();
  const close = () => {
    revoke.reset();
    revokeAll.reset();
    onClose();
  };

  return (
    <Modal opened={user !== undefined} onClose={close} title={user ? `Sessions of ${user.username}` : ''} size="xl">
      {!user ? null : sessions.isPending ? (
        <Loading label="Loading sessions…" />
      ) : sessions.isError ? (
        <Alert color="red" role="alert">
          {errorMessage(sessions.error)}
        </Alert>
      ) : (
        <Stack>
          {sessions.data.length === 0 ? (
            <Text size="sm">No live sessions: {user.username} is not signed in anywhere.</Text>
          ) : (
            <div className="table-scroll">
              <Table verticalSpacing="xs" aria-label="Sessions">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Signed in</Table.Th>
                    <Table.Th>Last active</Table.Th>
                    <Table.Th>Ends at the latest</Table.Th>
                    <Table.Th>From</Table.Th>
                    <Table.Th>
                      <span className="visually-hidden">Actions</span>
                    </Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {sessions.data.map((s) => (
                    <Table.Tr key={s.id} data-session={s.id}>
                      <Table.Td>
                        <Text size="sm">{dateTime(s.created_at)}</Text>
                        <Text size="xs" c="dimmed">
                          {s.auth_method === 'oidc' ? `with ${s.provider ?? 'an identity provider'}` : 'with a password'}
                        </Text>
                      </Table.Td>
                      <Table.Td className="nowrap">{dateTime(s.last_seen_at)}</Table.Td>
                      <Table.Td className="nowrap">{dateTime(s.expires_at)}</Table.Td>
                      <Table.Td>
                        <Text size="sm">{s.client_ip ?? '—'}</Text>
                        <Text size="xs" c="dimmed" lineClamp={1} title={s.user_agent}>
                          {s.user_agent}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        {s.current ? (
                          <Badge variant="outline" radius="sm">
                            This session
                          </Badge>
                        ) : (
                          <Button
                            size="xs"
                            variant="light"
                            color="red"
                            loading={revoke.isPending && revoke.variables?.sessionId === s.id}
                            onClick={() => revoke.mutate({ userId: user.id, sessionId: s.id })}
                            aria-label={`End the session signed in ${dateTime(s.created_at)} from ${s.client_ip ?? 'an unknown address'}`}
                          >
                            End session
                          </Button>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </div>
          )}
          {revoke.isError || revokeAll.isError ? (
            <Alert color="red" role="alert">
              {errorMessage(revoke.error ?? revokeAll.error)}
            </Alert>
          ) : null}
          <Group justify="space-between">
            <Text size="xs" c="dimmed">
              Ending a session signs that browser out at its next request, on every replica.
            </Text>
            {sessions.data.length > 0 && !sessions.data.some((s) => s.current) ? (
              <Button
                color="red"
                variant="light"
                loading={revokeAll.isPending}
                onClick={() =>
                  revokeAll.mutate(user.id, {
                    onSuccess: (n) =>
                      notifications.show({ color: 'green', message: `${n} ${n === 1 ? 'session' : 'sessions'} ended.` }),
                  })
                }
              >
                End every session
              </Button>
            ) : null}
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
