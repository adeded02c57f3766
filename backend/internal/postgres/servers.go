package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// Servers stores registered MCP servers.
type Servers struct{}

// SealedEgress is a server's egress settings as stored: secret values are
// already sealed by the caller, and this package never sees plaintext.
type SealedEgress struct {
	Type    string
	Token   []byte // nil when no token is stored
	Headers []SealedHeader
}

// SealedHeader is one custom egress header with its sealed value.
type SealedHeader struct {
	Name  string `json:"name"`
	Value []byte `json:"value"`
}

// serverColumns is selected by every server query, in scanServer's order.
const serverColumns = `s.id::text, s.path, s.display_name, s.description, s.upstream_url, s.transport, s.tags,
	s.enabled, s.license, s.egress_auth, s.egress_token, s.egress_headers, s.health_status, s.health_error,
	s.latency_ms, s.last_checked_at, s.last_healthy_at, s.version, s.created_by, s.created_at, s.updated_by,
	s.updated_at, (SELECT count(*) FROM server_tools t WHERE t.server_id = s.id)`

func scanServer(row pgx.Row) (*domain.Server, *SealedEgress, error) {
	var (
		s       domain.Server
		eg      SealedEgress
		headers []byte
	)
	err := row.Scan(&s.ID, &s.Path, &s.DisplayName, &s.Description, &s.UpstreamURL, &s.Transport, &s.Tags,
		&s.Enabled, &s.License, &eg.Type, &eg.Token, &headers, &s.Health.Status, &s.Health.Error,
		&s.Health.LatencyMS, &s.Health.LastCheckedAt, &s.Health.LastHealthyAt, &s.Version, &s.CreatedBy,
		&s.CreatedAt, &s.UpdatedBy, &s.UpdatedAt, &s.ToolCount)
	if err != nil {
		return nil, nil, err
	}
	if err := json.Unmarshal(headers, &eg.Headers); err != nil {
		return nil, nil, fmt.Errorf("server %s: egress headers: %w", s.ID, err)
	}
	s.Egress = domain.Egress{Type: eg.Type, TokenSet: len(eg.Token) > 0}
	for _, h := range eg.Headers {
		s.Egress.Headers = append(s.Egress.Headers, domain.EgressHeader{Name: h.Name, ValueSet: len(h.Value) > 0})
	}
	if s.Tags == nil {
		s.Tags = []string{}
	}
	return &s, &eg, nil
}

func headersJSON(eg *SealedEgress) []byte {
	h := eg.Headers
	if h == nil {
		h = []SealedHeader{}
	}
	b, _ := json.Marshal(h) // cannot fail: strings and byte slices
	return b
}

// conflictOnPath turns unique violations into conflicts naming the field.
func conflictOnPath(err error, s *domain.Server) error {
	if !isUniqueViolation(err) {
		return err
	}
	if strings.Contains(err.Error(), "display_name") {
		return &domain.Error{Code: domain.ECONFLICT, Field: "display_name", Message: fmt.Sprintf("a server named %q already exists", s.DisplayName)}
	}
	return &domain.Error{Code: domain.ECONFLICT, Field: "path", Message: fmt.Sprintf("a server with path %q already exists", s.Path)}
}

// Create inserts s under s.ID (chosen by the caller, who binds sealed
// secrets to it) and sets its version and timestamps.
func (Servers) Create(ctx context.Context, q Querier, s *domain.Server, eg *SealedEgress) error {
	err := q.QueryRow(ctx, `
		INSERT INTO servers (id, path, display_name, description, upstream_url, transport, tags, enabled, license,
		                     egress_auth, egress_token, egress_headers, health_status, created_by, updated_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
		        CASE WHEN $8 THEN 'unknown' ELSE 'disabled' END, $13, $13)
		RETURNING version, created_at, updated_at, health_status`,
		s.ID, s.Path, s.DisplayName, s.Description, s.UpstreamURL, s.Transport, s.Tags, s.Enabled, s.License,
		eg.Type, eg.Token, headersJSON(eg), s.CreatedBy,
	).Scan(&s.Version, &s.CreatedAt, &s.UpdatedAt, &s.Health.Status)
	if err != nil {
		return conflictOnPath(err, s)
	}
	s.UpdatedBy = s.CreatedBy
	return nil
}

// Get returns the server with id and its sealed egress settings.
func (Servers) Get(ctx context.Context, q Querier, id string) (*domain.Server, *SealedEgress, error) {
	s, eg, err := scanServer(q.QueryRow(ctx, `SELECT `+serverColumns+` FROM servers s WHERE s.id = $1`, id))
	return s, eg, notFound(err, "server")
}

// GetForUpdate is Get that locks the row until q's transaction ends.
func (Servers) GetForUpdate(ctx context.Context, q Querier, id string) (*domain.Server, *SealedEgress, error) {
	s, eg, err := scanServer(q.QueryRow(ctx, `SELECT `+serverColumns+` FROM servers s WHERE s.id = $1 FOR UPDATE`, id))
	return s, eg, notFound(err, "server")
}

// Update writes s's editable fields, increments its version and sets
// s.Version and s.UpdatedAt. The caller holds the row lock. A new upstream
// URL or transport resets health to unknown and deletes the server's
// health history, in the same statement: the old upstream's checks no
// longer describe the server, and their errors may name the old URL.
func (Servers) Update(ctx context.Context, q Querier, s *domain.Server, eg *SealedEgress) error {
	// Every part of the statement sees the row as it was before the UPDATE.
	err := q.QueryRow(ctx, `
		WITH old_history AS (
			DELETE FROM server_health_checks WHERE server_id = $1 AND EXISTS (
				SELECT 1 FROM servers WHERE id = $1 AND (upstream_url <> $5 OR transport <> $6)))
		UPDATE servers SET path = $2, display_name = $3, description = $4, upstream_url = $5, transport = $6,
		       tags = $7, enabled = $8, license = $9, egress_auth = $10, egress_token = $11, egress_headers = $12,
		       health_status = CASE WHEN NOT $8 THEN 'disabled'
		                            WHEN health_status = 'disabled' OR upstream_url <> $5 OR transport <> $6 THEN 'unknown'
		                            ELSE health_status END,
		       version = version + 1, updated_by = $13, updated_at = now()
		WHERE id = $1
		RETURNING version, updated_at, health_status`,
		s.ID, s.Path, s.DisplayName, s.Description, s.UpstreamURL, s.Transport, s.Tags, s.Enabled, s.License,
		eg.Type, eg.Token, headersJSON(eg), s.UpdatedBy,
	).Scan(&s.Version, &s.UpdatedAt, &s.Health.Status)
	if err != nil {
		return notFound(conflictOnPath(err, s), "server")
	}
	return nil
}

// Delete removes the server with id and its tools.
func (Servers) Delete(ctx context.Context, q Querier, id string) error {
	tag, err := q.Exec(ctx, `DELETE FROM servers WHERE id = $1`, id)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return &domain.Error{Code: domain.ENOTFOUND, Message: "server not found"}
	}
	return nil
}

// All returns every server, ordered by path; the registry snapshot is
// built from it.
func (Servers) All(ctx context.Context, q Querier) ([]*domain.Server, error) {
	rows, err := q.Query(ctx, `SELECT `+serverColumns+` FROM servers s ORDER BY s.path`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Server
	for rows.Next() {
		s, _, err := scanServer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Server list sort keys.
const (
	SortName      = "name"
	SortPath      = "path"
	SortCreatedAt = "created_at"
	SortUpdatedAt = "updated_at"
)

// sortColumns maps sort keys to SQL expressions, the text a cursor keeps
// of a row's position, and the cast that turns that text back. Timestamps
// are written in UTC ISO 8601, which Postgres reads back the same way
// whatever the session's TimeZone and DateStyle.
var sortColumns = map[string]struct{ expr, key, cast string }{
	SortName:      {"lower(s.display_name)", "lower(s.display_name)", "text"},
	SortPath:      {"s.path", "s.path", "text"},
	SortCreatedAt: {"s.created_at", isoUTC("s.created_at"), "timestamptz"},
	SortUpdatedAt: {"s.updated_at", isoUTC("s.updated_at"), "timestamptz"},
}

func isoUTC(col string) string {
	return `to_char(` + col + ` AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
}

// CursorTimeLayout is how cursors of timestamp sorts write the time.
const CursorTimeLayout = "2006-01-02T15:04:05.000000Z"

// ServerQuery narrows and orders List. Zero fields match everything.
type ServerQuery struct {
	Search  string   // substring of name, path, description, a tag or a tool name
	Tags    []string // servers carrying all of these tags
	Enabled *bool
	Health  string
	// IDs, when not nil, restricts the result to these servers: the
	// servers the caller may see.
	IDs   []string
	Sort  string // one of the Sort* keys; default name
	Desc  bool
	After *ServerCursor // continue after this position
	Limit int           // rows to return
}

// ServerCursor is a position in a sorted server list.
type ServerCursor struct {
	Key string `json:"k"`
	ID  string `json:"id"`
}

// ValidSort reports whether key is a sort key List understands.
func ValidSort(key string) bool { _, ok := sortColumns[key]; return ok }

// List returns the servers matching f, at most f.Limit of them, plus the
// cursor of the last one when more may follow.
func (Servers) List(ctx context.Context, q Querier, f ServerQuery) ([]*domain.Server, *ServerCursor, error) {
	col, ok := sortColumns[f.Sort]
	if !ok {
		col = sortColumns[SortName]
		f.Sort = SortName
	}
	var (
		where []string
		args  []any
	)
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.Search != "" {
		p := arg("%" + escapeLike(f.Search) + "%")
		where = append(where, fmt.Sprintf(`(s.display_name ILIKE %[1]s OR s.path ILIKE %[1]s OR s.description ILIKE %[1]s
			OR EXISTS (SELECT 1 FROM unnest(s.tags) tag WHERE tag ILIKE %[1]s)
			OR EXISTS (SELECT 1 FROM server_tools t WHERE t.server_id = s.id AND t.name ILIKE %[1]s))`, p))
	}
	if len(f.Tags) > 0 {
		where = append(where, "s.tags @> "+arg(f.Tags)+"::text[]")
	}
	if f.Enabled != nil {
		where = append(where, "s.enabled = "+arg(*f.Enabled))
	}
	if f.Health != "" {
		where = append(where, "s.health_status = "+arg(f.Health))
	}
	if f.IDs != nil {
		where = append(where, "s.id = ANY("+arg(f.IDs)+"::uuid[])")
	}
	cmp, dir := ">", "ASC"
	if f.Desc {
		cmp, dir = "<", "DESC"
	}
	if f.After != nil {
		where = append(where, fmt.Sprintf("(%s, s.id) %s (%s::%s, %s::uuid)", col.expr, cmp, arg(f.After.Key), col.cast, arg(f.After.ID)))
	}
	sql := `SELECT ` + serverColumns + `, ` + col.key + ` FROM servers s`
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += fmt.Sprintf(" ORDER BY %s %s, s.id %s LIMIT %s", col.expr, dir, dir, arg(f.Limit+1))
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var (
		out  []*domain.Server
		keys []string
	)
	for rows.Next() {
		var key string
		s, _, err := scanServer(scanTail{rows, &key})
		if err != nil {
			return nil, nil, err
		}
		out = append(out, s)
		keys = append(keys, key)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if len(out) <= f.Limit {
		return out, nil, nil
	}
	out = out[:f.Limit]
	return out, &ServerCursor{Key: keys[f.Limit-1], ID: out[f.Limit-1].ID}, nil
}

// scanTail scans one more trailing column after those scanServer reads.
type scanTail struct {
	row  pgx.Row
	tail any
}

func (s scanTail) Scan(dest ...any) error { return s.row.Scan(append(dest, s.tail)...) }

// escapeLike escapes LIKE's wildcards so user input matches literally.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Tools stores the tools servers offer.
type Tools struct{}

const toolColumns = `server_id::text, name, description, input_schema, annotations, definition_hash,
	first_seen_at, updated_at, definition_changed_at`

// List returns the tools of the server with id, ordered by name.
func (Tools) List(ctx context.Context, q Querier, serverID string) ([]domain.Tool, error) {
	rows, err := q.Query(ctx, `SELECT `+toolColumns+` FROM server_tools WHERE server_id = $1 ORDER BY name`, serverID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Tool, error) {
		var t domain.Tool
		err := row.Scan(&t.ServerID, &t.Name, &t.Description, &t.InputSchema, &t.Annotations, &t.DefinitionHash,
			&t.FirstSeenAt, &t.UpdatedAt, &t.DefinitionChangedAt)
		return t, err
	})
}

// Upsert inserts or updates tools of one server. A tool whose definition
// hash changes gets definition_changed_at set to now.
func (Tools) Upsert(ctx context.Context, q Querier, serverID string, tools []domain.Tool, now time.Time) error {
	for _, t := range tools {
		schema := t.InputSchema
		if len(schema) == 0 {
			schema = json.RawMessage(`{}`)
		}
		var ann any
		if len(t.Annotations) > 0 {
			ann = t.Annotations
		}
		_, err := q.Exec(ctx, `
			INSERT INTO server_tools (server_id, name, description, input_schema, annotations, definition_hash,
			                          first_seen_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
			ON CONFLICT (server_id, name) DO UPDATE SET
				description = EXCLUDED.description, input_schema = EXCLUDED.input_schema,
				annotations = EXCLUDED.annotations, definition_hash = EXCLUDED.definition_hash,
				updated_at = EXCLUDED.updated_at,
				definition_changed_at = CASE WHEN server_tools.definition_hash <> EXCLUDED.definition_hash
				                             THEN EXCLUDED.updated_at ELSE server_tools.definition_changed_at END`,
			serverID, t.Name, t.Description, schema, ann, t.DefinitionHash, now)
		if err != nil {
			return err
		}
	}
	return nil
}

// ServerSecrets is one server's sealed egress values, for re-sealing them
// under a new key.
type ServerSecrets struct {
	ID     string
	Path   string
	Egress SealedEgress
}

const serverSecretsColumns = `id::text, path, egress_auth, egress_token, egress_headers`

func scanServerSecrets(row pgx.Row) (*ServerSecrets, error) {
	var (
		s       ServerSecrets
		headers []byte
	)
	if err := row.Scan(&s.ID, &s.Path, &s.Egress.Type, &s.Egress.Token, &headers); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(headers, &s.Egress.Headers); err != nil {
		return nil, fmt.Errorf("server %s: egress headers: %w", s.ID, err)
	}
	return &s, nil
}

// AllSecrets returns the sealed egress values of every server that stores
// any, ordered by path.
func (Servers) AllSecrets(ctx context.Context, q Querier) ([]*ServerSecrets, error) {
	rows, err := q.Query(ctx, `SELECT `+serverSecretsColumns+` FROM servers
		WHERE egress_token IS NOT NULL OR egress_headers <> '[]'::jsonb ORDER BY path`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*ServerSecrets, error) { return scanServerSecrets(row) })
}

// Secrets returns the sealed egress values of the server with id.
func (Servers) Secrets(ctx context.Context, q Querier, id string) (*ServerSecrets, error) {
	s, err := scanServerSecrets(q.QueryRow(ctx, `SELECT `+serverSecretsColumns+` FROM servers WHERE id = $1`, id))
	return s, notFound(err, "server")
}

// ReplaceSecrets stores next as the server's sealed egress values only if
// they still are old, byte for byte (compare-and-swap), and reports
// whether it did. It leaves the version and updated_at alone: the secrets
// open to the same plaintext, so nothing a client or a replica's cache
// holds has changed. A concurrent edit holds the row lock; this waits for
// it and then compares against what the edit committed.
func (Servers) ReplaceSecrets(ctx context.Context, q Querier, id string, old, next *SealedEgress) (bool, error) {
	tag, err := q.Exec(ctx, `
		UPDATE servers SET egress_token = $4, egress_headers = $5
		WHERE id = $1 AND egress_token IS NOT DISTINCT FROM $2 AND egress_headers = $3::jsonb`,
		id, old.Token, headersJSON(old), next.Token, headersJSON(next))
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}
