package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// Groups stores groups.
type Groups struct{}

// Ensure creates the named groups that do not exist yet (with source) and
// returns how many it created.
func (Groups) Ensure(ctx context.Context, q Querier, names []string, source string) (int64, error) {
	if len(names) == 0 {
		return 0, nil
	}
	tag, err := q.Exec(ctx, `
		INSERT INTO groups (name, source) SELECT DISTINCT unnest($1::text[]), $2
		ON CONFLICT (name) DO NOTHING`, names, source)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// List returns every group, ordered by name.
func (Groups) List(ctx context.Context, q Querier) ([]domain.Group, error) {
	rows, err := q.Query(ctx, `
		SELECT g.id, g.name, g.description, g.source,
		       (SELECT count(*) FROM user_groups ug WHERE ug.group_id = g.id)
		FROM groups g ORDER BY g.name`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Group, error) {
		var g domain.Group
		err := row.Scan(&g.ID, &g.Name, &g.Description, &g.Source, &g.Members)
		return g, err
	})
}

// Get returns the group named name.
func (Groups) Get(ctx context.Context, q Querier, name string) (*domain.Group, error) {
	var g domain.Group
	err := q.QueryRow(ctx, `
		SELECT g.id, g.name, g.description, g.source,
		       (SELECT count(*) FROM user_groups ug WHERE ug.group_id = g.id)
		FROM groups g WHERE g.name = $1`, name).Scan(&g.ID, &g.Name, &g.Description, &g.Source, &g.Members)
	if err != nil {
		return nil, notFound(err, "group")
	}
	return &g, nil
}
