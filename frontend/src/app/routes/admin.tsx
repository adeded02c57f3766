import type { ReactNode } from 'react';
import { useOutletContext } from 'react-router';

import { Alert } from '@/components/ui/alert';
import type { Me } from '@/features/auth/api/me';

/** Administrators' pages: others get a plain explanation, not a broken page. */
export function AdminOnly({ children }: { children: ReactNode }) {
  const me = useOutletContext<Me>();
  if (!me.is_admin) {
    return (
      <div className="page">
        <Alert title="Administrators only" tone="info">
          This page is for administrators of the gateway. Ask one if you need something here.
        </Alert>
      </div>
    );
  }
  return children;
}
