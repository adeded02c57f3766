package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/app"
	"github.com/mcpgw/mcpgw/backend/internal/config"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/oidc"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

// viaProxy points a connection URL at a cuttable proxy in front of its server.
func viaProxy(t *testing.T, rawURL string) (string, *testutil.Proxy) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	p := testutil.NewProxy(t, u.Host)
	u.Host = p.Addr()
	return u.String(), p
}

type health struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

func TestReadyzReportsRedisOutage(t *testing.T) {
	t.Parallel()
	var proxy *testutil.Proxy
	a := start(t, func(c *config.Config) { c.RedisURL, proxy = viaProxy(t, c.RedisURL) })
	c := signedInAdmin(t, a)

	var h health
	if r := c.Do(http.MethodGet, "/readyz", nil); r.Status != http.StatusOK {
		t.Fatalf("readyz with everything up: %d %s", r.Status, r.Body)
	}
	proxy.Cut()
	r := c.Do(http.MethodGet, "/readyz", nil)
	r.JSON(t, &h)
	if r.Status != http.StatusServiceUnavailable || h.Status != "unavailable" || h.Checks["redis"] != "unreachable" || h.Checks["postgres"] != "ok" {
		t.Fatalf("readyz with Redis cut: %d %s", r.Status, r.Body)
	}
	// The public answer names no internal address; the log has the detail.
	if host, _, _ := net.SplitHostPort(proxy.Addr()); strings.Contains(string(r.Body), host) {
		t.Fatalf("readyz reveals an internal address: %s", r.Body)
	}
	if !strings.Contains(a.Log.String(), "readiness check failed") {
		t.Fatal("the failed check's detail was not logged")
	}
	// Liveness does not depend on Redis.
	if r := c.Do(http.MethodGet, "/healthz", nil); r.Status != http.StatusOK {
		t.Fatalf("healthz: %d", r.Status)
	}
	// A session cannot be checked: 503, not a misleading 401.
	if r := c.Do(http.MethodGet, "/api/auth/me", nil); r.Status != http.StatusServiceUnavailable || r.ErrorCode() != domain.EUNAVAILABLE {
		t.Fatalf("me with Redis cut: %d %s", r.Status, r.Body)
	}
	if r := login(a.NewClient(t), "admin", testutil.AdminPassword); r.Status != http.StatusServiceUnavailable {
		t.Fatalf("login with Redis cut: %d %s", r.Status, r.Body)
	}

	proxy.Restore()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := c.Do(http.MethodGet, "/readyz", nil)
		if r.Status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz did not recover: %d %s", r.Status, r.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if r := c.Do(http.MethodGet, "/api/auth/me", nil); r.Status != http.StatusOK {
		t.Fatalf("the session did not survive the outage: %d", r.Status)
	}
}

func TestReadyzReportsPostgresOutage(t *testing.T) {
	t.Parallel()
	var proxy *testutil.Proxy
	a := start(t, func(c *config.Config) { c.DatabaseURL, proxy = viaProxy(t, c.DatabaseURL) })
	c := a.NewClient(t)
	proxy.Cut()
	var h health
	r := c.Do(http.MethodGet, "/readyz", nil)
	r.JSON(t, &h)
	if r.Status != http.StatusServiceUnavailable || h.Checks["postgres"] == "ok" || h.Checks["redis"] != "ok" {
		t.Fatalf("readyz with Postgres cut: %d %s", r.Status, r.Body)
	}
}

func TestMetricsHeadersAndRequestIDs(t *testing.T) {
	t.Parallel()
	a := start(t)
	c := signedInAdmin(t, a)

	r := c.Do(http.MethodGet, "/api/auth/me", nil, "X-Request-ID", "trace-abc.123")
	if got := r.Header.Get("X-Request-ID"); got != "trace-abc.123" {
		t.Errorf("a well-formed X-Request-ID was not kept: %q", got)
	}
	r = c.Do(http.MethodGet, "/api/auth/me", nil, "X-Request-ID", "bad id\twith junk")
	if got := r.Header.Get("X-Request-ID"); got == "" || strings.ContainsAny(got, " \t") {
		t.Errorf("a malformed X-Request-ID was echoed or none made: %q", got)
	}
	for h, want := range map[string]string{
		"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
	} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}

	r = c.Do(http.MethodGet, "/metrics", nil)
	for _, want := range []string{
		`mcpgw_http_requests_total{code="200",method="GET",route="/api/auth/me"}`,
		`mcpgw_auth_logins_total{outcome="success"} 1`,
		"mcpgw_http_request_duration_seconds_bucket",
		"go_goroutines",
	} {
		if !strings.Contains(string(r.Body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestOversizedHeadersAreRefused(t *testing.T) {
	t.Parallel()
	a := start(t, func(c *config.Config) { c.MaxHeaderBytes = 8192 })
	r := a.NewClient(t).Do(http.MethodGet, "/healthz", nil, "X-Padding", strings.Repeat("a", 64*1024))
	if r.Status != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("64 KiB of headers: %d", r.Status)
	}
}

func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	cfg := testutil.Config(t)
	cfg.ShutdownTimeout = 5 * time.Second
	cfg.ShutdownDrainDelay = time.Second
	a, err := app.New(context.Background(), cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()

	base := "http://" + ln.Addr().String()
	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz before shutdown: %v %v", resp, err)
	}
	_ = resp.Body.Close()
	stop()
	// While draining, readiness fails but requests are still served.
	time.Sleep(200 * time.Millisecond)
	resp, err = http.Get(base + "/readyz")
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz while draining: %v %v", resp, err)
	}
	var h health
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil || h.Checks["shutdown"] != "shutting down" {
		t.Fatalf("readyz while draining: %+v %v", h, err)
	}
	_ = resp.Body.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve returned %v after a clean shutdown", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the context was cancelled")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("still accepting connections after shutdown")
	}
}

func TestBootstrapAdminOnlyOnce(t *testing.T) {
	t.Parallel()
	cfg := testutil.Config(t)
	cfg.AdminPassword = "" // generate one
	var console bytes.Buffer
	a := testutil.StartApp(t, cfg, testutil.StartOptions{Console: &console})
	out := console.String()
	i := strings.Index(out, "password: ")
	if i < 0 {
		t.Fatalf("no generated password printed: %q", out)
	}
	generated := strings.Fields(out[i+len("password: "):])[0]
	if len(generated) < 20 {
		t.Fatalf("generated password %q is short", generated)
	}
	if strings.Contains(a.Log.String(), generated) {
		t.Fatal("the generated password reached the logs")
	}
	a.NewClient(t).Login("admin", generated)

	// A second start on the same database creates no one and prints nothing.
	var again bytes.Buffer
	b, err := app.New(context.Background(), cfg, app.Options{Console: &again})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	if again.Len() != 0 {
		t.Fatalf("second start printed %q", again.String())
	}
	users, err := a.Users.ListUsers(context.Background())
	if err != nil || len(users) != 1 {
		t.Fatalf("users after two starts = %d, %v", len(users), err)
	}
}

func TestReplicasStartingTogetherCreateOneAdmin(t *testing.T) {
	t.Parallel()
	cfg := testutil.Config(t)
	cfg.AdminPassword = ""
	errs := make(chan error, 3)
	consoles := make([]bytes.Buffer, 3)
	for i := range 3 {
		go func() {
			a, err := app.New(context.Background(), cfg, app.Options{Console: &consoles[i]})
			if err == nil {
				a.Close()
			}
			errs <- err
		}()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	printed := 0
	for i := range consoles {
		if strings.Contains(consoles[i].String(), "password: ") {
			printed++
		}
	}
	if printed != 1 {
		t.Fatalf("%d replicas printed an admin password, want exactly 1", printed)
	}
}

// TestOlderReplicaStartsOnNewerSchema: during a rolling upgrade the new
// version has migrated the database; a replica of the old one that
// restarts then must still serve, whether it migrates at start or not.
func TestOlderReplicaStartsOnNewerSchema(t *testing.T) {
	t.Parallel()
	cfg := testutil.Config(t)
	latest, err := postgres.LatestVersion()
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(context.Background(), cfg.DatabaseURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Pool.Exec(context.Background(), `UPDATE schema_migrations SET version = $1`, latest+1); err != nil {
		t.Fatal(err)
	}
	for _, migrate := range []bool{true, false} {
		c := *cfg
		c.MigrateOnStart = migrate
		a := testutil.StartApp(t, &c, testutil.StartOptions{})
		if r := a.NewClient(t).Do(http.MethodGet, "/readyz", nil); r.Status != http.StatusOK {
			t.Fatalf("migrate=%t: readyz %d %s", migrate, r.Status, r.Body)
		}
		if migrate && !strings.Contains(a.Log.String(), "the database schema is newer than this mcpgw") {
			t.Fatalf("no warning logged:\n%s", a.Log.String())
		}
	}
	var v uint
	if err := db.Pool.QueryRow(context.Background(), `SELECT version FROM schema_migrations`).Scan(&v); err != nil || v != latest+1 {
		t.Fatalf("schema version = %d (%v), want it left at %d", v, err, latest+1)
	}
}

func TestConfigErrorsStopStart(t *testing.T) {
	t.Parallel()
	cfg := testutil.Config(t)
	cfg.SecretKey = ""
	if _, err := app.New(context.Background(), cfg, app.Options{}); err == nil || !strings.Contains(err.Error(), "SECRET_KEY") {
		t.Fatalf("start without SECRET_KEY: %v", err)
	}
}

// TestReadyzReportsIdentityProviders: each identity provider's
// reachability is reported; one that is down degrades the status without
// taking the replica out of rotation.
func TestReadyzReportsIdentityProviders(t *testing.T) {
	t.Parallel()
	idp := testutil.NewOIDCProvider(t, testutil.OIDCProviderOptions{})
	a := start(t, withIdP(t, idp, "corp", oidc.TypeGeneric))
	c := a.NewClient(t)
	var h health
	r := c.Do(http.MethodGet, "/readyz", nil)
	r.JSON(t, &h)
	if r.Status != http.StatusOK || h.Status != "ready" || h.Checks["idp:corp"] != "ok" {
		t.Fatalf("readyz with the provider up: %d %s", r.Status, r.Body)
	}
	idp.SetJWKSDown(true)
	r = c.Do(http.MethodGet, "/readyz", nil)
	h = health{}
	r.JSON(t, &h)
	if r.Status != http.StatusOK || h.Status != "degraded" || h.Checks["idp:corp"] != "unreachable" || h.Checks["postgres"] != "ok" {
		t.Fatalf("readyz with the provider's keys down: %d %s", r.Status, r.Body)
	}
	if !strings.Contains(a.Log.String(), "identity provider unreachable") {
		t.Fatal("the provider's failure was not logged")
	}
}
