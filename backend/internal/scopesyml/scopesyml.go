// Package scopesyml reads and writes scopes.yml, the scope configuration
// file of the Python registry mcpgw replaces, so that its files can be
// imported and mcpgw's scopes exported in the same shape.
//
// A scopes.yml is a mapping with three kinds of top-level keys:
//
//	UI-Scopes:        # optional: scope -> UI action -> server names ("all" = every server)
//	  mcp-registry-user:
//	    list_service: [mcpgw, currenttime]
//	group_mappings:   # group -> scope names
//	  mcp-registry-user: [mcp-registry-user, mcp-servers-restricted/read]
//	mcp-servers-restricted/read:   # any other key: a scope, as a list of server rules
//	- server: currenttime
//	  methods: [initialize, tools/list]
//	  tools: [current_time_by_timezone]
//
// The file is data: no scope name is treated specially. Parse validates
// everything with the domain package's rules and reports problems as
// domain.EINVALID errors whose field is a path into the file, such as
// `group_mappings["mcp-admin"][2]` or `mcp-servers-restricted/read[3].tools[0]`,
// with the line number in the message.
package scopesyml

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// File is the content of a scopes.yml.
type File struct {
	// Scopes in file order: those with UI-Scopes rules first, in UI-Scopes
	// order, then the others in the order they first appear.
	Scopes []domain.Scope
	// Mappings in file order, each group's scopes in file order.
	Mappings []domain.GroupMapping
}

// MaxSize is the largest document Parse accepts, in bytes.
const MaxSize = 4 << 20

// The reserved top-level keys; every other top-level key is a scope.
const (
	keyUIScopes      = "UI-Scopes"
	keyGroupMappings = "group_mappings"
)

// uiAll is how UI-Scopes writes domain.Wildcard.
const uiAll = "all"

// rootField names the whole document in errors.
const rootField = "scopes.yml"

// Rule keys of a server scope, in the order Marshal writes them.
const (
	ruleServer      = "server"
	rulePermissions = "permissions"
	ruleMethods     = "methods"
	ruleTools       = "tools"
)

// plainPathKey reports whether s can stand unquoted in a field path.
func plainPathKey(s string) bool {
	return s != "" && len(s) <= domain.MaxScopeNameLength && utf8.ValidString(s) &&
		strings.IndexFunc(s, func(r rune) bool { return domain.SpaceOrControl(r) || strings.ContainsRune(`."[]`, r) }) < 0
}

// quotePathKey quotes s for a field path, cut to a readable length.
func quotePathKey(s string) string {
	const n = 64
	if len(s) > n {
		i := n
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i] + "…"
	}
	return strconv.Quote(s)
}

// child returns the field path of key under parent ("" for the document).
func child(parent, key string) string {
	switch {
	case !plainPathKey(key):
		return parent + "[" + quotePathKey(key) + "]"
	case parent == "":
		return key
	default:
		return parent + "." + key
	}
}

// groupField returns the field path of a group in group_mappings; groups
// are always quoted, since they are often object ids or contain spaces.
func groupField(group string) string {
	return keyGroupMappings + "[" + quotePathKey(group) + "]"
}

// index returns the field path of element i of the list at parent.
func index(parent string, i int) string { return fmt.Sprintf("%s[%d]", parent, i) }
