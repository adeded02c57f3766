import { AccessPage } from '@/features/access/components/access-page';

import { AdminOnly } from './admin';

export function AccessRoute() {
  return (
    <AdminOnly>
      <AccessPage />
    </AdminOnly>
  );
}
