package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// AccessTokens stores personal access tokens.
type AccessTokens struct{}

// accessTokenColumns is selected by every token query, in scanAccessToken's
// order; t is access_tokens, u the owner.
const accessTokenColumns = `t.id, t.user_id, u.username, t.name, t.token_hash, t.token_prefix, t.created_at,
	t.expires_at, t.last_used_at, t.revoked_at`

const accessTokenFrom = ` FROM access_tokens t JOIN users u ON u.id = t.user_id`

func scanAccessToken(row pgx.Row) (*domain.AccessToken, error) {
	var t domain.AccessToken
	err := row.Scan(&t.ID, &t.UserID, &t.Username, &t.Name, &t.Hash, &t.Prefix, &t.CreatedAt,
		&t.ExpiresAt, &t.LastUsedAt, &t.RevokedAt)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// Create inserts t and sets its ID and creation time.
func (AccessTokens) Create(ctx context.Context, q Querier, t *domain.AccessToken) error {
	return q.QueryRow(ctx, `
		INSERT INTO access_tokens (user_id, name, token_hash, token_prefix, expires_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id, created_at`,
		t.UserID, t.Name, t.Hash, t.Prefix, t.ExpiresAt,
	).Scan(&t.ID, &t.CreatedAt)
}

// Get returns the token with id.
func (AccessTokens) Get(ctx context.Context, q Querier, id int64) (*domain.AccessToken, error) {
	t, err := scanAccessToken(q.QueryRow(ctx, `SELECT `+accessTokenColumns+accessTokenFrom+` WHERE t.id = $1`, id))
	return t, notFound(err, "access token")
}

// GetByHash returns the token whose hash is hash.
func (AccessTokens) GetByHash(ctx context.Context, q Querier, hash []byte) (*domain.AccessToken, error) {
	t, err := scanAccessToken(q.QueryRow(ctx, `SELECT `+accessTokenColumns+accessTokenFrom+` WHERE t.token_hash = $1`, hash))
	return t, notFound(err, "access token")
}

// List returns the tokens of the user with userID, or every user's when
// userID is 0, newest first.
func (AccessTokens) List(ctx context.Context, q Querier, userID int64) ([]*domain.AccessToken, error) {
	rows, err := q.Query(ctx, `SELECT `+accessTokenColumns+accessTokenFrom+`
		WHERE $1 = 0 OR t.user_id = $1 ORDER BY t.id DESC`, userID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*domain.AccessToken, error) { return scanAccessToken(row) })
}

// CountActive returns how many of the user's tokens are neither revoked nor
// expired at now.
func (AccessTokens) CountActive(ctx context.Context, q Querier, userID int64, now time.Time) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM access_tokens
		WHERE user_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)`, userID, now).Scan(&n)
	return n, err
}

// Revoke marks the token with id revoked at at; revoking twice keeps the
// first time. It returns the token.
func (AccessTokens) Revoke(ctx context.Context, q Querier, id int64, at time.Time) error {
	tag, err := q.Exec(ctx, `UPDATE access_tokens SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1`, id, at)
	if err == nil && tag.RowsAffected() == 0 {
		return &domain.Error{Code: domain.ENOTFOUND, Message: "access token not found"}
	}
	return err
}

// TouchLastUsed records a use of the token at at, unless one was recorded
// less than a minute before.
func (AccessTokens) TouchLastUsed(ctx context.Context, q Querier, id int64, at time.Time) error {
	_, err := q.Exec(ctx, `
		UPDATE access_tokens SET last_used_at = $2
		WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')`, id, at)
	return err
}
