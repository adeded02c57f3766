package domain

import (
	"context"
	"strconv"
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
	// ActionSessionRevoke is one browser session ended by its user or an
	// administrator; ActionSessionRevokeAll is all of a user's.
	ActionSessionRevoke    = "session.revoke"
	ActionSessionRevokeAll = "session.revoke_all"
	// ActionSessionList is a listing of one's own sessions, audited only
	// when refused (reads are not audited).
	ActionSessionList = "session.list"
	// ActionSecretsReseal is `mcpgw admin reseal-secrets` re-sealing stored
	// secrets under the current ENCRYPTION_KEY.
	ActionSecretsReseal = "secrets.reseal"
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
	// Call, when set, is the details of a proxied MCP call, stored as the
	// JSON object Details would be: typed, so the proxy's hot path builds
	// no map and encodes no reflection.
	Call *AuditCall
}

// AuditCall describes a proxied MCP message: a forwarded tools/call
// (Forwarded: with its latency and the upstream's status) or a refusal
// (with its reason).
type AuditCall struct {
	Server    string
	Method    string
	Tool      string
	Reason    string
	Forwarded bool
	LatencyMS float64
	Status    int
}

// AppendJSON appends c as a JSON object: server, then method, tool and
// reason when set, then latency_ms and status for a forwarded call. The
// strings must be valid UTF-8 (the audit writer makes them so).
func (c *AuditCall) AppendJSON(b []byte) []byte {
	b = append(b, `{"server":`...)
	b = appendJSONString(b, c.Server)
	for _, f := range [...]struct{ name, v string }{{"method", c.Method}, {"tool", c.Tool}, {"reason", c.Reason}} {
		if f.v != "" {
			b = append(b, `,"`...)
			b = append(b, f.name...)
			b = append(b, `":`...)
			b = appendJSONString(b, f.v)
		}
	}
	if c.Forwarded {
		b = append(b, `,"latency_ms":`...)
		b = strconv.AppendFloat(b, c.LatencyMS, 'f', -1, 64)
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(c.Status), 10)
	}
	return append(b, '}')
}

// appendJSONString appends s, valid UTF-8, as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch >= 0x20 && ch != '"' && ch != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch ch {
		case '"', '\\':
			b = append(b, '\\', ch)
		case '\n':
			b = append(b, '\\', 'n')
		case '\t':
			b = append(b, '\\', 't')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[ch>>4], hex[ch&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
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
