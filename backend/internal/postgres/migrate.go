package postgres

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"

	"github.com/golang-migrate/migrate/v4"
	pgxmigrate "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/mcpgw/mcpgw/migrations"
)

// Migrator applies the embedded migrations. golang-migrate holds a Postgres
// advisory lock while it works, so replicas starting together are safe.
type Migrator struct {
	m *migrate.Migrate
}

// NewMigrator prepares the embedded migrations against db.
func NewMigrator(db *DB, log *slog.Logger) (*Migrator, error) {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	// Closing this *sql.DB leaves the pool open.
	driver, err := pgxmigrate.WithInstance(stdlib.OpenDBFromPool(db.Pool), &pgxmigrate.Config{})
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "pgx5", driver)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	if log != nil {
		m.Log = migrateLogger{log}
	}
	return &Migrator{m: m}, nil
}

// SchemaNewerError says the database's schema is newer than the
// migrations this binary embeds: a newer version migrated it (an upgrade
// is rolling out, or was rolled back without `migrate down`).
type SchemaNewerError struct{ Have, Know uint }

func (e *SchemaNewerError) Error() string {
	return fmt.Sprintf("the database schema is at version %d, newer than this mcpgw knows (%d): a newer mcpgw migrated it; "+
		"to go back, run `mcpgw migrate down` with that newer binary", e.Have, e.Know)
}

// Behind reports an error when the schema is behind the embedded
// migrations or dirty: what a command that does not migrate must refuse.
func (mg *Migrator) Behind() error {
	have, dirty, err := mg.Version()
	if err != nil {
		return err
	}
	want, err := LatestVersion()
	if err != nil {
		return err
	}
	if dirty || have < want {
		return fmt.Errorf("database schema is at version %d (dirty=%t) but this mcpgw needs %d", have, dirty, want)
	}
	return nil
}

// newer returns a *SchemaNewerError when the schema is ahead of the
// embedded migrations.
func (mg *Migrator) newer() error {
	have, dirty, err := mg.Version()
	if err != nil || dirty {
		return nil // Up and Down report these themselves
	}
	know, err := LatestVersion()
	if err != nil {
		return err
	}
	if have > know {
		return &SchemaNewerError{Have: have, Know: know}
	}
	return nil
}

// Up applies every pending migration; none pending is not an error. A
// schema newer than the binary is a *SchemaNewerError, which callers may
// accept: additive migrations let an older version run on a newer schema.
func (mg *Migrator) Up() error {
	if err := mg.newer(); err != nil {
		return err
	}
	if err := mg.m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		if newer := mg.newer(); newer != nil {
			return newer // a newer mcpgw migrated in the meantime
		}
		return mg.explain(err)
	}
	return nil
}

// Down reverts steps migrations, or all of them when steps <= 0.
func (mg *Migrator) Down(steps int) error {
	if err := mg.newer(); err != nil {
		return err
	}
	var err error
	if steps <= 0 {
		err = mg.m.Down()
	} else {
		err = mg.m.Steps(-steps)
	}
	if err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return mg.explain(err)
	}
	return nil
}

// Version returns the applied version (0 when none) and whether the last
// migration failed half-way.
func (mg *Migrator) Version() (version uint, dirty bool, err error) {
	version, dirty, err = mg.m.Version()
	if errors.Is(err, migrate.ErrNilVersion) {
		return 0, false, nil
	}
	return version, dirty, err
}

// Force records version as applied and clean, after a failed migration was
// repaired by hand.
func (mg *Migrator) Force(version int) error { return mg.m.Force(version) }

// Close releases the migrator's connection.
func (mg *Migrator) Close() error {
	srcErr, dbErr := mg.m.Close()
	return errors.Join(srcErr, dbErr)
}

func (mg *Migrator) explain(err error) error {
	var dirty migrate.ErrDirty
	if errors.As(err, &dirty) {
		return fmt.Errorf("database schema is dirty at version %d (a migration failed half-way): repair it by hand, then run `mcpgw migrate force %d`", dirty.Version, dirty.Version-1)
	}
	return fmt.Errorf("migrations: %w", err)
}

type migrateLogger struct{ log *slog.Logger }

func (l migrateLogger) Printf(format string, v ...any) {
	l.log.Info("migrate: " + strings.TrimSpace(fmt.Sprintf(format, v...)))
}
func (l migrateLogger) Verbose() bool { return false }

// LatestVersion is the highest migration version embedded in the binary.
func LatestVersion() (uint, error) {
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		return 0, err
	}
	var latest uint
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		if !ok {
			continue
		}
		v, err := strconv.ParseUint(num, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("migration %s: bad version", e.Name())
		}
		latest = max(latest, uint(v))
	}
	return latest, nil
}
