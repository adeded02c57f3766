package authz

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// Small alphabets, so that random rules and queries collide often: the
// interesting cases are several rules on the same server.
var (
	fuzzRuleServers = []string{"*", "a", "A", " a ", "b", "B Name", "b name", "", " * ", "c"}
	fuzzPaths       = []string{"a", "b", "c", "", "*", "B"}
	fuzzNames       = []string{"", "b name", "A", "B Name", "c", "x"}
	fuzzPerms       = append(slices.Clone(domain.Permissions), "bogus", "")
	fuzzMethods     = []string{"tools/call", "tools/list", "resources/read", "*", "ping", "initialize", "notifications/cancelled", ""}
	fuzzTools       = []string{"x", "y", "*", ""}
)

type fuzzReader []byte

func (r *fuzzReader) next() int {
	if len(*r) == 0 {
		return 0
	}
	c := (*r)[0]
	*r = (*r)[1:]
	return int(c)
}

func pick[T any](r *fuzzReader, list []T) T { return list[r.next()%len(list)] }

// list decodes nil, empty or up to three items, since nil and empty mean
// different things in a rule.
func pickList[T any](r *fuzzReader, items []T) []T {
	switch n := r.next() % 5; n {
	case 0:
		return nil
	case 1:
		return []T{}
	default:
		out := make([]T, n-1)
		for i := range out {
			out[i] = pick(r, items)
		}
		return out
	}
}

func decodeScopes(r *fuzzReader) []domain.Scope {
	scopes := make([]domain.Scope, r.next()%4)
	for i := range scopes {
		s := &scopes[i]
		s.Name = fmt.Sprintf("s%d", i)
		if r.next()%8 == 0 {
			s.Name = ScopeRegistryAdmin
		}
		s.Rules = make([]domain.Rule, r.next()%4)
		for j := range s.Rules {
			s.Rules[j] = domain.Rule{
				Server:      pick(r, fuzzRuleServers),
				Permissions: pickList(r, fuzzPerms),
				Methods:     pickList(r, fuzzMethods),
				Tools:       pickList(r, fuzzTools),
			}
		}
	}
	return scopes
}

// ref is the naive evaluator the compiled policy must agree with: it loops
// over the raw rules and answers each question by "does some rule say so".
type ref struct {
	admin bool
	rules []domain.Rule
}

func newRef(scopes []domain.Scope) ref {
	var r ref
	for _, s := range scopes {
		r.admin = r.admin || s.Name == ScopeRegistryAdmin
		r.rules = append(r.rules, s.Rules...)
	}
	return r
}

func refMatches(rule domain.Rule, srv Server) bool {
	if rule.Server == "*" {
		return true
	}
	k := strings.ToLower(strings.TrimSpace(rule.Server))
	return k != "" && (k == srv.Path || k == srv.NameKey)
}

func refGrants(rule domain.Rule, p domain.Permission) bool {
	if rule.Permissions == nil {
		return p == domain.PermRead || p == domain.PermExecute
	}
	return slices.Contains(rule.Permissions, p)
}

func refAllows(list []string, item string) bool {
	return list == nil || slices.Contains(list, "*") || slices.Contains(list, item)
}

func (r ref) permissions(srv Server) Set {
	if r.admin {
		return All
	}
	var s Set
	for _, rule := range r.rules {
		if !refMatches(rule, srv) {
			continue
		}
		for _, p := range domain.Permissions {
			if refGrants(rule, p) {
				s |= Bit(p)
			}
		}
	}
	if s&(Toggle|Edit|Register|HealthCheck) != 0 {
		s |= Read
	}
	return s
}

func refServer(srv Server) string {
	if srv.Path != "" {
		return srv.Path
	}
	return srv.NameKey
}

// check and checkCall build the expected Decision independently of the
// Policy; reason gives its expected text, also independently.
func (r ref) check(srv Server, p domain.Permission) Decision {
	if !p.Valid() {
		return Decision{kind: deniedUnknown, perm: p}
	}
	if r.admin {
		return Decision{Allowed: true, kind: allowedAdmin}
	}
	if r.permissions(srv)&Bit(p) != 0 {
		return Decision{Allowed: true, kind: allowedGranted}
	}
	return Decision{kind: deniedPermission, perm: p, server: refServer(srv)}
}

func (r ref) checkCall(srv Server, method, tool string) Decision {
	if r.admin {
		return Decision{Allowed: true, kind: allowedAdmin}
	}
	var exec, methodOK, toolOK bool
	for _, rule := range r.rules {
		if !refMatches(rule, srv) || !refGrants(rule, domain.PermExecute) {
			continue
		}
		exec = true
		methodOK = methodOK || refAllows(rule.Methods, method)
		toolOK = toolOK || refAllows(rule.Methods, "tools/call") && refAllows(rule.Tools, tool)
	}
	switch {
	case !exec:
		return Decision{kind: deniedPermission, perm: domain.PermExecute, server: refServer(srv)}
	case method == "initialize" || method == "notifications/initialized" || method == "ping" || method == "notifications/cancelled":
		return Decision{Allowed: true, kind: allowedHousekeeping}
	case !methodOK:
		return Decision{kind: deniedMethod, method: method, server: refServer(srv)}
	case method == "tools/call" && !toolOK:
		return Decision{kind: deniedTool, tool: tool, server: refServer(srv)}
	}
	return Decision{Allowed: true, kind: allowedGranted}
}

func refReason(d Decision) (domain.Permission, string) {
	switch d.kind {
	case allowedAdmin:
		return "", "registry admin"
	case allowedGranted:
		return "", "granted"
	case allowedHousekeeping:
		return "", "granted (protocol housekeeping)"
	case deniedUnknown:
		return d.perm, fmt.Sprintf("unknown permission %q", d.perm)
	case deniedPermission:
		return d.perm, fmt.Sprintf("missing permission %q on server %q", d.perm, d.server)
	case deniedMethod:
		return "execute", fmt.Sprintf("method %q is not granted on server %q", d.method, d.server)
	case deniedTool:
		return "execute", fmt.Sprintf("tool %q is not granted on server %q", d.tool, d.server)
	}
	return "", "?"
}

// anywhere answers for every Set at once: some server named by a rule, or
// a server no rule names, holds all of it.
func (r ref) anywhere() map[Set]bool {
	servers := []Server{{Path: "\x00unnamed"}}
	for _, rule := range r.rules {
		if k := strings.ToLower(strings.TrimSpace(rule.Server)); rule.Server != "*" && k != "" {
			servers = append(servers, Server{Path: k})
		}
	}
	out := make(map[Set]bool)
	for _, srv := range servers {
		have := r.permissions(srv)
		for s := Set(1); s <= All; s++ {
			if have&s == s {
				out[s] = true
			}
		}
	}
	return out
}

func (r ref) everywhere(perm Set) bool {
	if perm == 0 || perm&^All != 0 {
		return false
	}
	if r.admin {
		return true
	}
	var wild []domain.Rule
	for _, rule := range r.rules {
		if rule.Server == "*" {
			wild = append(wild, rule)
		}
	}
	return ref{rules: wild}.permissions(Server{Path: "\x00unnamed"})&perm == perm
}

// FuzzPolicy compiles random rules and compares every answer with the
// naive reference evaluator: in particular the compiled policy must never
// allow what no rule grants, and Access must list exactly what CheckCall
// allows.
func FuzzPolicy(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1, 1, 1, 1, 2, 3, 2, 4, 4, 0, 0})
	f.Add([]byte{2, 1, 2, 1, 4, 0, 3, 0, 4, 2, 3, 2, 0, 1, 1, 9, 2, 1, 0, 2, 4, 3, 3, 1})
	f.Add([]byte{3, 0, 1, 0, 1, 2, 2, 0, 1, 3, 3, 5, 4, 2, 6, 2, 3, 1, 5, 3, 3, 4, 1, 1, 7, 1, 0})
	f.Add([]byte("some arbitrary bytes that decode to a few rules and a query"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := fuzzReader(data)
		scopes := decodeScopes(&r)
		query := Ref(pick(&r, fuzzPaths), pick(&r, fuzzNames))
		qPerm, qMethod, qTool := pick(&r, fuzzPerms), pick(&r, fuzzMethods), pick(&r, fuzzTools)

		p := Compile(scopes)
		want := newRef(scopes)
		if p.Admin() != want.admin {
			t.Fatalf("Admin() = %v", p.Admin())
		}
		same := func(what string, got, want Decision) {
			t.Helper()
			if got != want {
				t.Fatalf("%s = %+v (%s), want %+v\nscopes: %+v", what, got, got.Reason(), want, scopes)
			}
		}
		for _, path := range fuzzPaths {
			for _, name := range fuzzNames {
				srv := Ref(path, name)
				if got, w := p.Permissions(srv), want.permissions(srv); got != w {
					t.Fatalf("Permissions(%+v) = %v, want %v\nscopes: %+v", srv, got, w, scopes)
				}
				for _, pm := range fuzzPerms {
					same(fmt.Sprintf("Check(%+v, %q)", srv, pm), p.Check(srv, pm), want.check(srv, pm))
				}
				same(fmt.Sprintf("CheckCall(%+v, %q, %q)", srv, qMethod, qTool), p.CheckCall(srv, qMethod, qTool), want.checkCall(srv, qMethod, qTool))
				checkAccess(t, p, srv, scopes)
			}
		}
		queries := []Decision{p.Check(query, qPerm)}
		same("Check(query)", queries[0], want.check(query, qPerm))
		for _, m := range fuzzMethods {
			for _, tool := range fuzzTools {
				d := p.CheckCall(query, m, tool)
				same(fmt.Sprintf("CheckCall(%+v, %q, %q)", query, m, tool), d, want.checkCall(query, m, tool))
				queries = append(queries, d)
			}
		}
		for _, d := range queries {
			if missing, reason := refReason(d); d.Missing() != missing || d.Reason() != reason {
				t.Fatalf("%+v: Missing, Reason = %q, %q; want %q, %q", d, d.Missing(), d.Reason(), missing, reason)
			}
		}
		anywhere := want.anywhere()
		for s := Set(0); s < 1<<7; s++ {
			if got, w := p.Anywhere(s), s != 0 && s&^All == 0 && (want.admin || anywhere[s]); got != w {
				t.Fatalf("Anywhere(%v) = %v, want %v\nscopes: %+v", s, got, w, scopes)
			}
			if got, w := p.Everywhere(s), want.everywhere(s); got != w {
				t.Fatalf("Everywhere(%v) = %v, want %v\nscopes: %+v", s, got, w, scopes)
			}
		}
	})
}

// FuzzConventionScopes: any group name gives either nothing or names that
// resolve as built-in scopes, and never a wildcard rule except for the two
// registry groups.
func FuzzConventionScopes(f *testing.F) {
	for _, g := range []string{"mcp-admin", "mcp-user", "mcp-server-a", "mcp-server-a-admin", "mcp-server-a-tool-b", "mcp-server-*", "mcp-server-a:b"} {
		f.Add(g)
	}
	f.Fuzz(func(t *testing.T, group string) {
		for _, n := range ConventionScopes(group) {
			s, ok := BuiltinScope(n)
			if !ok {
				t.Fatalf("ConventionScopes(%q) gives %q, which does not resolve", group, n)
			}
			if group != "mcp-admin" && group != "mcp-user" && s.Rules[0].Server == domain.Wildcard {
				t.Fatalf("ConventionScopes(%q) gives wildcard scope %q", group, n)
			}
		}
	})
}
