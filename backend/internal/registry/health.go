package registry

import (
	"context"
	"fmt"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
)

// Health history page sizes: at most what the history keeps.
const (
	DefaultHealthHistory = 50
	MaxHealthHistory     = postgres.HealthHistoryKept
)

// BadHealthHistoryLimit is the error of a history limit that is not a
// number between 1 and MaxHealthHistory: a bad request (400), like any
// malformed query, rather than a validation failure of a resource.
func BadHealthHistoryLimit() *domain.Error {
	return &domain.Error{Code: domain.EBADREQUEST, Field: "limit",
		Message: fmt.Sprintf("limit: must be a number between 1 and %d", MaxHealthHistory)}
}

// HealthHistory returns the newest limit (0: DefaultHealthHistory) stored
// health checks of the server with id, newest first, if the caller may see
// the server; reading is no more audited than GetServer.
func (s *Service) HealthHistory(ctx context.Context, p *domain.Principal, id string, limit int) ([]domain.HealthCheck, error) {
	switch {
	case limit == 0:
		limit = DefaultHealthHistory
	case limit < 1 || limit > MaxHealthHistory:
		return nil, BadHealthHistoryLimit()
	}
	if _, err := s.GetServer(ctx, p, id); err != nil {
		return nil, err
	}
	return postgres.HealthChecks{}.List(ctx, s.db.Pool, id, limit)
}
