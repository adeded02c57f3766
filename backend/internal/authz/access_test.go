package authz

import (
	"fmt"
	"slices"
	"testing"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// TestAccess enumerates what typical scopes grant on a server.
func TestAccess(t *testing.T) {
	housekeeping := []string{"initialize", "notifications/cancelled", "notifications/initialized", "ping"}
	with := func(methods ...string) []string {
		out := append(slices.Clone(housekeeping), methods...)
		slices.Sort(out)
		return out
	}
	exec := []domain.Permission{domain.PermExecute}
	c := NewCatalog([]domain.Scope{fininfoRestricted}, nil, true)
	tests := []struct {
		name string
		p    *Policy
		srv  Server
		want Access
	}{{
		name: "nil policy", p: nil, srv: fininfo,
		want: Access{},
	}, {
		name: "registry admin", p: c.Policy([]string{domain.AdminGroup}), srv: fininfo,
		want: Access{Permissions: All, AllMethods: true, AllTools: true},
	}, {
		name: "read-only", p: c.Policy([]string{"mcp-user"}), srv: fininfo,
		want: Access{Permissions: Read},
	}, {
		name: "server convention", p: c.Policy([]string{"mcp-server-fininfo"}), srv: fininfo,
		want: Access{Permissions: Read | Execute, AllMethods: true, AllTools: true},
	}, {
		name: "server convention, other server", p: c.Policy([]string{"mcp-server-fininfo"}), srv: currenttime,
		want: Access{},
	}, {
		name: "toggle only", p: c.Policy([]string{"mcp-server-fininfo-toggle"}), srv: fininfo,
		want: Access{Permissions: Read | Toggle},
	}, {
		name: "tool conventions add up", p: c.Policy([]string{"mcp-server-fininfo-tool-b", "mcp-server-fininfo-tool-a"}), srv: fininfo,
		want: Access{Permissions: Read | Execute, Methods: with("tools/call", "tools/list"), Tools: []string{"a", "b"}},
	}, {
		name: "restricted scope", p: Compile([]domain.Scope{fininfoRestricted}), srv: fininfo,
		want: Access{Permissions: Read | Execute, Methods: with("tools/call", "tools/list"), Tools: []string{"get_stock_aggregates", "print_stock_data"}},
	}, {
		name: "every method, some tools", p: Compile([]domain.Scope{{Name: "a", Rules: []domain.Rule{
			{Server: "fininfo", Methods: []string{"*"}, Tools: []string{"y", "x"}},
		}}}), srv: fininfo,
		want: Access{Permissions: Read | Execute, AllMethods: true, Tools: []string{"x", "y"}},
	}, {
		name: "no tools/call, no tools", p: Compile([]domain.Scope{{Name: "a", Rules: []domain.Rule{
			{Server: "fininfo", Permissions: exec, Methods: []string{"resources/read", "ping"}, Tools: []string{"*"}},
		}}}), srv: fininfo,
		want: Access{Permissions: Execute, Methods: with("resources/read"), Tools: []string{}},
	}, {
		// Path, display name and wildcard rules merge; a rule without
		// execute adds no methods or tools.
		name: "keys merge", p: Compile([]domain.Scope{{Name: "a", Rules: []domain.Rule{
			{Server: "fininfo", Permissions: exec, Methods: []string{"tools/call"}, Tools: []string{"t1"}},
			{Server: "Financial Info Proxy", Permissions: []domain.Permission{domain.PermEdit}, Methods: []string{"*"}, Tools: []string{"*"}},
			{Server: "*", Permissions: exec, Methods: []string{"prompts/get", "tools/call"}, Tools: []string{"t2", "t1"}},
		}}}), srv: fininfo,
		want: Access{Permissions: Read | Execute | Edit, Methods: with("prompts/get", "tools/call"), Tools: []string{"t1", "t2"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.p.Access(tt.srv)
			if got.Permissions != tt.want.Permissions || got.AllMethods != tt.want.AllMethods || got.AllTools != tt.want.AllTools ||
				!slices.Equal(got.Methods, tt.want.Methods) || (got.Methods == nil) != (tt.want.Methods == nil) ||
				!slices.Equal(got.Tools, tt.want.Tools) || (got.Tools == nil) != (tt.want.Tools == nil) {
				t.Errorf("Access = %+v, want %+v", got, tt.want)
			}
		})
	}
	for _, m := range housekeepingMethods {
		if !IsHousekeeping(m) {
			t.Errorf("housekeepingMethods lists %q, which IsHousekeeping refuses", m)
		}
	}
}

// checkAccess compares Access with CheckCall on srv: every method and tool
// it lists is allowed, every one it leaves out is denied, and a wildcard
// allows names no rule mentions.
func checkAccess(t *testing.T, p *Policy, srv Server, scopes []domain.Scope) {
	t.Helper()
	a := p.Access(srv)
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("Access(%+v) = %+v: %s\nscopes: %+v", srv, a, fmt.Sprintf(format, args...), scopes)
	}
	if a.Permissions != p.Permissions(srv) {
		fail("permissions differ from Permissions %v", p.Permissions(srv))
	}
	execute := p.Check(srv, domain.PermExecute).Allowed
	if !execute && (a.AllMethods || a.AllTools || a.Methods != nil || a.Tools != nil) {
		fail("methods or tools without execute")
	}
	if a.AllMethods && a.Methods != nil || a.AllTools && a.Tools != nil {
		fail("a list beside its wildcard")
	}
	methods := append(slices.Clone(fuzzMethods), a.Methods...)
	methods = append(methods, housekeepingMethods...)
	methods = append(methods, "\x00unlisted")
	for _, m := range methods {
		// A tools/call the tool check refused got past the method check.
		d := p.CheckCall(srv, m, "\x00unlisted")
		if allowed, listed := d.Allowed || d.kind == deniedTool, a.AllMethods || slices.Contains(a.Methods, m); allowed != listed {
			fail("method %q: CheckCall allows %v, listed %v", m, allowed, listed)
		}
	}
	tools := append(slices.Clone(fuzzTools), a.Tools...)
	tools = append(tools, "\x00unlisted")
	for _, tool := range tools {
		if allowed, listed := p.CheckCall(srv, MethodToolsCall, tool).Allowed, a.AllTools || slices.Contains(a.Tools, tool); allowed != listed {
			fail("tool %q: CheckCall allows %v, listed %v", tool, allowed, listed)
		}
	}
	if !slices.IsSorted(a.Methods) || !slices.IsSorted(a.Tools) {
		fail("lists not sorted")
	}
}

// TestCatalogSources: Sources explains ScopeNames, group by group.
func TestCatalogSources(t *testing.T) {
	mappings := []domain.GroupMapping{
		{Group: "developers", Scopes: []string{"dev-tools", "mcp:server:weather:read"}},
		{Group: "mcp-server-weather", Scopes: []string{"mcp:server:weather:read"}},
		{Group: domain.AdminGroup, Scopes: []string{"dev-tools"}},
	}
	groups := []string{"developers", domain.AdminGroup, "mcp-server-weather", "nobody"}
	for _, conventions := range []bool{true, false} {
		c := NewCatalog(nil, mappings, conventions)
		got := c.Sources(groups)
		want := []ScopeSource{
			{"dev-tools", "developers", SourceMapping},
			{"mcp:server:weather:read", "developers", SourceMapping},
			{"dev-tools", domain.AdminGroup, SourceMapping},
			{ScopeRegistryAdmin, domain.AdminGroup, SourceConvention}, // once, with conventions on or off
			{"mcp:server:weather:read", "mcp-server-weather", SourceMapping},
		}
		if conventions {
			want = append(want,
				ScopeSource{"mcp:server:weather:read", "mcp-server-weather", SourceConvention},
				ScopeSource{"mcp:server:weather:execute", "mcp-server-weather", SourceConvention})
		}
		if !slices.Equal(got, want) {
			t.Errorf("conventions %v: Sources = %+v\nwant %+v", conventions, got, want)
		}
		var names []string
		for _, s := range got {
			names = append(names, s.Scope)
		}
		slices.Sort(names)
		if names = slices.Compact(names); !slices.Equal(names, c.ScopeNames(groups)) {
			t.Errorf("conventions %v: Sources names %q, ScopeNames %q", conventions, names, c.ScopeNames(groups))
		}
		if s := c.Sources(nil); s == nil || len(s) != 0 {
			t.Errorf("Sources(nil) = %#v", s)
		}
	}
}

// TestScopePolicy: a scope's own policy, defined or built in; an unknown
// name grants nothing.
func TestScopePolicy(t *testing.T) {
	c := NewCatalog([]domain.Scope{fininfoRestricted}, nil, true)
	if got := c.ScopePolicy(fininfoRestricted.Name).Access(fininfo); !slices.Equal(got.Tools, []string{"get_stock_aggregates", "print_stock_data"}) {
		t.Errorf("defined scope: %+v", got)
	}
	if got := c.ScopePolicy("mcp:server:fininfo:toggle").Permissions(fininfo); got != Read|Toggle {
		t.Errorf("built-in scope: %v", got)
	}
	if !c.ScopePolicy(ScopeRegistryAdmin).Admin() {
		t.Error("admin scope is not admin")
	}
	if got := c.ScopePolicy("undefined").Permissions(fininfo); got != 0 {
		t.Errorf("undefined scope grants %v", got)
	}
}
