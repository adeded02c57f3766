package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// ServiceAccounts stores service accounts.
type ServiceAccounts struct{}

// serviceAccountColumns is selected by every service account query, in
// scanServiceAccount's order.
const serviceAccountColumns = `id, name, description, client_id, secret_hash, groups, disabled, expires_at,
	tokens_not_before, created_by, created_at, updated_at, last_used_at`

func scanServiceAccount(row pgx.Row) (*domain.ServiceAccount, error) {
	var a domain.ServiceAccount
	err := row.Scan(&a.ID, &a.Name, &a.Description, &a.ClientID, &a.SecretHash, &a.Groups, &a.Disabled, &a.ExpiresAt,
		&a.TokensNotBefore, &a.CreatedBy, &a.CreatedAt, &a.UpdatedAt, &a.LastUsedAt)
	if err != nil {
		return nil, err
	}
	if a.Groups == nil {
		a.Groups = []string{}
	}
	return &a, nil
}

func serviceAccountConflict(err error, name string) error {
	if isUniqueViolation(err) {
		return &domain.Error{Code: domain.ECONFLICT, Field: "name", Message: fmt.Sprintf("a service account named %q already exists", name)}
	}
	return err
}

// Create inserts a and sets its ID and timestamps.
func (ServiceAccounts) Create(ctx context.Context, q Querier, a *domain.ServiceAccount) error {
	err := q.QueryRow(ctx, `
		INSERT INTO service_accounts (name, description, client_id, secret_hash, groups, disabled, expires_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		RETURNING id, created_at, updated_at`,
		a.Name, a.Description, a.ClientID, a.SecretHash, a.Groups, a.Disabled, a.ExpiresAt, a.CreatedBy,
	).Scan(&a.ID, &a.CreatedAt, &a.UpdatedAt)
	return serviceAccountConflict(err, a.Name)
}

// Get returns the service account with id.
func (ServiceAccounts) Get(ctx context.Context, q Querier, id int64) (*domain.ServiceAccount, error) {
	a, err := scanServiceAccount(q.QueryRow(ctx, `SELECT `+serviceAccountColumns+` FROM service_accounts WHERE id = $1`, id))
	return a, notFound(err, "service account")
}

// GetForUpdate returns the service account with id and locks its row until
// q's transaction ends.
func (ServiceAccounts) GetForUpdate(ctx context.Context, q Querier, id int64) (*domain.ServiceAccount, error) {
	a, err := scanServiceAccount(q.QueryRow(ctx, `SELECT `+serviceAccountColumns+` FROM service_accounts WHERE id = $1 FOR UPDATE`, id))
	return a, notFound(err, "service account")
}

// GetByClientID returns the service account whose client id is clientID.
func (ServiceAccounts) GetByClientID(ctx context.Context, q Querier, clientID string) (*domain.ServiceAccount, error) {
	a, err := scanServiceAccount(q.QueryRow(ctx, `SELECT `+serviceAccountColumns+` FROM service_accounts WHERE client_id = $1`, clientID))
	return a, notFound(err, "service account")
}

// List returns every service account, ordered by name.
func (ServiceAccounts) List(ctx context.Context, q Querier) ([]*domain.ServiceAccount, error) {
	rows, err := q.Query(ctx, `SELECT `+serviceAccountColumns+` FROM service_accounts ORDER BY lower(name), id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*domain.ServiceAccount, error) { return scanServiceAccount(row) })
}

// Update saves the editable fields of a: description, groups, disabled and
// expiry.
func (ServiceAccounts) Update(ctx context.Context, q Querier, a *domain.ServiceAccount) error {
	err := q.QueryRow(ctx, `
		UPDATE service_accounts SET description = $2, groups = $3, disabled = $4, expires_at = $5, updated_at = now()
		WHERE id = $1 RETURNING updated_at`,
		a.ID, a.Description, a.Groups, a.Disabled, a.ExpiresAt,
	).Scan(&a.UpdatedAt)
	return notFound(err, "service account")
}

// SetSecretHash replaces the account's secret hash.
func (ServiceAccounts) SetSecretHash(ctx context.Context, q Querier, id int64, hash []byte) error {
	tag, err := q.Exec(ctx, `UPDATE service_accounts SET secret_hash = $2, updated_at = now() WHERE id = $1`, id, hash)
	if err == nil && tag.RowsAffected() == 0 {
		return &domain.Error{Code: domain.ENOTFOUND, Message: "service account not found"}
	}
	return err
}

// RevokeTokens refuses every token issued to the account before notBefore.
func (ServiceAccounts) RevokeTokens(ctx context.Context, q Querier, id int64, notBefore time.Time) error {
	tag, err := q.Exec(ctx, `
		UPDATE service_accounts SET tokens_not_before = greatest(coalesce(tokens_not_before, $2), $2), updated_at = now()
		WHERE id = $1`, id, notBefore)
	if err == nil && tag.RowsAffected() == 0 {
		return &domain.Error{Code: domain.ENOTFOUND, Message: "service account not found"}
	}
	return err
}

// TouchLastUsed records a use of the account at at, unless one was recorded
// less than a minute before: uses are frequent, writes need not be.
func (ServiceAccounts) TouchLastUsed(ctx context.Context, q Querier, id int64, at time.Time) error {
	_, err := q.Exec(ctx, `
		UPDATE service_accounts SET last_used_at = $2
		WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')`, id, at)
	return err
}

// Delete removes the service account with id.
func (ServiceAccounts) Delete(ctx context.Context, q Querier, id int64) error {
	tag, err := q.Exec(ctx, `DELETE FROM service_accounts WHERE id = $1`, id)
	if err == nil && tag.RowsAffected() == 0 {
		return &domain.Error{Code: domain.ENOTFOUND, Message: "service account not found"}
	}
	return err
}
