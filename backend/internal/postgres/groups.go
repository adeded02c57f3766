package postgres

import (
	"context"
	"strconv"

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

// Create inserts a local group.
func (Groups) Create(ctx context.Context, q Querier, g *domain.Group) error {
	err := q.QueryRow(ctx, `INSERT INTO groups (name, description) VALUES ($1, $2) RETURNING id`,
		g.Name, g.Description).Scan(&g.ID)
	if isUniqueViolation(err) {
		return &domain.Error{Code: domain.ECONFLICT, Field: "name", Message: "a group named " + strconv.Quote(g.Name) + " already exists"}
	}
	g.Source = domain.AuthSourceLocal
	return err
}

// SetDescription changes a group's description.
func (Groups) SetDescription(ctx context.Context, q Querier, name, description string) error {
	tag, err := q.Exec(ctx, `UPDATE groups SET description = $2, updated_at = now() WHERE name = $1`, name, description)
	if err == nil && tag.RowsAffected() == 0 {
		return &domain.Error{Code: domain.ENOTFOUND, Message: "group not found"}
	}
	return err
}

// Delete removes a group and its memberships, returning the ids of the
// users who were members.
func (Groups) Delete(ctx context.Context, q Querier, name string) ([]int64, error) {
	rows, err := q.Query(ctx, `
		WITH g AS (DELETE FROM groups WHERE name = $1 RETURNING id)
		SELECT coalesce(array_agg(ug.user_id), '{}') FROM g LEFT JOIN user_groups ug ON ug.group_id = g.id
		GROUP BY g.id`, name)
	if err != nil {
		return nil, err
	}
	members, err := pgx.CollectExactlyOneRow(rows, pgx.RowTo[[]int64])
	return members, notFound(err, "group")
}

// Members returns the usernames of a group's members, sorted.
func (Groups) Members(ctx context.Context, q Querier, name string) ([]string, error) {
	rows, err := q.Query(ctx, `
		SELECT u.username FROM users u JOIN user_groups ug ON ug.user_id = u.id JOIN groups g ON g.id = ug.group_id
		WHERE g.name = $1 ORDER BY lower(u.username)`, name)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
