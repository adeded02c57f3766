import { useId, type ReactNode } from 'react';

type CardProps = {
  title: string;
  children: ReactNode;
};

/** A titled section of a page; its heading names the region for screen readers. */
export function Card({ title, children }: CardProps) {
  const headingId = useId();
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId} className="card__title">
        {title}
      </h2>
      {children}
    </section>
  );
}
