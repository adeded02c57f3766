package auth

import (
	"context"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// ListSessions returns the user's live browser sessions, most recently used
// first. An unknown user is domain.ENOTFOUND.
func (s *UserService) ListSessions(ctx context.Context, userID int64) ([]domain.SessionInfo, error) {
	if _, err := s.users.Get(ctx, s.db.Pool, userID); err != nil {
		return nil, err
	}
	return s.sessions.ListUser(ctx, userID)
}

// RevokeSession ends the user's browser session with handle at once: its
// cookie is refused from the next request on. A handle that names no live
// session of the user is domain.ENOTFOUND.
func (s *UserService) RevokeSession(ctx context.Context, actor *domain.Principal, userID int64, handle string) error {
	u, err := s.users.Get(ctx, s.db.Pool, userID)
	if err != nil {
		return err
	}
	ended, err := s.sessions.DeleteHandle(ctx, userID, handle)
	if err != nil {
		return err
	}
	if !ended {
		return domain.Errorf(domain.ENOTFOUND, "session not found")
	}
	s.record(ctx, actor, domain.ActionSessionRevoke, u, map[string]any{"session": handle})
	return nil
}

// RevokeSessions ends every browser session of the user and returns how
// many were live. Personal access tokens are not sessions and keep working.
func (s *UserService) RevokeSessions(ctx context.Context, actor *domain.Principal, userID int64) (int, error) {
	u, err := s.users.Get(ctx, s.db.Pool, userID)
	if err != nil {
		return 0, err
	}
	n, err := s.sessions.DeleteUser(ctx, userID)
	if err != nil {
		return 0, err
	}
	s.record(ctx, actor, domain.ActionSessionRevokeAll, u, map[string]any{"sessions": n})
	return n, nil
}
