package config

import (
	"os"
	"strings"
	"testing"
)

// TestConfigurationReferenceIsCurrent keeps docs/configuration.md equal to
// the option table, as TestEnvExampleIsCurrent does for .env.example.
func TestConfigurationReferenceIsCurrent(t *testing.T) {
	b, err := os.ReadFile("../../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != Reference() {
		t.Fatal("docs/configuration.md is stale: run `make config-docs`")
	}
}

// TestReferenceListsEveryVariable: each variable has its own table row, and
// what help text says as markup (<ID>, *, |) is escaped or code.
func TestReferenceListsEveryVariable(t *testing.T) {
	ref := Reference()
	for _, o := range options() {
		if o.name == "" {
			title, _ := splitSection(o.help)
			if !strings.Contains(ref, "\n## "+title+"\n") {
				t.Errorf("no section %q", title)
			}
			continue
		}
		row := "| `" + o.name + "` |"
		if strings.Count(ref, row) != 1 {
			t.Errorf("%s: %d rows", o.name, strings.Count(ref, row))
		}
		if o.secret && !strings.Contains(ref, row+" "+codeSpanOrEmpty(o.def)+" | yes, or `"+o.name+"_FILE` |") {
			t.Errorf("%s is not marked secret", o.name)
		}
	}
	for _, f := range providerFields() {
		if !strings.Contains(ref, "| `OIDC_<ID>_"+f.suffix+"` |") {
			t.Errorf("no row for OIDC_<ID>_%s", f.suffix)
		}
	}
	for in, want := range map[string]string{
		"OIDC_<ID>_* variables":          "`OIDC_<ID>_*` variables",
		"a|b <x> 2*3":                    `a\|b &lt;x&gt; 2\*3`,
		"run `a | b` now":                "run `a \\| b` now",
		"POST /api/servers, or /readyz.": "POST `/api/servers`, or `/readyz`.",
		"from NAME_FILE.":                "from `NAME_FILE`.",
	} {
		if got := markdownText(in); got != want {
			t.Errorf("markdownText(%q) = %q, want %q", in, got, want)
		}
	}
}

func codeSpanOrEmpty(def string) string {
	if def == "" {
		return "*empty*"
	}
	return codeSpan(def)
}
