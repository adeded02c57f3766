package app_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/app"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
	"github.com/mcpgw/mcpgw/backend/internal/registry"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

// writeSeed writes a seed file (SEED_SERVERS_FILE) and returns its path.
func writeSeed(t *testing.T, doc string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "servers.yml")
	if err := os.WriteFile(f, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// dbCount runs a count(*) query on the app's database.
func dbCount(t *testing.T, db *postgres.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSeedServersRegisteredOnce: a seeded server-everything is registered
// at the first start, audited as a create by the system, turns healthy and
// lists its tools; later starts on the same database neither duplicate it,
// nor undo an administrator's edit, nor bring it back once deleted.
func TestSeedServersRegisteredOnce(t *testing.T) {
	t.Parallel()
	base := testutil.StartServerEverything(t, testutil.EverythingStreamable)
	file := writeSeed(t, fmt.Sprintf(`
servers:
- path: everything
  display_name: Everything (example)
  description: The reference MCP server.
  upstream_url: %s/mcp
  transport: streamable-http
  tags: [example]
`, base))
	cfg := testutil.Config(t)
	cfg.SeedServersFile = file
	polling(cfg)
	a := testutil.StartApp(t, cfg, testutil.StartOptions{})
	admin := signedInAdmin(t, a)

	l := listServers(t, admin, "")
	if len(l.Items) != 1 {
		t.Fatalf("servers after the first start: %+v", l.Items)
	}
	srv := l.Items[0]
	if srv.Path != "everything" || srv.DisplayName != "Everything (example)" || srv.UpstreamURL != base+"/mcp" ||
		!srv.Enabled || strings.Join(srv.Tags, ",") != "example" || srv.Description != "The reference MCP server." {
		t.Fatalf("seeded server = %+v", srv)
	}
	var tools map[string]apiTool
	eventually(t, 30*time.Second, "the seeded server never turned healthy with its tools", func() bool {
		s := getServer(t, admin, srv.ID)
		tools = listTools(t, admin, srv.ID)
		return s.Health.Status == "healthy" && s.ToolCount > 0 && s.ToolCount == len(tools)
	})
	if _, ok := tools[testutil.EverythingEcho]; !ok {
		t.Fatalf("tools of the seeded server: %v", tools)
	}
	evs := auditEvents(t, a, registry.ActionServerCreate)
	if len(evs) != 1 || evs[0].Actor != "system" || evs[0].AuthMethod != "system" || evs[0].Target != "everything" ||
		evs[0].Details["seed"] != file || evs[0].Details["after"] == nil {
		t.Fatalf("audit of the seed: %+v", evs)
	}

	// Another start on the same database: a restart, or a second replica.
	restart := func() *testutil.TestApp {
		c := *cfg
		c.HealthCheckEnabled = false
		return testutil.StartApp(t, &c, testutil.StartOptions{})
	}
	if l := listServers(t, signedInAdmin(t, restart()), ""); len(l.Items) != 1 || l.Items[0].ID != srv.ID {
		t.Fatalf("servers after a restart: %+v", l.Items)
	}

	// An administrator's edit stays.
	r := admin.Do(http.MethodPatch, "/api/servers/"+srv.ID, map[string]any{"description": "Ours now."})
	if r.Status != http.StatusOK {
		t.Fatalf("edit: %d %s", r.Status, r.Body)
	}
	if got := getServer(t, signedInAdmin(t, restart()), srv.ID); got.Description != "Ours now." {
		t.Fatalf("after an edit and a restart: %+v", got)
	}

	// So does a deletion.
	if r := admin.Do(http.MethodDelete, "/api/servers/"+srv.ID, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	last := restart()
	if l := listServers(t, signedInAdmin(t, last), ""); len(l.Items) != 0 {
		t.Fatalf("the deleted seed came back: %+v", l.Items)
	}
	last.Flush(t)
	if n := len(auditEvents(t, a, registry.ActionServerCreate)); n != 1 {
		t.Fatalf("%d server.create events; want the first start's only", n)
	}
}

// TestSeedServersConcurrentStarts: replicas starting together on a fresh
// database create each seeded server once, without errors.
func TestSeedServersConcurrentStarts(t *testing.T) {
	t.Parallel()
	file := writeSeed(t, `
servers:
- path: alpha
  display_name: Alpha
  upstream_url: http://127.0.0.1:9/alpha/mcp
- path: beta
  display_name: Beta
  upstream_url: http://127.0.0.1:9/beta/mcp
`)
	cfg := testutil.Config(t)
	cfg.SeedServersFile = file
	const replicas = 4
	apps := make([]*app.App, replicas)
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	ready := make(chan struct{})
	for i := range replicas {
		wg.Go(func() {
			c := *cfg
			<-ready
			apps[i], errs[i] = app.New(context.Background(), &c, app.Options{})
		})
	}
	close(ready)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
	}
	db := apps[0].DB
	for _, path := range []string{"alpha", "beta"} {
		if n := dbCount(t, db, `SELECT count(*) FROM servers WHERE path = $1`, path); n != 1 {
			t.Errorf("%d servers at %s", n, path)
		}
	}
	if n := dbCount(t, db, `SELECT count(*) FROM seeded_servers WHERE server_id IS NOT NULL`); n != 2 {
		t.Errorf("%d seeds recorded", n)
	}
	for _, a := range apps[1:] {
		a.Close() // flushes its audit trail
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	apps[0].Audit.Flush(ctx)
	if n := dbCount(t, db, `SELECT count(*) FROM audit_events WHERE action = $1`, registry.ActionServerCreate); n != 2 {
		t.Errorf("%d server.create events; want one per seeded server", n)
	}
	apps[0].Close()
}

// TestSeedServersNeverOverwrite: a seed whose path a server already has is
// skipped, leaving that server as it is; the file's other entries are
// registered.
func TestSeedServersNeverOverwrite(t *testing.T) {
	t.Parallel()
	cfg := testutil.Config(t)
	a := testutil.StartApp(t, cfg, testutil.StartOptions{})
	admin := signedInAdmin(t, a)
	mine := createServer(t, admin, map[string]any{"path": "everything", "display_name": "Mine", "upstream_url": "http://127.0.0.1:9/mine/mcp"})

	c := *cfg
	c.SeedServersFile = writeSeed(t, `
servers:
- path: everything
  display_name: Everything (example)
  upstream_url: http://127.0.0.1:9/seed/mcp
- path: other
  display_name: Other
  upstream_url: http://127.0.0.1:9/other/mcp
`)
	b := testutil.StartApp(t, &c, testutil.StartOptions{})
	got := getServer(t, admin, mine.ID)
	if got.DisplayName != "Mine" || got.UpstreamURL != "http://127.0.0.1:9/mine/mcp" || got.Version != mine.Version {
		t.Fatalf("the seed overwrote a server: %+v", got)
	}
	l := listServers(t, signedInAdmin(t, b), "")
	if len(l.Items) != 2 || l.Items[0].Path != "everything" || l.Items[1].Path != "other" {
		t.Fatalf("servers: %+v", l.Items)
	}
	if !strings.Contains(b.Log.String(), "seed server skipped") {
		t.Errorf("no warning about the skipped seed in the log:\n%s", b.Log)
	}
}

// TestSeedSecretsNeededUntilApplied: an entry's secret variables must be
// set to register it, and only then: once applied, a start without them
// is fine.
func TestSeedSecretsNeededUntilApplied(t *testing.T) {
	t.Parallel()
	name := "MCPGW_TEST_SEED_TOKEN_" + strings.ReplaceAll(t.Name(), "/", "_")
	if err := os.Setenv(name, "seed-egress-token"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Unsetenv(name) })
	entry := func(path string) string {
		return fmt.Sprintf("- path: %s\n  display_name: %s\n  upstream_url: http://127.0.0.1:9/%s/mcp\n  egress: {type: bearer, token_env: %s}\n", path, path, path, name)
	}
	cfg := testutil.Config(t)
	cfg.SeedServersFile = writeSeed(t, "servers:\n"+entry("tokened"))
	a := testutil.StartApp(t, cfg, testutil.StartOptions{})
	if l := listServers(t, signedInAdmin(t, a), ""); len(l.Items) != 1 || l.Items[0].Egress == nil || !l.Items[0].Egress.TokenSet {
		t.Fatalf("servers: %+v", l.Items)
	}
	_ = os.Unsetenv(name)
	testutil.StartApp(t, cfg, testutil.StartOptions{}) // applied already: the variable is not needed

	c := *cfg
	c.SeedServersFile = writeSeed(t, "servers:\n"+entry("tokened")+entry("fresh"))
	_, err := app.New(context.Background(), &c, app.Options{})
	if err == nil || !strings.Contains(err.Error(), "environment variable "+name+" is not set") || !strings.Contains(err.Error(), `path "fresh"`) {
		t.Fatalf("a new entry without its secret: %v", err)
	}
	if n := dbCount(t, a.DB, `SELECT count(*) FROM servers WHERE path = 'fresh'`); n != 0 {
		t.Fatal("the entry without its secret was registered")
	}
}

// TestSeedServersInvalidFileStopsStart: a bad seed file stops the start
// with an error naming the file, the entry and the field, before anything
// is written: not the file's good entries, not even the first
// administrator.
func TestSeedServersInvalidFileStopsStart(t *testing.T) {
	t.Parallel()
	file := writeSeed(t, `
servers:
- path: good
  display_name: Good
  upstream_url: http://127.0.0.1:9/good/mcp
- path: bad
  display_name: Bad
  upstream_url: ftp://127.0.0.1/bad
`)
	cfg := testutil.Config(t)
	cfg.SeedServersFile = file
	_, err := app.New(context.Background(), cfg, app.Options{})
	if err == nil {
		t.Fatal("started with an invalid seed file")
	}
	for _, want := range []string{"SEED_SERVERS_FILE " + file, `servers[1] (path "bad", line 6)`, "upstream_url: must start with http://"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	db, err := postgres.Open(context.Background(), cfg.DatabaseURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, table := range []string{"servers", "seeded_servers", "users"} {
		if n := dbCount(t, db, `SELECT count(*) FROM `+table); n != 0 {
			t.Errorf("%d rows in %s after a refused start", n, table)
		}
	}

	cfg.SeedServersFile = filepath.Join(t.TempDir(), "missing.yml")
	if _, err := app.New(context.Background(), cfg, app.Options{}); err == nil || !strings.Contains(err.Error(), "SEED_SERVERS_FILE "+cfg.SeedServersFile) {
		t.Fatalf("a missing seed file: %v", err)
	}
}
