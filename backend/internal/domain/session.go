package domain

import (
	"slices"
	"time"
)

// Ways a principal can have authenticated.
const (
	AuthMethodLocal = "local" // username and password
	// AuthMethodOIDC is a browser sign-in through an identity provider; the
	// principal's Provider names which.
	AuthMethodOIDC = "oidc"
	// AuthMethodIdPToken is an identity provider's access token sent as a
	// bearer token.
	AuthMethodIdPToken = "idp_token"
	// AuthMethodServiceAccount is a gateway-issued token obtained with the
	// client-credentials grant.
	AuthMethodServiceAccount = "service_account"
	// AuthMethodPAT is a personal access token.
	AuthMethodPAT = "pat"
)

// Session is a signed-in browser's server-side state. The ID is the opaque
// cookie value; it is known only when the session is created and never
// stored in the clear.
type Session struct {
	ID string
	// Handle names the session in APIs that list and end sessions. It is
	// derived from the ID one way, so showing it never lets anyone act as
	// the session.
	Handle     string
	UserID     int64
	Username   string
	AuthMethod string
	Provider   string // the identity provider, for AuthMethodOIDC
	Groups     []string
	CSRFToken  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // the absolute end of the session's life
	ClientIP   string
	UserAgent  string
}

// SessionInfo is what may be shown about a session: never its ID or CSRF
// token.
type SessionInfo struct {
	Handle     string
	AuthMethod string
	Provider   string // the identity provider, for AuthMethodOIDC
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
	// Provider is the identity provider that vouched for the principal
	// (AuthMethodOIDC, AuthMethodIdPToken), else "".
	Provider string
	// ServiceAccountID is set for AuthMethodServiceAccount (UserID is 0).
	ServiceAccountID int64
	// TokenID is the personal access token used (AuthMethodPAT).
	TokenID int64
	// Session is set when the principal authenticated with the session
	// cookie: only such requests need a CSRF token.
	Session *Session
}

// Principal is who a request carrying this session acts as.
func (s *Session) Principal() *Principal {
	return &Principal{UserID: s.UserID, Username: s.Username, Groups: s.Groups, AuthMethod: s.AuthMethod,
		Provider: s.Provider, Session: s}
}

// IsAdmin reports whether the principal belongs to the administrator group.
func (p *Principal) IsAdmin() bool { return slices.Contains(p.Groups, AdminGroup) }

// TokenHint is what a request says about its bearer token besides the token
// itself: seed 002's Cognito headers. When any is set, the token must come
// from a configured provider they name.
type TokenHint struct {
	UserPoolID string // X-User-Pool-Id
	ClientID   string // X-Client-Id
	Region     string // X-Region
}

// Empty reports whether the request named no provider.
func (h TokenHint) Empty() bool { return h == TokenHint{} }
