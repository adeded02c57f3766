import { ActionIcon, Code, CopyButton, Group, Tooltip } from '@mantine/core';

import { CheckIcon, CopyIcon } from '@/components/ui/icons';

/** A value in monospace with a one-click copy button beside it. */
export function CopyField({ value, label }: { value: string; label: string }) {
  return (
    <Group gap="xs" wrap="nowrap">
      <Code className="break">{value}</Code>
      <CopyButton value={value}>
        {({ copied, copy }) => (
          <Tooltip label={copied ? 'Copied' : 'Copy'} withArrow>
            <ActionIcon variant="subtle" onClick={copy} aria-label={`Copy ${label}`} color={copied ? 'teal' : 'gray'}>
              {copied ? <CheckIcon /> : <CopyIcon />}
            </ActionIcon>
          </Tooltip>
        )}
      </CopyButton>
    </Group>
  );
}
