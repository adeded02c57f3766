package config

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func noFiles(string) ([]byte, error) { return nil, fs.ErrNotExist }

func TestDefaults(t *testing.T) {
	c, err := Load(env(nil), noFiles)
	if err != nil {
		t.Fatal(err)
	}
	if c.ListenAddr != ":7860" || c.SessionCookieName != "mcp_gateway_session" || c.SessionMaxAge != 8*time.Hour ||
		c.AdminUser != "admin" || c.PublicURL.String() != "http://localhost:7860" || !c.MigrateOnStart ||
		c.SecureCookies() || c.PublicOrigin() != "http://localhost:7860" {
		t.Fatalf("defaults = %+v", c)
	}
	if err := c.RequireSecretKey(); err == nil || !strings.Contains(err.Error(), "SECRET_KEY") {
		t.Fatalf("RequireSecretKey with none set: %v", err)
	}
}

func TestBadValuesNameTheirVariable(t *testing.T) {
	_, err := Load(env(map[string]string{
		"LISTEN_ADDR":              "7860",
		"PUBLIC_URL":               "ftp://x",
		"SESSION_MAX_AGE_SECONDS":  "eight hours",
		"SECRET_KEY":               "short",
		"LOG_LEVEL":                "loud",
		"TRUSTED_PROXIES":          "10.0.0.0/8, not-an-ip",
		"DATABASE_URL":             "mysql://x",
		"MIGRATE_ON_START":         "maybe",
		"HTTP_READ_HEADER_TIMEOUT": "soon",
	}), noFiles)
	if err == nil {
		t.Fatal("bad values were accepted")
	}
	for _, name := range []string{"LISTEN_ADDR", "PUBLIC_URL", "SESSION_MAX_AGE_SECONDS", "SECRET_KEY", "LOG_LEVEL",
		"TRUSTED_PROXIES", "DATABASE_URL", "MIGRATE_ON_START", "HTTP_READ_HEADER_TIMEOUT"} {
		if !strings.Contains(err.Error(), name+":") {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
}

func TestCrossFieldRule(t *testing.T) {
	_, err := Load(env(map[string]string{"SESSION_MAX_AGE_SECONDS": "60", "SESSION_IDLE_TIMEOUT_SECONDS": "120"}), noFiles)
	if err == nil || !strings.Contains(err.Error(), "SESSION_IDLE_TIMEOUT_SECONDS") {
		t.Fatalf("idle > max age: %v", err)
	}
}

// TestMetricsAddr: METRICS_ADDR is optional, checked like LISTEN_ADDR,
// and never the main listener's socket.
func TestMetricsAddr(t *testing.T) {
	c, err := Load(env(nil), noFiles)
	if err != nil || c.MetricsAddr != "" {
		t.Fatalf("default METRICS_ADDR = %q, %v; want empty (/metrics on LISTEN_ADDR)", c.MetricsAddr, err)
	}
	for _, ok := range []struct{ listen, metrics string }{
		{":7860", ":9090"},
		{":7860", "127.0.0.1:9090"},
		{"127.0.0.1:7860", "[::1]:9090"},
		{"10.0.0.5:9090", "127.0.0.1:9090"}, // same port, other addresses
		{"127.0.0.1:0", "127.0.0.1:0"},      // each picks a free port
	} {
		c, err := Load(env(map[string]string{"LISTEN_ADDR": ok.listen, "METRICS_ADDR": ok.metrics}), noFiles)
		if err != nil || c.MetricsAddr != ok.metrics {
			t.Errorf("LISTEN_ADDR=%s METRICS_ADDR=%s: %q, %v", ok.listen, ok.metrics, c.MetricsAddr, err)
		}
	}
	for _, bad := range []struct{ listen, metrics, want string }{
		{":7860", "9090", "must be host:port"},
		{":7860", "localhost", "must be host:port"},
		{":7860", ":99999", "invalid port"},
		{":7860", ":metrics", "invalid port"},
		{":7860", " ", "must be host:port"},
		{":7860", ":7860", "LISTEN_ADDR's port"},
		{"127.0.0.1:7860", "127.0.0.1:7860", "LISTEN_ADDR's port"},
		{":7860", "127.0.0.1:7860", "LISTEN_ADDR's port"},        // :7860 already holds every address
		{"127.0.0.1:7860", "0.0.0.0:7860", "LISTEN_ADDR's port"}, // and so would 0.0.0.0
		{"[::]:7860", "[::1]:07860", "LISTEN_ADDR's port"},
		{"Gateway.internal:7860", "gateway.INTERNAL:7860", "LISTEN_ADDR's port"},
	} {
		_, err := Load(env(map[string]string{"LISTEN_ADDR": bad.listen, "METRICS_ADDR": bad.metrics}), noFiles)
		if err == nil || !strings.Contains(err.Error(), "METRICS_ADDR: ") || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("LISTEN_ADDR=%s METRICS_ADDR=%q: %v; want an error naming METRICS_ADDR: %s", bad.listen, bad.metrics, err, bad.want)
		}
	}
}

func TestSecretsFromFiles(t *testing.T) {
	files := map[string]string{"/run/secrets/key": strings.Repeat("k", 40) + "\n", "/run/secrets/db": "postgres://u:p@db/x\n"}
	read := func(p string) ([]byte, error) {
		if v, ok := files[p]; ok {
			return []byte(v), nil
		}
		return nil, fs.ErrNotExist
	}
	c, err := Load(env(map[string]string{"SECRET_KEY_FILE": "/run/secrets/key", "DATABASE_URL_FILE": "/run/secrets/db"}), read)
	if err != nil {
		t.Fatal(err)
	}
	if c.SecretKey != strings.Repeat("k", 40) || c.DatabaseURL != "postgres://u:p@db/x" {
		t.Fatalf("from files: key %q db %q", c.SecretKey, c.DatabaseURL)
	}
	_, err = Load(env(map[string]string{"SECRET_KEY": strings.Repeat("k", 40), "SECRET_KEY_FILE": "/run/secrets/key"}), read)
	if err == nil || !strings.Contains(err.Error(), "not both") {
		t.Fatalf("both set: %v", err)
	}
	_, err = Load(env(map[string]string{"SECRET_KEY_FILE": "/missing"}), read)
	if err == nil || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "SECRET_KEY") {
		t.Fatalf("missing file: %v", err)
	}
}

func TestDurationsAcceptSecondsAndGoSyntax(t *testing.T) {
	c, err := Load(env(map[string]string{"HTTP_READ_HEADER_TIMEOUT": "15", "SHUTDOWN_TIMEOUT": "1m30s"}), noFiles)
	if err != nil {
		t.Fatal(err)
	}
	if c.ReadHeaderTimeout != 15*time.Second || c.ShutdownTimeout != 90*time.Second {
		t.Fatalf("got %v and %v", c.ReadHeaderTimeout, c.ShutdownTimeout)
	}
}

func TestLogValueRedactsSecrets(t *testing.T) {
	c, err := Load(env(map[string]string{
		"SECRET_KEY": strings.Repeat("s", 40), "DATABASE_URL": "postgres://u:dbpass@h/db?password=qpass",
		"REDIS_URL": "redis://:redispass@h:6379/0", "ADMIN_PASSWORD": "adminpass",
	}), noFiles)
	if err != nil {
		t.Fatal(err)
	}
	out := c.LogValue().String()
	for _, secret := range []string{strings.Repeat("s", 40), "dbpass", "qpass", "redispass", "adminpass"} {
		if strings.Contains(out, secret) {
			t.Errorf("LogValue leaks %q: %s", secret, out)
		}
	}
}

// TestEnvExampleIsCurrent keeps .env.example equal to the option table, so
// every variable is documented with a comment.
func TestEnvExampleIsCurrent(t *testing.T) {
	b, err := os.ReadFile("../../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != EnvExample() {
		t.Fatal(".env.example is stale: run `make env-example`")
	}
	for _, o := range options() {
		if o.name != "" && o.help == "" {
			t.Errorf("%s has no help text", o.name)
		}
	}
}

func TestPublicURLIsNormalisedToTheBrowsersOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://Gateway.Example.com:443/": "https://gateway.example.com",
		"http://localhost:80":              "http://localhost",
		"http://127.0.0.1:7860":            "http://127.0.0.1:7860",
		"https://bücher.example":           "https://xn--bcher-kva.example",
		"http://[::1]:7860":                "http://[::1]:7860",
	} {
		c, err := Load(env(map[string]string{"PUBLIC_URL": in}), noFiles)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if got := c.PublicOrigin(); got != want {
			t.Errorf("PUBLIC_URL %s: origin %s, want %s", in, got, want)
		}
	}
}
