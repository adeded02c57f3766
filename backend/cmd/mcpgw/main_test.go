package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mcpgw/mcpgw/backend/internal/config"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

// useEnv points the command at a fresh database and Redis key space.
func useEnv(t *testing.T) {
	cfg := testutil.Config(t)
	t.Setenv("DATABASE_URL", cfg.DatabaseURL)
	t.Setenv("REDIS_URL", cfg.RedisURL)
	t.Setenv("REDIS_KEY_PREFIX", cfg.RedisKeyPrefix)
	t.Setenv("SECRET_KEY", cfg.SecretKey)
	t.Setenv("PASSWORD_HASH_MEMORY_KIB", "1024")
	t.Setenv("PASSWORD_HASH_ITERATIONS", "1")
	t.Setenv("LOG_LEVEL", "error")
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
	if out, err := mcpgw(t, "", "migrate", "version"); err != nil || !strings.Contains(out, "schema version 1") {
		t.Fatalf("version: %v %s", err, out)
	}
	if out, err := mcpgw(t, "", "migrate", "down"); err != nil || !strings.Contains(out, "schema version 0") {
		t.Fatalf("down: %v %s", err, out)
	}
	if out, err := mcpgw(t, "", "migrate", "up"); err != nil || !strings.Contains(out, "schema version 1") {
		t.Fatalf("up: %v %s", err, out)
	}
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
	if out, _ := mcpgw(t, "", "version"); !strings.HasPrefix(out, "mcpgw ") {
		t.Fatalf("version: %q", out)
	}
}
