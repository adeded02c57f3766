import { AuditPage } from '@/features/audit/components/audit-page';

import { AdminOnly } from './admin';

export function AuditRoute() {
  return (
    <AdminOnly>
      <AuditPage />
    </AdminOnly>
  );
}
