package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/mcpgw/mcpgw/backend/internal/config"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

// useEnv points the command at a fresh database and Redis key space, and
// returns their configuration.
func useEnv(t *testing.T) *config.Config {
	cfg := testutil.Config(t)
	t.Setenv("DATABASE_URL", cfg.DatabaseURL)
	t.Setenv("REDIS_URL", cfg.RedisURL)
	t.Setenv("REDIS_KEY_PREFIX", cfg.RedisKeyPrefix)
	t.Setenv("SECRET_KEY", cfg.SecretKey)
	t.Setenv("PASSWORD_HASH_MEMORY_KIB", "1024")
	t.Setenv("PASSWORD_HASH_ITERATIONS", "1")
	t.Setenv("LOG_LEVEL", "error")
	return cfg
}

func mcpgw(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &out)
	return out.String(), err
}

func TestAdminCommands(t *testing.T) {
	useEnv(t)
	out, err := mcpgw(t, "grace-password-1\n", "admin", "create-user", "-username", "grace", "-admin", "-groups", "team-x", "-password-stdin")
	if err != nil || !strings.Contains(out, "created user grace") || !strings.Contains(out, "mcp-admin,team-x") {
		t.Fatalf("create-user: %v %s", err, out)
	}
	if strings.Contains(out, "grace-password-1") {
		t.Fatal("a password given on stdin was echoed")
	}
	out, err = mcpgw(t, "", "admin", "create-user", "-username", "heidi")
	if err != nil || !strings.Contains(out, "password: ") {
		t.Fatalf("create-user with a generated password: %v %s", err, out)
	}
	if _, err := mcpgw(t, "", "admin", "create-user", "-username", "heidi"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("duplicate: %v", err)
	}
	if _, err := mcpgw(t, "new-password-99\n", "admin", "set-password", "-username", "grace", "-password-stdin"); err != nil {
		t.Fatal(err)
	}
	if _, err := mcpgw(t, "", "admin", "disable-user", "-username", "heidi"); err != nil {
		t.Fatal(err)
	}
	out, err = mcpgw(t, "", "admin", "list-users")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "grace") || !strings.Contains(lines[2], "disabled") {
		t.Fatalf("list-users:\n%s", out)
	}
	if _, err := mcpgw(t, "", "admin", "set-password", "-username", "nobody"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestMigrateCommands(t *testing.T) {
	useEnv(t)
	latest, err := postgres.LatestVersion()
	if err != nil {
		t.Fatal(err)
	}
	want := func(v uint) string { return fmt.Sprintf("schema version %d\n", v) }
	if out, err := mcpgw(t, "", "migrate", "version"); err != nil || !strings.Contains(out, want(latest)) {
		t.Fatalf("version: %v %s", err, out)
	}
	if out, err := mcpgw(t, "", "migrate", "down"); err != nil || !strings.Contains(out, want(latest-1)) {
		t.Fatalf("down: %v %s", err, out)
	}
	if out, err := mcpgw(t, "", "migrate", "down", "-all"); err != nil || !strings.Contains(out, want(0)) {
		t.Fatalf("down -all: %v %s", err, out)
	}
	if out, err := mcpgw(t, "", "migrate", "up"); err != nil || !strings.Contains(out, want(latest)) {
		t.Fatalf("up: %v %s", err, out)
	}

	// A newer mcpgw migrated the database (an upgrade rolling out): this
	// one's `migrate up` has nothing to do and must not fail (an older
	// replica's init container), and its `migrate down` cannot revert
	// what it does not know.
	db, err := postgres.Open(context.Background(), os.Getenv("DATABASE_URL"), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Pool.Exec(context.Background(), `UPDATE schema_migrations SET version = $1`, latest+1); err != nil {
		t.Fatal(err)
	}
	if out, err := mcpgw(t, "", "migrate", "up"); err != nil || !strings.Contains(out, "nothing to migrate") || !strings.Contains(out, want(latest+1)) {
		t.Fatalf("up on a newer schema: %v %s", err, out)
	}
	if _, err := mcpgw(t, "", "migrate", "down"); err == nil || !strings.Contains(err.Error(), "newer than this mcpgw knows") {
		t.Fatalf("down on a newer schema: %v", err)
	}
}

// TestScopesImportExportRoundTrip brings each of the seeds' scopes.yml
// examples in through the command line and writes it back out: nothing is
// lost and nothing added.
func TestScopesImportExportRoundTrip(t *testing.T) {
	useEnv(t)
	fixtures, err := filepath.Glob("../../internal/scopesyml/testdata/*.yml")
	if err != nil || len(fixtures) < 4 {
		t.Fatalf("fixtures: %v %v", fixtures, err)
	}
	for _, f := range fixtures {
		out, err := mcpgw(t, "", "scopes", "import", "-replace", f)
		if err != nil || !strings.Contains(out, "imported") {
			t.Fatalf("import %s: %v %s", f, err, out)
		}
		exported := filepath.Join(t.TempDir(), "scopes.yml")
		if _, err := mcpgw(t, "", "scopes", "export", exported); err != nil {
			t.Fatalf("export: %v", err)
		}
		if a, b := yamlValue(t, f), yamlValue(t, exported); !reflect.DeepEqual(a, b) {
			t.Errorf("%s: round trip differs:\nin:  %v\nout: %v", filepath.Base(f), a, b)
		}
	}
	// A broken file changes nothing and says where the problem is.
	bad := filepath.Join(t.TempDir(), "bad.yml")
	if err := os.WriteFile(bad, []byte("group_mappings:\n  devs: [ok, \"bad scope\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := mcpgw(t, "", "scopes", "import", bad); err == nil || !strings.Contains(err.Error(), "group_mappings") {
		t.Fatalf("bad import: %v", err)
	}
	if out, _ := mcpgw(t, "", "scopes", "export", "-"); !strings.Contains(out, "mcp-registry-admin") {
		t.Fatalf("export after a failed import lost the last good state:\n%s", out)
	}
	for _, args := range [][]string{{"scopes"}, {"scopes", "import"}, {"scopes", "publish", "x"}} {
		var ue usageError
		if _, err := mcpgw(t, "", args...); !errors.As(err, &ue) {
			t.Errorf("%v: %v", args, err)
		}
	}
}

// yamlValue decodes a YAML file generically, with UI-Scopes' "*" written
// the seeds' way ("all").
func yamlValue(t *testing.T, path string) any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := yaml.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestUsageAndConfigErrors(t *testing.T) {
	var ue usageError
	for _, args := range [][]string{{}, {"frobnicate"}, {"migrate"}, {"admin", "create-user"}, {"migrate", "down", "x"}} {
		if _, err := mcpgw(t, "", args...); !errors.As(err, &ue) {
			t.Errorf("mcpgw %v: %v, want a usage error", args, err)
		}
	}
	t.Setenv("LISTEN_ADDR", "nonsense")
	if _, err := mcpgw(t, "", "config", "check"); err == nil || !strings.Contains(err.Error(), "LISTEN_ADDR") {
		t.Fatalf("config check with a bad value: %v", err)
	}
	out, err := mcpgw(t, "", "config", "example")
	if err != nil || out != config.EnvExample() {
		t.Fatalf("config example: %v", err)
	}
	if out, err := mcpgw(t, "", "config", "reference"); err != nil || out != config.Reference() {
		t.Fatalf("config reference: %v", err)
	}
	if out, _ := mcpgw(t, "", "version"); !strings.HasPrefix(out, "mcpgw ") {
		t.Fatalf("version: %q", out)
	}
}

// TestConfigCheckReadsTheSeedFile: `config check` checks SEED_SERVERS_FILE
// as serve would, and warns about secrets it cannot find.
func TestConfigCheckReadsTheSeedFile(t *testing.T) {
	useEnv(t)
	dir := t.TempDir()
	seed := filepath.Join(dir, "servers.yml")
	write := func(doc string) {
		if err := os.WriteFile(seed, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("SEED_SERVERS_FILE", seed)
	write("servers:\n- path: ok\n  display_name: OK\n  upstream_url: http://127.0.0.1:9/mcp\n  egress: {type: bearer, token_env: MCPGW_TEST_UNSET_TOKEN}\n")
	out, err := mcpgw(t, "", "config", "check")
	if err != nil || !strings.Contains(out, "seed file "+seed+": 1 servers") || !strings.Contains(out, "MCPGW_TEST_UNSET_TOKEN is not set") || !strings.Contains(out, "configuration is valid") {
		t.Fatalf("config check: %v %s", err, out)
	}
	write("servers:\n- path: bad\n  display_name: Bad\n  upstream_url: ftp://x/\n")
	if _, err := mcpgw(t, "", "config", "check"); err == nil || !strings.Contains(err.Error(), "SEED_SERVERS_FILE "+seed) || !strings.Contains(err.Error(), "upstream_url") {
		t.Fatalf("config check with a bad seed file: %v", err)
	}
}

// TestSigningKeyCommands: rotating from the command line is what the API
// does: a new active key, the old one still accepted for a while, audited.
func TestSigningKeyCommands(t *testing.T) {
	useEnv(t)
	out, err := mcpgw(t, "", "admin", "list-signing-keys")
	if err != nil || strings.Count(out, "active (signs)") != 1 {
		t.Fatalf("list: %v\n%s", err, out)
	}
	first := strings.Fields(strings.Split(out, "\n")[1])[0]
	out, err = mcpgw(t, "", "admin", "rotate-signing-key")
	if err != nil || !strings.Contains(out, "rotated: tokens are now signed with ") || strings.Contains(out, "rotated: tokens are now signed with "+first) {
		t.Fatalf("rotate: %v\n%s", err, out)
	}
	var oldLine string
	for line := range strings.Lines(out) {
		if strings.HasPrefix(line, first+" ") {
			oldLine = line
		}
	}
	if !strings.Contains(oldLine, "accepted until ") || strings.Count(out, "active (signs)") != 1 {
		t.Fatalf("after rotating, the old key %s: %q\n%s", first, oldLine, out)
	}
	db, err := postgres.Open(context.Background(), os.Getenv("DATABASE_URL"), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE action = 'signing_key.rotate' AND actor = 'system'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("audit events for the rotation: %d %v", n, err)
	}
	if _, err := mcpgw(t, "", "admin", "rotate-signing-key", "extra"); err == nil {
		t.Fatal("an argument was accepted")
	}
}
