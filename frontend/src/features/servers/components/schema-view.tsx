import { Badge, Code, Text } from '@mantine/core';

import type { SchemaField } from '../utils/schema';

/** A tool's arguments as a nested list: name, type, required, description, constraints. */
export function SchemaView({ fields }: { fields: SchemaField[] }) {
  if (fields.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        Takes no arguments.
      </Text>
    );
  }
  return (
    <ul className="schema-list">
      {fields.map((f) => (
        <li key={f.name}>
          <Code>{f.name}</Code>{' '}
          <Text span size="sm" c="dimmed" ff="monospace">
            {f.type}
          </Text>{' '}
          {f.required ? (
            <Badge size="xs" variant="light" color="red" radius="sm">
              required
            </Badge>
          ) : (
            <Badge size="xs" variant="default" radius="sm">
              optional
            </Badge>
          )}
          {f.description ? (
            <Text size="sm" className="break">
              {f.description}
            </Text>
          ) : null}
          {f.notes.length > 0 ? (
            <Text size="xs" c="dimmed">
              {f.notes.join(' · ')}
            </Text>
          ) : null}
          {f.children.length > 0 ? <SchemaView fields={f.children} /> : null}
        </li>
      ))}
    </ul>
  );
}
