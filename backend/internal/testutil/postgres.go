// Package testutil gives tests real dependencies: a fresh PostgreSQL
// database per test, cloned from a migrated template, a private Redis key
// space per test, and a whole gateway on a test HTTP server.
package testutil

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mcpgw/mcpgw/backend/internal/postgres"
	"github.com/mcpgw/mcpgw/migrations"
)

// AdminDatabaseURL is the Postgres server tests create databases on:
// TEST_DATABASE_URL, else DATABASE_URL, else the local default.
func AdminDatabaseURL() string {
	return firstEnv("postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "TEST_DATABASE_URL", "DATABASE_URL")
}

// firstEnv returns the first of the variables that is set, else def.
func firstEnv(def string, names ...string) string {
	for _, k := range names {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return def
}

var template struct {
	once sync.Once
	name string
	err  error
}

// DatabaseURL creates an empty-but-migrated database for this test and
// returns its URL; the database is dropped when the test ends.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	admin := AdminDatabaseURL()
	template.once.Do(func() { template.name, template.err = ensureTemplate(ctx, admin) })
	if template.err != nil {
		t.Fatalf("test database template: %v", template.err)
	}

	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("Postgres is not reachable at %s (run `make test`, which starts one, or set TEST_DATABASE_URL): %v", redact(admin), err)
	}
	defer func() { _ = conn.Close(ctx) }()

	name := "mcpgw_t_" + randomHex(8)
	// Concurrent clones of one template can collide briefly; retry.
	for attempt := 0; ; attempt++ {
		_, err = conn.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, template.name))
		var pgErr *pgconn.PgError
		if err == nil || attempt == 20 || !errors.As(err, &pgErr) || pgErr.Code != "55006" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("creating test database: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), admin)
		if err != nil {
			t.Logf("dropping %s: %v", name, err)
			return
		}
		defer func() { _ = c.Close(context.Background()) }()
		if _, err := c.Exec(context.Background(), fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name)); err != nil {
			t.Logf("dropping %s: %v", name, err)
		}
	})
	return withDatabase(admin, name)
}

// DB returns a pool on a fresh migrated database, closed when the test ends.
func DB(t testing.TB) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), DatabaseURL(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// ensureTemplate creates, once per migration set, a database with every
// migration applied. Test binaries run in parallel, so creation happens
// under an advisory lock; the name carries a hash of the migrations, so a
// changed migration gets a new template.
func ensureTemplate(ctx context.Context, admin string) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		h.Write([]byte(path))
		h.Write(b)
		return err
	})
	if err != nil {
		return "", err
	}
	name := "mcpgw_tpl_" + hex.EncodeToString(h.Sum(nil))[:16]

	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", fmt.Errorf("postgres is not reachable at %s (run `make test`, which starts one, or set TEST_DATABASE_URL): %w", redact(admin), err)
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtext('mcpgw:test-template'))`); err != nil {
		return "", err
	}
	defer func() { _, _ = conn.Exec(ctx, `SELECT pg_advisory_unlock(hashtext('mcpgw:test-template'))`) }()

	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	// Build under a temporary name and rename, so a crash mid-way never
	// leaves a half-migrated template behind under the real name.
	building := name + "_building"
	_, _ = conn.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, building))
	if _, err := conn.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s`, building)); err != nil {
		return "", err
	}
	db, err := postgres.Open(ctx, withDatabase(admin, building), 2)
	if err != nil {
		return "", err
	}
	m, err := postgres.NewMigrator(db, nil)
	if err == nil {
		err = m.Up()
		_ = m.Close()
	}
	db.Close()
	if err != nil {
		return "", fmt.Errorf("migrating template: %w", err)
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %s RENAME TO %s`, building, name)); err != nil {
		return "", err
	}
	return name, nil
}

func withDatabase(rawURL, name string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(fmt.Sprintf("bad database URL: %v", err))
	}
	u.Path = "/" + name
	return u.String()
}

func redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return strings.ToLower(hex.EncodeToString(b))
}
