import { lazy, Suspense, type ReactNode } from 'react';
import { Route, Routes } from 'react-router';

import { Loading } from '@/components/ui/loading';
import { paths } from '@/config/paths';

import { AppRoot } from './routes/app-root';
import { LoginRoute } from './routes/login';
import { NotFoundRoute } from './routes/not-found';
import { EditServerRoute, NewServerRoute, ServerDetailRoute, ServersRedirect, ServersRoute } from './routes/servers';

// Pages most visits never open load on first use, keeping the first load small.
const AccessRoute = lazy(() => import('./routes/access').then((m) => ({ default: m.AccessRoute })));
const AuditRoute = lazy(() => import('./routes/audit').then((m) => ({ default: m.AuditRoute })));
const TokensRoute = lazy(() => import('./routes/tokens').then((m) => ({ default: m.TokensRoute })));
const UsersRoute = lazy(() => import('./routes/users').then((m) => ({ default: m.UsersRoute })));

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
        <Route path={paths.tokens} element={<Lazy page={<TokensRoute />} />} />
        <Route path={paths.audit} element={<Lazy page={<AuditRoute />} />} />
        <Route path={paths.users} element={<Lazy page={<UsersRoute />} />} />
        <Route path={paths.access} element={<Lazy page={<AccessRoute />} />} />
        <Route path="*" element={<NotFoundRoute />} />
      </Route>
    </Routes>
  );
}

function Lazy({ page }: { page: ReactNode }) {
  return <Suspense fallback={<Loading label="Loading the page…" />}>{page}</Suspense>;
}
