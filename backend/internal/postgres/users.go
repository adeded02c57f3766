package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// Users stores users and their group memberships.
type Users struct{}

// userColumns is selected by every user query, in scanUser's order; groups
// come aggregated, sorted, from user_groups.
const userColumns = `u.id, u.username, u.display_name, u.email, u.auth_source, coalesce(u.subject, ''), u.disabled,
	coalesce(u.password_hash, ''), u.created_at, u.updated_at, u.last_login_at,
	coalesce((SELECT array_agg(g.name ORDER BY g.name) FROM user_groups ug JOIN groups g ON g.id = ug.group_id
	          WHERE ug.user_id = u.id), '{}')`

func scanUser(row pgx.Row) (*domain.User, error) {
	var u domain.User
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Email, &u.AuthSource, &u.Subject, &u.Disabled,
		&u.PasswordHash, &u.CreatedAt, &u.UpdatedAt, &u.LastLoginAt, &u.Groups)
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// Create inserts u (without groups) and sets its ID and timestamps.
func (Users) Create(ctx context.Context, q Querier, u *domain.User) error {
	var hash, subject *string
	if u.PasswordHash != "" {
		hash = &u.PasswordHash
	}
	if u.Subject != "" {
		subject = &u.Subject
	}
	err := q.QueryRow(ctx, `
		INSERT INTO users (username, display_name, email, auth_source, subject, password_hash, disabled)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		RETURNING id, created_at, updated_at`,
		u.Username, u.DisplayName, u.Email, u.AuthSource, subject, hash, u.Disabled,
	).Scan(&u.ID, &u.CreatedAt, &u.UpdatedAt)
	if isUniqueViolation(err) {
		return &domain.Error{Code: domain.ECONFLICT, Field: "username", Message: fmt.Sprintf("a user named %q already exists", u.Username)}
	}
	return err
}

// Get returns the user with id.
func (Users) Get(ctx context.Context, q Querier, id int64) (*domain.User, error) {
	u, err := scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = $1`, id))
	return u, notFound(err, "user")
}

// GetForUpdate returns the user with id and locks the row until q's
// transaction ends, so concurrent read-modify-write updates serialise.
func (Users) GetForUpdate(ctx context.Context, q Querier, id int64) (*domain.User, error) {
	u, err := scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = $1 FOR UPDATE OF u`, id))
	return u, notFound(err, "user")
}

// GetByUsername returns the user named username, ignoring case.
func (Users) GetByUsername(ctx context.Context, q Querier, username string) (*domain.User, error) {
	u, err := scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM users u WHERE lower(u.username) = lower($1)`, username))
	return u, notFound(err, "user")
}

// GetBySubject returns the user an identity provider knows by subject.
func (Users) GetBySubject(ctx context.Context, q Querier, source, subject string) (*domain.User, error) {
	u, err := scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM users u
		WHERE u.auth_source = $1 AND u.subject = $2`, source, subject))
	return u, notFound(err, "user")
}

// GetBySubjectForUpdate returns the user an identity provider knows by
// subject, locking the row until q's transaction ends.
func (Users) GetBySubjectForUpdate(ctx context.Context, q Querier, source, subject string) (*domain.User, error) {
	u, err := scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM users u
		WHERE u.auth_source = $1 AND u.subject = $2 FOR UPDATE OF u`, source, subject))
	return u, notFound(err, "user")
}

// UsernameTaken reports whether a user of that name exists, ignoring case.
func (Users) UsernameTaken(ctx context.Context, q Querier, username string) (bool, error) {
	var taken bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower($1))`, username).Scan(&taken)
	return taken, err
}

// List returns every user, ordered by username.
func (Users) List(ctx context.Context, q Querier) ([]*domain.User, error) {
	rows, err := q.Query(ctx, `SELECT `+userColumns+` FROM users u ORDER BY lower(u.username)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Count returns how many users exist.
func (Users) Count(ctx context.Context, q Querier) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, err
}

// Update saves the editable profile fields and the disabled flag of u.
func (Users) Update(ctx context.Context, q Querier, u *domain.User) error {
	err := q.QueryRow(ctx, `
		UPDATE users SET display_name = $2, email = $3, disabled = $4, updated_at = now()
		WHERE id = $1 RETURNING updated_at`,
		u.ID, u.DisplayName, u.Email, u.Disabled,
	).Scan(&u.UpdatedAt)
	return notFound(err, "user")
}

// SetPasswordHash replaces the user's password hash.
func (Users) SetPasswordHash(ctx context.Context, q Querier, id int64, hash string) error {
	tag, err := q.Exec(ctx, `UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1`, id, hash)
	if err == nil && tag.RowsAffected() == 0 {
		return &domain.Error{Code: domain.ENOTFOUND, Message: "user not found"}
	}
	return err
}

// ReplacePasswordHash swaps the hash only if it is still old, so upgrading
// a hash at sign-in never undoes a password change made meanwhile. It
// reports whether it replaced it.
func (Users) ReplacePasswordHash(ctx context.Context, q Querier, id int64, old, hash string) (bool, error) {
	tag, err := q.Exec(ctx, `UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2`, id, old, hash)
	return err == nil && tag.RowsAffected() == 1, err
}

// RecordLogin sets the user's last sign-in time.
func (Users) RecordLogin(ctx context.Context, q Querier, id int64, at time.Time) error {
	_, err := q.Exec(ctx, `UPDATE users SET last_login_at = $2 WHERE id = $1`, id, at)
	return err
}

// SetGroups makes the user a member of exactly the named groups, creating
// groups that do not exist yet.
func (u Users) SetGroups(ctx context.Context, q Querier, userID int64, groups []string) error {
	return u.SetGroupsFrom(ctx, q, userID, groups, domain.AuthSourceLocal)
}

// SetGroupsFrom is SetGroups for groups reported by source (an identity
// provider), which is recorded on the groups it creates.
func (Users) SetGroupsFrom(ctx context.Context, q Querier, userID int64, groups []string, source string) error {
	if groups == nil {
		groups = []string{} // nil would be NULL, and "= ANY(NULL)" matches nothing
	}
	if _, err := (Groups{}).Ensure(ctx, q, groups, source); err != nil {
		return err
	}
	if _, err := q.Exec(ctx, `
		DELETE FROM user_groups ug USING groups g
		WHERE ug.group_id = g.id AND ug.user_id = $1 AND NOT (g.name = ANY($2))`, userID, groups); err != nil {
		return err
	}
	_, err := q.Exec(ctx, `
		INSERT INTO user_groups (user_id, group_id)
		SELECT $1, g.id FROM groups g WHERE g.name = ANY($2)
		ON CONFLICT DO NOTHING`, userID, groups)
	return err
}

// Delete removes the user with id and their memberships.
func (Users) Delete(ctx context.Context, q Querier, id int64) error {
	tag, err := q.Exec(ctx, `DELETE FROM users WHERE id = $1`, id)
	if err == nil && tag.RowsAffected() == 0 {
		return &domain.Error{Code: domain.ENOTFOUND, Message: "user not found"}
	}
	return err
}
