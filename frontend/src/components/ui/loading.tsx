import { Alert, Group, Loader, Text } from '@mantine/core';

import { errorMessage } from '@/lib/api/errors';

/** What a page or panel shows while its data loads, announced to screen readers. */
export function Loading({ label }: { label: string }) {
  return (
    <Group role="status" gap="xs">
      <Loader size="xs" />
      <Text size="sm">{label}</Text>
    </Group>
  );
}

/** What a page or panel shows when its data could not be loaded. */
export function LoadError({ title, error }: { title?: string; error: unknown }) {
  return (
    <Alert color="red" role="alert" title={title}>
      {errorMessage(error)}
    </Alert>
  );
}
