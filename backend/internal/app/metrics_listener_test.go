package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/app"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

// dashboard is a built dashboard: with one, a path the router does not
// know gets index.html with 200, which /metrics on the wrong port must not.
var dashboard = fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>mcpgw</title>")}}

// TestMetricsListener: with METRICS_ADDR, /metrics is served on that
// listener only (the main one answers a JSON 404), along with /healthz and
// /readyz; the main listener keeps its probes, and the metrics listener
// serves nothing else.
func TestMetricsListener(t *testing.T) {
	t.Parallel()
	a := startWith(t, testutil.StartOptions{Metrics: true, Frontend: dashboard})
	if a.MetricsURL == "" || a.MetricsURL == a.URL {
		t.Fatalf("metrics URL %q beside %q", a.MetricsURL, a.URL)
	}
	admin := signedInAdmin(t, a)
	admin.Do(http.MethodGet, "/api/auth/me", nil)
	m := testutil.NewClient(t, a.MetricsURL)

	r := m.Do(http.MethodGet, "/metrics", nil)
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics on the metrics listener: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		`mcpgw_http_requests_total{code="200",method="GET",route="/api/auth/me"}`,
		`mcpgw_auth_logins_total{outcome="success"} 1`,
		"mcpgw_audit_events_dropped_total 0", "go_goroutines",
	} {
		if !strings.Contains(string(r.Body), want) {
			t.Errorf("/metrics on the metrics listener lacks %s", want)
		}
	}

	// The main listener: no /metrics, in any form, and no dashboard page
	// in its place.
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		r := admin.Do(method, "/metrics", nil)
		var e apiError
		r.JSON(t, &e)
		if r.Status != http.StatusNotFound || e.Error.Code != domain.ENOTFOUND || e.Error.Message == "" ||
			!strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s /metrics on the main listener: %d %s %s", method, r.Status, r.Header.Get("Content-Type"), r.Body)
		}
	}
	if r := admin.Do(http.MethodGet, "/", nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), "<title>mcpgw") {
		t.Errorf("the dashboard on the main listener: %d %s", r.Status, r.Body)
	}

	// Probes answer on both listeners.
	for _, c := range []*testutil.Client{m, admin} {
		if r := c.Do(http.MethodGet, "/healthz", nil); r.Status != http.StatusOK {
			t.Errorf("/healthz: %d %s", r.Status, r.Body)
		}
		var h health
		r := c.Do(http.MethodGet, "/readyz", nil)
		r.JSON(t, &h)
		if r.Status != http.StatusOK || h.Status != "ready" || h.Checks["postgres"] != "ok" || h.Checks["redis"] != "ok" {
			t.Errorf("/readyz: %d %s", r.Status, r.Body)
		}
	}
	// Requests to the metrics listener are measured like any other.
	if r := m.Do(http.MethodGet, "/metrics", nil); !strings.Contains(string(r.Body), `mcpgw_http_requests_total{code="200",method="GET",route="/metrics"}`) {
		t.Errorf("scrapes of the metrics listener are not counted")
	}

	// Nothing else is there: not the API, not the dashboard, not the proxy,
	// whatever the credentials.
	for _, c := range []struct{ method, path string }{
		{http.MethodGet, "/"}, {http.MethodGet, "/api/auth/me"}, {http.MethodGet, "/api/users"},
		{http.MethodPost, "/api/auth/login"}, {http.MethodGet, "/some-server/mcp"}, {http.MethodGet, "/metrics/"},
	} {
		r := m.Do(c.method, c.path, nil, "Cookie", cookieName+"="+admin.Cookie(cookieName))
		if r.Status != http.StatusNotFound || r.ErrorCode() != domain.ENOTFOUND {
			t.Errorf("%s %s on the metrics listener: %d %s", c.method, c.path, r.Status, r.Body)
		}
	}
	if r := m.Do(http.MethodPost, "/metrics", nil); r.Status != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics on the metrics listener: %d %s", r.Status, r.Body)
	}
	if !strings.Contains(a.Log.String(), `"msg":"metrics listening"`) {
		t.Error("the metrics listener's address was not logged")
	}
}

// TestMetricsOnMainListenerByDefault: without METRICS_ADDR, /metrics is
// where it always was.
func TestMetricsOnMainListenerByDefault(t *testing.T) {
	t.Parallel()
	a := start(t)
	if a.Config.MetricsAddr != "" {
		t.Fatalf("METRICS_ADDR = %q by default", a.Config.MetricsAddr)
	}
	c := a.NewClient(t)
	c.Do(http.MethodGet, "/healthz", nil)
	r := c.Do(http.MethodGet, "/metrics", nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `mcpgw_http_requests_total{code="200",method="GET",route="/healthz"} 1`) {
		t.Fatalf("/metrics on the main listener: %d %.200s", r.Status, r.Body)
	}
	if strings.Contains(a.Log.String(), "metrics listening") {
		t.Error("a metrics listener was started without METRICS_ADDR")
	}
}

// TestMetricsListenerShutdown: the metrics listener outlives the main
// server's shutdown (a scrape still works while the main server waits for
// its connections), reports the drain on /readyz, and closes right after.
// Serve refuses a METRICS_ADDR it has no listener for.
func TestMetricsListenerShutdown(t *testing.T) {
	t.Parallel()
	cfg := testutil.Config(t)
	cfg.ShutdownDrainDelay = 500 * time.Millisecond
	cfg.ShutdownTimeout = 3 * time.Second
	cfg.MetricsAddr = "127.0.0.1:0"
	a, err := app.New(context.Background(), cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	listen := func() net.Listener {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		return ln
	}

	unused := listen()
	if err := a.Serve(context.Background(), unused); err == nil || !strings.Contains(err.Error(), "METRICS_ADDR") {
		t.Fatalf("Serve with METRICS_ADDR and no metrics listener: %v", err)
	}
	if _, err := net.Dial("tcp", unused.Addr().String()); err == nil {
		t.Error("the refused listener was left open")
	}

	ln, mln := listen(), listen()
	base, mbase := "http://"+ln.Addr().String(), "http://"+mln.Addr().String()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.ServeWithMetrics(ctx, ln, mln) }()
	get := func(url string) (int, string, error) {
		resp, err := (&http.Client{Timeout: 2 * time.Second}).Get(url)
		if err != nil {
			return 0, "", err
		}
		defer func() { _ = resp.Body.Close() }()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), err
	}
	for _, u := range []string{base + "/healthz", mbase + "/metrics"} {
		if code, _, err := get(u); err != nil || code != http.StatusOK {
			t.Fatalf("GET %s before shutdown: %d %v", u, code, err)
		}
	}
	// A connection that sends nothing: the main server's shutdown waits for
	// it until SHUTDOWN_TIMEOUT.
	held, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = held.Close() }()
	time.Sleep(100 * time.Millisecond)
	stopped := time.Now()
	stop()

	// Draining: both listeners say so on /readyz.
	time.Sleep(200 * time.Millisecond)
	for _, u := range []string{base + "/readyz", mbase + "/readyz"} {
		code, body, err := get(u)
		var h health
		_ = json.Unmarshal([]byte(body), &h)
		if err != nil || code != http.StatusServiceUnavailable || h.Checks["shutdown"] != "shutting down" {
			t.Fatalf("GET %s while draining: %d %s %v", u, code, body, err)
		}
	}
	// Once the main listener refuses connections, the metrics listener
	// still serves: the last scrape sees the shutdown.
	deadline := time.Now().Add(2 * time.Second)
	for {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			break
		}
		_ = c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the main listener still accepts connections after the drain delay")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, body, err := get(mbase + "/metrics"); err != nil || code != http.StatusOK || !strings.Contains(body, `route="/readyz"`) {
		t.Fatalf("/metrics while the main server shuts down: %d %v", code, err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ServeWithMetrics returned %v after a clean shutdown", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("ServeWithMetrics did not return after the context was cancelled")
	}
	if took := time.Since(stopped); took < cfg.ShutdownTimeout || took > cfg.ShutdownDrainDelay+cfg.ShutdownTimeout+5*time.Second {
		t.Errorf("shutdown took %v; want the main server's timeout (%v, a connection was held) and little more", took, cfg.ShutdownTimeout)
	}
	for _, addr := range []string{ln.Addr().String(), mln.Addr().String()} {
		if c, err := net.Dial("tcp", addr); err == nil {
			_ = c.Close()
			t.Errorf("%s still accepts connections after shutdown", addr)
		}
	}
}
