import {
  Anchor,
  Autocomplete,
  Badge,
  Button,
  Code,
  Group,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { useSearchParams } from 'react-router';

import { LoadError, Loading } from '@/components/ui/loading';

import { useAudit, type AuditEvent } from '../api/list-audit';
import { auditFiltersToParams, emptyFilters, exportUrl, knownActions, parseAuditFilters, type AuditFilters } from '../utils/filters';

const outcomeColor = { success: 'green', failure: 'orange', denied: 'red' } as const;

function FilterBar({ filters, onChange }: { filters: AuditFilters; onChange: (f: AuditFilters) => void }) {
  // Typed filters apply when the user leaves the field or presses Enter,
  // not on every key; the bar keeps its own draft (and the focus) meanwhile.
  const [draft, setDraft] = useState(filters);
  const set = (changes: Partial<AuditFilters>, apply = false) => {
    const next = { ...draft, ...changes };
    setDraft(next);
    if (apply) onChange(next);
  };
  const text = (key: 'actor' | 'target_type' | 'target', label: string, placeholder: string) => (
    <TextInput
      className="filters__select"
      label={label}
      placeholder={placeholder}
      value={draft[key]}
      onChange={(e) => set({ [key]: e.currentTarget.value })}
      onBlur={() => onChange(draft)}
      onKeyDown={(e) => e.key === 'Enter' && onChange(draft)}
    />
  );
  return (
    <form className="filters" role="search" onSubmit={(e) => (e.preventDefault(), onChange(draft))}>
      {text('actor', 'Actor', 'Username')}
      <Autocomplete
        className="filters__select"
        label="Action"
        placeholder="e.g. server."
        data={knownActions}
        value={draft.action}
        onChange={(v) => set({ action: v })}
        onOptionSubmit={(v) => set({ action: v }, true)}
        onBlur={() => onChange(draft)}
      />
      <Select
        className="filters__select"
        label="Outcome"
        placeholder="Any"
        clearable
        data={[
          { value: 'success', label: 'Success' },
          { value: 'failure', label: 'Failure' },
          { value: 'denied', label: 'Denied' },
        ]}
        value={draft.outcome || null}
        onChange={(v) => set({ outcome: (v ?? '') as AuditFilters['outcome'] }, true)}
      />
      {text('target_type', 'Target type', 'server, user…')}
      {text('target', 'Target', 'e.g. a server path')}
      <TextInput
        className="filters__select"
        type="datetime-local"
        label="From"
        value={draft.since}
        onChange={(e) => set({ since: e.currentTarget.value })}
        onBlur={() => onChange(draft)}
      />
      <TextInput
        className="filters__select"
        type="datetime-local"
        label="Until"
        value={draft.until}
        onChange={(e) => set({ until: e.currentTarget.value })}
        onBlur={() => onChange(draft)}
      />
      <Button type="submit" variant="default">
        Apply
      </Button>
      {Object.values(filters).some(Boolean) ? (
        <Button variant="subtle" onClick={() => (setDraft(emptyFilters), onChange(emptyFilters))}>
          Clear filters
        </Button>
      ) : null}
    </form>
  );
}

function EventDetails({ event, onClose }: { event: AuditEvent | undefined; onClose: () => void }) {
  return (
    <Modal opened={event !== undefined} onClose={onClose} title={event ? `${event.action} · ${event.target || event.target_type}` : ''} size="lg">
      {event ? (
        <Stack gap="xs">
          <Text size="sm">
            {new Date(event.occurred_at).toLocaleString()} by <b>{event.actor || '(anonymous)'}</b> ({event.auth_method || 'no sign-in'})
            from {event.client_ip || 'unknown address'}
          </Text>
          {event.user_agent ? (
            <Text size="xs" c="dimmed" className="break">
              {event.user_agent}
            </Text>
          ) : null}
          {event.request_id ? (
            <Text size="xs">
              Request id <Code>{event.request_id}</Code>
            </Text>
          ) : null}
          <Code block className="code-block">
            {JSON.stringify(event.details, null, 2)}
          </Code>
        </Stack>
      ) : null}
    </Modal>
  );
}

/** The audit trail (administrators): filters in the URL, newest first, paging, export. */
export function AuditPage() {
  const [params, setParams] = useSearchParams();
  const filters = parseAuditFilters(params);
  const audit = useAudit(filters);
  const [open, setOpen] = useState<AuditEvent>();
  const events = audit.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <div className="page">
      <title>Audit log · MCP Gateway Registry</title>
      <div className="page__head">
        <Title order={1} size="h2" className="page__title">
          Audit log
        </Title>
        <Group gap="xs">
          <Button component="a" variant="default" href={exportUrl(filters, 'csv')} download="audit.csv">
            Export CSV
          </Button>
          <Button component="a" variant="default" href={exportUrl(filters, 'ndjson')} download="audit.ndjson">
            Export NDJSON
          </Button>
        </Group>
      </div>
      <FilterBar
        filters={filters}
        onChange={(f) => setParams(auditFiltersToParams(f), { replace: true })}
      />
      {audit.isPending ? (
        <Loading label="Loading events…" />
      ) : audit.isError ? (
        <LoadError title="Could not load the audit log" error={audit.error} />
      ) : events.length === 0 ? (
        <Text className="empty">No events match.</Text>
      ) : (
        <>
          <div className="table-scroll">
            <Table striped verticalSpacing="xs" aria-label="Audit events">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Time</Table.Th>
                  <Table.Th>Actor</Table.Th>
                  <Table.Th>Action</Table.Th>
                  <Table.Th>Outcome</Table.Th>
                  <Table.Th>Target</Table.Th>
                  <Table.Th>From</Table.Th>
                  <Table.Th>
                    <span className="visually-hidden">Details</span>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {events.map((e) => (
                  <Table.Tr key={e.id} data-action={e.action}>
                    <Table.Td className="nowrap">
                      <time dateTime={e.occurred_at}>{new Date(e.occurred_at).toLocaleString()}</time>
                    </Table.Td>
                    <Table.Td>{e.actor || '—'}</Table.Td>
                    <Table.Td>
                      <Code>{e.action}</Code>
                    </Table.Td>
                    <Table.Td>
                      <Badge color={outcomeColor[e.outcome]} variant="light" radius="sm">
                        {e.outcome}
                      </Badge>
                    </Table.Td>
                    <Table.Td className="break">
                      {e.target_type ? <Text span size="xs" c="dimmed">{`${e.target_type} `}</Text> : null}
                      {e.target}
                    </Table.Td>
                    <Table.Td className="nowrap">{e.client_ip}</Table.Td>
                    <Table.Td>
                      <Anchor component="button" size="sm" onClick={() => setOpen(e)} aria-label={`Details of event ${e.id}`}>
                        Details
                      </Anchor>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
          <Group justify="space-between">
            <Text size="sm" c="dimmed">
              {events.length} events shown
            </Text>
            {audit.hasNextPage ? (
              <Button variant="default" loading={audit.isFetchingNextPage} onClick={() => void audit.fetchNextPage()}>
                Load older events
              </Button>
            ) : (
              <Text size="sm" c="dimmed">
                That is all.
              </Text>
            )}
          </Group>
        </>
      )}
      <EventDetails event={open} onClose={() => setOpen(undefined)} />
    </div>
  );
}
