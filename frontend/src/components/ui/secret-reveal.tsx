import { Alert, Button, Code, CopyButton, Group, Stack, Text } from '@mantine/core';

import { CheckIcon, CopyIcon } from './icons';

type SecretRevealProps = {
  /** What the secret is, e.g. "Token" or "Client secret". */
  label: string;
  value: string;
};

/** A secret shown once, with a copy button and the warning that it cannot be shown again. */
export function SecretReveal({ label, value }: SecretRevealProps) {
  return (
    <Stack gap="xs">
      <Alert color="yellow" variant="light" title={`Copy the ${label.toLowerCase()} now`}>
        It is shown only this once: the gateway keeps only a hash of it.
      </Alert>
      <Text size="sm" fw={600}>
        {label}
      </Text>
      <Group gap="xs" wrap="nowrap" align="flex-start">
        <Code block className="break secret" data-secret>
          {value}
        </Code>
        <CopyButton value={value}>
          {({ copied, copy }) => (
            <Button
              variant={copied ? 'light' : 'filled'}
              color={copied ? 'teal' : undefined}
              leftSection={copied ? <CheckIcon /> : <CopyIcon />}
              onClick={copy}
            >
              {copied ? 'Copied' : `Copy ${label.toLowerCase()}`}
            </Button>
          )}
        </CopyButton>
      </Group>
    </Stack>
  );
}
