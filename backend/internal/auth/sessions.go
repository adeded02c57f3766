package auth

import (
	"context"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// RequireUser refuses, audited, a caller that is not a user, such as a
// service account: only users have sessions. action is what was refused
// and route the request that asked.
func (s *UserService) RequireUser(ctx context.Context, p *domain.Principal, action, route string) error {
	if p != nil && p.UserID != 0 {
		return nil
	}
	s.deny(ctx, p, action, "route", route, map[string]any{"reason": "only users have sessions"})
	return domain.Errorf(domain.EFORBIDDEN, "only users have sessions")
}

// deny audits a refusal of actor's request.
func (s *UserService) deny(ctx context.Context, actor *domain.Principal, action, targetType, target string, details map[string]any) {
	ev := domain.AuditEvent{Action: action, Outcome: domain.OutcomeDenied, TargetType: targetType, Target: target, Details: details}
	if actor != nil {
		ev.Actor, ev.ActorID, ev.AuthMethod = actor.Username, actor.UserID, actor.AuthMethod
	}
	s.audit.Record(ctx, ev)
}

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
		// Another user's session, an ended one or none: the caller is told
		// only that the user has no such session.
		s.deny(ctx, actor, domain.ActionSessionRevoke, "user", u.Username,
			map[string]any{"session": domain.SafeText(handle, 128), "reason": "not a live session of the user"})
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
