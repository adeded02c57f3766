package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Permission is one thing a scope rule can grant on a server.
type Permission string

// The permissions of the model. Read lets a principal see a server and its
// tools; execute lets it send MCP traffic through the proxy (narrowed by the
// rule's methods and tools); toggle enables or disables the server; edit
// changes its settings; register adds (and removes) servers; health_check
// asks for a check now.
const (
	PermRead        Permission = "read"
	PermExecute     Permission = "execute"
	PermToggle      Permission = "toggle"
	PermEdit        Permission = "edit"
	PermRegister    Permission = "register"
	PermHealthCheck Permission = "health_check"
)

// Permissions lists every permission in a stable order.
var Permissions = []Permission{PermRead, PermExecute, PermToggle, PermEdit, PermRegister, PermHealthCheck}

// Valid reports whether p is one of Permissions.
func (p Permission) Valid() bool { return slices.Contains(Permissions, p) }

// Wildcard in a rule's server, methods or tools matches everything.
const Wildcard = "*"

// Rule grants permissions on one server, or on every server with Wildcard.
//
// Nil lists mean "not given", which is not the same as empty: the seeds'
// scopes.yml writes server rules without permissions, and a lossless round
// trip must write them back that way.
type Rule struct {
	// Server is a server's path, its display name (seed 001 names servers
	// that way), or Wildcard.
	Server string
	// Permissions granted; nil means read and execute, what a server rule
	// without a permissions key has always meant in scopes.yml.
	Permissions []Permission
	// Methods narrows execute to these JSON-RPC methods; nil or a Wildcard
	// element means every method.
	Methods []string
	// Tools narrows tools/call to these tool names; nil or a Wildcard
	// element means every tool.
	Tools []string
	// UI marks a rule that came from scopes.yml's UI-Scopes section, so
	// that exporting writes it back there.
	UI bool
}

// DefaultRulePermissions are what a rule without a permissions list grants.
var DefaultRulePermissions = []Permission{PermRead, PermExecute}

// EffectivePermissions returns the permissions r grants (a copy of the
// defaults when r lists none, so callers cannot change them).
func (r *Rule) EffectivePermissions() []Permission {
	if r.Permissions == nil {
		return slices.Clone(DefaultRulePermissions)
	}
	return r.Permissions
}

// UIPermissions are the permissions scopes.yml's UI-Scopes section can
// express, keyed by its action names.
var UIPermissions = map[string]Permission{
	"list_service":         PermRead,
	"register_service":     PermRegister,
	"health_check_service": PermHealthCheck,
	"toggle_service":       PermToggle,
	"modify_service":       PermEdit,
}

// UIAction returns the UI-Scopes action name for p, or "" if UI-Scopes
// cannot express it.
func UIAction(p Permission) string {
	switch p {
	case PermRead:
		return "list_service"
	case PermRegister:
		return "register_service"
	case PermHealthCheck:
		return "health_check_service"
	case PermToggle:
		return "toggle_service"
	case PermEdit:
		return "modify_service"
	}
	return ""
}

// Scope is a named list of rules; groups map to scopes.
type Scope struct {
	Name        string
	Description string
	// Builtin scopes are part of the product (registry admin and read-only,
	// and seed 004's mcp:server:... vocabulary); they cannot be changed.
	Builtin   bool
	Rules     []Rule
	UpdatedAt time.Time
}

// GroupMapping lists the scopes a group's members hold. The group need not
// exist locally: identity providers report groups by name or object id.
type GroupMapping struct {
	Group  string
	Scopes []string
}

// Limits on scope definitions: generous for real configurations, small
// enough that a hostile import cannot exhaust memory.
const (
	MaxScopeNameLength = 256
	MaxRulesPerScope   = 1000
	MaxRuleListLength  = 1000
	MaxRuleItemLength  = 256
)

// ValidateScopeName checks a scope name: 1 to 256 characters, no spaces or
// control characters.
func ValidateScopeName(field, name string) error {
	if name == "" {
		return Invalid(field, "must not be empty")
	}
	if utf8.RuneCountInString(name) > MaxScopeNameLength {
		return Invalid(field, "must be at most %d characters", MaxScopeNameLength)
	}
	if !utf8.ValidString(name) || strings.IndexFunc(name, SpaceOrControl) >= 0 {
		return Invalid(field, "must be text without spaces or control characters")
	}
	return nil
}

// ValidateRule checks one rule; field names the rule in error messages
// (for example "rules[3]").
func ValidateRule(field string, r *Rule) error {
	if err := validateRuleItem(field+".server", r.Server, true); err != nil {
		return err
	}
	if r.Permissions != nil && len(r.Permissions) == 0 {
		return Invalid(field+".permissions", "must list at least one permission (leave it out for read and execute)")
	}
	for i, p := range r.Permissions {
		if !p.Valid() {
			return Invalid(fmt.Sprintf("%s.permissions[%d]", field, i), "%q is not a permission (one of %s)", SafeText(string(p), 64), permissionList())
		}
		if slices.Index(r.Permissions, p) != i {
			return Invalid(fmt.Sprintf("%s.permissions[%d]", field, i), "%q is listed twice", p)
		}
	}
	for _, l := range []struct {
		name  string
		items []string
	}{{"methods", r.Methods}, {"tools", r.Tools}} {
		if len(l.items) > MaxRuleListLength {
			return Invalid(field+"."+l.name, "must list at most %d entries", MaxRuleListLength)
		}
		for i, it := range l.items {
			if err := validateRuleItem(fmt.Sprintf("%s.%s[%d]", field, l.name, i), it, false); err != nil {
				return err
			}
		}
	}
	if r.UI {
		if r.Methods != nil || r.Tools != nil {
			return Invalid(field, "a UI-Scopes rule cannot list methods or tools")
		}
		if r.Permissions == nil {
			return Invalid(field+".permissions", "a UI-Scopes rule must list its permissions")
		}
		for i, p := range r.Permissions {
			if UIAction(p) == "" {
				return Invalid(fmt.Sprintf("%s.permissions[%d]", field, i), "%q cannot be granted in UI-Scopes", p)
			}
		}
	}
	return nil
}

func validateRuleItem(field, s string, server bool) error {
	switch {
	case s == "":
		return Invalid(field, "must not be empty")
	case len(s) > MaxRuleItemLength:
		return Invalid(field, "must be at most %d bytes", MaxRuleItemLength)
	case !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		return Invalid(field, "must be text without control characters")
	case !server && strings.TrimSpace(s) != s:
		return Invalid(field, "must not start or end with spaces")
	case strings.TrimSpace(s) == "":
		return Invalid(field, "must not be blank")
	}
	return nil
}

func permissionList() string {
	s := make([]string, len(Permissions))
	for i, p := range Permissions {
		s[i] = string(p)
	}
	return strings.Join(s, ", ")
}

// ValidateScope checks a scope's name and rules; prefix is prepended to
// field names ("" or, say, "scopes[2].").
func ValidateScope(prefix string, s *Scope) error {
	if err := ValidateScopeName(prefix+"name", s.Name); err != nil {
		return err
	}
	if err := validateText(prefix+"description", s.Description, 1000, false); err != nil {
		return err
	}
	if len(s.Rules) > MaxRulesPerScope {
		return Invalid(prefix+"rules", "must have at most %d rules", MaxRulesPerScope)
	}
	for i := range s.Rules {
		if err := ValidateRule(fmt.Sprintf("%srules[%d]", prefix, i), &s.Rules[i]); err != nil {
			return err
		}
	}
	return nil
}

// ValidateGroupMapping checks a group → scopes mapping; prefix as for
// ValidateScope.
func ValidateGroupMapping(prefix string, m *GroupMapping) error {
	if err := ValidateGroupName(prefix+"group", m.Group); err != nil {
		return err
	}
	if len(m.Scopes) > MaxRuleListLength {
		return Invalid(prefix+"scopes", "must list at most %d scopes", MaxRuleListLength)
	}
	for i, s := range m.Scopes {
		if err := ValidateScopeName(fmt.Sprintf("%sscopes[%d]", prefix, i), s); err != nil {
			return err
		}
		if slices.Index(m.Scopes, s) != i {
			return Invalid(fmt.Sprintf("%sscopes[%d]", prefix, i), "%q is listed twice", s)
		}
	}
	return nil
}
