import { Accordion, Alert, Badge, Button, Code, Group, Text, TextInput } from '@mantine/core';
import { useState } from 'react';

import { LoadError, Loading } from '@/components/ui/loading';

import type { Tool } from '../api/keys';
import { useServerTools } from '../api/list-tools';
import { schemaFields } from '../utils/schema';
import { SchemaView } from './schema-view';

function ToolBody({ tool }: { tool: Tool }) {
  const [raw, setRaw] = useState(false);
  return (
    <>
      {tool.definition_changed_at ? (
        <Alert color="orange" variant="light" mb="sm" title="Definition changed">
          This tool&apos;s description or input schema changed on{' '}
          {new Date(tool.definition_changed_at).toLocaleString()}, after it was first seen on{' '}
          {new Date(tool.first_seen_at).toLocaleString()}. Review it before trusting it.
        </Alert>
      ) : null}
      <Text size="sm" mb="sm" className="break">
        {tool.description || <Text span c="dimmed">No description</Text>}
      </Text>
      <Group justify="space-between" mb={4}>
        <Text size="sm" fw={600}>
          Arguments
        </Text>
        <Button size="compact-xs" variant="subtle" onClick={() => setRaw((r) => !r)} aria-pressed={raw}>
          {raw ? 'Readable' : 'Raw JSON'}
        </Button>
      </Group>
      {raw ? (
        <Code block className="code-block">
          {JSON.stringify(tool.input_schema, null, 2)}
        </Code>
      ) : (
        <SchemaView fields={schemaFields(tool.input_schema)} />
      )}
    </>
  );
}

/** The server's tools, each opening to its description and arguments; changed definitions stand out. */
export function ToolList({ serverId }: { serverId: string }) {
  const tools = useServerTools(serverId);
  const [q, setQ] = useState('');

  if (tools.isPending) {
    return (
      <Loading label="Loading tools…" />
    );
  }
  if (tools.isError) {
    return (
      <LoadError title="Could not load the tools" error={tools.error} />
    );
  }
  if (tools.data.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        No tools yet: they appear after the server&apos;s first healthy check.
      </Text>
    );
  }
  const needle = q.trim().toLowerCase();
  const shown = needle
    ? tools.data.filter((t) => t.name.toLowerCase().includes(needle) || t.description.toLowerCase().includes(needle))
    : tools.data;
  const changed = tools.data.filter((t) => t.definition_changed_at).length;
  return (
    <>
      <Group justify="space-between" mb="sm">
        <Text size="sm" c="dimmed">
          {tools.data.length} {tools.data.length === 1 ? 'tool' : 'tools'}
          {changed ? ` · ${changed} changed since first seen` : ''}
        </Text>
        {tools.data.length > 5 ? (
          <TextInput
            size="xs"
            type="search"
            aria-label="Filter tools"
            placeholder="Filter tools"
            value={q}
            onChange={(e) => setQ(e.currentTarget.value)}
          />
        ) : null}
      </Group>
      <Accordion variant="separated" multiple>
        {shown.map((tool) => (
          <Accordion.Item key={tool.name} value={tool.name} data-tool={tool.name}>
            <Accordion.Control>
              <Group gap="xs">
                <Code>{tool.name}</Code>
                {tool.definition_changed_at ? (
                  <Badge color="orange" variant="light" size="sm" radius="sm">
                    Definition changed
                  </Badge>
                ) : null}
              </Group>
            </Accordion.Control>
            <Accordion.Panel>
              <ToolBody tool={tool} />
            </Accordion.Panel>
          </Accordion.Item>
        ))}
      </Accordion>
    </>
  );
}
