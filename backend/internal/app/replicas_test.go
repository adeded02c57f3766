package app_test

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
	"net/http/httptest"
	"net/http/httputil"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

// The multi-replica test runs real mcpgw processes (the binary `make
// build` makes, built here) on different ports, sharing one Postgres
// database and one Redis key space, behind a round-robin load balancer
// that follows /readyz, as a Kubernetes Service or an nginx upstream with
// health checks would.

// replicaInterval is the replicas' HEALTH_CHECK_INTERVAL.
const replicaInterval = 2 * time.Second

// buildGateway builds the mcpgw binary into dir.
func buildGateway(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "mcpgw")
	start := time.Now()
	cmd := exec.Command("go", "build", "-o", bin, "github.com/mcpgw/mcpgw/backend/cmd/mcpgw")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built mcpgw in %s", time.Since(start).Round(time.Millisecond))
	return bin
}

// replica is one mcpgw process. Restarting it keeps its port.
type replica struct {
	t    *testing.T
	name string
	bin  string
	env  []string
	addr string
	URL  string
	logs string // file the process's output goes to

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // the exit status, once exited is closed
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String()
}

func newReplica(t *testing.T, name, bin, dir string, env []string) *replica {
	addr := freeAddr(t)
	return &replica{t: t, name: name, bin: bin, addr: addr, URL: "http://" + addr,
		env: append(env, "LISTEN_ADDR="+addr), logs: filepath.Join(dir, name+".log")}
}

// start runs the process (appending to its log) without waiting for it.
func (r *replica) start() {
	r.t.Helper()
	f, err := os.OpenFile(r.logs, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		r.t.Fatal(err)
	}
	cmd := exec.Command(r.bin, "serve")
	cmd.Env, cmd.Stdout, cmd.Stderr = r.env, f, f
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("%s: %v", r.name, err)
	}
	exited := make(chan struct{})
	r.mu.Lock()
	r.cmd, r.exited = cmd, exited
	r.mu.Unlock()
	go func() {
		err := cmd.Wait()
		_ = f.Close()
		r.mu.Lock()
		r.err = err
		r.mu.Unlock()
		close(exited)
	}()
}

// waitReady waits for /readyz to answer 200.
func (r *replica) waitReady() {
	r.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-r.exited:
			r.t.Fatalf("%s exited while starting: %v\n%s", r.name, r.err, r.tail())
		default:
		}
		if resp, err := http.Get(r.URL + "/readyz"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.t.Fatalf("%s not ready after 30s\n%s", r.name, r.tail())
}

// signal sends sig and waits (up to limit) for the process to exit,
// returning how long that took and its exit error.
func (r *replica) signal(sig os.Signal, limit time.Duration) (time.Duration, error) {
	r.t.Helper()
	r.mu.Lock()
	cmd, exited := r.cmd, r.exited
	r.mu.Unlock()
	start := time.Now()
	if err := cmd.Process.Signal(sig); err != nil {
		r.t.Fatalf("%s: %v", r.name, err)
	}
	select {
	case <-exited:
	case <-time.After(limit):
		_ = cmd.Process.Kill()
		<-exited
		r.t.Fatalf("%s did not exit within %s of %v\n%s", r.name, limit, sig, r.tail())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return time.Since(start), r.err
}

func (r *replica) running() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.exited:
		return false
	default:
		return r.cmd != nil
	}
}

func (r *replica) tail() string {
	b, _ := os.ReadFile(r.logs)
	if len(b) > 6000 {
		b = b[len(b)-6000:]
	}
	return string(b)
}

// leading reads mcpgw_health_poller_leading from /metrics: 1, 0, or -1
// when the replica does not answer.
func (r *replica) leading() int {
	resp, err := http.Get(r.URL + "/metrics")
	if err != nil {
		return -1
	}
	defer func() { _ = resp.Body.Close() }()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "mcpgw_health_poller_leading "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return int(f)
		}
	}
	return -1
}

// balancer is a round-robin HTTP load balancer over the replicas: each
// request goes to the next replica whose /readyz answered 200 at the last
// probe (every 50ms); a request whose connection is refused (the replica
// has just stopped listening) is sent to the next one, which is safe
// because nothing was sent.
type balancer struct {
	*httptest.Server
	backends []*backend
	next     atomic.Uint64
	base     *http.Transport

	mu  sync.Mutex
	log []routed // while recording
	rec bool
}

// routed is a request the balancer sent, with the replica that answered.
type routed struct {
	method, path string
	body         []byte
	replica      int
}

// record starts (or, with false, stops) logging routed requests and
// returns what was logged since the last call.
func (b *balancer) record(on bool) []routed {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.log
	b.log, b.rec = nil, on
	return out
}

type backend struct {
	r     *replica
	ready atomic.Bool
	hits  atomic.Int64
}

func newBalancer(t *testing.T, ln net.Listener, rs []*replica) *balancer {
	b := &balancer{base: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second}}
	ctx, cancel := context.WithCancel(context.Background())
	var probes sync.WaitGroup
	for _, r := range rs {
		be := &backend{r: r}
		b.backends = append(b.backends, be)
		probes.Go(func() {
			c := &http.Client{Timeout: 150 * time.Millisecond}
			for ctx.Err() == nil {
				resp, err := c.Get(be.r.URL + "/readyz")
				ok := err == nil && resp.StatusCode == http.StatusOK
				if err == nil {
					_ = resp.Body.Close()
				}
				be.ready.Store(ok)
				select {
				case <-ctx.Done():
				case <-time.After(50 * time.Millisecond):
				}
			}
		})
	}
	rp := &httputil.ReverseProxy{
		Rewrite:       func(pr *httputil.ProxyRequest) { pr.Out.URL.Scheme, pr.Out.URL.Host = "http", "backend" },
		Transport:     b,
		FlushInterval: -1,
	}
	b.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The body is kept so that a refused connection can be retried on
		// the next replica.
		body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		rp.ServeHTTP(w, r)
	}))
	_ = b.Listener.Close()
	b.Listener = ln
	b.Start()
	t.Cleanup(func() {
		b.Server.CloseClientConnections()
		b.Close()
		cancel()
		probes.Wait()
		b.base.CloseIdleConnections()
	})
	return b
}

// RoundTrip sends req to the next ready replica.
func (b *balancer) RoundTrip(req *http.Request) (*http.Response, error) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		be := b.pick()
		if be == nil {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		out := req.Clone(req.Context())
		out.URL.Host = be.r.addr
		out.Host = ""
		if req.GetBody != nil {
			out.Body, _ = req.GetBody()
		}
		resp, err := b.base.RoundTrip(out)
		var op *net.OpError
		if err != nil && errors.As(err, &op) && op.Op == "dial" {
			be.ready.Store(false)
			continue
		}
		if err == nil {
			be.hits.Add(1)
			b.mu.Lock()
			if b.rec {
				var body []byte
				if req.GetBody != nil {
					rc, _ := req.GetBody()
					body, _ = io.ReadAll(rc)
				}
				b.log = append(b.log, routed{method: req.Method, path: req.URL.Path, body: body, replica: slices.Index(b.backends, be)})
			}
			b.mu.Unlock()
		}
		return resp, err
	}
	return nil, errors.New("balancer: no replica ready")
}

func (b *balancer) pick() *backend {
	n := len(b.backends)
	for range n {
		be := b.backends[int(b.next.Add(1)-1)%n]
		if be.ready.Load() {
			return be
		}
	}
	return nil
}

// hits returns how many requests each replica answered, and resets them.
func (b *balancer) hits() []int64 {
	out := make([]int64, len(b.backends))
	for i, be := range b.backends {
		out[i] = be.hits.Swap(0)
	}
	return out
}

// rawSession is a Streamable HTTP MCP session spoken by hand, so that each
// request can be sent to a chosen replica.
type rawSession struct {
	t     *testing.T
	token string
	path  string // /{server}/mcp
	id    string // Mcp-Session-Id
	next  int
}

// rpcAt posts one JSON-RPC message to base+path and returns the HTTP
// status and the JSON-RPC answer (the first data line of an event
// stream, or the JSON body).
func (s *rawSession) rpcAt(base, method string, params any) (int, map[string]json.RawMessage, http.Header) {
	s.t.Helper()
	s.next++
	msg := map[string]any{"jsonrpc": "2.0", "id": s.next, "method": method, "params": params}
	if strings.HasPrefix(method, "notifications/") {
		delete(msg, "id")
	}
	body, _ := json.Marshal(msg)
	req, _ := http.NewRequest(http.MethodPost, base+s.path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	if s.id != "" {
		req.Header.Set("Mcp-Session-Id", s.id)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s at %s: %v", method, base, err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(resp.Body)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		for line := range strings.Lines(string(raw)) {
			if d, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "data: "); ok {
				raw = []byte(d)
				break
			}
		}
	}
	var out map[string]json.RawMessage
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out, resp.Header
}

func (s *rawSession) initialize(base string) {
	s.t.Helper()
	status, out, h := s.rpcAt(base, "initialize", map[string]any{
		"protocolVersion": "2025-11-25", "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": "replica-test", "version": "1"},
	})
	if status != http.StatusOK || out["result"] == nil || h.Get("Mcp-Session-Id") == "" {
		s.t.Fatalf("initialize at %s: %d %v", base, status, out)
	}
	s.id = h.Get("Mcp-Session-Id")
	if status, _, _ := s.rpcAt(base, "notifications/initialized", nil); status != http.StatusAccepted {
		s.t.Fatalf("initialized at %s: %d", base, status)
	}
}

// call calls tool at base and says whether the gateway let it through
// (an answer with a result) or refused it (the JSON-RPC error's code).
func (s *rawSession) call(base, tool string) (allowed bool, code int) {
	s.t.Helper()
	_, out, _ := s.rpcAt(base, "tools/call", map[string]any{"name": tool, "arguments": map[string]any{"text": "hi"}})
	if out["result"] != nil {
		return true, 0
	}
	var e struct {
		Code int `json:"code"`
	}
	_ = json.Unmarshal(out["error"], &e)
	return false, e.Code
}

// openStream opens a GET event stream at url and reads it to its end in
// the background; the channel gets nil when the stream ended cleanly, the
// error when it was cut.
func openStream(t *testing.T, url string, h http.Header) <-chan error {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header = h
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	ended := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		ended <- err
	}()
	return ended
}

// within polls cond every 5ms until it holds, returning how long that
// took, or fails the test after limit.
func within(t *testing.T, limit time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// TestReplicas runs three mcpgw processes sharing one Postgres database
// and one Redis key space and shows that they act as one gateway:
// sessions, registry and permission changes, MCP sessions spread over
// them, one health poller with failover, live events on every replica,
// and a rolling restart under load without a failed request.
func TestReplicas(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs mcpgw processes")
	}
	dir := t.TempDir()
	bin := buildGateway(t, dir)
	cfg := testutil.Config(t) // a fresh database and Redis key space
	// The replicas share everything a deployment shares: database, Redis,
	// SECRET_KEY and PUBLIC_URL (the load balancer's address, known once it
	// listens; it is the PUBLIC_URL in every replica's environment).
	lbAddr := freeAddr(t)
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + dir,
		"DATABASE_URL=" + cfg.DatabaseURL, "REDIS_URL=" + cfg.RedisURL, "REDIS_KEY_PREFIX=" + cfg.RedisKeyPrefix,
		"SECRET_KEY=" + cfg.SecretKey, "ADMIN_PASSWORD=" + testutil.AdminPassword,
		"PUBLIC_URL=http://" + lbAddr,
		"PASSWORD_HASH_MEMORY_KIB=1024", "PASSWORD_HASH_ITERATIONS=1",
		"HEALTH_CHECK_ENABLED=true", "HEALTH_CHECK_INTERVAL=" + replicaInterval.String(), "HEALTH_CHECK_RETRY_MIN=500ms",
		"HEALTH_CHECK_TIMEOUT=1s",
		// Well above the balancer's probe period (50ms, 150ms timeout), as
		// it should be in production, even on a loaded machine.
		"SHUTDOWN_DRAIN_DELAY=1500ms", "SHUTDOWN_TIMEOUT=20s",
		"LOG_FORMAT=json", "LOG_LEVEL=info",
	}
	rs := make([]*replica, 3)
	for i := range rs {
		rs[i] = newReplica(t, fmt.Sprintf("replica-%d", i), bin, dir, env)
	}
	t.Cleanup(func() {
		for _, r := range rs {
			if r.running() {
				_, _ = r.signal(syscall.SIGKILL, 10*time.Second)
			}
		}
		if t.Failed() {
			for _, r := range rs {
				t.Logf("--- %s log (tail)\n%s", r.name, r.tail())
			}
		}
	})
	// All three start at once on the same empty database: migrations and
	// the first administrator must not race.
	for _, r := range rs {
		r.start()
	}
	for _, r := range rs {
		r.waitReady()
	}
	ln, err := net.Listen("tcp", lbAddr)
	if err != nil {
		t.Fatal(err)
	}
	lb := newBalancer(t, ln, rs)

	admin := testutil.NewClient(t, rs[0].URL)
	admin.Login("admin", testutil.AdminPassword)

	t.Run("one session, every replica", func(t *testing.T) {
		c := testutil.NewClient(t, rs[1].URL)
		c.Login("admin", testutil.AdminPassword)
		for _, r := range rs {
			if got := c.At(r.URL).Do(http.MethodGet, "/api/auth/me", nil); got.Status != http.StatusOK {
				t.Fatalf("%s: the session made on replica-1 is refused: %d %s", r.name, got.Status, got.Body)
			}
		}
		if got := c.At(rs[2].URL).Do(http.MethodPost, "/api/auth/logout", nil); got.Status != http.StatusOK && got.Status != http.StatusNoContent {
			t.Fatalf("logout on replica-2: %d %s", got.Status, got.Body)
		}
		for _, r := range rs {
			if got := c.At(r.URL).Do(http.MethodGet, "/api/auth/me", nil); got.Status != http.StatusUnauthorized {
				t.Fatalf("%s: the session ended on replica-2 still works: %d", r.name, got.Status)
			}
		}
	})

	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{})
	echo := createServer(t, admin, map[string]any{"path": "echo", "upstream_url": up.StreamableURL(), "transport": "streamable-http"})
	grantTools(t, admin, "agents", "echo", "echo", "slow")
	token := clientToken(t, rs[1].URL, createServiceAccount(t, admin, "robot", "agents"))
	auth := bearerHeader(token)

	t.Run("changes made on one replica are enforced by the others within a second", func(t *testing.T) {
		sessions := make([]*rawSession, len(rs))
		for i, r := range rs {
			sessions[i] = &rawSession{t: t, token: token, path: "/echo/mcp"}
			sessions[i].initialize(r.URL)
			if ok, code := sessions[i].call(r.URL, "echo"); !ok {
				t.Fatalf("%s: echo refused (%d) before any change", r.name, code)
			}
		}
		// Each change is made through replica-0; replicas 1 and 2 must
		// enforce it within a second, measured from the API's answer.
		change := func(what string, do func(), enforced func(s *rawSession, base string) bool) {
			do()
			for i, r := range rs[1:] {
				d := within(t, time.Second, what+" on "+r.name, func() bool { return enforced(sessions[i+1], r.URL) })
				t.Logf("%s: enforced by %s after %s", what, r.name, d.Round(time.Millisecond))
			}
		}
		change("tool permission revoked", func() {
			rule := map[string]any{"server": "echo", "permissions": []string{"read", "execute"}, "methods": []string{"*"}, "tools": []string{"slow"}}
			if r := admin.Do(http.MethodPut, "/api/scopes/agents-on-echo", map[string]any{"rules": []any{rule}}); r.Status != http.StatusOK {
				t.Fatalf("put scope: %d %s", r.Status, r.Body)
			}
		}, func(s *rawSession, base string) bool { ok, _ := s.call(base, "echo"); return !ok })
		change("tool permission granted again", func() {
			rule := map[string]any{"server": "echo", "permissions": []string{"read", "execute"}, "methods": []string{"*"}, "tools": []string{"echo", "slow"}}
			if r := admin.Do(http.MethodPut, "/api/scopes/agents-on-echo", map[string]any{"rules": []any{rule}}); r.Status != http.StatusOK {
				t.Fatalf("put scope: %d %s", r.Status, r.Body)
			}
		},
			func(s *rawSession, base string) bool { ok, _ := s.call(base, "echo"); return ok })

		srv := echo
		change("server disabled", func() {
			if r := admin.Do(http.MethodPost, "/api/servers/"+srv.ID+"/toggle", map[string]any{"enabled": false}); r.Status != http.StatusOK {
				t.Fatalf("disable: %d %s", r.Status, r.Body)
			}
		}, func(s *rawSession, base string) bool { ok, _ := s.call(base, "echo"); return !ok })
		change("server enabled", func() {
			if r := admin.Do(http.MethodPost, "/api/servers/"+srv.ID+"/toggle", map[string]any{"enabled": true}); r.Status != http.StatusOK {
				t.Fatalf("enable: %d %s", r.Status, r.Body)
			}
		}, func(s *rawSession, base string) bool { ok, _ := s.call(base, "echo"); return ok })

		change("server registered", func() {
			createServer(t, admin, map[string]any{"path": "echo-two", "upstream_url": up.StreamableURL(), "transport": "streamable-http"})
			grantTools(t, admin, "agents", "echo-two", "echo")
		}, func(_ *rawSession, base string) bool {
			s := &rawSession{t: t, token: token, path: "/echo-two/mcp"}
			status, _, h := s.rpcAt(base, "initialize", map[string]any{"protocolVersion": "2025-11-25", "capabilities": map[string]any{},
				"clientInfo": map[string]any{"name": "replica-test", "version": "1"}})
			return status == http.StatusOK && h.Get("Mcp-Session-Id") != ""
		})
	})

	t.Run("an MCP session spread over every replica", func(t *testing.T) {
		lb.hits()
		c := testutil.NewMCPClientWith(t, testutil.MCPClientOptions{
			URL: lb.URL + "/echo/mcp", Transport: testutil.TransportStreamable, Header: auth, ProtocolVersion: "2025-11-25",
		})
		ctx := context.Background()
		for i := range 12 {
			want := fmt.Sprintf("call %d", i)
			res, err := c.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": want}})
			if err != nil || res.IsError || res.Content[0].(*mcp.TextContent).Text != want {
				t.Fatalf("call %d through the balancer: %v %+v", i, err, res)
			}
		}
		res, progress, err := c.CallToolProgress(ctx, "slow", map[string]any{"count": 3, "interval_ms": 20})
		if err != nil || res.IsError || len(progress) != 3 {
			t.Fatalf("slow call through the balancer: %v %+v %d progress", err, res, len(progress))
		}
		hits := lb.hits()
		t.Logf("Go SDK client, one session: requests per replica %v", hits)
		for i, n := range hits {
			if n < 3 {
				t.Fatalf("replica-%d answered %d of the session's requests: %v", i, n, hits)
			}
		}

		ts := testutil.RunTSClient(t, ctx, testutil.TSClientArgs{
			URL: lb.URL + "/echo/mcp", Header: auth,
			Steps: []testutil.TSStep{testutil.TSListTools(), testutil.TSCallTool("echo", map[string]any{"text": "a"}),
				testutil.TSCallTool("echo", map[string]any{"text": "b"}), testutil.TSCallToolProgress("slow", map[string]any{"count": 2, "interval_ms": 20}),
				testutil.TSCallTool("echo", map[string]any{"text": "c"})},
		})
		if !ts.Connected || ts.SessionID == "" {
			t.Fatalf("TypeScript client: connected=%v session=%q %+v\n%s", ts.Connected, ts.SessionID, ts.ConnectError, ts.Stderr)
		}
		for i := range ts.Steps {
			if st := ts.Step(t, i); st.IsError() {
				t.Fatalf("TypeScript client step %d: %+v", i, st)
			}
		}
		hits = lb.hits()
		t.Logf("TypeScript SDK client, one session (%s): requests per replica %v", ts.ProtocolVersion, hits)
		for i, n := range hits {
			if n == 0 {
				t.Fatalf("replica-%d answered none of the TypeScript session's requests: %v", i, hits)
			}
		}
	})

	t.Run("a legacy SSE session spread over every replica", func(t *testing.T) {
		// The stream is held by one replica, the messages are posted to
		// all of them: the posts are found in the shared directory, the
		// answers come back on the stream, and refusals made by a replica
		// that does not hold the stream reach it too.
		createServer(t, admin, map[string]any{"path": "echo-sse", "upstream_url": up.SSEURL(), "transport": "sse"})
		grantTools(t, admin, "agents", "echo-sse", "echo")
		for _, r := range rs { // each replica knows the server and the grant
			within(t, 5*time.Second, r.name+" knows echo-sse", func() bool {
				req, _ := http.NewRequest(http.MethodGet, r.URL+"/echo-sse/not-an-endpoint", nil)
				req.Header = auth.Clone()
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return false
				}
				defer func() { _ = resp.Body.Close() }()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode == http.StatusNotFound && strings.Contains(string(b), "not an MCP endpoint")
			})
		}
		lb.hits()
		lb.record(true)
		c := testutil.NewMCPClient(t, lb.URL+"/echo-sse/sse", testutil.TransportSSE, auth)
		ctx := context.Background()
		tools, err := c.ListTools(ctx, nil)
		if err != nil || len(tools.Tools) != 1 || tools.Tools[0].Name != "echo" {
			t.Fatalf("tools/list over the legacy transport: %v %+v", err, tools)
		}
		for i := range 9 {
			want := fmt.Sprintf("legacy %d", i)
			res, err := c.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": want}})
			if err != nil || res.IsError || res.Content[0].(*mcp.TextContent).Text != want {
				t.Fatalf("legacy call %d: %v %+v", i, err, res)
			}
		}
		for i := range 3 {
			if _, err := c.CallTool(ctx, &mcp.CallToolParams{Name: "add", Arguments: map[string]any{"a": 1, "b": 2}}); err == nil || !strings.Contains(err.Error(), "permission denied") {
				t.Fatalf("denied legacy call %d: %v", i, err)
			}
		}
		holder, remoteRefusals := -1, 0
		for _, rt := range lb.record(false) {
			switch {
			case rt.method == http.MethodGet:
				holder = rt.replica
			case bytes.Contains(rt.body, []byte(`"name":"add"`)) && rt.replica != holder:
				remoteRefusals++
			}
		}
		if holder < 0 || remoteRefusals == 0 {
			t.Fatalf("the stream on replica-%d, %d denied calls posted to another replica: nothing shown", holder, remoteRefusals)
		}
		hits := lb.hits()
		t.Logf("Go SDK client, one legacy SSE session (stream on replica-%d): requests per replica %v, %d of 3 refusals made by a replica without the stream",
			holder, hits, remoteRefusals)
		for i, n := range hits {
			if n < 3 {
				t.Fatalf("replica-%d answered %d of the session's requests: %v", i, n, hits)
			}
		}
		if up := up.Requests(); len(up) == 0 {
			t.Fatal("the upstream saw nothing")
		}
	})

	t.Run("a health change reaches live subscribers on every replica", func(t *testing.T) {
		flaky := testutil.NewMCPServer(t, testutil.MCPServerOptions{})
		created := createServer(t, admin, map[string]any{"path": "flaky", "upstream_url": flaky.StreamableURL(), "transport": "streamable-http"})
		grantTools(t, admin, "agents", "flaky", "*")
		streams := make([]*liveReader, len(rs))
		for i, r := range rs {
			streams[i] = openLive(t, r.URL, token, "")
		}
		healthy := func(ev liveEv) bool { _, s := liveState(t, ev); return s.ID == created.ID && s.Status == "healthy" }
		for _, l := range streams {
			if ev := l.next(3*replicaInterval, func(ev liveEv) bool { return ev.name == "snapshot" || healthy(ev) }); ev.name == "snapshot" && !strings.Contains(ev.data, `"status":"healthy"`) {
				l.next(3*replicaInterval, healthy)
			}
		}
		flaky.Close()
		down := time.Now()
		for i, l := range streams {
			l.next(3*replicaInterval, func(ev liveEv) bool {
				_, s := liveState(t, ev)
				return s.ID == created.ID && s.Status == "unhealthy"
			})
			t.Logf("upstream down: seen on %s's live stream after %s", rs[i].name, time.Since(down).Round(time.Millisecond))
		}
	})

	t.Run("one poller, and another takes over within an interval", func(t *testing.T) {
		leader := -1
		within(t, 2*replicaInterval, "exactly one replica polls", func() bool {
			n := 0
			for i, r := range rs {
				if r.leading() == 1 {
					n, leader = n+1, i
				}
			}
			return n == 1
		})
		// Killed without a chance to let go: Postgres frees the advisory
		// lock when the connection drops.
		if _, err := rs[leader].signal(syscall.SIGKILL, 10*time.Second); err == nil {
			t.Fatal("SIGKILL: want a non-zero exit")
		}
		next := -1
		d := within(t, replicaInterval, "another replica polls", func() bool {
			for i, r := range rs {
				if i != leader && r.leading() == 1 {
					next = i
					return true
				}
			}
			return false
		})
		t.Logf("poller failover: %s killed, %s polling after %s (interval %s)", rs[leader].name, rs[next].name, d.Round(time.Millisecond), replicaInterval)
		// The new poller checks: the server's last check moves on.
		checked := func() time.Time {
			var s struct {
				Health struct {
					LastCheckedAt time.Time `json:"last_checked_at"`
				} `json:"health"`
			}
			admin.At(rs[next].URL).Do(http.MethodGet, "/api/servers/"+echo.ID, nil).JSON(t, &s)
			return s.Health.LastCheckedAt
		}
		before := checked()
		within(t, 2*replicaInterval, "a check by the new poller", func() bool { return checked().After(before) })
		rs[leader].start()
		rs[leader].waitReady()
		time.Sleep(replicaInterval / 2)
		if got := rs[leader].leading(); got != 0 {
			t.Fatalf("the restarted replica polls too: %d", got)
		}
		if got := rs[next].leading(); got != 1 {
			t.Fatalf("%s stopped polling when the old leader came back: %d", rs[next].name, got)
		}
	})

	t.Run("rolling restart under load", func(t *testing.T) {
		lb.hits()
		ctx, stop := context.WithCancel(context.Background())
		var (
			calls, slowCalls, failures atomic.Int64
			mu                         sync.Mutex
			errs                       []string
		)
		fail := func(format string, args ...any) {
			failures.Add(1)
			mu.Lock()
			defer mu.Unlock()
			if len(errs) < 20 {
				errs = append(errs, fmt.Sprintf(format, args...))
			}
		}
		var load sync.WaitGroup
		for w := range 6 {
			// Each worker is one MCP session whose requests the balancer
			// spreads over the replicas; its standalone event stream is cut
			// when its replica stops, and the SDK reopens it (on another).
			c := testutil.NewMCPClientWith(t, testutil.MCPClientOptions{
				URL: lb.URL + "/echo/mcp", Transport: testutil.TransportStreamable, Header: auth, ProtocolVersion: "2025-11-25",
				Reconnect: true,
			})
			load.Go(func() {
				for i := 0; ctx.Err() == nil; i++ {
					if w < 2 {
						// In-flight streams: a call that answers with
						// progress over an event stream for ~300ms.
						res, progress, err := c.CallToolProgress(context.Background(), "slow", map[string]any{"count": 3, "interval_ms": 100})
						slowCalls.Add(1)
						if err != nil || res.IsError || len(progress) != 3 {
							fail("worker %d slow call %d: %v %+v, %d progress", w, i, err, res, len(progress))
							return
						}
						continue
					}
					want := fmt.Sprintf("w%d-%d", w, i)
					res, err := c.CallTool(context.Background(), &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": want}})
					calls.Add(1)
					if err != nil || res.IsError || res.Content[0].(*mcp.TextContent).Text != want {
						fail("worker %d call %d: %v %+v", w, i, err, res)
						return
					}
				}
			})
		}
		time.Sleep(500 * time.Millisecond)
		mcpSession := &rawSession{t: t, token: token, path: "/echo/mcp"}
		mcpSession.initialize(rs[0].URL)
		for _, r := range rs {
			// Long-lived streams opened on this replica: a live-events
			// stream and an MCP session's standalone stream. Both must end
			// cleanly (the chunked body closed, not cut) when it stops.
			ended := []<-chan error{
				openStream(t, r.URL+"/api/health/events", http.Header{"Authorization": {"Bearer " + token}}),
				openStream(t, r.URL+"/echo/mcp", http.Header{"Authorization": {"Bearer " + token},
					"Mcp-Session-Id": {mcpSession.id}, "Mcp-Protocol-Version": {"2025-11-25"}}),
			}
			d, err := r.signal(syscall.SIGTERM, 30*time.Second)
			if err != nil {
				t.Errorf("%s: exit after SIGTERM: %v", r.name, err)
			}
			t.Logf("%s: SIGTERM → exited in %s", r.name, d.Round(time.Millisecond))
			if logs := r.tail(); strings.Contains(logs, "shutdown timeout reached") {
				t.Errorf("%s: streams held the shutdown until SHUTDOWN_TIMEOUT", r.name)
			}
			for i, e := range ended {
				select {
				case err := <-e:
					if err != nil {
						t.Errorf("%s: stream %d was cut, not ended: %v", r.name, i, err)
					}
				case <-time.After(2 * time.Second):
					t.Errorf("%s: stream %d still open after the replica exited", r.name, i)
				}
			}
			r.start()
			r.waitReady()
			time.Sleep(300 * time.Millisecond)
		}
		time.Sleep(500 * time.Millisecond)
		stop()
		load.Wait()
		t.Logf("rolling restart of %d replicas: %d calls and %d streamed calls, %d failed; requests per replica %v",
			len(rs), calls.Load(), slowCalls.Load(), failures.Load(), lb.hits())
		if failures.Load() > 0 {
			t.Fatalf("%d failed requests:\n%s", failures.Load(), strings.Join(errs, "\n"))
		}
		if calls.Load() < 100 || slowCalls.Load() < 10 {
			t.Fatalf("too little load to show anything: %d calls, %d streamed", calls.Load(), slowCalls.Load())
		}
	})
}

// TestLegacyPostRightAfterEndpoint: the moment a legacy stream announces
// its message URL, a post to it may land on another replica (a client
// posts initialize at once): the session must already be listed there.
func TestLegacyPostRightAfterEndpoint(t *testing.T) {
	t.Parallel()
	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{})
	cfg := testutil.Config(t)
	a := testutil.StartApp(t, cfg, testutil.StartOptions{})
	cfgB := *cfg
	b := testutil.StartApp(t, &cfgB, testutil.StartOptions{PublicURL: a.URL})
	admin := signedInAdmin(t, a)
	createServer(t, admin, map[string]any{"path": "legacy", "upstream_url": up.SSEURL(), "transport": "sse"})
	grantTools(t, admin, "agents", "legacy", "echo")
	token := agentToken(t, a, admin, "robot", "agents")
	within(t, 5*time.Second, "b knows the server", func() bool {
		return rpc(t, b, "/legacy/not-an-endpoint", token, map[string]any{}).Status == http.StatusNotFound
	})
	for i := range 30 {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.URL+"/legacy/sse", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("round %d: open stream: %v %v", i, err, resp)
		}
		sc := bufio.NewScanner(resp.Body)
		endpoint := ""
		for endpoint == "" && sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				endpoint = d
			}
		}
		if !strings.HasPrefix(endpoint, "/legacy/") {
			t.Fatalf("round %d: endpoint event %q", i, endpoint)
		}
		r := rpc(t, b, endpoint, token, map[string]any{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": map[string]any{
			"protocolVersion": "2025-06-18", "capabilities": map[string]any{}, "clientInfo": map[string]any{"name": "t", "version": "1"}}})
		cancel()
		_ = resp.Body.Close()
		if r.Status != http.StatusAccepted {
			t.Fatalf("round %d: a post right after the endpoint event, on the other replica: %d %s", i, r.Status, r.Body)
		}
	}
}
