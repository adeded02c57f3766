package scopesyml_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/scopesyml"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden exports")

const (
	read        = domain.PermRead
	execute     = domain.PermExecute
	toggle      = domain.PermToggle
	edit        = domain.PermEdit
	register    = domain.PermRegister
	healthCheck = domain.PermHealthCheck
)

// ui is a rule as UI-Scopes gives it.
func ui(server string, p domain.Permission) domain.Rule {
	return domain.Rule{Server: server, Permissions: []domain.Permission{p}, UI: true}
}

// l is a list that is never nil: l() is an empty list, unlike a nil one.
func l(s ...string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func perms(p ...domain.Permission) []domain.Permission { return p }

func rules(r ...domain.Rule) []domain.Rule {
	if r == nil {
		return []domain.Rule{}
	}
	return r
}

var fixtures = []struct {
	file string
	want *scopesyml.File
}{
	{"seed001_scope_configuration.yml", &scopesyml.File{
		Scopes: []domain.Scope{
			{Name: "mcp-servers-fininfo/read", Rules: rules(
				domain.Rule{Server: "Financial Info Proxy", Permissions: perms(read)})},
			{Name: "mcp-servers-fininfo/execute", Rules: rules(
				domain.Rule{Server: "Financial Info Proxy", Permissions: perms(read, execute)})},
		},
		Mappings: []domain.GroupMapping{
			{Group: "mcp-admin", Scopes: l("mcp-servers-unrestricted/read", "mcp-servers-unrestricted/execute")},
			{Group: "mcp-user", Scopes: l("mcp-servers-restricted/read")},
			{Group: "mcp-server-fininfo", Scopes: l("mcp-servers-fininfo/read", "mcp-servers-fininfo/execute")},
		},
	}},
	{"seed002_scope_configuration.yml", &scopesyml.File{
		Scopes: []domain.Scope{
			{Name: "mcp-servers-restricted/read", Rules: rules(
				domain.Rule{Server: "currenttime", Methods: l("tools/list"), Tools: l("current_time_by_timezone")})},
		},
		Mappings: []domain.GroupMapping{
			{Group: "mcp-registry-admin", Scopes: l("mcp-registry-admin", "mcp-servers-unrestricted/read", "mcp-servers-unrestricted/execute")},
		},
	}},
	{"seed002_access_control.yml", &scopesyml.File{
		Scopes: []domain.Scope{
			{Name: "mcp-servers-restricted/execute", Rules: rules(
				domain.Rule{Server: "fininfo", Methods: l("tools/list", "tools/call"), Tools: l("get_stock_aggregates", "print_stock_data")})},
		},
	}},
	{"realworld.yml", &scopesyml.File{
		Scopes: []domain.Scope{
			{Name: "mcp-registry-admin", Rules: rules(
				ui("*", read), ui("*", register), ui("*", healthCheck), ui("*", toggle), ui("*", edit))},
			{Name: "mcp-registry-user", Rules: rules(
				ui("mcpgw", read), ui("currenttime", read), ui("Financial Info Proxy", read), ui("mcpgw", healthCheck))},
			{Name: "mcp-registry-developer", Rules: rules(
				ui("*", read), ui("mcpgw", register), ui("currenttime", register), ui("currenttime", toggle))},
			// In UI-Scopes and a top-level key: UI rules first.
			{Name: "mcp-servers-restricted/read", Rules: rules(
				ui("currenttime", read),
				domain.Rule{Server: "currenttime", Methods: l("initialize", "notifications/initialized", "ping", "tools/list"), Tools: l()},
				domain.Rule{Server: "mcpgw", Methods: l("initialize", "notifications/initialized", "ping", "tools/list")})},
			{Name: "mcp-servers-unrestricted/read", Rules: rules(
				domain.Rule{Server: "*", Methods: l("initialize", "notifications/initialized", "ping", "tools/list", "resources/list", "resources/templates/list")},
				domain.Rule{Server: "Financial Info Proxy", Permissions: perms(read)})},
			{Name: "mcp-servers-unrestricted/execute", Rules: rules(
				domain.Rule{Server: "*", Methods: l("initialize", "notifications/initialized", "ping", "tools/list", "tools/call", "resources/list", "resources/templates/list"), Tools: l("*")})},
			{Name: "mcp-servers-restricted/execute", Rules: rules(
				domain.Rule{Server: "currenttime", Methods: l("initialize", "notifications/initialized", "ping", "tools/list", "tools/call"), Tools: l("current_time_by_timezone")},
				domain.Rule{Server: "mcpgw", Methods: l("initialize", "notifications/initialized", "ping", "tools/list", "tools/call"), Tools: l("intelligent_tool_finder", "healthcheck")},
				domain.Rule{Server: "Financial Info Proxy", Permissions: perms(read, execute), Methods: l("tools/list", "tools/call"), Tools: l("get_stock_aggregates", "print_stock_data")},
				domain.Rule{Server: "fininfo", Methods: l()})},
			{Name: "mcp-servers-none", Rules: rules()},
		},
		Mappings: []domain.GroupMapping{
			{Group: "mcp-registry-admin", Scopes: l("mcp-registry-admin", "mcp-servers-unrestricted/read", "mcp-servers-unrestricted/execute")},
			{Group: "mcp-registry-user", Scopes: l("mcp-registry-user", "mcp-servers-restricted/read")},
			{Group: "mcp-registry-developer", Scopes: l("mcp-registry-developer", "mcp-servers-restricted/read", "mcp-servers-restricted/execute")},
			{Group: "16c7e67e-e8ae-498c-ba2e-0593c0159e43", Scopes: l("mcp-registry-admin")},
			{Group: "Registry Auditors", Scopes: l()},
		},
	}},
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustParse(t testing.TB, data []byte) *scopesyml.File {
	t.Helper()
	f, err := scopesyml.Parse(data)
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, data)
	}
	return f
}

func mustMarshal(t testing.TB, f *scopesyml.File) []byte {
	t.Helper()
	b, err := scopesyml.Marshal(f)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	return b
}

func TestParseFixtures(t *testing.T) {
	for _, tc := range fixtures {
		t.Run(tc.file, func(t *testing.T) {
			got := mustParse(t, readFixture(t, tc.file))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse =\n%#v\nwant\n%#v", got, tc.want)
			}
		})
	}
}

// generic decodes a document without scopesyml, normalising UI-Scopes'
// "*" to the "all" that Marshal writes.
func generic(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	top, _ := v.(map[string]any)
	uiScopes, _ := top["UI-Scopes"].(map[string]any)
	for _, actions := range uiScopes {
		actions, _ := actions.(map[string]any)
		for _, servers := range actions {
			servers, _ := servers.([]any)
			for i, s := range servers {
				if s == "*" {
					servers[i] = "all"
				}
			}
		}
	}
	return v
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range fixtures {
		t.Run(tc.file, func(t *testing.T) {
			orig := readFixture(t, tc.file)
			f1 := mustParse(t, orig)
			out := mustMarshal(t, f1)
			f2 := mustParse(t, out)
			if !reflect.DeepEqual(f1, f2) {
				t.Errorf("Parse(Marshal(Parse(x))) =\n%#v\nwant\n%#v\nexport:\n%s", f2, f1, out)
			}
			if g1, g2 := generic(t, orig), generic(t, out); !reflect.DeepEqual(g1, g2) {
				t.Errorf("the export says something else than the original:\n%#v\nwant\n%#v\nexport:\n%s", g2, g1, out)
			}
			if again := mustMarshal(t, f2); !bytes.Equal(again, out) {
				t.Errorf("Marshal is not stable:\n%s\nthen\n%s", out, again)
			}
		})
	}
}

// TestGolden pins the export's exact text; run with -update to rewrite.
func TestGolden(t *testing.T) {
	for _, tc := range fixtures {
		t.Run(tc.file, func(t *testing.T) {
			out := mustMarshal(t, mustParse(t, readFixture(t, tc.file)))
			golden := filepath.Join("testdata", strings.TrimSuffix(tc.file, ".yml")+".golden")
			if *update {
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("Marshal =\n%s\nwant (%s)\n%s", out, golden, want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     *scopesyml.File
	}{
		{"empty", "", &scopesyml.File{}},
		{"only comments", "# nothing here\n\n# yet\n", &scopesyml.File{}},
		{"empty document", "---\n", &scopesyml.File{}},
		{"null document", "~\n", &scopesyml.File{}},
		{"empty mapping", "{}\n", &scopesyml.File{}},
		{"empty sections", "UI-Scopes:\ngroup_mappings:\n", &scopesyml.File{}},
		{"null and empty group mappings", "group_mappings:\n  a:\n  b: []\n  c: [x]\n", &scopesyml.File{Mappings: []domain.GroupMapping{
			{Group: "a", Scopes: l()}, {Group: "b", Scopes: l()}, {Group: "c", Scopes: l("x")},
		}}},
		{"nil versus empty lists", "s:\n- server: a\n- server: b\n  methods: []\n  tools: []\n- server: c\n  tools: [t]\n", &scopesyml.File{Scopes: []domain.Scope{
			{Name: "s", Rules: rules(
				domain.Rule{Server: "a"},
				domain.Rule{Server: "b", Methods: l(), Tools: l()},
				domain.Rule{Server: "c", Tools: l("t")})},
		}}},
		{"scalars are taken as written", "123:\n- server: 123\n  methods: [true, 1.50, 2001-12-14, 0x1F]\n  tools: [!!str 7]\ngroup_mappings:\n  1e3: [false]\n", &scopesyml.File{
			Scopes: []domain.Scope{{Name: "123", Rules: rules(
				domain.Rule{Server: "123", Methods: l("true", "1.50", "2001-12-14", "0x1F"), Tools: l("7")})}},
			Mappings: []domain.GroupMapping{{Group: "1e3", Scopes: l("false")}},
		}},
		{"UI-Scopes after the server rules", "s:\n- server: a\nt: []\nUI-Scopes:\n  u: {}\n  s:\n    modify_service: [b, all, '*']\n    list_service: [all]\n", &scopesyml.File{Scopes: []domain.Scope{
			// Scopes with UI rules come first, then the others in order.
			{Name: "s", Rules: rules(ui("b", edit), ui("*", edit), ui("*", edit), ui("*", read), domain.Rule{Server: "a"})},
			{Name: "t", Rules: rules()},
			{Name: "u", Rules: rules()},
		}}},
		{"null UI entries", "UI-Scopes:\n  a:\n  b:\n    list_service:\n", &scopesyml.File{Scopes: []domain.Scope{
			{Name: "a", Rules: rules()}, {Name: "b", Rules: rules()},
		}}},
		{"group names are data", "group_mappings:\n  \"Finance Team (EU)\": [a]\n  '16c7e67e-e8ae-498c-ba2e-0593c0159e43': [b]\n", &scopesyml.File{Mappings: []domain.GroupMapping{
			{Group: "Finance Team (EU)", Scopes: l("a")}, {Group: "16c7e67e-e8ae-498c-ba2e-0593c0159e43", Scopes: l("b")},
		}}},
		{"flow style", "{s: [{server: a, tools: [x]}], group_mappings: {g: [s]}}", &scopesyml.File{
			Scopes:   []domain.Scope{{Name: "s", Rules: rules(domain.Rule{Server: "a", Tools: l("x")})}},
			Mappings: []domain.GroupMapping{{Group: "g", Scopes: l("s")}},
		}},
		{"document end marker", "s: []\n...\n", &scopesyml.File{Scopes: []domain.Scope{{Name: "s", Rules: rules()}}}},
		{"largest document", "s: []\n" + strings.Repeat("#", scopesyml.MaxSize-7) + "\n", &scopesyml.File{Scopes: []domain.Scope{{Name: "s", Rules: rules()}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := mustParse(t, []byte(tc.in))
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Parse =\n%#v\nwant\n%#v", got, tc.want)
			}
			// Whatever Parse accepts survives a round trip.
			if again := mustParse(t, mustMarshal(t, got)); !reflect.DeepEqual(again, got) {
				t.Fatalf("round trip gives\n%#v", again)
			}
		})
	}
}

// checkInvalid asserts err is a validation error about field (or, if
// field ends in "*", a field starting with the rest), with line (if not 0)
// in its message.
func checkInvalid(t *testing.T, err error, field string, line int) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one about %s", field)
	}
	if code := domain.ErrorCode(err); code != domain.EINVALID {
		t.Fatalf("code %q, want %q: %v", code, domain.EINVALID, err)
	}
	var e *domain.Error
	errors.As(err, &e)
	if prefix, ok := strings.CutSuffix(field, "*"); ok && strings.HasPrefix(e.Field, prefix) {
		field = e.Field
	}
	if e.Field != field {
		t.Fatalf("field %q, want %q: %v", e.Field, field, err)
	}
	if line != 0 && !strings.Contains(e.Message, fmt.Sprintf("(line %d)", line)) {
		t.Fatalf("message %q does not give line %d", e.Message, line)
	}
}

func TestParseErrors(t *testing.T) {
	many := func(n int, format string) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, format, i)
		}
		return b.String()
	}
	for _, tc := range []struct {
		name, in string
		field    string
		line     int
	}{
		// The document.
		{"oversized", "s: []\n" + strings.Repeat("#", scopesyml.MaxSize), "scopes.yml", 0},
		{"syntax error", "s: [a\n", "scopes.yml", 0},
		{"invalid UTF-8", "s:\n- server: \xff\n", "scopes.yml", 0},
		{"several documents", "s: []\n---\nt: []\n", "scopes.yml", 2},
		{"sequence at top level", "- server: a\n", "scopes.yml", 1},
		{"string at top level", "hello\n", "scopes.yml", 1},
		{"anchor", "s: &rules []\nt: *rules\n", "s", 1},
		{"anchor on a key", "&k s: []\n", "scopes.yml", 1},
		{"anchor and alias in a rule", "s:\n- server: &n a\n- server: *n\n", "s[0].server", 2},
		{"alias bomb", "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n", "a", 1},
		{"merge key", "<<: {s: []}\n", "scopes.yml", 1},
		{"custom tag", "s:\n- server: !host a\n", "s[0].server", 2},
		{"binary tag", "s:\n- server: !!binary aGVsbG8=\n", "s[0].server", 2},
		{"tag on a collection", "s: !!set {a}\n", "s", 1},
		{"list as key", "? [a]\n: []\n", "scopes.yml", 1},
		{"null key", "~: []\n", "scopes.yml", 1},
		{"duplicate key", "s: []\nt: []\ns: []\n", "s", 3},
		{"duplicate section", "group_mappings: {}\ngroup_mappings: {}\n", "group_mappings", 2},

		// Server scopes.
		{"scope name with a space", "\"bad name\": []\n", `["bad name"]`, 1},
		{"scope name with a control character", "\"bad\\tname\": []\n", `["bad\tname"]`, 1},
		{"scope name too long", strings.Repeat("a", 300) + ": []\n", `["` + strings.Repeat("a", 64) + `…"]`, 1},
		{"scope name too long, cut between runes", "a" + strings.Repeat("é", 300) + ": []\n", `["a` + strings.Repeat("é", 31) + `…"]`, 1},
		{"scope is a mapping", "s:\n  server: a\n", "s", 2},
		{"scope is null", "s:\nt: []\n", "s", 1},
		{"scope is a string", "s: a\n", "s", 1},
		{"rule is a string", "s: [a]\n", "s[0]", 1},
		{"unknown rule key", "s:\n  - server: a\n    frobnicate: x\n", "s[0].frobnicate", 3},
		{"unknown rule key needing quotes", "s:\n  - server: a\n    \"a b\": x\n", `s[0]["a b"]`, 3},
		{"duplicate rule key", "s:\n- server: a\n  server: b\n", "s[0].server", 3},
		{"server missing", "s:\n- methods: [a]\n", "s[0].server", 2},
		{"server empty", "s:\n- server: \"\"\n", "s[0].server", 2},
		{"server null", "s:\n- server: ~\n", "s[0].server", 2},
		{"server is a mapping", "s:\n- server: {a: b}\n", "s[0].server", 2},
		{"server too long", "s:\n- server: " + strings.Repeat("x", 257) + "\n", "s[0].server", 2},
		{"bad permission", "s:\n  - server: a\n    permissions: [read, fly]\n", "s[0].permissions[1]", 3},
		{"permission twice", "s:\n  - server: a\n    permissions:\n      - read\n      - read\n", "s[0].permissions[1]", 5},
		{"permissions empty", "s:\n  - server: a\n    permissions: []\n", "s[0].permissions", 3},
		{"permissions a string", "s:\n  - server: a\n    permissions: read\n", "s[0].permissions", 3},
		{"methods null", "s:\n- server: a\n  methods:\n", "s[0].methods", 3},
		{"tool with a trailing space", "t: []\ns:\n- server: a\n  tools: [b, \"c \"]\n", "s[0].tools[1]", 4},
		{"tool in a nested list", "s:\n- server: a\n  tools: [[b]]\n", "s[0].tools[0]", 3},
		{"too many methods", "s:\n- server: a\n  methods: [" + many(1001, "m%d,") + "]\n", "s[0].methods", 3},
		{"too many rules", "s:\n" + many(1001, "- server: s%d\n"), "s", 2},

		// UI-Scopes.
		{"UI-Scopes is a list", "UI-Scopes: [a]\n", "UI-Scopes", 1},
		{"UI scope is a list", "UI-Scopes:\n  a: [list_service]\n", "UI-Scopes.a", 2},
		{"unknown UI action", "UI-Scopes:\n  mcp-registry-user:\n    list_service: [a]\n    frobnicate_service: [a]\n", "UI-Scopes.mcp-registry-user.frobnicate_service", 4},
		{"duplicate UI action", "UI-Scopes:\n  x:\n    list_service: [a]\n    list_service: [b]\n", "UI-Scopes.x.list_service", 4},
		{"duplicate UI scope", "UI-Scopes:\n  x: {}\n  x: {}\n", "UI-Scopes.x", 3},
		{"UI servers a string", "UI-Scopes:\n  x:\n    list_service: all\n", "UI-Scopes.x.list_service", 3},
		{"UI server empty", "UI-Scopes:\n  x:\n    list_service: [\"\"]\n", "UI-Scopes.x.list_service[0]", 3},
		{"UI server null", "UI-Scopes:\n  x:\n    list_service:\n      - a\n      -\n", "UI-Scopes.x.list_service[1]", 5},
		{"UI server with a control character", "UI-Scopes:\n  x:\n    list_service: [\"a\\u0007\"]\n", "UI-Scopes.x.list_service[0]", 3},
		{"UI scope name with a space", "UI-Scopes:\n  a b: {}\n", `UI-Scopes["a b"]`, 2},
		{"UI scope named like a section", "UI-Scopes:\n  group_mappings: {}\n", "UI-Scopes.group_mappings", 2},
		{"too many UI rules", "UI-Scopes:\n  x:\n    list_service: [" + many(1001, "s%d,") + "]\n", "UI-Scopes.x", 2},
		{"too many rules together", "UI-Scopes:\n  x:\n    list_service: [" + many(600, "s%d,") + "]\nx:\n" + many(600, "- server: s%d\n"), "x", 4},

		// group_mappings.
		{"group_mappings is a list", "group_mappings: [a]\n", "group_mappings", 1},
		{"group maps to a string", "group_mappings:\n  g: a\n", `group_mappings["g"]`, 2},
		{"group maps to a mapping", "group_mappings:\n  g: {a: b}\n", `group_mappings["g"]`, 2},
		{"mapping in a scope list", "group_mappings:\n  mcp-admin: [a, b, {c: d}]\n", `group_mappings["mcp-admin"][2]`, 2},
		{"list in a scope list", "group_mappings:\n  mcp-admin:\n    - a\n    - [b]\n", `group_mappings["mcp-admin"][1]`, 4},
		{"null in a scope list", "group_mappings:\n  g: [a, ~]\n", `group_mappings["g"][1]`, 2},
		{"bad scope name in a list", "group_mappings:\n  g:\n    - ok\n    - \"a b\"\n", `group_mappings["g"][1]`, 4},
		{"scope listed twice", "group_mappings:\n  g: [a, b, a]\n", `group_mappings["g"][2]`, 2},
		{"duplicate group", "group_mappings:\n  \"g 1\": [a]\n  g 1: [b]\n", `group_mappings["g 1"]`, 3},
		{"empty group name", "group_mappings:\n  \"\": [a]\n", `group_mappings[""]`, 2},
		{"group name with a control character", "group_mappings:\n  \"a\\x01\": [a]\n", `group_mappings["a\x01"]`, 2},
		{"too many scopes for a group", "group_mappings:\n  g: [" + many(1001, "s%d,") + "]\n", `group_mappings["g"]`, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := scopesyml.Parse([]byte(tc.in))
			if err == nil {
				t.Fatalf("Parse = %#v, want an error", f)
			}
			checkInvalid(t, err, tc.field, tc.line)
		})
	}
}

func TestMarshal(t *testing.T) {
	f := &scopesyml.File{
		Scopes: []domain.Scope{
			{Name: "registry-ops", Rules: []domain.Rule{
				{Server: "*", Permissions: perms(read, toggle), UI: true},
				{Server: "Financial Info Proxy", Permissions: perms(read), UI: true},
				{Server: "yes", Methods: []string{}},
				{Server: "123", Permissions: perms(execute), Tools: l("null", "a: b", "*")},
			}},
			{Name: "ui-only", Rules: []domain.Rule{ui("currenttime", edit)}},
			{Name: "built-in", Builtin: true, Rules: []domain.Rule{{Server: "*"}}},
			{Name: "empty"},
			{Name: "mcp:server:currenttime:execute", Rules: []domain.Rule{{Server: "currenttime"}}},
		},
		Mappings: []domain.GroupMapping{
			{Group: "16c7e67e-e8ae-498c-ba2e-0593c0159e43", Scopes: l("registry-ops", "built-in")},
			{Group: "off", Scopes: nil},
			{Group: "Ops Team", Scopes: l("empty")},
		},
	}
	want := `# Exported by mcpgw. Built-in scopes are not included.

UI-Scopes:
  registry-ops:
    list_service:
      - all
      - "Financial Info Proxy"
    toggle_service:
      - all
  ui-only:
    modify_service:
      - currenttime

group_mappings:
  "16c7e67e-e8ae-498c-ba2e-0593c0159e43":
    - registry-ops
    - built-in
  "off": []
  "Ops Team":
    - empty

registry-ops:
  - server: "yes"
    methods: []
  - server: "123"
    permissions:
      - execute
    tools:
      - "null"
      - "a: b"
      - "*"

empty: []

"mcp:server:currenttime:execute":
  - server: currenttime
`
	out := mustMarshal(t, f)
	if string(out) != want {
		t.Fatalf("Marshal =\n%s\nwant\n%s", out, want)
	}
	// A UI rule with two permissions comes back as two rules.
	got := mustParse(t, out)
	wantBack := &scopesyml.File{
		Scopes: []domain.Scope{
			{Name: "registry-ops", Rules: rules(
				ui("*", read), ui("Financial Info Proxy", read), ui("*", toggle),
				domain.Rule{Server: "yes", Methods: l()},
				domain.Rule{Server: "123", Permissions: perms(execute), Tools: l("null", "a: b", "*")})},
			{Name: "ui-only", Rules: rules(ui("currenttime", edit))},
			{Name: "empty", Rules: rules()},
			{Name: "mcp:server:currenttime:execute", Rules: rules(domain.Rule{Server: "currenttime"})},
		},
		Mappings: []domain.GroupMapping{
			{Group: "16c7e67e-e8ae-498c-ba2e-0593c0159e43", Scopes: l("registry-ops", "built-in")},
			{Group: "off", Scopes: l()},
			{Group: "Ops Team", Scopes: l("empty")},
		},
	}
	if !reflect.DeepEqual(got, wantBack) {
		t.Fatalf("Parse(Marshal(f)) =\n%#v\nwant\n%#v", got, wantBack)
	}
	if again := mustMarshal(t, got); !bytes.Equal(again, out) {
		t.Fatalf("Marshal is not stable:\n%s", again)
	}
}

func TestMarshalEmpty(t *testing.T) {
	out := mustMarshal(t, &scopesyml.File{Scopes: []domain.Scope{{Name: "b", Builtin: true}}})
	if string(out) != "# Exported by mcpgw. Built-in scopes are not included.\n" {
		t.Fatalf("Marshal = %q", out)
	}
	if f := mustParse(t, out); !reflect.DeepEqual(f, &scopesyml.File{}) {
		t.Fatalf("Parse = %#v", f)
	}
}

func TestMarshalErrors(t *testing.T) {
	ok := domain.Scope{Name: "ok", Rules: []domain.Rule{{Server: "a"}}}
	for _, tc := range []struct {
		name  string
		f     scopesyml.File
		field string
	}{
		{"invalid scope name", scopesyml.File{Scopes: []domain.Scope{ok, {Name: "a b"}}}, "scopes[1].name"},
		{"section name", scopesyml.File{Scopes: []domain.Scope{ok, {Name: "group_mappings"}}}, "scopes[1].name"},
		{"UI-Scopes name", scopesyml.File{Scopes: []domain.Scope{{Name: "UI-Scopes", Rules: []domain.Rule{ui("a", read)}}}}, "scopes[0].name"},
		{"duplicate scope", scopesyml.File{Scopes: []domain.Scope{ok, {Name: "b", Builtin: true}, ok}}, "scopes[2].name"},
		{"UI rule granting execute", scopesyml.File{Scopes: []domain.Scope{{Name: "s", Rules: []domain.Rule{ui("a", execute)}}}}, "scopes[0].rules[0].permissions[0]"},
		// domain.ValidateRule reports this as "execute" (of the default
		// permissions) not being a UI permission.
		{"UI rule without permissions", scopesyml.File{Scopes: []domain.Scope{{Name: "s", Rules: []domain.Rule{{Server: "a", UI: true}}}}}, "scopes[0].rules[0].permissions*"},
		{"UI rule with tools", scopesyml.File{Scopes: []domain.Scope{{Name: "s", Rules: []domain.Rule{{Server: "a", Permissions: perms(read), Tools: l("t"), UI: true}}}}}, "scopes[0].rules[0]"},
		{"bad rule", scopesyml.File{Scopes: []domain.Scope{{Name: "s", Rules: []domain.Rule{{Server: "a", Permissions: perms("fly")}}}}}, "scopes[0].rules[0].permissions[0]"},
		{"empty group", scopesyml.File{Mappings: []domain.GroupMapping{{Group: ""}}}, "mappings[0].group"},
		{"group not UTF-8", scopesyml.File{Mappings: []domain.GroupMapping{{Group: "a\xff"}}}, "mappings[0].group"},
		{"duplicate group", scopesyml.File{Mappings: []domain.GroupMapping{{Group: "g"}, {Group: "g"}}}, "mappings[1].group"},
		{"scope listed twice", scopesyml.File{Mappings: []domain.GroupMapping{{Group: "g", Scopes: l("a", "a")}}}, "mappings[0].scopes[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := scopesyml.Marshal(&tc.f)
			if err == nil {
				t.Fatalf("Marshal =\n%s\nwant an error", out)
			}
			checkInvalid(t, err, tc.field, 0)
		})
	}
}
