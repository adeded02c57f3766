package domain

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Audit outcomes.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeDenied  = "denied"
)

// Audit actions.
const (
	ActionLogin  = "auth.login"
	ActionLogout = "auth.logout"
	// ActionTokenRefused is a bearer token that did not verify.
	ActionTokenRefused = "auth.token_refused"
	ActionUserCreate   = "user.create"
	ActionUserUpdate   = "user.update"
	ActionUserPassword = "user.password_change"
	ActionUserDisable  = "user.disable"
	ActionUserEnable   = "user.enable"
	ActionUserDelete   = "user.delete"
	ActionGroupCreate  = "group.create"
	ActionGroupUpdate  = "group.update"
	ActionGroupDelete  = "group.delete"
)

// AuditEvent is one entry of the audit trail.
type AuditEvent struct {
	ID         int64
	OccurredAt time.Time
	Action     string
	Outcome    string
	Actor      string
	ActorID    int64 // 0 when the actor is unknown
	AuthMethod string
	TargetType string
	Target     string
	ClientIP   string
	UserAgent  string
	RequestID  string
	Details    map[string]any
}

// RequestInfo describes the HTTP request a piece of work runs for; the audit
// writer copies it into events so callers need not pass it along.
type RequestInfo struct {
	RequestID string
	ClientIP  string
	UserAgent string
}

type requestInfoKey struct{}

// WithRequestInfo returns a context carrying ri.
func WithRequestInfo(ctx context.Context, ri RequestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, ri)
}

// RequestInfoFrom returns the request information in ctx, if any.
func RequestInfoFrom(ctx context.Context) RequestInfo {
	ri, _ := ctx.Value(requestInfoKey{}).(RequestInfo)
	return ri
}

// ValidRequestID reports whether a client's X-Request-ID may be kept: up to
// 64 characters of [A-Za-z0-9._-], so it is safe in logs and headers.
func ValidRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		ch := id[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_' || ch == '.') {
			return false
		}
	}
	return true
}

// SafeText makes client-supplied text storable and bounded: invalid UTF-8
// becomes U+FFFD, NUL is dropped (Postgres refuses both), and the result is
// cut to at most n bytes on a character boundary.
func SafeText(s string, n int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
