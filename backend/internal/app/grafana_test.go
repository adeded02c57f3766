package app_test

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

// grafanaDashboard is the part of deploy/grafana/mcpgw-dashboard.json the
// test reads.
type grafanaDashboard struct {
	UID        string `json:"uid"`
	Templating struct {
		List []struct {
			Name string `json:"name"`
			Type string `json:"type"`
		} `json:"list"`
	} `json:"templating"`
	Panels []struct {
		ID         int    `json:"id"`
		Type       string `json:"type"`
		Title      string `json:"title"`
		Datasource *struct {
			UID string `json:"uid"`
		} `json:"datasource"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

var promName = regexp.MustCompile(`\b(?:mcpgw|go|process)_[a-z_]+\b`)

// TestGrafanaDashboardQueriesServedMetrics: every metric the Grafana
// dashboard in deploy/grafana queries is one a gateway serves on /metrics
// once it has done the things the panels show (proxied calls, a denial, an
// upstream error, sign-ins, bearer tokens, health checks, a live
// subscriber), and every panel reads the dashboard's Prometheus variable.
func TestGrafanaDashboardQueriesServedMetrics(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../../deploy/grafana/mcpgw-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var d grafanaDashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	if d.UID == "" || len(d.Templating.List) == 0 || d.Templating.List[0].Name != "datasource" || d.Templating.List[0].Type != "datasource" {
		t.Fatalf("the dashboard needs a uid and a first variable named datasource: %+v", d.Templating)
	}
	queried := map[string]bool{}
	ids := map[int]bool{}
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d used twice", p.ID)
		}
		ids[p.ID] = true
		if p.Type == "row" {
			continue
		}
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" || len(p.Targets) == 0 {
			t.Errorf("panel %q: needs the ${datasource} variable and a query", p.Title)
		}
		for _, q := range p.Targets {
			for _, m := range promName.FindAllString(q.Expr, -1) {
				queried[m] = true
			}
		}
	}

	// A gateway doing what the panels show.
	a := start(t, polling)
	admin := signedInAdmin(t, a)
	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{})
	createServer(t, admin, map[string]any{"path": "clock", "upstream_url": up.StreamableURL(), "transport": "streamable-http"})
	grantTools(t, admin, "agents", "clock", "add")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/mcp"
	_ = l.Close()
	createServer(t, admin, map[string]any{"path": "gone", "upstream_url": closed, "transport": "streamable-http"})
	grantTools(t, admin, "agents", "gone", "*")
	token := agentToken(t, a, admin, "robot", "agents")
	call := func(path, tool string) *testutil.Response {
		return rpc(t, a, path, token, map[string]any{"jsonrpc": "2.0", "id": 1, "method": "tools/call",
			"params": map[string]any{"name": tool, "arguments": map[string]any{"a": 1, "b": 2}}})
	}
	call("/clock/mcp", "add")  // forwarded
	call("/clock/mcp", "echo") // denied
	call("/gone/mcp", "add")   // the upstream is down
	openLive(t, a.URL, token, "")

	var names map[string]bool
	deadline := time.Now().Add(15 * time.Second)
	for {
		names = servedMetrics(string(a.NewClient(t).Do(http.MethodGet, "/metrics", nil).Body))
		if names["mcpgw_health_checks_total"] || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	for m := range queried {
		if !names[m] {
			t.Errorf("the dashboard queries %s, which /metrics does not serve", m)
		}
	}
	if len(queried) < 15 {
		t.Errorf("the dashboard queries only %d metrics: %v", len(queried), queried)
	}
}

// servedMetrics returns the sample names in a Prometheus text exposition:
// every family's name, and for histograms its _bucket, _sum and _count.
func servedMetrics(text string) map[string]bool {
	names := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) != 4 || f[0] != "#" || f[1] != "TYPE" {
			continue
		}
		names[f[2]] = true
		if f[3] == "histogram" {
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				names[f[2]+s] = true
			}
		}
	}
	return names
}
