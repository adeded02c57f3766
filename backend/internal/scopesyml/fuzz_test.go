package scopesyml_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/scopesyml"
)

// FuzzParse checks that Parse never panics, fails only with validation
// errors, and that whatever it accepts survives Marshal and Parse again.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.yml"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"",
		"UI-Scopes:\n  a:\n    list_service: ['*', all, 1]\n",
		"group_mappings:\n  g:\n  \"\\u2028\": [a]\n",
		"s:\n- server: 123\n  methods: []\n  tools: [true, ~]\n",
		"a: &a [x]\nb: *a\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		f1, err := scopesyml.Parse(data)
		if err != nil {
			if code := domain.ErrorCode(err); code != domain.EINVALID {
				t.Fatalf("Parse error with code %q: %v", code, err)
			}
			return
		}
		out, err := scopesyml.Marshal(f1)
		if err != nil {
			t.Fatalf("Marshal of a parsed file: %v\nparsed: %#v", err, f1)
		}
		f2, err := scopesyml.Parse(out)
		if err != nil {
			t.Fatalf("Parse of the export: %v\nexport:\n%s", err, out)
		}
		if !reflect.DeepEqual(f1, f2) {
			t.Fatalf("round trip changed the file:\n%#v\nthen\n%#v\nexport:\n%s", f1, f2, out)
		}
		if again, err := scopesyml.Marshal(f2); err != nil || !bytes.Equal(again, out) {
			t.Fatalf("Marshal is not stable (%v):\n%s\nthen\n%s", err, out, again)
		}
	})
}
