package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// CheckedServer identifies what a health check looked at: a result is
// stored only if the server still has that upstream and transport and is
// still enabled (an edit or a toggle during the check makes it stale).
type CheckedServer struct {
	ID          string
	UpstreamURL string
	Transport   string
}

// HealthHistoryKept is how many stored checks a server's health history
// keeps: RecordHealth prunes older ones as it appends.
const HealthHistoryKept = 200

// RecordHealth stores a check's result and appends it, with toolCount (the
// server's tool count once the result is stored), to the server's health
// history, pruned to the newest HealthHistoryKept checks, all in one round
// trip. It reports false, storing nothing, when the result is stale (see
// CheckedServer) or the server is gone. The server's version is not
// changed: health is not an edit.
func (Servers) RecordHealth(ctx context.Context, q Querier, s CheckedServer, h domain.Health, toolCount int) (bool, error) {
	var stored bool
	batch := &pgx.Batch{}
	// The history row is inserted from the UPDATE's result, so a refused
	// result appends nothing.
	batch.Queue(`
		WITH checked AS (
			UPDATE servers SET health_status = $4, health_error = $5, latency_ms = $6, last_checked_at = $7,
			       last_healthy_at = CASE WHEN $4 = 'healthy' THEN $7 ELSE last_healthy_at END
			WHERE id = $1 AND upstream_url = $2 AND transport = $3 AND enabled
			RETURNING id)
		INSERT INTO server_health_checks (server_id, checked_at, status, error, latency_ms, tool_count)
		SELECT id, coalesce($7, now()), $4, $5, $6, $8 FROM checked`,
		s.ID, s.UpstreamURL, s.Transport, h.Status, h.Error, h.LatencyMS, h.LastCheckedAt, toolCount,
	).Exec(func(tag pgconn.CommandTag) error {
		stored = tag.RowsAffected() == 1
		return nil
	})
	// A statement of its own (not part of the one above) so that it sees
	// the new row. The cut, the newest check past the limit, comes from
	// the index on (server_id, checked_at DESC) alone (an index-only scan
	// of at most HealthHistoryKept+1 entries: no count, no heap visits on
	// vacuumed pages); the delete then visits only the rows it removes,
	// usually one. Checks tied with the cut at the same instant go too:
	// the history may keep one fewer, never one more.
	batch.Queue(`
		DELETE FROM server_health_checks WHERE server_id = $1 AND checked_at <= (
			SELECT checked_at FROM server_health_checks WHERE server_id = $1
			ORDER BY checked_at DESC OFFSET $2 LIMIT 1)`,
		s.ID, HealthHistoryKept)
	if err := q.SendBatch(ctx, batch).Close(); err != nil {
		return false, err
	}
	return stored, nil
}

// HealthChecks reads servers' health histories, which
// Servers.RecordHealth writes.
type HealthChecks struct{}

// List returns the newest limit checks of the server with serverID, newest
// first (none for an unknown server).
func (HealthChecks) List(ctx context.Context, q Querier, serverID string, limit int) ([]domain.HealthCheck, error) {
	rows, err := q.Query(ctx, `SELECT checked_at, status, error, latency_ms, tool_count
		FROM server_health_checks WHERE server_id = $1
		ORDER BY checked_at DESC, id DESC LIMIT $2`, serverID, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.HealthCheck, error) { return scanHealthCheck(row) })
}

func scanHealthCheck(row pgx.Row) (domain.HealthCheck, error) {
	var c domain.HealthCheck
	err := row.Scan(&c.CheckedAt, &c.Status, &c.Error, &c.LatencyMS, &c.ToolCount)
	return c, err
}

// ToolChanges is what a tools sync did, by tool name.
type ToolChanges struct {
	Added   []string
	Removed []string
	// Redefined tools changed their description or input schema after they
	// were first seen (their definition hash differs).
	Redefined []string
	// Updated tools changed only what does not count as their definition
	// (annotations).
	Updated []string
}

// Empty reports whether nothing changed.
func (c ToolChanges) Empty() bool {
	return len(c.Added)+len(c.Removed)+len(c.Redefined)+len(c.Updated) == 0
}

// Sync makes tools the complete tool list of the server with serverID:
// new tools are added, missing ones removed, and a tool whose definition
// hash differs is updated with definition_changed_at set to now. Tools
// that did not change are not written. Run it in the transaction that
// locks the server row, so concurrent syncs of one server do not mix.
func (Tools) Sync(ctx context.Context, q Querier, serverID string, tools []domain.Tool, now time.Time) (ToolChanges, error) {
	type known struct {
		hash, description string
		schema            json.RawMessage
		annotations       json.RawMessage
	}
	rows, err := q.Query(ctx, `SELECT name, definition_hash, description, input_schema, annotations
		FROM server_tools WHERE server_id = $1`, serverID)
	if err != nil {
		return ToolChanges{}, err
	}
	have := map[string]known{}
	for rows.Next() {
		var name string
		var k known
		if err := rows.Scan(&name, &k.hash, &k.description, &k.schema, &k.annotations); err != nil {
			rows.Close()
			return ToolChanges{}, err
		}
		have[name] = k
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return ToolChanges{}, err
	}

	var ch ToolChanges
	batch := &pgx.Batch{}
	seen := make(map[string]bool, len(tools))
	for _, t := range tools {
		if seen[t.Name] {
			continue // a server listing a name twice: the first counts
		}
		seen[t.Name] = true
		schema := t.InputSchema
		if len(schema) == 0 {
			schema = json.RawMessage(`{}`)
		}
		var ann any
		if len(t.Annotations) > 0 {
			ann = t.Annotations
		}
		k, ok := have[t.Name]
		switch {
		case !ok:
			ch.Added = append(ch.Added, t.Name)
			batch.Queue(`INSERT INTO server_tools (server_id, name, description, input_schema, annotations,
				definition_hash, first_seen_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
				serverID, t.Name, t.Description, schema, ann, t.DefinitionHash, now)
		case k.hash != t.DefinitionHash:
			ch.Redefined = append(ch.Redefined, t.Name)
			batch.Queue(`UPDATE server_tools SET description = $3, input_schema = $4, annotations = $5,
				definition_hash = $6, updated_at = $7, definition_changed_at = $7
				WHERE server_id = $1 AND name = $2`,
				serverID, t.Name, t.Description, schema, ann, t.DefinitionHash, now)
		case !jsonEqual(k.annotations, t.Annotations):
			ch.Updated = append(ch.Updated, t.Name)
			batch.Queue(`UPDATE server_tools SET annotations = $3, updated_at = $4 WHERE server_id = $1 AND name = $2`,
				serverID, t.Name, ann, now)
		}
	}
	for name := range have {
		if !seen[name] {
			ch.Removed = append(ch.Removed, name)
		}
	}
	if len(ch.Removed) > 0 {
		batch.Queue(`DELETE FROM server_tools WHERE server_id = $1 AND name = ANY($2)`, serverID, ch.Removed)
	}
	if batch.Len() == 0 {
		return ch, nil
	}
	return ch, q.SendBatch(ctx, batch).Close()
}

// jsonEqual compares two JSON documents by value (nil and null alike).
func jsonEqual(a, b json.RawMessage) bool {
	var va, vb any
	if len(a) > 0 {
		if json.Unmarshal(a, &va) != nil {
			return false
		}
	}
	if len(b) > 0 {
		if json.Unmarshal(b, &vb) != nil {
			return false
		}
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)
	return string(ja) == string(jb)
}
