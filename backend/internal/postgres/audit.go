package postgres

import (
	"context"
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
	"time"

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
			var details []byte
			if e.Call != nil {
				details = e.Call.AppendJSON(nil)
			} else if b, err := json.Marshal(e.Details); err == nil && e.Details != nil {
				details = b
			} else {
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
	Actor string
	// Action matches exactly, or as a prefix when it ends in "." ("server.").
	Action     string
	Outcome    string
	TargetType string
	Target     string
	Since      time.Time // inclusive
	Until      time.Time // exclusive
	BeforeID   int64     // cursor: only events older than this id
	Limit      int       // default 100
}

// List returns the newest events matching f first.
func (Audit) List(ctx context.Context, q Querier, f AuditFilter) ([]domain.AuditEvent, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	var (
		where []string
		args  []any
	)
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.Actor != "" {
		where = append(where, "actor = "+arg(f.Actor))
	}
	if prefix, ok := strings.CutSuffix(f.Action, "."); ok && prefix != "" {
		where = append(where, "action LIKE "+arg(escapeLike(prefix)+".%"))
	} else if f.Action != "" {
		where = append(where, "action = "+arg(f.Action))
	}
	if f.Outcome != "" {
		where = append(where, "outcome = "+arg(f.Outcome))
	}
	if f.TargetType != "" {
		where = append(where, "target_type = "+arg(f.TargetType))
	}
	if f.Target != "" {
		where = append(where, "target = "+arg(f.Target))
	}
	if !f.Since.IsZero() {
		where = append(where, "occurred_at >= "+arg(f.Since))
	}
	if !f.Until.IsZero() {
		where = append(where, "occurred_at < "+arg(f.Until))
	}
	if f.BeforeID > 0 {
		where = append(where, "id < "+arg(f.BeforeID))
	}
	sql := `SELECT id, occurred_at, action, outcome, actor, coalesce(actor_id, 0), auth_method,
	               target_type, target, coalesce(host(client_ip), ''), user_agent, request_id, details
	        FROM audit_events`
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	// Ids grow with insertion, so they order the trail and make a stable
	// cursor even when clocks of several replicas disagree.
	sql += " ORDER BY id DESC LIMIT " + arg(f.Limit)
	rows, err := q.Query(ctx, sql, args...)
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
