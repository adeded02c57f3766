import type { ReactNode } from 'react';
import { useOutletContext } from 'react-router';

import { Alert } from '@/components/ui/alert';
import type { Me } from '@/features/auth/api/me';
import { AccessPage } from '@/features/access/components/access-page';
import { AuditPage } from '@/features/audit/components/audit-page';
import { UsersPage } from '@/features/users/components/users-page';

/** Administrators' pages: others get a plain explanation, not a broken page. */
function AdminOnly({ children }: { children: ReactNode }) {
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

export function AuditRoute() {
  return (
    <AdminOnly>
      <AuditPage />
    </AdminOnly>
  );
}

function CurrentUsers() {
  const me = useOutletContext<Me>();
  return <UsersPage currentUsername={me.username} />;
}

export function UsersRoute() {
  return (
    <AdminOnly>
      <CurrentUsers />
    </AdminOnly>
  );
}

export function AccessRoute() {
  return (
    <AdminOnly>
      <AccessPage />
    </AdminOnly>
  );
}
