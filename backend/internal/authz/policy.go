package authz

import (
	"slices"
	"strconv"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// MCP methods the evaluator knows by name.
const (
	// MethodToolsCall is the one method that tools narrow.
	MethodToolsCall = "tools/call"
	// MethodToolsList is what a client sends to see the tools it may call.
	MethodToolsList = "tools/list"
)

// IsHousekeeping reports whether method is protocol housekeeping that every
// session needs (set-up, liveness, cancellation): it is allowed wherever the
// principal may execute anything, so that scopes need not list it.
func IsHousekeeping(method string) bool {
	switch method {
	case "initialize", "notifications/initialized", "ping", "notifications/cancelled":
		return true
	}
	return false
}

// grant is the merge of every rule naming one server key. The merge is
// exact: a method is allowed iff some execute rule for the key allows it,
// and a tool may be called iff some execute rule allows both tools/call and
// that tool.
type grant struct {
	perms        Set // as granted, without implied read
	eff          Set // perms with implied read
	allMethods   bool
	methods      map[string]struct{}
	callAllTools bool
	callTools    map[string]struct{}
}

func (g *grant) add(r *domain.Rule) {
	g.perms |= SetOf(r.EffectivePermissions()...)
	if !slices.Contains(r.EffectivePermissions(), domain.PermExecute) {
		// Methods and tools narrow execute only; on a rule that does not
		// grant execute they mean nothing and must not widen another rule.
		return
	}
	anyMethod := r.Methods == nil || slices.Contains(r.Methods, domain.Wildcard)
	if anyMethod {
		g.allMethods = true
	} else {
		for _, m := range r.Methods {
			if g.methods == nil {
				g.methods = make(map[string]struct{}, len(r.Methods))
			}
			g.methods[m] = struct{}{}
		}
	}
	if !anyMethod && !slices.Contains(r.Methods, MethodToolsCall) {
		return
	}
	if r.Tools == nil || slices.Contains(r.Tools, domain.Wildcard) {
		g.callAllTools = true
		return
	}
	for _, t := range r.Tools {
		if g.callTools == nil {
			g.callTools = make(map[string]struct{}, len(r.Tools))
		}
		g.callTools[t] = struct{}{}
	}
}

// finish drops lists that a wildcard made redundant and computes implied
// read, once, so that checks do neither.
func (g *grant) finish() {
	g.eff = withImplied(g.perms)
	if g.allMethods {
		g.methods = nil
	}
	if g.callAllTools {
		g.callTools = nil
	}
}

func (g *grant) execute() bool { return g != nil && g.perms&Execute != 0 }

func (g *grant) allowsMethod(m string) bool {
	if !g.execute() {
		return false
	}
	if g.allMethods {
		return true
	}
	_, ok := g.methods[m]
	return ok
}

func (g *grant) allowsTool(t string) bool {
	if !g.execute() {
		return false
	}
	if g.callAllTools {
		return true
	}
	_, ok := g.callTools[t]
	return ok
}

func (g *grant) effective() Set {
	if g == nil {
		return 0
	}
	return g.eff
}

// Policy is the compiled, immutable form of a set of scopes; safe for
// concurrent use. A nil *Policy denies everything, so that a principal
// whose scopes could not be resolved is never let through by accident.
type Policy struct {
	admin   bool
	servers map[string]*grant // by folded server key
	wild    *grant            // rules for domain.Wildcard; nil if none
	// anywhere has bit s set when some server key (or the wildcard alone)
	// holds every permission of Set s; precomputed for Anywhere.
	anywhere uint64
}

// Compile merges scopes into a Policy. It keeps no reference to scopes, so
// callers may reuse them.
func Compile(scopes []domain.Scope) *Policy {
	p := &Policy{servers: make(map[string]*grant)}
	for i := range scopes {
		s := &scopes[i]
		if s.Name == ScopeRegistryAdmin {
			p.admin = true
		}
		for j := range s.Rules {
			r := &s.Rules[j]
			var g *grant
			if r.Server == domain.Wildcard {
				if p.wild == nil {
					p.wild = &grant{}
				}
				g = p.wild
			} else {
				key := FoldName(r.Server)
				if key == "" {
					continue // names no server
				}
				if g = p.servers[key]; g == nil {
					g = &grant{}
					p.servers[key] = g
				}
			}
			g.add(r)
		}
	}
	if p.wild != nil {
		p.wild.finish()
	}
	wild := p.wild.effective()
	p.anywhere = subsetsOf(wild)
	seen := map[Set]bool{wild: true}
	for _, g := range p.servers {
		g.finish()
		if e := g.eff | wild; !seen[e] {
			seen[e] = true
			p.anywhere |= subsetsOf(e)
		}
	}
	return p
}

// subsetsOf returns a 64-bit mask with bit t set for every non-empty subset
// t of s.
func subsetsOf(s Set) uint64 {
	var m uint64
	s &= All
	// Enumerate the non-empty subsets of s.
	for t := s; t != 0; t = (t - 1) & s {
		m |= 1 << t
	}
	return m
}

// Admin reports whether the policy holds the registry admin scope, which
// short-circuits every check.
func (p *Policy) Admin() bool { return p != nil && p.admin }

// lookup returns the grants that apply to srv: by path, by display name
// (when it is a different key) and for the wildcard. Any may be nil.
func (p *Policy) lookup(srv Server) (byPath, byName, wild *grant) {
	if srv.Path != "" {
		byPath = p.servers[srv.Path]
	}
	if srv.NameKey != "" && srv.NameKey != srv.Path {
		byName = p.servers[srv.NameKey]
	}
	return byPath, byName, p.wild
}

// Permissions returns the effective permissions on srv (with implied read),
// for the dashboard to show what a user may do.
func (p *Policy) Permissions(srv Server) Set {
	if p == nil {
		return 0
	}
	if p.admin {
		return All
	}
	a, b, w := p.lookup(srv)
	return a.effective() | b.effective() | w.effective()
}

// Check decides whether the policy grants perm on srv. Execute here means
// "may execute something"; CheckCall narrows it by method and tool.
func (p *Policy) Check(srv Server, perm domain.Permission) Decision {
	bit := Bit(perm)
	if bit == 0 {
		return Decision{kind: deniedUnknown, perm: perm}
	}
	if p.Admin() {
		return Decision{Allowed: true, kind: allowedAdmin}
	}
	if p.Permissions(srv).Has(bit) {
		return Decision{Allowed: true, kind: allowedGranted}
	}
	return Decision{kind: deniedPermission, perm: perm, server: srv.label()}
}

// CheckCall decides whether the proxy may forward a JSON-RPC request with
// method (and, for tools/call, tool) to srv: execute on the server, then
// the method, then the tool.
func (p *Policy) CheckCall(srv Server, method, tool string) Decision {
	if p.Admin() {
		return Decision{Allowed: true, kind: allowedAdmin}
	}
	if p == nil {
		return Decision{kind: deniedPermission, perm: domain.PermExecute, server: srv.label()}
	}
	a, b, w := p.lookup(srv)
	if !a.execute() && !b.execute() && !w.execute() {
		return Decision{kind: deniedPermission, perm: domain.PermExecute, server: srv.label()}
	}
	if IsHousekeeping(method) {
		return Decision{Allowed: true, kind: allowedHousekeeping}
	}
	if !a.allowsMethod(method) && !b.allowsMethod(method) && !w.allowsMethod(method) {
		return Decision{kind: deniedMethod, method: method, server: srv.label()}
	}
	if method == MethodToolsCall && !a.allowsTool(tool) && !b.allowsTool(tool) && !w.allowsTool(tool) {
		return Decision{kind: deniedTool, tool: tool, server: srv.label()}
	}
	return Decision{Allowed: true, kind: allowedGranted}
}

// Access is everything a policy grants on one server, as the dashboard
// shows it: the permissions, and which methods and tools execute reaches.
// Lists are sorted; a list a wildcard made redundant is nil.
type Access struct {
	// Permissions are the effective permissions, with implied read.
	Permissions Set
	// AllMethods is set when CheckCall allows every method.
	AllMethods bool
	// Methods are the methods CheckCall allows when not AllMethods,
	// protocol housekeeping included; nil without execute.
	Methods []string
	// AllTools is set when tools/call may name any tool.
	AllTools bool
	// Tools are the tools tools/call may name when not AllTools; nil
	// without execute, empty when execute does not reach tools/call.
	Tools []string
}

// housekeepingMethods are the methods IsHousekeeping accepts, for Access
// to list.
var housekeepingMethods = []string{"initialize", "notifications/cancelled", "notifications/initialized", "ping"}

// Access enumerates what the policy grants on srv, read from the same
// merged grants Check and CheckCall decide with, so that what the
// dashboard shows is what the proxy enforces. It allocates; it is for
// administration, not for the request path.
func (p *Policy) Access(srv Server) Access {
	if p == nil {
		return Access{}
	}
	if p.admin {
		return Access{Permissions: All, AllMethods: true, AllTools: true}
	}
	a := Access{Permissions: p.Permissions(srv)}
	byPath, byName, wild := p.lookup(srv)
	var methods, tools []string
	execute := false
	for _, g := range []*grant{byPath, byName, wild} {
		if !g.execute() {
			continue
		}
		execute = true
		a.AllMethods = a.AllMethods || g.allMethods
		a.AllTools = a.AllTools || g.callAllTools
		for m := range g.methods {
			methods = append(methods, m)
		}
		for t := range g.callTools {
			tools = append(tools, t)
		}
	}
	if !execute {
		return a
	}
	if !a.AllMethods {
		methods = append(methods, housekeepingMethods...)
		slices.Sort(methods)
		a.Methods = slices.Compact(methods)
	}
	if !a.AllTools {
		slices.Sort(tools)
		a.Tools = append([]string{}, slices.Compact(tools)...)
	}
	return a
}

// Anywhere reports whether some server (one rule key, together with the
// wildcard rules) is granted every permission in perm, e.g. to show
// dashboard controls at all. For "any of", call it once per permission.
func (p *Policy) Anywhere(perm Set) bool {
	if p == nil || perm == 0 || perm&^All != 0 {
		return false
	}
	return p.admin || p.anywhere&(1<<perm) != 0
}

// Everywhere reports whether every permission in perm is granted on the
// wildcard, i.e. on every server, so that callers can skip per-server
// filtering. It says nothing about methods and tools: CheckCall still
// narrows execute.
func (p *Policy) Everywhere(perm Set) bool {
	if p == nil {
		return false
	}
	return (p.admin && perm != 0 && perm&^All == 0) || p.wild.effective().Has(perm)
}

type decisionKind uint8

const (
	decidedNothing decisionKind = iota // zero Decision
	allowedAdmin
	allowedGranted
	allowedHousekeeping
	deniedUnknown
	deniedPermission
	deniedMethod
	deniedTool
)

// Decision is the answer to a check. It holds its strings by reference and
// formats its reason only when asked, so that checks do not allocate.
type Decision struct {
	// Allowed is the answer.
	Allowed bool

	kind   decisionKind
	perm   domain.Permission
	server string
	method string
	tool   string
}

// Reason explains the decision for error messages and audit: for a denial
// it names what is missing.
func (d Decision) Reason() string {
	switch d.kind {
	case allowedAdmin:
		return "registry admin"
	case allowedGranted:
		return "granted"
	case allowedHousekeeping:
		return "granted (protocol housekeeping)"
	case deniedUnknown:
		return "unknown permission " + strconv.Quote(string(d.perm))
	case deniedPermission:
		return "missing permission " + strconv.Quote(string(d.perm)) + " on server " + strconv.Quote(d.server)
	case deniedMethod:
		return "method " + strconv.Quote(d.method) + " is not granted on server " + strconv.Quote(d.server)
	case deniedTool:
		return "tool " + strconv.Quote(d.tool) + " is not granted on server " + strconv.Quote(d.server)
	}
	if d.Allowed {
		return "allowed"
	}
	return "denied"
}

// Missing returns the permission whose absence caused a denial, so that
// callers can say what to ask for: execute when a method or tool was not
// granted, the string itself for an unknown permission, "" when allowed.
func (d Decision) Missing() domain.Permission {
	switch d.kind {
	case deniedUnknown, deniedPermission:
		return d.perm
	case deniedMethod, deniedTool:
		return domain.PermExecute
	}
	return ""
}
