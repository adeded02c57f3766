import { Paper, Title } from '@mantine/core';
import { useId, type ReactNode } from 'react';

type CardProps = {
  title: string;
  /** Shown at the end of the title row: actions or a status. */
  aside?: ReactNode;
  children: ReactNode;
};

/** A titled section of a page; its heading names the region for screen readers. */
export function Card({ title, aside, children }: CardProps) {
  const headingId = useId();
  return (
    <Paper component="section" withBorder p="lg" aria-labelledby={headingId} className="card">
      <div className="card__head">
        <Title order={2} size="h4" id={headingId}>
          {title}
        </Title>
        {aside}
      </div>
      {children}
    </Paper>
  );
}
