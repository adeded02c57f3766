package registry_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/netguard"
	"github.com/mcpgw/mcpgw/backend/internal/registry"
)

// noDNS resolves nothing, at once: a test must not wait on a resolver.
type noDNS struct{}

func (noDNS) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return nil, errors.New("no such host")
}

func seedOptions(env map[string]string) registry.SeedOptions {
	return registry.SeedOptions{
		Guard:     netguard.Options{Resolver: noDNS{}},
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
	}
}

func TestSeedFileParses(t *testing.T) {
	doc := `
servers:
- path: time
  display_name: Current Time
  upstream_url: HTTP://Time.Internal:8000/mcp
  description: What time it is.
  tags: [clock, example]
  license: MIT
- path: legacy
  display_name: Legacy
  upstream_url: http://10.0.0.5:9000/sse
  transport: sse
  enabled: false
  egress:
    type: bearer
    token_env: LEGACY_TOKEN
- path: keyed
  display_name: Keyed
  upstream_url: http://keyed:80/mcp
  egress:
    type: headers
    headers:
    - name: x-api-key
      value_env: KEYED_KEY
`
	seeds, err := registry.ParseSeeds(context.Background(), []byte(doc), seedOptions(map[string]string{
		"LEGACY_TOKEN": "tok-123", "KEYED_KEY": "key-456",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(seeds) != 3 {
		t.Fatalf("%d seeds", len(seeds))
	}
	tm, legacy, keyed := seeds[0].Server, seeds[1].Server, seeds[2].Server
	// The API's defaults and normalisation.
	if tm.Transport != domain.TransportStreamableHTTP || !tm.Enabled || tm.Egress.Type != domain.EgressNone ||
		tm.UpstreamURL != "http://time.internal:8000/mcp" || strings.Join(tm.Tags, ",") != "clock,example" || tm.License != "MIT" {
		t.Errorf("time = %+v", tm)
	}
	if seeds[0].Field != "servers[0]" || seeds[0].Line != 3 || seeds[1].Line != 9 {
		t.Errorf("positions: %s line %d, %s line %d", seeds[0].Field, seeds[0].Line, seeds[1].Field, seeds[1].Line)
	}
	if legacy.Transport != domain.TransportSSE || legacy.Enabled || legacy.Egress.Type != domain.EgressBearer || legacy.Egress.Token.Reveal() != "tok-123" {
		t.Errorf("legacy = %+v", legacy)
	}
	if len(keyed.Egress.Headers) != 1 || keyed.Egress.Headers[0].Name != "X-Api-Key" || keyed.Egress.Headers[0].Value.Reveal() != "key-456" {
		t.Errorf("keyed egress = %+v", keyed.Egress)
	}
}

func TestSeedFileEmpty(t *testing.T) {
	for _, doc := range []string{"", "# nothing\n", "servers:\n", "servers: []\n"} {
		seeds, err := registry.ParseSeeds(context.Background(), []byte(doc), seedOptions(nil))
		if err != nil || len(seeds) != 0 {
			t.Errorf("%q: %v, %d seeds", doc, err, len(seeds))
		}
	}
}

// TestSeedFileErrorsNameTheEntry: every problem is refused with the entry,
// its line and the field, and a secret written in the file is refused.
func TestSeedFileErrorsNameTheEntry(t *testing.T) {
	const ok = "- path: ok\n  display_name: OK\n  upstream_url: http://ok:1/mcp\n"
	for _, c := range []struct{ name, doc, want string }{
		{"syntax", "servers: [\n", "not valid YAML"},
		{"two documents", "servers: []\n---\nservers: []\n", "one YAML document"},
		{"root key", "server: []\n", `unknown key "server"`},
		{"not a list", "servers: {path: x}\n", "servers must be a list"},
		{"entry key", "servers:\n" + ok + "- path: x\n  display_name: X\n  upstream_url: http://x/\n  colour: red\n", `line 8: servers[1]: unknown key "colour"`},
		{"path", "servers:\n" + ok + "- path: Bad Path\n  display_name: X\n  upstream_url: http://x/\n",
			`servers[1] (path "Bad Path", line 5): path: must be one lowercase segment`},
		{"reserved path", "servers:\n- path: api\n  display_name: X\n  upstream_url: http://x/\n", `path: "api" is reserved`},
		{"no display name", "servers:\n- path: x\n  upstream_url: http://x/\n", "display_name: is required"},
		{"no upstream", "servers:\n- path: x\n  display_name: X\n", "upstream_url: is required"},
		{"transport", "servers:\n- path: x\n  display_name: X\n  upstream_url: http://x/\n  transport: stdio\n", "transport: must be"},
		{"type", "servers:\n- path: x\n  display_name: X\n  upstream_url: http://x/\n  enabled: maybe\n", "servers[0]: line 5: cannot unmarshal"},
		{"scheme", "servers:\n- path: x\n  display_name: X\n  upstream_url: ftp://x/\n", "upstream_url: must start with http:// or https://"},
		{"metadata", "servers:\n- path: x\n  display_name: X\n  upstream_url: http://169.254.169.254/\n", "upstream_url: 169.254.169.254 is a link-local"},
		{"duplicate path", "servers:\n" + ok + ok, `servers[1] (path "ok", line 5): path: "ok" is the path of servers[0] too`},
		{"duplicate name", "servers:\n" + ok + "- path: ok2\n  display_name: ok\n  upstream_url: http://ok:1/mcp\n", "display_name: \"ok\" is the display name of servers[0] too"},
		{"literal token", "servers:\n- path: x\n  display_name: X\n  upstream_url: http://x/\n  egress:\n    type: bearer\n    token: s3cret\n", "use token_env"},
		{"literal header", "servers:\n- path: x\n  display_name: X\n  upstream_url: http://x/\n  egress:\n    type: headers\n    headers:\n    - name: X-Key\n      value: s3cret\n", "use value_env"},
		{"no token env", "servers:\n- path: x\n  display_name: X\n  upstream_url: http://x/\n  egress:\n    type: bearer\n", "egress.token_env: is required"},
		{"token for none", "servers:\n- path: x\n  display_name: X\n  upstream_url: http://x/\n  egress:\n    token_env: T\n", `egress.token_env: is used only with type "bearer"`},
		{"egress type", "servers:\n- path: x\n  display_name: X\n  upstream_url: http://x/\n  egress:\n    type: magic\n", "egress.type: must be one of"},
		{"forbidden header", "servers:\n- path: x\n  display_name: X\n  upstream_url: http://x/\n  egress:\n    type: headers\n    headers:\n    - name: Cookie\n      value_env: T\n", "is managed by the gateway"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := registry.ParseSeeds(context.Background(), []byte(c.doc), seedOptions(map[string]string{"T": "v"}))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v; want it to contain %q", err, c.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("the error quotes a secret: %v", err)
			}
		})
	}
}

// TestSeedFileUnsetSecret: an unset variable is not a parse error (the
// entry may have been applied at an earlier start) but Missing, and no
// stand-in value is left in the server.
func TestSeedFileUnsetSecret(t *testing.T) {
	doc := "servers:\n- path: x\n  display_name: X\n  upstream_url: http://x/\n  egress:\n    type: headers\n    headers:\n    - name: X-Key\n      value_env: NOT_SET\n"
	seeds, err := registry.ParseSeeds(context.Background(), []byte(doc), seedOptions(nil))
	if err != nil || len(seeds) != 1 {
		t.Fatalf("parse: %v %+v", err, seeds)
	}
	sd := seeds[0]
	if sd.Missing == nil || !strings.Contains(sd.Missing.Error(), "environment variable NOT_SET is not set") || !strings.Contains(sd.Missing.Error(), `servers[0] (path "x"`) {
		t.Fatalf("missing = %v", sd.Missing)
	}
	if h := sd.Server.Egress.Headers; len(h) != 1 || h[0].Name != "X-Key" || h[0].Value != "" {
		t.Fatalf("headers = %+v", h)
	}
}

func TestSeedFileTooLarge(t *testing.T) {
	big := "servers: []\n# " + strings.Repeat("x", registry.MaxSeedFileSize) + "\n"
	if _, err := registry.ParseSeeds(context.Background(), []byte(big), seedOptions(nil)); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("error %v", err)
	}
}
