package registry

import (
	"context"
	"slices"
	"strconv"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
)

// AuditQuery is a page request of the audit trail.
type AuditQuery struct {
	postgres.AuditFilter
	Cursor string
}

// AuditPage is one page of the audit trail, newest first.
type AuditPage struct {
	Events     []domain.AuditEvent
	NextCursor string
}

// Audit page size limits.
const (
	DefaultAuditPage = 100
	MaxAuditPage     = 1000
)

// ListAudit returns a page of the audit trail; registry admins only.
func (s *Service) ListAudit(ctx context.Context, p *domain.Principal, q AuditQuery) (*AuditPage, error) {
	if err := s.requireAdmin(ctx, p, "audit.read", "audit", ""); err != nil {
		return nil, err
	}
	f := q.AuditFilter
	switch {
	case f.Limit == 0:
		f.Limit = DefaultAuditPage
	case f.Limit < 1 || f.Limit > MaxAuditPage:
		return nil, domain.Invalid("limit", "must be between 1 and %d", MaxAuditPage)
	}
	if f.Outcome != "" && !slices.Contains([]string{domain.OutcomeSuccess, domain.OutcomeFailure, domain.OutcomeDenied}, f.Outcome) {
		return nil, domain.Invalid("outcome", "must be success, failure or denied")
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return nil, domain.Invalid("until", "must be after since")
	}
	if q.Cursor != "" {
		id, err := strconv.ParseInt(q.Cursor, 10, 64)
		if err != nil || id <= 0 {
			return nil, domain.Invalid("cursor", "is not a cursor from this list")
		}
		f.BeforeID = id
	}
	events, err := postgres.Audit{}.List(ctx, s.db.Pool, f)
	if err != nil {
		return nil, err
	}
	page := &AuditPage{Events: events}
	if len(events) == f.Limit {
		page.NextCursor = strconv.FormatInt(events[len(events)-1].ID, 10)
	}
	return page, nil
}
