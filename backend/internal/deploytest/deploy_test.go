// Package deploytest checks the deployment files at the repository root
// (docker-compose.yml, Dockerfile): there is no Docker engine here, so they
// are validated by the Compose specification's own loader.
package deploytest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
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
