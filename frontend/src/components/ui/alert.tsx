import { Alert as MantineAlert } from '@mantine/core';
import type { ReactNode } from 'react';

type AlertProps = {
  children: ReactNode;
  title?: string;
  /** error (default): something failed; info: worth knowing; warning: look before going on. */
  tone?: 'error' | 'info' | 'warning';
};

const colors = { error: 'red', info: 'blue', warning: 'yellow' } as const;

/** A message that screen readers announce as soon as it appears. */
export function Alert({ children, title, tone = 'error' }: AlertProps) {
  return (
    <MantineAlert role="alert" color={colors[tone]} variant="light" title={title}>
      {children}
    </MantineAlert>
  );
}
