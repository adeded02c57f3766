import { LiveServerList } from './live-server-list';

/** The signed-in landing page: the servers the user may see, live. */
export function DashboardHome() {
  return (
    <div className="page">
      <h1 className="page__title">Dashboard</h1>
      <div className="grid">
        <LiveServerList />
      </div>
    </div>
  );
}
