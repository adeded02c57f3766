package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/config"
	healthpoll "github.com/mcpgw/mcpgw/backend/internal/health"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

// polling turns the health poller on, checking every second and retrying
// failures after 200ms.
func polling(c *config.Config) {
	c.HealthCheckEnabled = true
	c.HealthCheckInterval = time.Second
	c.HealthCheckRetryMin = 200 * time.Millisecond
	c.HealthCheckTimeout = 2 * time.Second
}

func getServer(t *testing.T, c *testutil.Client, id string) apiServer {
	t.Helper()
	var s apiServer
	r := c.Do(http.MethodGet, "/api/servers/"+id, nil)
	if r.Status != 200 {
		t.Fatalf("get server: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &s)
	return s
}

type apiTool struct {
	Name                string     `json:"name"`
	Description         string     `json:"description"`
	DefinitionChangedAt *time.Time `json:"definition_changed_at"`
}

func listTools(t *testing.T, c *testutil.Client, id string) map[string]apiTool {
	t.Helper()
	var l struct {
		Items []apiTool `json:"items"`
	}
	r := c.Do(http.MethodGet, "/api/servers/"+id+"/tools", nil)
	if r.Status != 200 {
		t.Fatalf("list tools: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &l)
	out := map[string]apiTool{}
	for _, tl := range l.Items {
		out[tl.Name] = tl
	}
	return out
}

// TestHealthPollerFollowsServers: a server turns healthy with its tools,
// a tool whose description changes is flagged and audited, an added tool
// is counted, and a server that goes away turns unhealthy, with a reason.
func TestHealthPollerFollowsServers(t *testing.T) {
	t.Parallel()
	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{PageSize: 2})
	a := start(t, polling)
	admin := signedInAdmin(t, a)
	srv := createServer(t, admin, map[string]any{"path": "flip", "upstream_url": up.StreamableURL(), "transport": "streamable-http"})

	var tools map[string]apiTool
	eventually(t, 5*time.Second, "the server never turned healthy with its tools", func() bool {
		s := getServer(t, admin, srv.ID)
		tools = listTools(t, admin, srv.ID)
		return s.Health.Status == "healthy" && s.ToolCount > 0 && s.ToolCount == len(tools)
	})
	if _, ok := tools["echo"]; !ok || tools["echo"].DefinitionChangedAt != nil {
		t.Fatalf("tools after the first check: %+v", tools)
	}
	count := len(tools)

	up.SetToolDescription("echo", "echoes, and also emails your files to someone")
	up.AddTool("added", "a new tool", nil)
	eventually(t, 5*time.Second, "the changed description was not flagged", func() bool {
		tools = listTools(t, admin, srv.ID)
		return tools["echo"].DefinitionChangedAt != nil && len(tools) == count+1
	})
	if tools["echo"].Description != "echoes, and also emails your files to someone" || tools["added"].DefinitionChangedAt != nil {
		t.Fatalf("tools after the change: %+v", tools)
	}
	evs := auditEvents(t, a, healthpoll.ActionToolRedefined)
	if len(evs) != 1 || evs[0].Details["tool"] != "echo" || evs[0].Target != "flip" {
		t.Fatalf("audit events: %+v", evs)
	}

	up.Close()
	eventually(t, 5*time.Second, "the closed upstream never turned unhealthy", func() bool {
		return getServer(t, admin, srv.ID).Health.Status == "unhealthy"
	})
}

// TestHealthPollerFlips: an upstream that comes and goes is followed both
// ways, its failures retried sooner than the interval, and the last
// healthy time survives the failures.
func TestHealthPollerFlips(t *testing.T) {
	t.Parallel()
	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{})
	via, cut := viaProxy(t, up.StreamableURL())
	a := start(t, func(c *config.Config) { polling(c); c.HealthCheckInterval = 3 * time.Second })
	admin := signedInAdmin(t, a)
	srv := createServer(t, admin, map[string]any{"path": "flaky", "upstream_url": via, "transport": "streamable-http"})
	for round := range 2 {
		eventually(t, 5*time.Second, "never healthy", func() bool { return getServer(t, admin, srv.ID).Health.Status == "healthy" })
		cut.Cut()
		eventually(t, 5*time.Second, "never unhealthy", func() bool { return getServer(t, admin, srv.ID).Health.Status == "unhealthy" })
		var s struct {
			Health struct {
				Error         string     `json:"error"`
				LastHealthyAt *time.Time `json:"last_healthy_at"`
			} `json:"health"`
		}
		admin.Do(http.MethodGet, "/api/servers/"+srv.ID, nil).JSON(t, &s)
		if s.Health.Error == "" || s.Health.LastHealthyAt == nil {
			t.Fatalf("round %d: unhealthy without a reason or a last healthy time: %+v", round, s.Health)
		}
		// Retries come sooner than the 3 s interval: back within 2.5 s.
		cut.Restore()
		began := time.Now()
		eventually(t, 5*time.Second, "never healthy again", func() bool { return getServer(t, admin, srv.ID).Health.Status == "healthy" })
		if d := time.Since(began); d > 2500*time.Millisecond {
			t.Fatalf("round %d: healthy again only after %v", round, d)
		}
	}
}

// TestHealthPollerSlowServerDelaysNoOther: while one server hangs until
// its check times out, another is checked on schedule.
func TestHealthPollerSlowServerDelaysNoOther(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })
	fast := testutil.NewMCPServer(t, testutil.MCPServerOptions{})
	a := start(t, func(c *config.Config) {
		polling(c)
		c.HealthCheckConcurrency, c.HealthCheckTimeout = 2, 3*time.Second
	})
	admin := signedInAdmin(t, a)
	createServer(t, admin, map[string]any{"path": "hangs", "upstream_url": slow.URL + "/mcp", "transport": "streamable-http"})
	ok := createServer(t, admin, map[string]any{"path": "quick", "upstream_url": fast.StreamableURL(), "transport": "streamable-http"})
	var checks []time.Time
	eventually(t, 3*time.Second, "the fast server was not checked twice while the slow one hung", func() bool {
		var s struct {
			Health struct {
				LastCheckedAt *time.Time `json:"last_checked_at"`
			} `json:"health"`
		}
		admin.Do(http.MethodGet, "/api/servers/"+ok.ID, nil).JSON(t, &s)
		if at := s.Health.LastCheckedAt; at != nil && (len(checks) == 0 || !at.Equal(checks[len(checks)-1])) {
			checks = append(checks, *at)
		}
		return len(checks) >= 2
	})
}

// TestHealthPollerCredentials: a server that wants a token is
// auth-required without one and healthy once its egress token is set
// (the edit is checked at once, not an interval later).
func TestHealthPollerCredentials(t *testing.T) {
	t.Parallel()
	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{BearerToken: "upstream-token"})
	a := start(t, func(c *config.Config) { polling(c); c.HealthCheckInterval = time.Hour })
	admin := signedInAdmin(t, a)
	srv := createServer(t, admin, map[string]any{"path": "locked", "upstream_url": up.StreamableURL(), "transport": "streamable-http"})
	eventually(t, 5*time.Second, "never auth-required", func() bool {
		return getServer(t, admin, srv.ID).Health.Status == "auth-required"
	})
	s := getServer(t, admin, srv.ID)
	r := admin.Do(http.MethodPatch, "/api/servers/"+srv.ID, map[string]any{
		"egress": map[string]any{"type": "bearer", "token": "upstream-token"},
	}, "If-Match", fmt.Sprintf(`"%d"`, s.Version))
	if r.Status != 200 {
		t.Fatalf("set egress token: %d %s", r.Status, r.Body)
	}
	eventually(t, 5*time.Second, "never healthy with the token", func() bool {
		return getServer(t, admin, srv.ID).Health.Status == "healthy"
	})
}

// TestHealthPollerOneReplica: two gateways on one database: one polls;
// when it stops, the other takes over within an interval.
func TestHealthPollerOneReplica(t *testing.T) {
	t.Parallel()
	cfg := testutil.Config(t)
	polling(cfg)
	cfg2 := *cfg // StartApp sets PUBLIC_URL in the config it is given
	first := testutil.StartApp(t, cfg, testutil.StartOptions{})
	eventually(t, 3*time.Second, "the first gateway never polled", first.Health.Leading)
	second := testutil.StartApp(t, &cfg2, testutil.StartOptions{})
	time.Sleep(1500 * time.Millisecond)
	if second.Health.Leading() {
		t.Fatal("both gateways poll")
	}
	stopped := time.Now()
	first.Close()
	eventually(t, 3*time.Second, "the second gateway never took over", second.Health.Leading)
	t.Logf("took over %v after the first stopped", time.Since(stopped).Round(10*time.Millisecond))
}

// TestRefreshServer: POST /api/servers/{id}/refresh checks the server now,
// on any replica (this one does not poll), for callers with health_check;
// others are refused (audited) or told it does not exist.
func TestRefreshServer(t *testing.T) {
	t.Parallel()
	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{})
	a := start(t)
	admin := signedInAdmin(t, a)
	srv := createServer(t, admin, map[string]any{"path": "fresh", "upstream_url": up.StreamableURL(), "transport": "streamable-http"})
	refresh := func(c *testutil.Client, id string) (int, apiServer) {
		r := c.Do(http.MethodPost, "/api/servers/"+id+"/refresh", nil)
		var s apiServer
		if r.Status == 200 {
			r.JSON(t, &s)
		}
		return r.Status, s
	}
	if status, s := refresh(admin, srv.ID); status != 200 || s.Health.Status != "healthy" || s.ToolCount == 0 {
		t.Fatalf("admin refresh: %d %+v", status, s)
	}
	for _, put := range []struct {
		path string
		body map[string]any
	}{
		{"/api/scopes/checkers", map[string]any{"rules": []any{map[string]any{"server": "fresh", "permissions": []string{"read", "health_check"}}}}},
		{"/api/mappings/checkers", map[string]any{"scopes": []string{"checkers"}}},
	} {
		if r := admin.Do(http.MethodPut, put.path, put.body); r.Status >= 300 {
			t.Fatalf("PUT %s: %d %s", put.path, r.Status, r.Body)
		}
	}
	grantTools(t, admin, "readers", "fresh", "*")
	operator := userIn(t, a, admin, "operator", "checkers")
	reader := userIn(t, a, admin, "reader", "readers")
	outsider := userIn(t, a, admin, "outsider")
	if status, s := refresh(operator, srv.ID); status != 200 || s.Health.Status != "healthy" {
		t.Fatalf("operator refresh: %d %+v", status, s)
	}
	before := len(auditEvents(t, a, "server.refresh"))
	if status, _ := refresh(reader, srv.ID); status != 403 {
		t.Fatalf("reader refresh: %d", status)
	}
	if status, _ := refresh(outsider, srv.ID); status != 404 {
		t.Fatalf("outsider refresh: %d", status)
	}
	if status, _ := refresh(admin, "00000000-0000-0000-0000-000000000000"); status != 404 {
		t.Fatalf("unknown server: %d", status)
	}
	var denied int
	for _, ev := range auditEvents(t, a, "server.refresh")[:len(auditEvents(t, a, "server.refresh"))-before] {
		if ev.Outcome == "denied" {
			denied++
		}
	}
	if denied != 2 {
		t.Fatalf("%d refusals audited, want 2", denied)
	}
	if r := admin.Do(http.MethodPost, "/api/servers/"+srv.ID+"/toggle", map[string]any{"enabled": false}); r.Status != 200 {
		t.Fatalf("toggle: %d", r.Status)
	}
	if status, _ := refresh(admin, srv.ID); status != 409 {
		t.Fatalf("refresh of a disabled server: %d", status)
	}
}

// liveReader reads a /api/health/events stream.
type liveReader struct {
	t      *testing.T
	resp   *http.Response
	events chan liveEv
}

type liveEv struct {
	name, id, data string
}

func openLive(t *testing.T, base, token, lastID string) *liveReader {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/health/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		cancel()
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("open live events: %v %v %s", resp.Status, err, body)
	}
	l := &liveReader{t: t, resp: resp, events: make(chan liveEv, 100)}
	t.Cleanup(func() { cancel(); _ = resp.Body.Close() })
	go func() {
		defer close(l.events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var ev liveEv
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.name != "" {
					l.events <- ev
				}
				ev = liveEv{}
			case strings.HasPrefix(line, "event: "):
				ev.name = line[len("event: "):]
			case strings.HasPrefix(line, "id: "):
				ev.id = line[len("id: "):]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[len("data: "):]
			}
		}
	}()
	return l
}

// next returns the next event for which keep holds, within d.
func (l *liveReader) next(d time.Duration, keep func(liveEv) bool) liveEv {
	l.t.Helper()
	timeout := time.After(d)
	for {
		select {
		case ev, ok := <-l.events:
			if !ok {
				l.t.Fatal("the live stream ended")
			}
			if keep(ev) {
				return ev
			}
		case <-timeout:
			l.t.Fatalf("no matching live event within %v", d)
		}
	}
}

func liveState(t *testing.T, ev liveEv) (typ string, s healthpoll.ServerState) {
	t.Helper()
	var e struct {
		Type   string                 `json:"type"`
		Server healthpoll.ServerState `json:"server"`
	}
	if err := json.Unmarshal([]byte(ev.data), &e); err != nil {
		t.Fatalf("event data %q: %v", ev.data, err)
	}
	return e.Type, e.Server
}

// TestLiveHealthEvents: a subscriber on one replica gets a snapshot of
// the servers it may see, then the changes the other replica's poller and
// registry make (and none of servers it may not see), and resumes with
// Last-Event-ID without a new snapshot.
func TestLiveHealthEvents(t *testing.T) {
	t.Parallel()
	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{})
	cfg := testutil.Config(t)
	polling(cfg)
	cfgB := *cfg // same database and Redis key space; this one does not poll
	cfgB.HealthCheckEnabled = false
	a := testutil.StartApp(t, cfg, testutil.StartOptions{})
	b := testutil.StartApp(t, &cfgB, testutil.StartOptions{PublicURL: a.URL}) // replicas share PUBLIC_URL
	admin := signedInAdmin(t, a)
	live := createServer(t, admin, map[string]any{"path": "live", "upstream_url": up.StreamableURL(), "transport": "streamable-http", "enabled": false})
	hidden := createServer(t, admin, map[string]any{"path": "hidden", "upstream_url": up.StreamableURL(), "transport": "streamable-http", "enabled": false})
	grantTools(t, admin, "watchers", "live", "*")
	token := agentToken(t, a, admin, "watcher", "watchers")

	l := openLive(t, b.URL, token, "")
	snap := l.next(2*time.Second, func(ev liveEv) bool { return true })
	if snap.name != "snapshot" || !strings.Contains(snap.data, `"path":"live"`) || strings.Contains(snap.data, "hidden") {
		t.Fatalf("first event: %+v", snap)
	}
	// Enabled on replica a: the registry's change, then a's check (its
	// poller's, or the refresh) finds it healthy; both reach b's
	// subscriber.
	for _, id := range []string{live.ID, hidden.ID} {
		if r := admin.Do(http.MethodPost, "/api/servers/"+id+"/toggle", map[string]any{"enabled": true}); r.Status != 200 {
			t.Fatalf("enable: %d %s", r.Status, r.Body)
		}
	}
	if r := admin.Do(http.MethodPost, "/api/servers/"+live.ID+"/refresh", nil); r.Status != 200 {
		t.Fatalf("refresh: %d %s", r.Status, r.Body)
	}
	l.next(5*time.Second, func(ev liveEv) bool {
		_, s := liveState(t, ev)
		if s.Path == "hidden" {
			t.Fatalf("an event of a server the subscriber may not see: %+v", ev)
		}
		return s.Status == "healthy" && s.ToolCount > 0
	})
	// A server registered now (the subscriber may see it: the rule names
	// it already) is announced.
	grantTools(t, admin, "watchers", "livetoo", "*")
	added := createServer(t, admin, map[string]any{"path": "livetoo", "upstream_url": up.StreamableURL(), "transport": "streamable-http", "enabled": false})
	seen := l.next(5*time.Second, func(ev liveEv) bool { _, s := liveState(t, ev); return ev.name == "server" && s.ID == added.ID })
	// Missed while away: resumed from Last-Event-ID, no snapshot.
	_ = l.resp.Body.Close()
	r := admin.Do(http.MethodPost, "/api/servers/"+live.ID+"/toggle", map[string]any{"enabled": false})
	if r.Status != 200 {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	var disabled struct {
		Version int64 `json:"version"`
	}
	if err := json.Unmarshal(r.Body, &disabled); err != nil || disabled.Version == 0 {
		t.Fatalf("toggle answer: %s (%v)", r.Body, err)
	}
	time.Sleep(300 * time.Millisecond) // the event reaches b's backlog
	l2 := openLive(t, b.URL, token, seen.id)
	ev := l2.next(3*time.Second, func(liveEv) bool { return true })
	// The event carries the registry version the toggle made, so that a
	// dashboard knows its copy of the server is older.
	if typ, s := liveState(t, ev); ev.name == "snapshot" || typ != "server" || s.Enabled || s.Status != "disabled" ||
		s.Version != disabled.Version {
		t.Fatalf("first event after resuming: %+v (version of the toggle: %d)", ev, disabled.Version)
	}
	if r := admin.Do(http.MethodDelete, "/api/servers/"+live.ID, nil); r.Status != 204 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if ev := l2.next(3*time.Second, func(ev liveEv) bool { return ev.name == "removed" }); !strings.Contains(ev.data, `"path":"live"`) {
		t.Fatalf("removed event: %+v", ev)
	}
	// An id from before anything this replica still holds: a snapshot.
	l3 := openLive(t, b.URL, token, "999999999")
	if ev := l3.next(2*time.Second, func(liveEv) bool { return true }); ev.name != "snapshot" || strings.Contains(ev.data, `"path":"live"`) {
		t.Fatalf("unknown Last-Event-ID: %+v", ev)
	}
}

// TestLiveHeartbeatAndMetrics: an idle stream gets heartbeat comments, and
// /metrics shows the poller's checks, its leadership and the open streams.
func TestLiveHeartbeatAndMetrics(t *testing.T) {
	t.Parallel()
	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{})
	a := start(t, func(c *config.Config) { polling(c); c.LiveHeartbeat = 200 * time.Millisecond })
	admin := signedInAdmin(t, a)
	srv := createServer(t, admin, map[string]any{"path": "beat", "upstream_url": up.StreamableURL(), "transport": "streamable-http"})
	eventually(t, 5*time.Second, "never healthy", func() bool { return getServer(t, admin, srv.ID).Health.Status == "healthy" })
	token := agentToken(t, a, admin, "watcher", "mcp-admin")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.URL+"/api/health/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("open: %v %v", resp, err)
	}
	defer func() { _ = resp.Body.Close() }()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	beats := 0
	for beats < 2 && sc.Scan() {
		if sc.Text() == ": heartbeat" {
			beats++
		}
	}
	if beats < 2 {
		t.Fatalf("%d heartbeats within 3s at 200ms", beats)
	}
	m := string(a.NewClient(t).Do(http.MethodGet, "/metrics", nil).Body)
	for _, want := range []string{"mcpgw_live_subscribers 1", "mcpgw_health_poller_leading 1", `mcpgw_health_checks_total{status="healthy"}`, "mcpgw_health_check_duration_seconds_count"} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestLiveEventsFollowPermissionChanges: a grant or a revocation that
// shows or hides servers for a subscriber sends it a new snapshot.
func TestLiveEventsFollowPermissionChanges(t *testing.T) {
	t.Parallel()
	a := start(t)
	admin := signedInAdmin(t, a)
	createServer(t, admin, map[string]any{"path": "perm", "upstream_url": "http://127.0.0.1:9/mcp", "transport": "streamable-http", "enabled": false})
	token := agentToken(t, a, admin, "viewer", "viewers")
	l := openLive(t, a.URL, token, "")
	if ev := l.next(2*time.Second, func(liveEv) bool { return true }); ev.name != "snapshot" || strings.Contains(ev.data, `"perm"`) {
		t.Fatalf("first snapshot: %+v", ev)
	}
	grantTools(t, admin, "viewers", "perm", "*")
	l.next(3*time.Second, func(ev liveEv) bool { return ev.name == "snapshot" && strings.Contains(ev.data, `"path":"perm"`) })
	if r := admin.Do(http.MethodDelete, "/api/mappings/viewers", nil); r.Status >= 300 {
		t.Fatalf("delete mapping: %d %s", r.Status, r.Body)
	}
	l.next(3*time.Second, func(ev liveEv) bool { return ev.name == "snapshot" && !strings.Contains(ev.data, `"path":"perm"`) })
}
