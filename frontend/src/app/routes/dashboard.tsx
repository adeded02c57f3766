import { PRODUCT_NAME } from '@/config/app';
import { DashboardHome } from '@/features/dashboard/components/dashboard-home';

export function DashboardRoute() {
  return (
    <>
      <title>{`Dashboard · ${PRODUCT_NAME}`}</title>
      <DashboardHome />
    </>
  );
}
