import { Card } from '@/components/ui/card';

/** The signed-in landing page. Later issues fill it with servers and health. */
export function DashboardHome() {
  return (
    <div className="page">
      <h1 className="page__title">Dashboard</h1>
      <div className="grid">
        <Card title="MCP servers">
          <p className="empty">Servers will appear here</p>
          <p className="muted">Registered MCP servers, their health and their tools are listed on this page.</p>
        </Card>
      </div>
    </div>
  );
}
