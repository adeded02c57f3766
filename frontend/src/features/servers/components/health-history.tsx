import { Alert, Table, Text } from '@mantine/core';

import { Loading } from '@/components/ui/loading';
import { errorMessage } from '@/lib/api/errors';

import { useHealthHistory, type HealthCheck } from '../api/health-history';
import { healthColor, healthLabel, toolCount } from '../utils/health';
import { HealthBadge } from './health-badge';

/** One square per check, oldest first, coloured by result: the last checks at a glance. */
function Strip({ checks }: { checks: HealthCheck[] }) {
  const oldestFirst = [...checks].reverse();
  const healthy = checks.filter((c) => c.status === 'healthy').length;
  return (
    <div className="health-strip" role="img" aria-label={`${healthy} of the last ${checks.length} checks healthy`}>
      {oldestFirst.map((c, i) => (
        <span
          key={i}
          className={`health-strip__cell health-strip__cell--${healthColor[c.status]}`}
          title={`${new Date(c.checked_at).toLocaleString()}: ${healthLabel[c.status]}${c.error ? ` (${c.error})` : ''}`}
        />
      ))}
    </div>
  );
}

/** The server's recent checks: a strip of results, then the latest in a table. */
export function HealthHistory({ serverId }: { serverId: string }) {
  const history = useHealthHistory(serverId);
  if (history.isPending) {
    return (
      <Loading label="Loading the history…" />
    );
  }
  if (history.isError) {
    return (
      <Alert color="red" role="alert">
        {errorMessage(history.error)}
      </Alert>
    );
  }
  if (history.data.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        No checks yet.
      </Text>
    );
  }
  return (
    <>
      <Strip checks={history.data} />
      <div className="table-scroll">
        <Table verticalSpacing={4} aria-label="Health checks" mt="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Checked</Table.Th>
              <Table.Th>Result</Table.Th>
              <Table.Th>Latency</Table.Th>
              <Table.Th>Tools</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {history.data.slice(0, 10).map((c, i) => (
              <Table.Tr key={i}>
                <Table.Td className="nowrap">{new Date(c.checked_at).toLocaleString()}</Table.Td>
                <Table.Td>
                  <HealthBadge health={{ status: c.status, error: c.error }} />
                  {c.error ? (
                    <Text size="xs" c="dimmed" className="break">
                      {c.error}
                    </Text>
                  ) : null}
                </Table.Td>
                <Table.Td className="nowrap">{c.latency_ms !== undefined ? `${c.latency_ms} ms` : '—'}</Table.Td>
                <Table.Td className="nowrap">{c.status === 'healthy' ? toolCount(c.tool_count) : '—'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </div>
    </>
  );
}
