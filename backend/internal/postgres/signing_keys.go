package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// SigningKeys stores the keys the gateway signs its access tokens with.
type SigningKeys struct{}

const signingKeyColumns = `kid, alg, public_key, private_key, active, created_at, activated_at, retired_at`

func scanSigningKey(row pgx.Row) (*domain.SigningKey, error) {
	var k domain.SigningKey
	err := row.Scan(&k.KID, &k.Alg, &k.PublicKey, &k.SealedPrivateKey, &k.Active, &k.CreatedAt, &k.ActivatedAt, &k.RetiredAt)
	if err != nil {
		return nil, err
	}
	return &k, nil
}

// signingKeysLock is the advisory lock key that serialises key creation and
// rotation across replicas ("mcpgw-sk" in ASCII).
const signingKeysLock int64 = 0x6d637067772d736b

// Lock takes the transaction-scoped advisory lock that serialises creating
// and rotating keys, so replicas starting together create exactly one.
func (SigningKeys) Lock(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, signingKeysLock)
	return err
}

// List returns every key, newest first.
func (SigningKeys) List(ctx context.Context, q Querier) ([]*domain.SigningKey, error) {
	rows, err := q.Query(ctx, `SELECT `+signingKeyColumns+` FROM signing_keys ORDER BY created_at DESC, kid`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*domain.SigningKey, error) { return scanSigningKey(row) })
}

// ListUsable returns the keys still accepted at now, the active one first.
func (SigningKeys) ListUsable(ctx context.Context, q Querier, now time.Time) ([]*domain.SigningKey, error) {
	rows, err := q.Query(ctx, `SELECT `+signingKeyColumns+` FROM signing_keys
		WHERE retired_at IS NULL OR retired_at > $1 ORDER BY active DESC, created_at DESC, kid`, now)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*domain.SigningKey, error) { return scanSigningKey(row) })
}

// Active returns the active key.
func (SigningKeys) Active(ctx context.Context, q Querier) (*domain.SigningKey, error) {
	k, err := scanSigningKey(q.QueryRow(ctx, `SELECT `+signingKeyColumns+` FROM signing_keys WHERE active`))
	return k, notFound(err, "active signing key")
}

// Create inserts k; when k is active, it must be the only active key.
func (SigningKeys) Create(ctx context.Context, q Querier, k *domain.SigningKey) error {
	return q.QueryRow(ctx, `
		INSERT INTO signing_keys (kid, alg, public_key, private_key, active, activated_at)
		VALUES ($1, $2, $3, $4, $5, CASE WHEN $5 THEN now() END) RETURNING created_at, activated_at`,
		k.KID, k.Alg, k.PublicKey, k.SealedPrivateKey, k.Active,
	).Scan(&k.CreatedAt, &k.ActivatedAt)
}

// Retire deactivates the active key, if any; it stays accepted until
// until.
func (SigningKeys) Retire(ctx context.Context, q Querier, until time.Time) error {
	_, err := q.Exec(ctx, `UPDATE signing_keys SET active = false, retired_at = $1 WHERE active`, until)
	return err
}

// Get returns the key with kid.
func (SigningKeys) Get(ctx context.Context, q Querier, kid string) (*domain.SigningKey, error) {
	k, err := scanSigningKey(q.QueryRow(ctx, `SELECT `+signingKeyColumns+` FROM signing_keys WHERE kid = $1`, kid))
	return k, notFound(err, "signing key")
}

// ReplaceSealed stores next as the sealed private key of kid only if it
// still is old (compare-and-swap), and reports whether it did.
func (SigningKeys) ReplaceSealed(ctx context.Context, q Querier, kid string, old, next []byte) (bool, error) {
	tag, err := q.Exec(ctx, `UPDATE signing_keys SET private_key = $3 WHERE kid = $1 AND private_key = $2`, kid, old, next)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}
