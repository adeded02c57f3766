package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// Scopes stores scope definitions, group → scope mappings and the registry
// change counter.
type Scopes struct{}

// ruleJSON is a rule as stored: absent keys stay absent (nil lists), so a
// rule without permissions is not confused with one granting nothing.
type ruleJSON struct {
	Server      string              `json:"server"`
	Permissions []domain.Permission `json:"permissions,omitempty"`
	Methods     []string            `json:"methods,omitempty"`
	Tools       []string            `json:"tools,omitempty"`
	// The Has* flags keep empty-but-present lists apart from absent ones,
	// which omitempty alone cannot.
	HasPermissions bool `json:"has_permissions,omitempty"`
	HasMethods     bool `json:"has_methods,omitempty"`
	HasTools       bool `json:"has_tools,omitempty"`
	UI             bool `json:"ui,omitempty"`
}

func encodeRules(rules []domain.Rule) []byte {
	out := make([]ruleJSON, len(rules))
	for i, r := range rules {
		out[i] = ruleJSON{Server: r.Server, Permissions: r.Permissions, Methods: r.Methods, Tools: r.Tools,
			HasPermissions: r.Permissions != nil, HasMethods: r.Methods != nil, HasTools: r.Tools != nil, UI: r.UI}
	}
	b, _ := json.Marshal(out) // cannot fail: strings only
	return b
}

func decodeRules(b []byte) ([]domain.Rule, error) {
	var in []ruleJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, err
	}
	out := make([]domain.Rule, len(in))
	for i, r := range in {
		out[i] = domain.Rule{Server: r.Server, UI: r.UI}
		if r.HasPermissions {
			out[i].Permissions = append([]domain.Permission{}, r.Permissions...)
		}
		if r.HasMethods {
			out[i].Methods = append([]string{}, r.Methods...)
		}
		if r.HasTools {
			out[i].Tools = append([]string{}, r.Tools...)
		}
	}
	return out, nil
}

func scanScope(row pgx.Row) (domain.Scope, error) {
	var (
		s     domain.Scope
		rules []byte
	)
	if err := row.Scan(&s.Name, &s.Description, &rules, &s.UpdatedAt); err != nil {
		return s, err
	}
	var err error
	if s.Rules, err = decodeRules(rules); err != nil {
		return s, fmt.Errorf("scope %q: rules: %w", s.Name, err)
	}
	return s, nil
}

// List returns every stored scope in the order they were defined.
func (Scopes) List(ctx context.Context, q Querier) ([]domain.Scope, error) {
	rows, err := q.Query(ctx, `SELECT name, description, rules, updated_at FROM scopes ORDER BY position`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Scope, error) { return scanScope(row) })
}

// Get returns the stored scope named name.
func (Scopes) Get(ctx context.Context, q Querier, name string) (domain.Scope, error) {
	s, err := scanScope(q.QueryRow(ctx, `SELECT name, description, rules, updated_at FROM scopes WHERE name = $1`, name))
	return s, notFound(err, "scope")
}

// Put creates the scope or replaces its description and rules, keeping its
// position; it reports whether the scope was created.
func (Scopes) Put(ctx context.Context, q Querier, s *domain.Scope) (created bool, err error) {
	err = q.QueryRow(ctx, `
		INSERT INTO scopes (name, description, rules) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET description = EXCLUDED.description, rules = EXCLUDED.rules, updated_at = now()
		RETURNING updated_at, xmax = 0`, s.Name, s.Description, encodeRules(s.Rules)).Scan(&s.UpdatedAt, &created)
	return created, err
}

// Delete removes the scope named name.
func (Scopes) Delete(ctx context.Context, q Querier, name string) error {
	tag, err := q.Exec(ctx, `DELETE FROM scopes WHERE name = $1`, name)
	if err == nil && tag.RowsAffected() == 0 {
		return &domain.Error{Code: domain.ENOTFOUND, Message: "scope not found"}
	}
	return err
}

// DeleteAll removes every stored scope and every mapping.
func (Scopes) DeleteAll(ctx context.Context, q Querier) error {
	if _, err := q.Exec(ctx, `DELETE FROM scopes`); err != nil {
		return err
	}
	_, err := q.Exec(ctx, `DELETE FROM group_scopes`)
	return err
}

// Mappings returns every group → scopes mapping in the order they were
// defined.
func (Scopes) Mappings(ctx context.Context, q Querier) ([]domain.GroupMapping, error) {
	rows, err := q.Query(ctx, `SELECT group_name, scopes FROM group_scopes ORDER BY position`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.GroupMapping, error) {
		var m domain.GroupMapping
		err := row.Scan(&m.Group, &m.Scopes)
		if m.Scopes == nil {
			m.Scopes = []string{}
		}
		return m, err
	})
}

// Mapping returns the mapping of group.
func (Scopes) Mapping(ctx context.Context, q Querier, group string) (domain.GroupMapping, error) {
	m := domain.GroupMapping{Group: group}
	err := q.QueryRow(ctx, `SELECT scopes FROM group_scopes WHERE group_name = $1`, group).Scan(&m.Scopes)
	if m.Scopes == nil {
		m.Scopes = []string{}
	}
	return m, notFound(err, "mapping")
}

// PutMapping creates or replaces a group's mapping.
func (Scopes) PutMapping(ctx context.Context, q Querier, m domain.GroupMapping) error {
	scopes := m.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	_, err := q.Exec(ctx, `
		INSERT INTO group_scopes (group_name, scopes) VALUES ($1, $2)
		ON CONFLICT (group_name) DO UPDATE SET scopes = EXCLUDED.scopes, updated_at = now()`, m.Group, scopes)
	return err
}

// DeleteMapping removes a group's mapping.
func (Scopes) DeleteMapping(ctx context.Context, q Querier, group string) error {
	tag, err := q.Exec(ctx, `DELETE FROM group_scopes WHERE group_name = $1`, group)
	if err == nil && tag.RowsAffected() == 0 {
		return &domain.Error{Code: domain.ENOTFOUND, Message: "mapping not found"}
	}
	return err
}

// RegistryChannel is the Postgres notification channel registry writes
// announce themselves on.
const RegistryChannel = "mcpgw_registry"

// BumpVersion increments the registry change counter and queues a
// notification that Postgres delivers to every listening replica when q's
// transaction commits.
func (Scopes) BumpVersion(ctx context.Context, q Querier) (int64, error) {
	var v int64
	err := q.QueryRow(ctx, `UPDATE registry_state SET version = version + 1 RETURNING version`).Scan(&v)
	if err != nil {
		return 0, err
	}
	_, err = q.Exec(ctx, `SELECT pg_notify($1, $2)`, RegistryChannel, fmt.Sprint(v))
	return v, err
}

// Version returns the registry change counter.
func (Scopes) Version(ctx context.Context, q Querier) (int64, error) {
	var v int64
	err := q.QueryRow(ctx, `SELECT version FROM registry_state`).Scan(&v)
	return v, err
}
