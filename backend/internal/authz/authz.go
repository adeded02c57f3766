// Package authz decides what a principal may do on a server: a pure
// evaluator over scopes (named lists of rules), with no I/O.
//
// Scopes are compiled once into an immutable Policy, so that the proxy can
// answer "may this caller send this method, for this tool, to this server?"
// for every JSON-RPC message in well under a microsecond and without
// allocating. A Catalog turns a principal's groups into scope names (mapped
// scopes and, optionally, seed 004's group-name conventions) and caches one
// Policy per distinct set of scope names.
package authz

import (
	"strings"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// Set is a bit set of permissions; a bit set keeps merging and checking
// rules to a few machine instructions.
type Set uint8

// The permission bits, in the order of domain.Permissions so that
// Set.Permissions lists them in the domain's stable order.
const (
	// Read lets a principal see a server and its tools.
	Read Set = 1 << iota
	// Execute lets a principal send MCP traffic through the proxy.
	Execute
	// Toggle enables or disables a server.
	Toggle
	// Edit changes a server's settings.
	Edit
	// Register adds and removes servers.
	Register
	// HealthCheck asks for a health check now.
	HealthCheck
)

// All is every permission; the registry admin holds it everywhere.
const All = Read | Execute | Toggle | Edit | Register | HealthCheck

// impliesRead are the permissions that make no sense without seeing the
// server, so each of them implies read on the same server.
const impliesRead = Toggle | Edit | Register | HealthCheck

// Bit returns p's bit, or 0 for a string that is not a permission, so that
// unknown permissions in stored rules grant nothing.
func Bit(p domain.Permission) Set {
	switch p {
	case domain.PermRead:
		return Read
	case domain.PermExecute:
		return Execute
	case domain.PermToggle:
		return Toggle
	case domain.PermEdit:
		return Edit
	case domain.PermRegister:
		return Register
	case domain.PermHealthCheck:
		return HealthCheck
	}
	return 0
}

// SetOf returns the set of perms, ignoring unknown ones, to build sets from
// a rule's permission list.
func SetOf(perms ...domain.Permission) Set {
	var s Set
	for _, p := range perms {
		s |= Bit(p)
	}
	return s
}

// Has reports whether s holds every permission in p. The empty set (for
// example Bit of an unknown permission) is never held, so a typo in a
// caller's permission denies instead of allowing.
func (s Set) Has(p Set) bool { return p != 0 && p&^All == 0 && s&p == p }

// HasAny reports whether s holds at least one permission of p, for "any
// of" questions such as "may modify servers" (toggle or edit).
func (s Set) HasAny(p Set) bool { return s&p&All != 0 }

// Permissions lists the permissions in s in domain.Permissions order, so
// that API answers and exports are stable.
func (s Set) Permissions() []domain.Permission {
	out := make([]domain.Permission, 0, len(domain.Permissions))
	for _, p := range domain.Permissions {
		if s&Bit(p) != 0 {
			out = append(out, p)
		}
	}
	return out
}

// String joins the permission names with "|", for logs and test failures.
func (s Set) String() string {
	if s&All == 0 {
		return "none"
	}
	var b strings.Builder
	for _, p := range s.Permissions() {
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString(string(p))
	}
	return b.String()
}

// withImplied adds read where another permission needs it.
func withImplied(s Set) Set {
	if s&impliesRead != 0 {
		s |= Read
	}
	return s
}

// Server identifies the server a decision is about by both of the keys a
// rule may name it with: seed 004's scopes name servers by path, seed 001's
// scopes.yml by display name. Build it with Ref so that both keys are
// folded the way rules are.
type Server struct {
	// Path is the folded path the server is proxied under ("currenttime").
	Path string
	// NameKey is the folded display name ("financial info proxy").
	NameKey string
}

// FoldName lower-cases s and trims surrounding spaces, so that a rule's
// `server: "Financial Info Proxy"` matches however the display name or the
// rule was capitalized.
func FoldName(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Ref builds the Server a decision is about from its path and display name,
// folding both once so that each check can use them as map keys directly.
func Ref(path, displayName string) Server {
	return Server{Path: FoldName(path), NameKey: FoldName(displayName)}
}

// label names srv in reasons: by path, or by display name when a caller
// only knows that.
func (srv Server) label() string {
	if srv.Path != "" {
		return srv.Path
	}
	return srv.NameKey
}
