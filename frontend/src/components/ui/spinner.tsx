import { Loader } from '@mantine/core';

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <div role="status" className="spinner">
      <Loader size="sm" aria-hidden="true" />
      <span className="visually-hidden">{label}</span>
    </div>
  );
}
