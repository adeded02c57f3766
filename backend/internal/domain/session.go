package domain

import (
	"slices"
	"time"
)

// Ways a principal can have authenticated.
const (
	AuthMethodLocal = "local" // username and password
)

// Session is a signed-in browser's server-side state. The ID is the opaque
// cookie value; it is known only when the session is created and never
// stored in the clear.
type Session struct {
	ID         string
	UserID     int64
	Username   string
	AuthMethod string
	Groups     []string
	CSRFToken  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // the absolute end of the session's life
	ClientIP   string
	UserAgent  string
}

// Principal is whoever makes a request, however they authenticated.
type Principal struct {
	UserID     int64
	Username   string
	Groups     []string
	AuthMethod string
	// Session is set when the principal authenticated with the session
	// cookie: only such requests need a CSRF token.
	Session *Session
}

// Principal is who a request carrying this session acts as.
func (s *Session) Principal() *Principal {
	return &Principal{UserID: s.UserID, Username: s.Username, Groups: s.Groups, AuthMethod: s.AuthMethod, Session: s}
}

// IsAdmin reports whether the principal belongs to the administrator group.
func (p *Principal) IsAdmin() bool { return slices.Contains(p.Groups, AdminGroup) }
