// Package deploytest checks the deployment files at the repository root
// (docker-compose.yml, Dockerfile): there is no Docker engine here, so they
// are validated by the Compose specification's own loader.
package deploytest

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/netguard"
	"github.com/mcpgw/mcpgw/backend/internal/registry"
)

const root = "../../.."

func load(t *testing.T, file string, env ...string) (*types.Project, error) {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{file},
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithEnv(env),
		cli.WithName("mcpgw-test"),
	)
	if err != nil {
		return nil, err
	}
	return opts.LoadProject(context.Background())
}

func TestComposeFileIsValid(t *testing.T) {
	p, err := load(t, filepath.Join(root, "docker-compose.yml"), "SECRET_KEY="+strings.Repeat("x", 48))
	if err != nil {
		t.Fatalf("docker-compose.yml does not load: %v", err)
	}
	for _, name := range []string{"postgres", "redis", "mcpgw"} {
		svc, ok := p.Services[name]
		if !ok {
			t.Fatalf("no %s service", name)
		}
		if svc.HealthCheck == nil || len(svc.HealthCheck.Test) == 0 {
			t.Errorf("%s has no healthcheck", name)
		}
	}
	gw := p.Services["mcpgw"]
	for _, dep := range []string{"postgres", "redis"} {
		if d, ok := gw.DependsOn[dep]; !ok || d.Condition != types.ServiceConditionHealthy {
			t.Errorf("mcpgw must wait for %s to be healthy (depends_on condition service_healthy)", dep)
		}
	}
	if gw.Build == nil {
		t.Fatal("mcpgw is not built from the repository")
	}
	if _, err := os.Stat(filepath.Join(gw.Build.Context, gw.Build.Dockerfile)); err != nil {
		t.Errorf("mcpgw's Dockerfile: %v", err)
	}
	for _, v := range []string{"DATABASE_URL", "REDIS_URL", "SECRET_KEY"} {
		if gw.Environment[v] == nil || *gw.Environment[v] == "" {
			t.Errorf("mcpgw's environment lacks %s", v)
		}
	}
	if len(p.Volumes) < 2 {
		t.Errorf("want named volumes for Postgres and Redis data, have %v", p.Volumes)
	}
}

// composeNetwork resolves compose service names as Docker's DNS would, to
// addresses on the project's private network.
type composeNetwork map[string]string

func (n composeNetwork) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := n[host]; ok {
		return []netip.Addr{netip.MustParseAddr(a)}, nil
	}
	return nil, errors.New("no such host")
}

// TestComposeExampleServer: the example MCP server runs the version the
// Go tests run, has a healthcheck, and the gateway starts after it and
// registers it from a seed file in the repository, which the gateway's own
// code accepts and which points at that service's host name and port.
func TestComposeExampleServer(t *testing.T) {
	p, err := load(t, filepath.Join(root, "docker-compose.yml"), "SECRET_KEY="+strings.Repeat("x", 48))
	if err != nil {
		t.Fatalf("docker-compose.yml does not load: %v", err)
	}
	const name = "everything"
	ev, ok := p.Services[name]
	if !ok {
		t.Fatalf("no %s service", name)
	}
	if ev.HealthCheck == nil || len(ev.HealthCheck.Test) == 0 || ev.HealthCheck.Disable {
		t.Errorf("%s has no healthcheck", name)
	}

	// The package version is the one backend/internal/testutil/mcpnode
	// pins, so compose runs what the tests exercise.
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	b, err := os.ReadFile(filepath.Join(root, "backend/internal/testutil/mcpnode/package.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatal(err)
	}
	const npmName = "@modelcontextprotocol/server-everything"
	want := npmName + "@" + pkg.Dependencies[npmName]
	if pkg.Dependencies[npmName] == "" || !slices.Contains(ev.Command, want) || !slices.Contains(ev.Command, "streamableHttp") {
		t.Errorf("%s's command %q; want it to run %s in streamableHttp mode", name, ev.Command, want)
	}
	port := ""
	if v := ev.Environment["PORT"]; v != nil {
		port = *v
	}
	if port == "" {
		t.Fatalf("%s's environment lacks PORT", name)
	}

	gw := p.Services["mcpgw"]
	if d, ok := gw.DependsOn[name]; !ok || (d.Condition != types.ServiceConditionStarted && d.Condition != types.ServiceConditionHealthy) {
		t.Errorf("mcpgw must start after %s (depends_on), have %+v", name, gw.DependsOn)
	}
	if v := gw.Environment["UPSTREAM_ALLOW_LINK_LOCAL"]; v != nil && *v != "false" {
		t.Errorf("UPSTREAM_ALLOW_LINK_LOCAL=%s: the example needs no link-local upstreams", *v)
	}

	// The seed file the gateway is told to read is mounted, read-only,
	// from the repository.
	target := ""
	if v := gw.Environment["SEED_SERVERS_FILE"]; v != nil {
		target = *v
	}
	if target == "" {
		t.Fatal("mcpgw's environment lacks SEED_SERVERS_FILE")
	}
	var source string
	for _, v := range gw.Volumes {
		if v.Target == target {
			if v.Type != types.VolumeTypeBind || !v.ReadOnly {
				t.Errorf("%s is mounted as %s (read-only %t); want a read-only bind mount", target, v.Type, v.ReadOnly)
			}
			source = v.Source
		}
	}
	if source == "" {
		t.Fatalf("SEED_SERVERS_FILE=%s is not mounted into mcpgw", target)
	}
	repo, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	if rel, err := filepath.Rel(repo, source); err != nil || strings.HasPrefix(rel, "..") {
		t.Fatalf("the seed file %s is not in the repository", source)
	}

	// The gateway's own loader, with its own SSRF guard and default
	// options, accepts it.
	seeds, err := registry.LoadSeedFile(context.Background(), source, registry.SeedOptions{
		Guard:     netguard.Options{Resolver: composeNetwork{name: "172.18.0.4"}},
		LookupEnv: func(string) (string, bool) { return "", false },
	})
	if err != nil {
		t.Fatalf("the gateway refuses the seed file: %v", err)
	}
	if len(seeds) == 0 {
		t.Fatalf("the seed file %s registers no server", source)
	}
	for _, sd := range seeds {
		u, err := url.Parse(sd.Server.UpstreamURL)
		if err != nil {
			t.Fatal(err)
		}
		if u.Hostname() != name || u.Port() != port {
			t.Errorf("%s upstream %s; want host %s and port %s (the compose service)", sd.Field, sd.Server.UpstreamURL, name, port)
		}
		if u.Path != "/mcp" || sd.Server.Transport != domain.TransportStreamableHTTP {
			t.Errorf("%s: upstream %s over %s; server-everything's streamableHttp mode serves streamable-http at /mcp",
				sd.Field, sd.Server.UpstreamURL, sd.Server.Transport)
		}
		if !sd.Server.Enabled {
			t.Errorf("%s is disabled: a new user should see it turn healthy", sd.Field)
		}
	}
}

func TestComposeRequiresSecretKey(t *testing.T) {
	_, err := load(t, filepath.Join(root, "docker-compose.yml"))
	if err == nil || !strings.Contains(err.Error(), "SECRET_KEY") {
		t.Fatalf("loading without SECRET_KEY: %v; want an error naming it", err)
	}
}

// TestBrokenComposeFileIsRejected shows the loader validates, so the test
// above cannot pass on a malformed file.
func TestBrokenComposeFileIsRejected(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"unknown-key.yml": "services:\n  a:\n    image: x\n    no_such_key: 1\n",
		"bad-yaml.yml":    "services:\n  a: [\n",
		"bad-depends.yml": "services:\n  a:\n    image: x\n    depends_on:\n      b:\n        condition: service_healthy\n",
	} {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := load(t, f); err == nil {
			t.Errorf("%s loaded without error", name)
		}
	}
}

func TestDockerfileIsMultiStageStaticAndNonRoot(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	if n := strings.Count(df, "\nFROM "); n < 2 {
		t.Errorf("Dockerfile has %d stages; want a multi-stage build", n+1)
	}
	for _, want := range []string{"CGO_ENABLED=0", "USER nonroot", "npm run build", `ENTRYPOINT ["/mcpgw"]`} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}
