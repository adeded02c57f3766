package authz

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

func TestBuiltinScope(t *testing.T) {
	rp := []domain.Permission{domain.PermRead}
	rx := []domain.Permission{domain.PermRead, domain.PermExecute}
	tests := []struct {
		name string
		rule *domain.Rule // nil: not a built-in scope
	}{
		{"mcp:registry:admin", &domain.Rule{Server: "*", Permissions: domain.Permissions}},
		{"mcp:registry:read", &domain.Rule{Server: "*", Permissions: rp}},
		{"mcp:server:currenttime:read", &domain.Rule{Server: "currenttime", Permissions: rp}},
		{"mcp:server:currenttime:execute", &domain.Rule{Server: "currenttime", Permissions: rx}},
		{"mcp:server:currenttime:toggle", &domain.Rule{Server: "currenttime", Permissions: []domain.Permission{domain.PermToggle}}},
		{"mcp:server:currenttime:edit", &domain.Rule{Server: "currenttime", Permissions: []domain.Permission{domain.PermEdit}}},
		{"mcp:server:currenttime:health_check", &domain.Rule{Server: "currenttime", Permissions: []domain.Permission{domain.PermHealthCheck}}},
		{"mcp:server:currenttime:tool:current_time_by_timezone:execute", &domain.Rule{
			Server: "currenttime", Permissions: rx, Methods: []string{"tools/list", "tools/call"}, Tools: []string{"current_time_by_timezone"}}},
		{"mcp:server:currenttime:register", nil},
		{"mcp:server:currenttime", nil},
		{"mcp:server::read", nil},
		{"mcp:server:*:read", nil},
		{"mcp:server:x:tool:*:execute", nil},
		{"mcp:server:x:tool::execute", nil},
		{"mcp:server:x:tool:t:read", nil},
		{"mcp:server:x:tools:t:execute", nil},
		{"mcp:server:a:b:read", nil},
		{"mcp:server:a b:read", nil},
		{"mcp:registry:write", nil},
		{"MCP:SERVER:x:read", nil},
		{"", nil},
	}
	for _, tt := range tests {
		s, ok := BuiltinScope(tt.name)
		if ok != (tt.rule != nil) {
			t.Errorf("BuiltinScope(%q) ok = %v", tt.name, ok)
			continue
		}
		if !ok {
			continue
		}
		if s.Name != tt.name || !s.Builtin || s.Description == "" || len(s.Rules) != 1 {
			t.Errorf("BuiltinScope(%q) = %+v", tt.name, s)
			continue
		}
		r := s.Rules[0]
		if r.Server != tt.rule.Server || !slices.Equal(r.Permissions, tt.rule.Permissions) ||
			!slices.Equal(r.Methods, tt.rule.Methods) || !slices.Equal(r.Tools, tt.rule.Tools) {
			t.Errorf("BuiltinScope(%q).Rules[0] = %+v, want %+v", tt.name, r, *tt.rule)
		}
		if err := domain.ValidateScope("", &s); err != nil {
			t.Errorf("BuiltinScope(%q) invalid: %v", tt.name, err)
		}
	}
	// Builtins are fresh copies: changing one changes nothing.
	b := Builtins()
	if len(b) != 2 || b[0].Name != ScopeRegistryAdmin || b[1].Name != ScopeRegistryRead {
		t.Fatalf("Builtins = %+v", b)
	}
	b[0].Rules[0].Permissions[0] = "nothing"
	if Builtins()[0].Rules[0].Permissions[0] != domain.PermRead || domain.Permissions[0] != domain.PermRead {
		t.Error("Builtins shares state")
	}
}

func TestConventionScopes(t *testing.T) {
	srv := func(name string, actions ...string) []string {
		var out []string
		for _, a := range actions {
			out = append(out, "mcp:server:"+name+":"+a)
		}
		return out
	}
	tests := []struct {
		group string
		want  []string
	}{
		{"mcp-admin", []string{ScopeRegistryAdmin}},
		{"mcp-user", []string{ScopeRegistryRead}},
		{"mcp-server-currenttime", srv("currenttime", "read", "execute")},
		{"mcp-server-currenttime-admin", srv("currenttime", "read", "execute", "toggle", "edit", "health_check")},
		{"mcp-server-currenttime-toggle", srv("currenttime", "toggle")},
		{"mcp-server-currenttime-edit", srv("currenttime", "edit")},
		{"mcp-server-currenttime-tool-current_time_by_timezone", srv("currenttime", "tool:current_time_by_timezone:execute")},
		// Ambiguities, resolved as documented.
		{"mcp-server-db-admin", srv("db", "read", "execute", "toggle", "edit", "health_check")},
		{"mcp-server-db-admin-admin", srv("db-admin", "read", "execute", "toggle", "edit", "health_check")},
		{"mcp-server-a-tool-b-tool-c", srv("a", "tool:b-tool-c:execute")},
		{"mcp-server-a-tool-b-admin", srv("a", "tool:b-admin:execute")},
		{"mcp-server-admin", srv("admin", "read", "execute")},
		{"mcp-server-fin-info", srv("fin-info", "read", "execute")},
		// Not conventions, or names a scope cannot carry.
		{"mcp-server-", nil},
		{"mcp-server--admin", nil},
		{"mcp-server--tool-x", nil},
		{"mcp-server-x-tool-", nil},
		{"mcp-server-*", nil},
		{"mcp-server-x-tool-*", nil},
		{"mcp-server-a:b", nil},
		{"mcp-server-a:tool:b", nil},
		{"mcp-server-x-tool-a:b", nil},
		{"mcp-server-a b", nil},
		{"mcp-servers-currenttime", nil},
		{"MCP-Admin", nil},
		{"mcp-admins", nil},
		{"developers", nil},
		{"", nil},
	}
	for _, tt := range tests {
		got := ConventionScopes(tt.group)
		if !slices.Equal(got, tt.want) {
			t.Errorf("ConventionScopes(%q) = %q, want %q", tt.group, got, tt.want)
		}
		for _, n := range got {
			if _, ok := BuiltinScope(n); !ok {
				t.Errorf("ConventionScopes(%q) gives %q, which does not resolve", tt.group, n)
			}
		}
	}
}

// TestCatalogConventions exercises each of seed 004's group-name
// conventions end to end: groups → scopes → decisions.
func TestCatalogConventions(t *testing.T) {
	c := NewCatalog(nil, nil, true)
	ct, other := currenttime, Ref("other", "")
	tests := []struct {
		group string
		admin bool
		perms map[Server]Set
		calls []call
	}{{
		group: "mcp-admin", admin: true,
		perms: map[Server]Set{ct: All, other: All},
		calls: []call{{ct, "tools/call", "x", true, "registry admin"}},
	}, {
		group: "mcp-user",
		perms: map[Server]Set{ct: Read, other: Read},
		calls: []call{{ct, "tools/call", "x", false, `missing permission "execute" on server "currenttime"`}},
	}, {
		group: "mcp-server-currenttime",
		perms: map[Server]Set{ct: Read | Execute, other: 0},
		calls: []call{{ct, "tools/call", "x", true, ""}, {ct, "resources/read", "", true, ""}, {other, "tools/call", "x", false, ""}},
	}, {
		group: "mcp-server-currenttime-admin",
		perms: map[Server]Set{ct: Read | Execute | Toggle | Edit | HealthCheck, other: 0},
		calls: []call{{ct, "tools/call", "x", true, ""}},
	}, {
		group: "mcp-server-currenttime-toggle",
		perms: map[Server]Set{ct: Read | Toggle, other: 0},
		calls: []call{{ct, "ping", "", false, ""}},
	}, {
		group: "mcp-server-currenttime-edit",
		perms: map[Server]Set{ct: Read | Edit, other: 0},
		calls: []call{{ct, "tools/list", "", false, ""}},
	}, {
		group: "mcp-server-currenttime-tool-current_time_by_timezone",
		perms: map[Server]Set{ct: Read | Execute, other: 0},
		calls: []call{
			{ct, "tools/list", "", true, ""},
			{ct, "tools/call", "current_time_by_timezone", true, ""},
			{ct, "initialize", "", true, ""},
			{ct, "tools/call", "other_tool", false, `tool "other_tool" is not granted on server "currenttime"`},
			{ct, "resources/read", "", false, `method "resources/read" is not granted on server "currenttime"`},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.group, func(t *testing.T) {
			p := c.Policy([]string{tt.group})
			if p.Admin() != tt.admin {
				t.Errorf("Admin() = %v", p.Admin())
			}
			for srv, want := range tt.perms {
				if got := p.Permissions(srv); got != want {
					t.Errorf("Permissions(%+v) = %v, want %v", srv, got, want)
				}
			}
			checkCalls(t, p, tt.calls)
		})
	}

	// With conventions off only mcp-admin still means something.
	off := NewCatalog(nil, nil, false)
	for _, tt := range tests {
		p := off.Policy([]string{tt.group})
		if tt.group == domain.AdminGroup {
			if !p.Admin() || !slices.Equal(off.ScopeNames([]string{tt.group}), []string{ScopeRegistryAdmin}) {
				t.Errorf("conventions off: mcp-admin is not admin")
			}
			continue
		}
		if p.Admin() || p.Permissions(ct) != 0 || p.Anywhere(Read) || len(off.ScopeNames([]string{tt.group})) != 0 {
			t.Errorf("conventions off: %s grants %v", tt.group, p.Permissions(ct))
		}
	}
}

func TestCatalog(t *testing.T) {
	scopes := []domain.Scope{
		cloneScope(fininfoRestricted),
		{Name: "mcp-servers-fininfo/read", Rules: []domain.Rule{{Server: "Financial Info Proxy", Permissions: []domain.Permission{domain.PermRead}}}},
		// A definition wins over the built-in vocabulary.
		{Name: "mcp:server:currenttime:execute", Rules: []domain.Rule{{Server: "currenttime", Methods: []string{"tools/list"}}}},
	}
	mappings := []domain.GroupMapping{
		{Group: "analysts", Scopes: []string{"mcp-servers-restricted/execute", "mcp-servers-fininfo/read"}},
		{Group: "analysts", Scopes: []string{"undefined-scope"}},
		{Group: "clock", Scopes: []string{"mcp:server:currenttime:execute", "mcp:server:currenttime:toggle"}},
		{Group: "same", Scopes: []string{"undefined-scope", "mcp-servers-fininfo/read", "mcp-servers-restricted/execute"}},
		// Configuration cannot take admin away from mcp-admin.
		{Group: domain.AdminGroup, Scopes: []string{"mcp-servers-fininfo/read"}},
	}
	c := NewCatalog(scopes, mappings, false)
	scopes[0].Rules[0].Tools[0] = "changed" // the catalog is a snapshot

	if got, want := c.ScopeNames([]string{"analysts", "nobody", "analysts"}), []string{"mcp-servers-fininfo/read", "mcp-servers-restricted/execute", "undefined-scope"}; !slices.Equal(got, want) {
		t.Errorf("ScopeNames = %q, want %q", got, want)
	}
	if got, want := c.ScopeNames([]string{domain.AdminGroup}), []string{"mcp-servers-fininfo/read", ScopeRegistryAdmin}; !slices.Equal(got, want) {
		t.Errorf("ScopeNames(mcp-admin) = %q, want %q", got, want)
	}
	if got := c.ScopeNames(nil); len(got) != 0 {
		t.Errorf("ScopeNames(nil) = %q", got)
	}

	p := c.Policy([]string{"analysts"})
	checkCalls(t, p, []call{
		{fininfo, "tools/call", "get_stock_aggregates", true, ""},
		{fininfo, "tools/call", "changed", false, ""},
		{fininfo, "resources/read", "", false, ""},
	})
	if p2 := c.Policy([]string{"same"}); p2 != p {
		t.Error("groups with the same scope names do not share a policy")
	}
	if p.Admin() || !c.Policy([]string{domain.AdminGroup}).Admin() {
		t.Error("admin")
	}

	clock := c.Policy([]string{"clock"})
	checkCalls(t, clock, []call{
		{currenttime, "tools/list", "", true, ""},
		{currenttime, "tools/call", "x", false, `method "tools/call" is not granted on server "currenttime"`},
	})
	if got := clock.Permissions(currenttime); got != Read|Execute|Toggle {
		t.Errorf("clock Permissions = %v", got)
	}

	if s, ok := c.Scope("mcp:server:currenttime:execute"); !ok || s.Builtin || s.Rules[0].Methods[0] != "tools/list" {
		t.Errorf("Scope(defined) = %+v %v", s, ok)
	} else {
		s.Rules[0].Methods[0] = "mutated"
		if s2, _ := c.Scope("mcp:server:currenttime:execute"); s2.Rules[0].Methods[0] != "tools/list" {
			t.Error("Scope returns shared state")
		}
	}
	if s, ok := c.Scope("mcp:server:x:toggle"); !ok || !s.Builtin {
		t.Errorf("Scope(built-in) = %+v %v", s, ok)
	}
	if _, ok := c.Scope("undefined-scope"); ok {
		t.Error("Scope(undefined) found")
	}
}

func TestPolicyKey(t *testing.T) {
	if policyKey([]string{"a:b", "c"}) == policyKey([]string{"a", "b:c"}) ||
		policyKey([]string{"ab"}) == policyKey([]string{"a", "b"}) ||
		policyKey(nil) != "" {
		t.Error("policyKey collides")
	}
}

// TestCatalogCacheBounded: the cache starts over when full and keeps
// answering correctly.
func TestCatalogCacheBounded(t *testing.T) {
	c := NewCatalog(nil, nil, true)
	for i := range maxCachedPolicies + 10 {
		g := fmt.Sprintf("mcp-server-s%d", i)
		if !c.Policy([]string{g}).Check(Ref(fmt.Sprintf("s%d", i), ""), domain.PermExecute).Allowed {
			t.Fatalf("%s cannot execute", g)
		}
	}
	for name, m := range map[string]*sync.Map{"byNames": &c.byNames, "byGroups": &c.byGroups} {
		n := 0
		m.Range(func(any, any) bool { n++; return true })
		if n == 0 || n > maxCachedPolicies {
			t.Errorf("%s holds %d entries", name, n)
		}
	}
}

// TestCatalogConcurrent is for the race detector.
func TestCatalogConcurrent(t *testing.T) {
	c := NewCatalog(nil, nil, true)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 500 {
				srv := fmt.Sprintf("s%d", (i+w)%50)
				p := c.Policy([]string{"mcp-user", "mcp-server-" + srv})
				if !p.CheckCall(Ref(srv, ""), "tools/call", "t").Allowed {
					t.Errorf("%s denied", srv)
					return
				}
			}
		})
	}
	wg.Wait()
}
