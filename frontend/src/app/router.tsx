import { Route, Routes } from 'react-router';

import { paths } from '@/config/paths';

import { AppRoot } from './routes/app-root';
import { DashboardRoute } from './routes/dashboard';
import { LoginRoute } from './routes/login';
import { NotFoundRoute } from './routes/not-found';

/** Every dashboard route. Everything but sign-in needs a signed-in user. */
export function AppRoutes() {
  return (
    <Routes>
      <Route path={paths.login} element={<LoginRoute />} />
      <Route element={<AppRoot />}>
        <Route index element={<DashboardRoute />} />
        <Route path="*" element={<NotFoundRoute />} />
      </Route>
    </Routes>
  );
}
