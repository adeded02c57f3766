import { Alert, Button, Group, Loader, Text, Title } from '@mantine/core';
import { useLocalStorage } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';

import { paths } from '@/config/paths';
import { errorMessage } from '@/lib/api/errors';

import { useLiveHealth } from '../api/health-events';
import { serverKeys, type Server } from '../api/keys';
import { useServers } from '../api/list-servers';
import { allTags, filterServers, filtersToParams, hasFilters, parseFilters, type ServerFilters as Filters } from '../utils/filters';
import { staleKey, visibleServers } from '../utils/live-state';
import { ConnectDialog } from './connect-dialog';
import { LiveIndicator } from './live-indicator';
import { ServerCards } from './server-cards';
import { ServerFilters, type ViewMode } from './server-filters';
import { ServerTable } from './server-table';

type ServersPageProps = {
  /** Whether the user may register servers (some path): shows the Register button. */
  canRegister: boolean;
};

/**
 * The home page: every server the user may see, filtered by what the URL
 * says, with health and tool counts changing in place as the gateway reports
 * them. Cards or table, as the user last chose.
 */
export function ServersPage({ canRegister }: ServersPageProps) {
  const queryClient = useQueryClient();
  const servers = useServers();
  const live = useLiveHealth();
  const [searchParams, setSearchParams] = useSearchParams();
  const filters = useMemo(() => parseFilters(searchParams), [searchParams]);
  const [view, setView] = useLocalStorage<ViewMode>({ key: 'mcpgw.servers.view', defaultValue: 'cards' });
  const [connecting, setConnecting] = useState<Server | null>(null);

  const merged = useMemo(
    () => (servers.data ? visibleServers(servers.data, live.servers, live.status === 'live') : undefined),
    [servers.data, live.servers, live.status],
  );
  const shown = useMemo(() => (merged ? filterServers(merged, filters) : undefined), [merged, filters]);

  // A server the stream knows and the list does not (new, or newly
  // visible), or one edited since: fetch the list again, once for each
  // such state of affairs, and not after a failed fetch (its error shows).
  const stale = servers.data && live.servers ? staleKey(servers.data, live.servers) : '';
  const refetchedFor = useRef('');
  useEffect(() => {
    if (!stale || stale === refetchedFor.current || servers.isFetching || servers.isError) return;
    refetchedFor.current = stale;
    void queryClient.invalidateQueries({ queryKey: serverKeys.list() });
  }, [stale, servers.isFetching, servers.isError, queryClient]);

  function setFilters(next: Filters) {
    setSearchParams(filtersToParams(next), { replace: true });
  }

  return (
    <div className="page">
      <title>Servers · MCP Gateway Registry</title>
      <div className="page__head">
        <Group gap="sm" align="center">
          <Title order={1} size="h2" className="page__title">
            MCP servers
          </Title>
          <LiveIndicator status={live.status} />
        </Group>
        {canRegister ? (
          <Button component={Link} to={paths.newServer}>
            Register server
          </Button>
        ) : null}
      </div>

      <ServerFilters
        filters={filters}
        onChange={setFilters}
        tags={merged ? allTags(merged) : []}
        view={view}
        onViewChange={setView}
      />

      {servers.isPending ? (
        <Group justify="center" p="xl" role="status">
          <Loader size="sm" />
          <Text size="sm">Loading servers…</Text>
        </Group>
      ) : servers.isError ? (
        <Alert color="red" title="Could not load the servers" role="alert">
          <Text size="sm" mb="sm">
            {errorMessage(servers.error)}
          </Text>
          <Button size="xs" variant="default" onClick={() => void servers.refetch()} loading={servers.isFetching}>
            Try again
          </Button>
        </Alert>
      ) : shown && shown.length > 0 ? (
        <>
          <Text size="sm" c="dimmed" aria-live="polite">
            {hasFilters(filters)
              ? `${shown.length} of ${merged?.length ?? 0} servers`
              : `${shown.length} ${shown.length === 1 ? 'server' : 'servers'}`}
          </Text>
          {view === 'table' ? (
            <ServerTable servers={shown} onConnect={setConnecting} />
          ) : (
            <ServerCards servers={shown} onConnect={setConnecting} />
          )}
        </>
      ) : (
        <div className="empty">
          {hasFilters(filters) ? (
            <>
              <Text>No servers match these filters.</Text>
              <Button variant="subtle" onClick={() => setFilters({ ...filters, q: '', tags: [], health: undefined, enabled: undefined })}>
                Clear filters
              </Button>
            </>
          ) : (
            <Text>{canRegister ? 'No servers yet. Register the first one.' : 'No servers you may see yet. Ask an administrator for access.'}</Text>
          )}
        </div>
      )}
      <ConnectDialog server={connecting} onClose={() => setConnecting(null)} />
    </div>
  );
}
