import { Route, Routes } from 'react-router';

import { paths } from '@/config/paths';

import { AppRoot } from './routes/app-root';
import { LoginRoute } from './routes/login';
import { NotFoundRoute } from './routes/not-found';
import { AccessRoute, AuditRoute, UsersRoute } from './routes/admin';
import { TokensRoute } from './routes/tokens';
import { EditServerRoute, NewServerRoute, ServerDetailRoute, ServersRedirect, ServersRoute } from './routes/servers';

/** Every dashboard route. Everything but sign-in needs a signed-in user. */
export function AppRoutes() {
  return (
    <Routes>
      <Route path={paths.login} element={<LoginRoute />} />
      <Route element={<AppRoot />}>
        <Route index element={<ServersRoute />} />
        <Route path={paths.servers} element={<ServersRedirect />} />
        <Route path={paths.newServer} element={<NewServerRoute />} />
        <Route path="/servers/:id" element={<ServerDetailRoute />} />
        <Route path="/servers/:id/edit" element={<EditServerRoute />} />
        <Route path={paths.tokens} element={<TokensRoute />} />
        <Route path={paths.audit} element={<AuditRoute />} />
        <Route path={paths.users} element={<UsersRoute />} />
        <Route path={paths.access} element={<AccessRoute />} />
        <Route path="*" element={<NotFoundRoute />} />
      </Route>
    </Routes>
  );
}
