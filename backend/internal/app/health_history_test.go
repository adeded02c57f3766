package app_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

type apiHealthCheck struct {
	CheckedAt time.Time `json:"checked_at"`
	Status    string    `json:"status"`
	Error     string    `json:"error"`
	LatencyMS *int      `json:"latency_ms"`
	ToolCount int       `json:"tool_count"`
}

// TestServerHealthHistory: GET /api/servers/{id}/health lists the stored
// checks newest first (a healthy refresh, then one after the upstream
// stopped, with its error), honours limit, refuses a bad limit with 400,
// and answers 404 to callers who cannot see the server, without auditing
// reads.
func TestServerHealthHistory(t *testing.T) {
	t.Parallel()
	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{})
	a := start(t) // no poller: only the refreshes below check the server
	admin := signedInAdmin(t, a)
	srv := createServer(t, admin, map[string]any{"path": "history", "upstream_url": up.StreamableURL(), "transport": "streamable-http"})
	history := func(c *testutil.Client, query string) (int, []apiHealthCheck) {
		t.Helper()
		r := c.Do(http.MethodGet, "/api/servers/"+srv.ID+"/health"+query, nil)
		var out struct {
			Items []apiHealthCheck `json:"items"`
		}
		if r.Status == 200 {
			r.JSON(t, &out)
			if out.Items == nil {
				t.Fatalf("items is not a list: %s", r.Body)
			}
		}
		return r.Status, out.Items
	}
	if status, h := history(admin, ""); status != 200 || len(h) != 0 {
		t.Fatalf("history before any check: %d %+v", status, h)
	}

	refresh := func(want string) apiServer {
		t.Helper()
		r := admin.Do(http.MethodPost, "/api/servers/"+srv.ID+"/refresh", nil)
		var s apiServer
		if r.Status != 200 {
			t.Fatalf("refresh: %d %s", r.Status, r.Body)
		}
		r.JSON(t, &s)
		if s.Health.Status != want {
			t.Fatalf("refresh: %s, want %s", s.Health.Status, want)
		}
		return s
	}
	healthy := refresh("healthy")
	up.Close()
	refresh("unhealthy")

	status, h := history(admin, "")
	if status != 200 || len(h) != 2 {
		t.Fatalf("history: %d %+v", status, h)
	}
	if c := h[0]; c.Status != "unhealthy" || c.Error == "" || c.LatencyMS == nil || c.ToolCount != healthy.ToolCount {
		t.Errorf("newest check: %+v", c)
	}
	if c := h[1]; c.Status != "healthy" || c.Error != "" || c.LatencyMS == nil || c.ToolCount == 0 || c.ToolCount != healthy.ToolCount {
		t.Errorf("oldest check: %+v (server had %d tools)", c, healthy.ToolCount)
	}
	if !h[0].CheckedAt.After(h[1].CheckedAt) {
		t.Errorf("not newest first: %v then %v", h[0].CheckedAt, h[1].CheckedAt)
	}
	// The newest check is what the server shows now.
	var now struct {
		Health struct {
			Error         string     `json:"error"`
			LastCheckedAt *time.Time `json:"last_checked_at"`
		} `json:"health"`
	}
	admin.Do(http.MethodGet, "/api/servers/"+srv.ID, nil).JSON(t, &now)
	if now.Health.Error != h[0].Error || now.Health.LastCheckedAt == nil || !now.Health.LastCheckedAt.Equal(h[0].CheckedAt) {
		t.Errorf("server shows %+v, history's newest is %+v", now.Health, h[0])
	}

	if status, h := history(admin, "?limit=1"); status != 200 || len(h) != 1 || h[0].Status != "unhealthy" {
		t.Fatalf("limit=1: %d %+v", status, h)
	}
	if status, h := history(admin, "?limit=200"); status != 200 || len(h) != 2 {
		t.Fatalf("limit=200: %d %+v", status, h)
	}
	for _, bad := range []string{"0", "201", "-1", "ten", "", "1.5"} {
		r := admin.Do(http.MethodGet, "/api/servers/"+srv.ID+"/health?limit="+bad, nil)
		var e struct {
			Error struct {
				Code, Message, Field string
			} `json:"error"`
		}
		if r.Status == 400 {
			r.JSON(t, &e)
		}
		if r.Status != 400 || e.Error.Code != "bad_request" || e.Error.Field != "limit" || e.Error.Message == "" {
			t.Errorf("limit=%q: %d %s", bad, r.Status, r.Body)
		}
	}

	grantTools(t, admin, "readers", "history", "*")
	reader := userIn(t, a, admin, "reader", "readers")
	outsider := userIn(t, a, admin, "outsider")
	if status, h := history(reader, "?limit=5"); status != 200 || len(h) != 2 {
		t.Fatalf("reader: %d %+v", status, h)
	}
	readsBefore := len(auditEvents(t, a, "server.read"))
	if status, _ := history(outsider, ""); status != 404 {
		t.Fatalf("outsider: %d, want 404", status)
	}
	if status, _ := history(outsider, "?limit=500"); status != 400 {
		t.Fatalf("outsider with a bad limit: %d, want 400 (limits are checked before the server)", status)
	}
	if r := admin.Do(http.MethodGet, "/api/servers/00000000-0000-0000-0000-000000000000/health", nil); r.Status != 404 {
		t.Fatalf("unknown server: %d", r.Status)
	}
	if r := admin.Do(http.MethodGet, "/api/servers/not-an-id/health", nil); r.Status != 404 {
		t.Fatalf("malformed id: %d", r.Status)
	}
	if n := len(auditEvents(t, a, "server.read")); n != readsBefore {
		t.Fatalf("reading health history was audited: %d server.read events, had %d", n, readsBefore)
	}
	if r := a.NewClient(t).Do(http.MethodGet, "/api/servers/"+srv.ID+"/health", nil); r.Status != 401 {
		t.Fatalf("signed out: %d", r.Status)
	}
}
