package authz

import (
	"slices"
	"testing"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// call is one proxy request and its expected outcome; reason is checked
// when not empty.
type call struct {
	srv          Server
	method, tool string
	allowed      bool
	reason       string
}

// perm is one permission check and its expected outcome.
type perm struct {
	srv     Server
	perm    domain.Permission
	allowed bool
}

func checkCalls(t *testing.T, p *Policy, calls []call) {
	t.Helper()
	for _, c := range calls {
		d := p.CheckCall(c.srv, c.method, c.tool)
		if d.Allowed != c.allowed {
			t.Errorf("CheckCall(%+v, %q, %q) = %v (%s), want %v", c.srv, c.method, c.tool, d.Allowed, d.Reason(), c.allowed)
		}
		if c.reason != "" && d.Reason() != c.reason {
			t.Errorf("CheckCall(%+v, %q, %q).Reason() = %q, want %q", c.srv, c.method, c.tool, d.Reason(), c.reason)
		}
	}
}

func checkPerms(t *testing.T, p *Policy, perms []perm) {
	t.Helper()
	for _, c := range perms {
		d := p.Check(c.srv, c.perm)
		if d.Allowed != c.allowed {
			t.Errorf("Check(%+v, %q) = %v (%s), want %v", c.srv, c.perm, d.Allowed, d.Reason(), c.allowed)
		}
	}
}

var (
	fininfo     = Ref("fininfo", "Financial Info Proxy")
	currenttime = Ref("currenttime", "Current Time")
)

// fininfoRestricted is seed 002's "Access Control Example".
var fininfoRestricted = domain.Scope{Name: "mcp-servers-restricted/execute", Rules: []domain.Rule{{
	Server:  "fininfo",
	Methods: []string{"tools/list", "tools/call"},
	Tools:   []string{"get_stock_aggregates", "print_stock_data"},
}}}

// TestSeed002CommonScenarios covers each row of seed 002's "Common
// Scenarios" table: can list tools, can execute, which tools.
func TestSeed002CommonScenarios(t *testing.T) {
	unrestricted := domain.Scope{Name: "mcp-servers-unrestricted/execute", Rules: []domain.Rule{{Server: "*"}}}
	tests := []struct {
		name   string
		scopes []domain.Scope
		calls  []call
		perms  []perm
	}{{
		name:   "read-only user",
		scopes: []domain.Scope{mustBuiltin(t, ScopeRegistryRead)},
		perms: []perm{
			{fininfo, domain.PermRead, true}, // sees the server and its tools in the registry
			{currenttime, domain.PermRead, true},
			{fininfo, domain.PermExecute, false},
			{fininfo, domain.PermToggle, false},
		},
		calls: []call{
			{fininfo, "tools/call", "get_stock_aggregates", false, `missing permission "execute" on server "fininfo"`},
			{fininfo, "tools/list", "", false, `missing permission "execute" on server "fininfo"`},
			{fininfo, "initialize", "", false, ""},
		},
	}, {
		name:   "restricted execute",
		scopes: []domain.Scope{fininfoRestricted},
		perms: []perm{
			{fininfo, domain.PermRead, true},
			{fininfo, domain.PermExecute, true},
			{currenttime, domain.PermRead, false},
		},
		calls: []call{
			{fininfo, "tools/list", "", true, "granted"},
			{fininfo, "tools/call", "get_stock_aggregates", true, "granted"},
			{fininfo, "tools/call", "print_stock_data", true, ""},
			{fininfo, "tools/call", "delete_all", false, `tool "delete_all" is not granted on server "fininfo"`},
			{fininfo, "resources/read", "", false, `method "resources/read" is not granted on server "fininfo"`},
			{fininfo, "initialize", "", true, "granted (protocol housekeeping)"},
			{currenttime, "tools/call", "current_time_by_timezone", false, `missing permission "execute" on server "currenttime"`},
		},
	}, {
		name:   "unrestricted execute",
		scopes: []domain.Scope{unrestricted},
		perms:  []perm{{fininfo, domain.PermRead, true}, {fininfo, domain.PermExecute, true}, {fininfo, domain.PermEdit, false}},
		calls: []call{
			{fininfo, "tools/call", "anything", true, "granted"},
			{currenttime, "tools/call", "current_time_by_timezone", true, ""},
			{currenttime, "resources/read", "", true, ""},
		},
	}, {
		name:   "unrestricted admin",
		scopes: []domain.Scope{mustBuiltin(t, ScopeRegistryAdmin)},
		perms: []perm{
			{fininfo, domain.PermRead, true}, {fininfo, domain.PermExecute, true}, {fininfo, domain.PermToggle, true},
			{fininfo, domain.PermEdit, true}, {fininfo, domain.PermRegister, true}, {fininfo, domain.PermHealthCheck, true},
			{fininfo, "bogus", false},
		},
		calls: []call{
			{fininfo, "tools/call", "anything", true, "registry admin"},
			{currenttime, "resources/read", "", true, "registry admin"},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Compile(tt.scopes)
			checkPerms(t, p, tt.perms)
			checkCalls(t, p, tt.calls)
		})
	}
}

func mustBuiltin(t testing.TB, name string) domain.Scope {
	t.Helper()
	s, ok := BuiltinScope(name)
	if !ok {
		t.Fatalf("BuiltinScope(%q) not found", name)
	}
	return s
}

// TestSeed001DisplayName: seed 001's scopes.yml names the server by its
// display name, in any capitalization.
func TestSeed001DisplayName(t *testing.T) {
	p := Compile([]domain.Scope{
		{Name: "mcp-servers-fininfo/read", Rules: []domain.Rule{{Server: "Financial Info Proxy", Permissions: []domain.Permission{domain.PermRead}}}},
		{Name: "mcp-servers-fininfo/execute", Rules: []domain.Rule{{Server: "Financial Info Proxy", Permissions: []domain.Permission{domain.PermRead, domain.PermExecute}}}},
	})
	checkPerms(t, p, []perm{
		{fininfo, domain.PermRead, true},
		{fininfo, domain.PermExecute, true},
		{Ref("FinInfo", "  financial INFO proxy "), domain.PermExecute, true},
		{Ref("fininfo", ""), domain.PermRead, false}, // the path is not the display name
		{Ref("other", "Financial Info"), domain.PermRead, false},
		{fininfo, domain.PermToggle, false},
	})
	checkCalls(t, p, []call{
		{fininfo, "tools/call", "get_stock_aggregates", true, ""},
		{Ref("fininfo", ""), "tools/call", "x", false, `missing permission "execute" on server "fininfo"`},
		{Ref("", "Financial Info Proxy"), "tools/call", "x", true, ""},
	})
	if got := p.Permissions(fininfo); got != Read|Execute {
		t.Errorf("Permissions = %v, want read|execute", got)
	}
	// A path rule and a display-name rule for the same server add up.
	p = Compile([]domain.Scope{{Name: "s", Rules: []domain.Rule{
		{Server: "fininfo", Permissions: []domain.Permission{domain.PermToggle}},
		{Server: "Financial Info Proxy", Permissions: []domain.Permission{domain.PermExecute}, Methods: []string{"tools/call"}, Tools: []string{"a"}},
	}}})
	if got := p.Permissions(fininfo); got != Read|Execute|Toggle {
		t.Errorf("path+name Permissions = %v, want read|execute|toggle", got)
	}
	checkCalls(t, p, []call{{fininfo, "tools/call", "a", true, ""}, {fininfo, "tools/call", "b", false, ""}})
}

// TestMergeExact: merging rules for one server must allow exactly what
// some single rule allows; in particular a rule's tools never widen
// tools/call when that rule does not allow tools/call.
func TestMergeExact(t *testing.T) {
	exec := []domain.Permission{domain.PermExecute}
	p := Compile([]domain.Scope{
		{Name: "a", Rules: []domain.Rule{{Server: "x", Permissions: exec, Methods: []string{"tools/call"}, Tools: []string{"x"}}}},
		{Name: "b", Rules: []domain.Rule{{Server: "x", Permissions: exec, Methods: []string{"resources/read"}, Tools: []string{"*"}}}},
		// Methods and tools on a rule that does not grant execute mean nothing.
		{Name: "c", Rules: []domain.Rule{{Server: "x", Permissions: []domain.Permission{domain.PermRead}, Methods: []string{"*"}, Tools: []string{"*"}}}},
	})
	x := Ref("x", "")
	checkCalls(t, p, []call{
		{x, "tools/call", "x", true, ""},
		{x, "tools/call", "y", false, `tool "y" is not granted on server "x"`},
		{x, "resources/read", "", true, ""},
		{x, "tools/list", "", false, `method "tools/list" is not granted on server "x"`},
	})
	// The same holds across the keys of one server: path, name, wildcard.
	p = Compile([]domain.Scope{{Name: "a", Rules: []domain.Rule{
		{Server: "x", Permissions: exec, Methods: []string{"tools/call"}, Tools: []string{"x"}},
		{Server: "X Name", Permissions: exec, Methods: []string{"resources/read"}},
		{Server: "*", Permissions: exec, Methods: []string{"prompts/get"}, Tools: []string{"y"}},
	}}})
	x = Ref("x", "x name")
	checkCalls(t, p, []call{
		{x, "tools/call", "x", true, ""},
		{x, "tools/call", "y", false, ""},
		{x, "resources/read", "", true, ""},
		{x, "prompts/get", "", true, ""},
		{Ref("other", ""), "prompts/get", "", true, ""},
		{Ref("other", ""), "tools/call", "y", false, `method "tools/call" is not granted on server "other"`},
	})
	// A rule allowing tools/call with an empty tool list allows no tool.
	p = Compile([]domain.Scope{{Name: "a", Rules: []domain.Rule{{Server: "x", Methods: []string{"tools/call"}, Tools: []string{}}}}})
	checkCalls(t, Compile(nil), []call{{x, "tools/call", "t", false, ""}})
	checkCalls(t, p, []call{{x, "tools/call", "t", false, `tool "t" is not granted on server "x"`}})
}

// TestHousekeeping: protocol housekeeping needs no listing but does need
// some execute on the server.
func TestHousekeeping(t *testing.T) {
	p := Compile([]domain.Scope{{Name: "a", Rules: []domain.Rule{
		{Server: "x", Permissions: []domain.Permission{domain.PermExecute}, Methods: []string{}},
		{Server: "y", Permissions: []domain.Permission{domain.PermRead, domain.PermToggle}},
	}}})
	x, y := Ref("x", ""), Ref("y", "")
	for _, m := range []string{"initialize", "notifications/initialized", "ping", "notifications/cancelled"} {
		if !IsHousekeeping(m) {
			t.Errorf("IsHousekeeping(%q) = false", m)
		}
		checkCalls(t, p, []call{
			{x, m, "", true, "granted (protocol housekeeping)"},
			{y, m, "", false, `missing permission "execute" on server "y"`},
			{Ref("z", ""), m, "", false, ""},
		})
	}
	checkCalls(t, p, []call{{x, "tools/list", "", false, `method "tools/list" is not granted on server "x"`}})
}

// TestImpliedRead: acting on a server implies seeing it; execute does not.
func TestImpliedRead(t *testing.T) {
	for _, pm := range []domain.Permission{domain.PermToggle, domain.PermEdit, domain.PermHealthCheck, domain.PermRegister} {
		p := Compile([]domain.Scope{{Name: "a", Rules: []domain.Rule{{Server: "x", Permissions: []domain.Permission{pm}}}}})
		if got, want := p.Permissions(Ref("x", "")), Read|Bit(pm); got != want {
			t.Errorf("%s: Permissions = %v, want %v", pm, got, want)
		}
		checkPerms(t, p, []perm{{Ref("x", ""), domain.PermRead, true}, {Ref("x", ""), domain.PermExecute, false}})
	}
	p := Compile([]domain.Scope{{Name: "a", Rules: []domain.Rule{{Server: "x", Permissions: []domain.Permission{domain.PermExecute}}}}})
	if got := p.Permissions(Ref("x", "")); got != Execute {
		t.Errorf("execute only: Permissions = %v", got)
	}
}

func TestDecisionReasons(t *testing.T) {
	p := Compile([]domain.Scope{{Name: "a", Rules: []domain.Rule{{Server: "currenttime", Permissions: []domain.Permission{domain.PermRead}}}}})
	tests := []struct {
		d       Decision
		reason  string
		missing domain.Permission
	}{
		{p.Check(currenttime, domain.PermToggle), `missing permission "toggle" on server "currenttime"`, domain.PermToggle},
		{p.Check(Ref("", "Current Time"), domain.PermEdit), `missing permission "edit" on server "current time"`, domain.PermEdit},
		{p.Check(currenttime, domain.PermRead), "granted", ""},
		{p.Check(currenttime, "frobnicate"), `unknown permission "frobnicate"`, "frobnicate"},
		{p.CheckCall(currenttime, "tools/call", "x"), `missing permission "execute" on server "currenttime"`, domain.PermExecute},
		{Compile([]domain.Scope{fininfoRestricted}).CheckCall(fininfo, "resources/read", ""), `method "resources/read" is not granted on server "fininfo"`, domain.PermExecute},
		{Compile([]domain.Scope{fininfoRestricted}).CheckCall(fininfo, "tools/call", "delete_all"), `tool "delete_all" is not granted on server "fininfo"`, domain.PermExecute},
		{Compile([]domain.Scope{fininfoRestricted}).CheckCall(fininfo, "tools/call", "evil\"\n"), `tool "evil\"\n" is not granted on server "fininfo"`, domain.PermExecute},
		{Decision{}, "denied", ""},
	}
	for i, tt := range tests {
		if got := tt.d.Reason(); got != tt.reason {
			t.Errorf("%d: Reason() = %q, want %q", i, got, tt.reason)
		}
		if got := tt.d.Missing(); got != tt.missing {
			t.Errorf("%d: Missing() = %q, want %q", i, got, tt.missing)
		}
	}
}

// TestNilPolicy: a nil policy denies everything without panicking.
func TestNilPolicy(t *testing.T) {
	var p *Policy
	if p.Admin() || p.Permissions(fininfo) != 0 || p.Anywhere(Read) || p.Everywhere(Read) {
		t.Error("nil policy grants something")
	}
	if d := p.Check(fininfo, domain.PermRead); d.Allowed || d.Missing() != domain.PermRead {
		t.Errorf("nil Check = %v %q", d.Allowed, d.Reason())
	}
	if d := p.CheckCall(fininfo, "ping", ""); d.Allowed || d.Missing() != domain.PermExecute {
		t.Errorf("nil CheckCall = %v %q", d.Allowed, d.Reason())
	}
	e := Compile(nil)
	if e.Admin() || e.Permissions(fininfo) != 0 || e.Anywhere(Read) || e.Everywhere(Read) || e.CheckCall(fininfo, "ping", "").Allowed {
		t.Error("empty policy grants something")
	}
}

func TestAnywhereEverywhere(t *testing.T) {
	p := Compile([]domain.Scope{{Name: "a", Rules: []domain.Rule{
		{Server: "x", Permissions: []domain.Permission{domain.PermToggle}},
		{Server: "y", Permissions: []domain.Permission{domain.PermEdit}},
		{Server: "*", Permissions: []domain.Permission{domain.PermRead}},
		{Server: "", Permissions: []domain.Permission{domain.PermRegister}}, // names no server
	}}})
	for _, tt := range []struct {
		perm                 Set
		anywhere, everywhere bool
	}{
		{Read, true, true},
		{Toggle, true, false},
		{Edit, true, false},
		{Read | Toggle, true, false},
		{Toggle | Edit, false, false}, // no single server has both
		{Execute, false, false},
		{Register, false, false},
		{0, false, false},
		{1 << 7, false, false},
	} {
		if got := p.Anywhere(tt.perm); got != tt.anywhere {
			t.Errorf("Anywhere(%v) = %v", tt.perm, got)
		}
		if got := p.Everywhere(tt.perm); got != tt.everywhere {
			t.Errorf("Everywhere(%v) = %v", tt.perm, got)
		}
	}
	a := Compile(Builtins())
	if !a.Admin() || !a.Anywhere(All) || !a.Everywhere(All) || a.Everywhere(0) || a.Anywhere(1<<6) {
		t.Error("admin Anywhere/Everywhere")
	}
}

func TestSet(t *testing.T) {
	s := SetOf(domain.PermToggle, domain.PermRead, "bogus")
	if s != Read|Toggle {
		t.Fatalf("SetOf = %v", s)
	}
	if got := s.Permissions(); !slices.Equal(got, []domain.Permission{domain.PermRead, domain.PermToggle}) {
		t.Errorf("Permissions = %v", got)
	}
	if got := SetOf(domain.Permissions...); got != All {
		t.Errorf("SetOf(all) = %v", got)
	}
	if !slices.Equal(All.Permissions(), domain.Permissions) {
		t.Errorf("All.Permissions = %v", All.Permissions())
	}
	for i, p := range domain.Permissions {
		if Bit(p) != 1<<i {
			t.Errorf("Bit(%s) = %d", p, Bit(p))
		}
	}
	if s.Has(0) || s.Has(Bit("bogus")) || !s.Has(Read) || s.Has(Read|Edit) || !s.HasAny(Read|Edit) || s.HasAny(Edit) {
		t.Error("Has/HasAny")
	}
	if s.String() != "read|toggle" || Set(0).String() != "none" {
		t.Errorf("String = %q", s.String())
	}
	if FoldName("  Financial Info Proxy ") != "financial info proxy" {
		t.Error("FoldName")
	}
}

// TestCompileKeepsNoReference: changing the scopes after Compile changes
// nothing.
func TestCompileKeepsNoReference(t *testing.T) {
	scopes := []domain.Scope{{Name: "a", Rules: []domain.Rule{{Server: "x", Methods: []string{"tools/call"}, Tools: []string{"t"}}}}}
	p := Compile(scopes)
	scopes[0].Rules[0].Tools[0] = "u"
	scopes[0].Rules[0].Server = "y"
	checkCalls(t, p, []call{{Ref("x", ""), "tools/call", "t", true, ""}, {Ref("x", ""), "tools/call", "u", false, ""}})
}
