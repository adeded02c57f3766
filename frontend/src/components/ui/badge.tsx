import { Badge as MantineBadge } from '@mantine/core';
import type { ReactNode } from 'react';

export function Badge({ children, color }: { children: ReactNode; color?: string }) {
  return (
    <MantineBadge variant="light" color={color} radius="sm">
      {children}
    </MantineBadge>
  );
}
