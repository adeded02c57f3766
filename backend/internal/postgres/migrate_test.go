package postgres_test

import (
	"context"
	"testing"

	"github.com/mcpgw/mcpgw/backend/internal/postgres"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

func TestMigrationsGoDownAndUpAgain(t *testing.T) {
	t.Parallel()
	db := testutil.DB(t)
	ctx := context.Background()
	m, err := postgres.NewMigrator(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = m.Close() }()
	latest, err := postgres.LatestVersion()
	if err != nil || latest < 1 {
		t.Fatalf("LatestVersion = %d, %v", latest, err)
	}
	tables := func() int {
		var n int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables
			WHERE table_schema = 'public' AND table_name IN ('users', 'groups', 'user_groups', 'audit_events')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if v, dirty, _ := m.Version(); v != latest || dirty || tables() != 4 {
		t.Fatalf("template: version %d dirty %v, %d tables", v, dirty, tables())
	}
	if err := m.Down(0); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := m.Version(); v != 0 || tables() != 0 {
		t.Fatalf("after down: version %d, %d tables", v, tables())
	}
	if err := m.Up(); err != nil {
		t.Fatal(err)
	}
	if err := m.Up(); err != nil {
		t.Fatalf("a second up must be a no-op: %v", err)
	}
	if v, _, _ := m.Version(); v != latest || tables() != 4 {
		t.Fatalf("after up: version %d, %d tables", v, tables())
	}
	// The seeded groups come back with the schema.
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM groups WHERE name IN ('mcp-admin', 'mcp-user')`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("seeded groups = %d, %v", n, err)
	}
}
