package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// SeededServers remembers which seed file entries (SEED_SERVERS_FILE) were
// applied to this database, by the path each names, so that each is
// applied once: never again after an administrator edits or deletes the
// server it created.
type SeededServers struct{}

// Lock takes the transaction-scoped advisory lock that serialises seeding,
// so replicas starting together apply a seed once, one after the other.
func (SeededServers) Lock(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('mcpgw:seed-servers'))`)
	return err
}

// Paths returns the paths of every seed entry applied so far.
func (SeededServers) Paths(ctx context.Context, q Querier) (map[string]bool, error) {
	rows, err := q.Query(ctx, `SELECT path FROM seeded_servers`)
	if err != nil {
		return nil, err
	}
	paths, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(paths))
	for _, p := range paths {
		out[p] = true
	}
	return out, nil
}

// Add records the seed entry for path as applied; serverID is the server
// it created, "" when it created none (the path was taken). Recording a
// path twice keeps the first record.
func (SeededServers) Add(ctx context.Context, q Querier, path, serverID string) error {
	_, err := q.Exec(ctx, `INSERT INTO seeded_servers (path, server_id) VALUES ($1, NULLIF($2, '')::uuid)
		ON CONFLICT (path) DO NOTHING`, path, serverID)
	return err
}
