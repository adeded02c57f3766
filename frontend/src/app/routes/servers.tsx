import { Navigate, useLocation, useOutletContext, useParams } from 'react-router';

import { paths } from '@/config/paths';
import type { Me } from '@/features/auth/api/me';
import { ServerDetailPage } from '@/features/servers/components/server-detail-page';
import { EditServerPage, NewServerPage } from '@/features/servers/components/server-form-page';
import { ServersPage } from '@/features/servers/components/servers-page';

/** The home page: the servers. */
export function ServersRoute() {
  const me = useOutletContext<Me>();
  return <ServersPage canRegister={me.can_register_servers} />;
}

/** /servers is the home page under another name; its filters come along. */
export function ServersRedirect() {
  const { search } = useLocation();
  return <Navigate to={{ pathname: paths.home, search }} replace />;
}

export function ServerDetailRoute() {
  const { id = '' } = useParams();
  return <ServerDetailPage id={id} />;
}

export function NewServerRoute() {
  const me = useOutletContext<Me>();
  if (!me.can_register_servers) return <Navigate to={paths.home} replace />;
  return <NewServerPage />;
}

export function EditServerRoute() {
  const { id = '' } = useParams();
  return <EditServerPage id={id} />;
}
