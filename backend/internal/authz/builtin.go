package authz

import (
	"strings"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// The registry-level scopes of seed 004, built into the product.
const (
	// ScopeRegistryAdmin grants all permissions on every server; holding it
	// short-circuits every check.
	ScopeRegistryAdmin = "mcp:registry:admin"
	// ScopeRegistryRead grants read on every server: the dashboard user who
	// may look but not touch.
	ScopeRegistryRead = "mcp:registry:read"
)

// Seed 004's per-server scope vocabulary: mcp:server:{name}:{action} and
// mcp:server:{name}:tool:{tool}:execute.
const (
	serverScopePrefix = "mcp:server:"
	toolScopeSegment  = "tool"
)

// serverActions maps the {action} of mcp:server:{name}:{action} to what it
// grants; execute includes read because a server one may use but not see
// would be useless in the dashboard.
var serverActions = map[string][]domain.Permission{
	"read":         {domain.PermRead},
	"execute":      {domain.PermRead, domain.PermExecute},
	"toggle":       {domain.PermToggle},
	"edit":         {domain.PermEdit},
	"health_check": {domain.PermHealthCheck},
}

// adminServerActions are the scopes of seed 004's mcp-server-{name}-admin
// group ("all server scopes for the named server"), in a stable order.
var adminServerActions = []string{"read", "execute", "toggle", "edit", "health_check"}

// Builtins returns the registry-level scopes, freshly allocated so that
// callers may modify them.
func Builtins() []domain.Scope {
	admin, _ := BuiltinScope(ScopeRegistryAdmin)
	read, _ := BuiltinScope(ScopeRegistryRead)
	return []domain.Scope{admin, read}
}

// BuiltinScope resolves a built-in scope name: the registry scopes and seed
// 004's mcp:server:... patterns, which need no definition because their
// name says what they grant. Anything else reports false.
func BuiltinScope(name string) (domain.Scope, bool) {
	switch name {
	case ScopeRegistryAdmin:
		return domain.Scope{
			Name:        name,
			Description: "Full administrative access to the registry: every permission on every server",
			Builtin:     true,
			Rules:       []domain.Rule{{Server: domain.Wildcard, Permissions: append([]domain.Permission(nil), domain.Permissions...)}},
		}, true
	case ScopeRegistryRead:
		return domain.Scope{
			Name:        name,
			Description: "Read-only access to the registry: see every server and its tools",
			Builtin:     true,
			Rules:       []domain.Rule{{Server: domain.Wildcard, Permissions: []domain.Permission{domain.PermRead}}},
		}, true
	}
	rest, ok := strings.CutPrefix(name, serverScopePrefix)
	if !ok || domain.ValidateScopeName("scope", name) != nil {
		return domain.Scope{}, false
	}
	parts := strings.Split(rest, ":")
	switch {
	case len(parts) == 2 && validPart(parts[0]):
		perms, ok := serverActions[parts[1]]
		if !ok {
			return domain.Scope{}, false
		}
		return domain.Scope{
			Name:        name,
			Description: "Built-in: " + strings.ReplaceAll(parts[1], "_", " ") + " on server " + parts[0],
			Builtin:     true,
			Rules:       []domain.Rule{{Server: parts[0], Permissions: append([]domain.Permission(nil), perms...)}},
		}, true
	case len(parts) == 4 && validPart(parts[0]) && parts[1] == toolScopeSegment && validPart(parts[2]) && parts[3] == "execute":
		return domain.Scope{
			Name:        name,
			Description: "Built-in: execute tool " + parts[2] + " on server " + parts[0],
			Builtin:     true,
			Rules: []domain.Rule{{
				Server:      parts[0],
				Permissions: []domain.Permission{domain.PermRead, domain.PermExecute},
				Methods:     []string{MethodToolsList, MethodToolsCall},
				Tools:       []string{parts[2]},
			}},
		}, true
	}
	return domain.Scope{}, false
}

// validPart accepts a server or tool name inside a built-in scope name. A
// literal "*" is refused: it would silently become a wildcard, turning a
// group called mcp-server-* into access to every server.
func validPart(s string) bool { return s != "" && s != domain.Wildcard }

// ConventionScopes returns the scope names seed 004's group-name
// conventions give a group, or nil if the name follows none:
//
//	mcp-admin                     mcp:registry:admin
//	mcp-user                      mcp:registry:read
//	mcp-server-{name}             mcp:server:{name}:read, mcp:server:{name}:execute
//	mcp-server-{name}-admin       read, execute, toggle, edit, health_check on {name}
//	mcp-server-{name}-toggle      mcp:server:{name}:toggle
//	mcp-server-{name}-edit        mcp:server:{name}:edit
//	mcp-server-{name}-tool-{tool} mcp:server:{name}:tool:{tool}:execute
//
// Group names are ambiguous where server names contain these words, so:
// a group is split at its FIRST "-tool-" (a server whose name contains
// "-tool-" cannot be reached by convention; a tool name may contain it),
// and otherwise a -admin, -toggle or -edit suffix is always the action
// (mcp-server-db-admin is admin on server "db", never read and execute on
// a server "db-admin"). Map such groups explicitly instead. Names that a
// scope name cannot carry (empty, "*", containing ':' or spaces) give nil.
func ConventionScopes(group string) []string {
	switch group {
	case domain.AdminGroup:
		return []string{ScopeRegistryAdmin}
	case "mcp-user":
		return []string{ScopeRegistryRead}
	}
	rest, ok := strings.CutPrefix(group, "mcp-server-")
	if !ok {
		return nil
	}
	var server, tool string
	var actions []string
	if s, t, ok := strings.Cut(rest, "-tool-"); ok {
		server, tool = s, t
	} else if s, ok := strings.CutSuffix(rest, "-admin"); ok {
		server, actions = s, adminServerActions
	} else if s, ok := strings.CutSuffix(rest, "-toggle"); ok {
		server, actions = s, []string{"toggle"}
	} else if s, ok := strings.CutSuffix(rest, "-edit"); ok {
		server, actions = s, []string{"edit"}
	} else {
		server, actions = rest, []string{"read", "execute"}
	}
	if strings.Contains(server, ":") || strings.Contains(tool, ":") {
		return nil // the scope name would parse as a different scope
	}
	var names []string
	if actions == nil {
		names = []string{serverScopePrefix + server + ":" + toolScopeSegment + ":" + tool + ":execute"}
	}
	for _, a := range actions {
		names = append(names, serverScopePrefix+server+":"+a)
	}
	// Every name must resolve as a built-in scope: this refuses empty names,
	// "*" and names with spaces.
	for _, n := range names {
		if _, ok := BuiltinScope(n); !ok {
			return nil
		}
	}
	return names
}
