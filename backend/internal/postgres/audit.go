package postgres

import (
	"context"
	"encoding/json"
	"net/netip"

	"github.com/jackc/pgx/v5"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// Audit stores the audit trail.
type Audit struct{}

var auditColumns = []string{"occurred_at", "action", "outcome", "actor", "actor_id", "auth_method",
	"target_type", "target", "client_ip", "user_agent", "request_id", "details"}

// Insert writes events in one COPY.
func (Audit) Insert(ctx context.Context, q Querier, events []domain.AuditEvent) error {
	_, err := q.CopyFrom(ctx, pgx.Identifier{"audit_events"}, auditColumns,
		pgx.CopyFromSlice(len(events), func(i int) ([]any, error) {
			e := events[i]
			details, err := json.Marshal(e.Details)
			if err != nil || e.Details == nil {
				details = []byte("{}")
			}
			var actorID *int64
			if e.ActorID != 0 {
				actorID = &e.ActorID
			}
			var ip *netip.Addr
			if a, err := netip.ParseAddr(e.ClientIP); err == nil {
				ip = &a
			}
			return []any{e.OccurredAt, e.Action, e.Outcome, e.Actor, actorID, e.AuthMethod,
				e.TargetType, e.Target, ip, e.UserAgent, e.RequestID, details}, nil
		}))
	return err
}

// AuditFilter narrows List; zero fields match everything.
type AuditFilter struct {
	Actor  string
	Action string
	Limit  int // default 100
}

// List returns the newest events matching f first.
func (Audit) List(ctx context.Context, q Querier, f AuditFilter) ([]domain.AuditEvent, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	rows, err := q.Query(ctx, `
		SELECT id, occurred_at, action, outcome, actor, coalesce(actor_id, 0), auth_method,
		       target_type, target, coalesce(host(client_ip), ''), user_agent, request_id, details
		FROM audit_events
		WHERE ($1 = '' OR actor = $1) AND ($2 = '' OR action = $2)
		ORDER BY occurred_at DESC, id DESC LIMIT $3`, f.Actor, f.Action, f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.AuditEvent, error) {
		var e domain.AuditEvent
		err := row.Scan(&e.ID, &e.OccurredAt, &e.Action, &e.Outcome, &e.Actor, &e.ActorID, &e.AuthMethod,
			&e.TargetType, &e.Target, &e.ClientIP, &e.UserAgent, &e.RequestID, &e.Details)
		return e, err
	})
}
