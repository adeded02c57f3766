package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// child is a process the benchmark started, with its output in a file.
type child struct {
	name  string
	cmd   *exec.Cmd
	log   string
	done  chan struct{}
	stdin io.Closer // the roles of this program end when it closes
}

func startChild(name, logPath string, cmd *exec.Cmd) (*child, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	if cmd.Stdout == nil {
		cmd.Stdout = f
	}
	cmd.Stderr = f
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); _ = f.Close(); close(c.done) }()
	return c, nil
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// stop asks the process to end (sig) and kills it if it has not within
// five seconds.
func (c *child) stop(sig os.Signal) {
	if c == nil {
		return
	}
	if c.stdin != nil {
		_ = c.stdin.Close()
	}
	_ = c.cmd.Process.Signal(sig)
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// tail is the end of the child's output, for error messages.
func (c *child) tail() string {
	b, _ := os.ReadFile(c.log)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String(), nil
}

// waitListening waits until addr accepts connections or the child ends.
func waitListening(c *child, addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-c.done:
			return fmt.Errorf("%s exited:\n%s", c.name, c.tail())
		default:
		}
		if conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			_ = conn.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s is not listening on %s after %v:\n%s", c.name, addr, timeout, c.tail())
}

// startRole runs this program in one of its server roles (-role upstream,
// -role goproxy; see upstream.go) and returns its address. Its stop
// closes stdin, which ends it.
func startRole(self, dir, role string, args ...string) (*child, string, error) {
	cmd := exec.Command(self, append([]string{"-role", role, "-listen", "127.0.0.1:0"}, args...)...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, "", err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	c, err := startChild(role, filepath.Join(dir, role+".log"), cmd)
	if err != nil {
		return nil, "", err
	}
	c.stdin = stdin
	line, err := bufio.NewReader(out).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		c.stop(os.Kill)
		return nil, "", fmt.Errorf("%s did not start (%q, %v):\n%s", role, line, err, c.tail())
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return c, addr, nil
}

// gateway is mcpgw serving on its own database and Redis key space.
type gateway struct {
	*child
	addr, url string
	token     string
	adminDB   string
	dbName    string
	redisURL  string
	prefix    string
}

const benchAdminPassword = "proxybench-admin-password"

// startGateway creates a database for the run, starts the gateway
// (command: `mcpgw serve`, or this program as a profiling gateway),
// registers the upstream as server "bench", grants agents the tool
// "echo" there through a scope and a mapping, creates a service account
// in agents and gets its bearer token with the client-credentials grant.
func startGateway(ctx context.Context, command []string, dir, upstreamAddr string) (*gateway, error) {
	g := &gateway{
		adminDB:  envOr("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		redisURL: envOr("REDIS_URL", "redis://127.0.0.1:6379/0"),
		dbName:   "mcpgw_bench_" + randomHex(6),
		prefix:   "mcpgw-bench:" + randomHex(6) + ":",
	}
	dbURL, err := g.createDatabase(ctx)
	if err != nil {
		return nil, err
	}
	if g.addr, err = freeAddr(); err != nil {
		return nil, err
	}
	g.url = "http://" + g.addr
	cmd := exec.Command(command[0], command[1:]...)
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+dbURL,
		"REDIS_URL="+g.redisURL,
		"REDIS_KEY_PREFIX="+g.prefix,
		"SECRET_KEY=proxybench-secret-key-0123456789abcdef-0123456789",
		"ADMIN_USER=admin",
		"ADMIN_PASSWORD="+benchAdminPassword,
		"LISTEN_ADDR="+g.addr,
		"PUBLIC_URL="+g.url,
		"LOG_LEVEL=warn",
		"PASSWORD_HASH_MEMORY_KIB=1024",
		"PASSWORD_HASH_ITERATIONS=1",
		// 10,000 streams of one agent: the per-principal cap is a
		// limit against abuse, not what is measured.
		"PROXY_MAX_STREAMS_PER_PRINCIPAL=1000000",
		"SHUTDOWN_DRAIN_DELAY=0",
	)
	if g.child, err = startChild("mcpgw", filepath.Join(dir, "mcpgw.log"), cmd); err != nil {
		return nil, errors.Join(err, g.dropDatabase())
	}
	if err := g.setup(ctx, upstreamAddr); err != nil {
		g.stop()
		return nil, err
	}
	return g, nil
}

func (g *gateway) setup(ctx context.Context, upstreamAddr string) error {
	if err := waitListening(g.child, g.addr, time.Minute); err != nil {
		return err
	}
	jar, _ := cookiejar.New(nil)
	api := &apiClient{base: g.url, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	var me struct {
		CSRFToken string `json:"csrf_token"`
	}
	if err := api.do(ctx, http.MethodPost, "/api/auth/login", map[string]string{"username": "admin", "password": benchAdminPassword}, &me); err != nil {
		return err
	}
	api.csrf = me.CSRFToken
	steps := []struct {
		method, path string
		body         any
	}{
		{http.MethodPost, "/api/servers", map[string]any{
			"path": "bench", "display_name": "Benchmark upstream", "transport": "streamable-http",
			"upstream_url": "http://" + upstreamAddr + "/mcp",
		}},
		{http.MethodPut, "/api/scopes/bench-agents", map[string]any{"rules": []any{map[string]any{
			"server": "bench", "permissions": []string{"read", "execute"}, "methods": []string{"*"}, "tools": []string{"echo"},
		}}}},
		{http.MethodPut, "/api/mappings/agents", map[string]any{"scopes": []string{"bench-agents"}}},
	}
	for _, s := range steps {
		if err := api.do(ctx, s.method, s.path, s.body, nil); err != nil {
			return err
		}
	}
	var sa struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := api.do(ctx, http.MethodPost, "/api/service-accounts", map[string]any{
		"name": "bench-agent", "groups": []string{"agents"}, "description": "proxybench load",
	}, &sa); err != nil {
		return err
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, g.url+"/oauth2/token",
		strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(sa.ClientID, sa.ClientSecret)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := api.send(req, &tok); err != nil {
		return fmt.Errorf("client credentials: %w", err)
	}
	g.token = tok.AccessToken
	return nil
}

// stop shuts the gateway down and drops its database and Redis keys.
func (g *gateway) stop() {
	g.child.stop(syscall.SIGTERM)
	if err := g.dropDatabase(); err != nil {
		fmt.Fprintf(os.Stderr, "proxybench: %v\n", err)
	}
	g.cleanRedis()
}

// metric returns the value of an unlabelled counter or gauge on /metrics.
func (g *gateway) metric(name string) (float64, bool) {
	resp, err := http.Get(g.url + "/metrics")
	if err != nil {
		return 0, false
	}
	defer func() { _ = resp.Body.Close() }()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			var f float64
			if _, err := fmt.Sscan(v, &f); err == nil {
				return f, true
			}
		}
	}
	return 0, false
}

func (g *gateway) createDatabase(ctx context.Context) (string, error) {
	conn, err := pgx.Connect(ctx, g.adminDB)
	if err != nil {
		return "", fmt.Errorf("connecting to DATABASE_URL (make bench starts a PostgreSQL): %w", err)
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+g.dbName); err != nil {
		return "", fmt.Errorf("creating the benchmark database: %w", err)
	}
	u, err := url.Parse(g.adminDB)
	if err != nil {
		return "", err
	}
	u.Path = "/" + g.dbName
	return u.String(), nil
}

func (g *gateway) dropDatabase() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, g.adminDB)
	if err != nil {
		return fmt.Errorf("dropping %s: %w", g.dbName, err)
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+g.dbName+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("dropping %s: %w", g.dbName, err)
	}
	return nil
}

func (g *gateway) cleanRedis() {
	opt, err := redis.ParseURL(g.redisURL)
	if err != nil {
		return
	}
	rdb := redis.NewClient(opt)
	defer func() { _ = rdb.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	iter := rdb.Scan(ctx, 0, g.prefix+"*", 500).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if len(keys) > 0 {
		rdb.Del(ctx, keys...)
	}
}

// apiClient calls the gateway's admin API as a signed-in administrator.
type apiClient struct {
	base string
	http *http.Client
	csrf string
}

func (a *apiClient) do(ctx context.Context, method, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if a.csrf != "" {
		req.Header.Set("X-CSRF-Token", a.csrf)
	}
	if err := a.send(req, out); err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	return nil
}

func (a *apiClient) send(req *http.Request, out any) error {
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("status %d: %.300s", resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// nginxConf is a plain reverse proxy, tuned the way one would for this:
// as many workers as CPUs, keep-alive on both sides (HTTP/1.1 to the
// upstream with the Connection header cleared, an idle pool), no limit on
// requests per connection, no access log.
const nginxConf = `daemon off;
master_process on;
worker_processes %d;
worker_rlimit_nofile 20000;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path %[2]s/client_body;
  proxy_temp_path %[2]s/proxy;
  fastcgi_temp_path %[2]s/fastcgi;
  uwsgi_temp_path %[2]s/uwsgi;
  scgi_temp_path %[2]s/scgi;
  keepalive_timeout 300s;
  keepalive_requests 1000000000;
  upstream mcp {
    server %[3]s;
    keepalive 256;
    keepalive_requests 1000000000;
    keepalive_timeout 300s;
  }
  server {
    listen %[4]s;
    location / {
      proxy_pass http://mcp;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`

// startNginx runs nginx in the foreground on a generated configuration in
// dir.
func startNginx(bin, dir, upstreamAddr string, workers int) (*child, string, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	ndir := filepath.Join(dir, "nginx")
	if err := os.MkdirAll(ndir, 0o755); err != nil {
		return nil, "", err
	}
	conf := filepath.Join(ndir, "nginx.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, nginxConf, workers, ndir, upstreamAddr, addr), 0o644); err != nil {
		return nil, "", err
	}
	c, err := startChild("nginx", filepath.Join(dir, "nginx.log"), exec.Command(bin, "-p", ndir, "-c", conf, "-e", filepath.Join(ndir, "error.log")))
	if err != nil {
		return nil, "", err
	}
	if err := waitListening(c, addr, 10*time.Second); err != nil {
		c.stop(syscall.SIGQUIT)
		return nil, "", err
	}
	return c, addr, nil
}

// nginxVersion is what `nginx -v` says.
func nginxVersion(bin string) string {
	out, _ := exec.Command(bin, "-v").CombinedOutput()
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(out)), "nginx version: "))
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
