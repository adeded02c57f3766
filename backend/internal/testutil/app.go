package testutil

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mcpgw/mcpgw/backend/internal/app"
	"github.com/mcpgw/mcpgw/backend/internal/config"
	"github.com/mcpgw/mcpgw/backend/internal/netguard"
	"github.com/mcpgw/mcpgw/backend/internal/redisstore"
)

// RedisURL is the Redis tests use: TEST_REDIS_URL, else REDIS_URL, else the
// local default.
func RedisURL() string {
	return firstEnv("redis://127.0.0.1:6379/0", "TEST_REDIS_URL", "REDIS_URL")
}

// Redis returns a client and a key prefix private to this test; the keys
// under it are deleted when the test ends.
func Redis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	rdb, err := redisstore.Open(context.Background(), RedisURL())
	if err != nil {
		t.Fatalf("Redis is not reachable (run `make test`, which starts one, or set TEST_REDIS_URL): %v", err)
	}
	prefix := "mcpgw-test:" + randomHex(6) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
		_ = rdb.Close()
	})
	return rdb, prefix
}

// AdminPassword is the first administrator's password in test apps.
const AdminPassword = "admin-password-for-tests"

// Config returns a valid configuration on a fresh database and a private
// Redis key space, with cheap password hashing so tests stay fast.
func Config(t testing.TB) *config.Config {
	t.Helper()
	_, prefix := Redis(t)
	env := map[string]string{
		"DATABASE_URL":             DatabaseURL(t),
		"REDIS_URL":                RedisURL(),
		"REDIS_KEY_PREFIX":         prefix,
		"SECRET_KEY":               "test-secret-key-0123456789abcdef-0123456789",
		"ADMIN_PASSWORD":           AdminPassword,
		"LISTEN_ADDR":              "127.0.0.1:0",
		"PASSWORD_HASH_MEMORY_KIB": "1024",
		"PASSWORD_HASH_ITERATIONS": "1",
		// Tests that want the poller start it (HealthConfig): elsewhere its
		// checks would reach upstreams that count their requests.
		"HEALTH_CHECK_ENABLED": "false",
	}
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestApp is a whole gateway serving HTTP on a local port, through the same
// http.Server settings as production (App.Serve).
type TestApp struct {
	*app.App
	URL string
	// MetricsURL is the metrics listener's (StartOptions.Metrics), or "".
	MetricsURL string
	Config     *config.Config
	Log        *SyncBuffer // everything the app logged, for assertions
}

// StartOptions tune StartApp.
type StartOptions struct {
	// PublicURL, when set, is kept as PUBLIC_URL (e.g. an https URL) instead
	// of the server's own URL.
	PublicURL string
	Now       func() time.Time
	Frontend  fs.FS
	Console   io.Writer
	Resolver  netguard.Resolver
	// Metrics serves /metrics on a listener of its own, as METRICS_ADDR
	// does (at TestApp.MetricsURL), instead of on the main one.
	Metrics bool
}

// StartApp builds the app from cfg and serves it on 127.0.0.1, whose URL
// becomes PUBLIC_URL unless opts says otherwise. It stops, gracefully, when
// the test ends.
func StartApp(t testing.TB, cfg *config.Config, opts StartOptions) *TestApp {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	public := opts.PublicURL
	if public == "" {
		public = base
	}
	if cfg.PublicURL, err = url.Parse(public); err != nil {
		t.Fatal(err)
	}
	var metricsLn net.Listener
	metricsURL := ""
	if opts.Metrics {
		if metricsLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			_ = ln.Close()
			t.Fatal(err)
		}
		cfg.MetricsAddr = metricsLn.Addr().String()
		metricsURL = "http://" + cfg.MetricsAddr
	}
	logBuf := &SyncBuffer{}
	log := slog.New(slog.NewJSONHandler(logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := app.New(context.Background(), cfg, app.Options{
		Log: log, Now: opts.Now, Frontend: opts.Frontend, Console: opts.Console, Resolver: opts.Resolver,
	})
	if err != nil {
		_ = ln.Close()
		if metricsLn != nil {
			_ = metricsLn.Close()
		}
		t.Fatalf("starting app: %v", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.ServeWithMetrics(ctx, ln, metricsLn) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	return &TestApp{App: a, URL: base, MetricsURL: metricsURL, Config: cfg, Log: logBuf}
}

// Flush waits until the audit events recorded so far are in Postgres.
func (a *TestApp) Flush(t testing.TB) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a.Audit.Flush(ctx)
}

// Client is a browser-like HTTP client: it keeps cookies and sends the CSRF
// token it learnt at sign-in with every write.
type Client struct {
	t    testing.TB
	base string
	HTTP *http.Client
	CSRF string
	// Header is added to every request.
	Header http.Header
}

// NewClient returns a client for the app with an empty cookie jar.
func (a *TestApp) NewClient(t testing.TB) *Client { return NewClient(t, a.URL) }

// NewClient returns a client of the gateway at base (a replica started
// some other way) with an empty cookie jar.
func NewClient(t testing.TB, base string) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{t: t, base: strings.TrimSuffix(base, "/"), HTTP: &http.Client{Jar: jar, Timeout: 30 * time.Second}, Header: http.Header{}}
}

// At returns a client that talks to the gateway at base (another replica)
// with c's cookies, CSRF token and headers: the same browser, sent
// elsewhere by a load balancer. Cookies are shared, not copied.
func (c *Client) At(base string) *Client {
	d := *c
	d.base = strings.TrimSuffix(base, "/")
	d.Header = c.Header.Clone()
	if c.HTTP.Jar != nil {
		// Cookies ignore ports: 127.0.0.1's are the same jar entry.
		d.HTTP = &http.Client{Jar: c.HTTP.Jar, Timeout: c.HTTP.Timeout, Transport: c.HTTP.Transport}
	}
	return &d
}

// Response is a finished HTTP exchange.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test on error.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decoding %q: %v", r.Body, err)
	}
}

// ErrorCode returns the error code of an error response, or "".
func (r *Response) ErrorCode() string {
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Code
}

// Do sends a request. body may be nil, a string or []byte (sent as is, as
// JSON), an io.Reader (sent chunked), or any other value (marshalled to
// JSON). header holds name, value pairs; an empty value deletes the header.
func (c *Client) Do(method, path string, body any, header ...string) *Response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b // length unknown: sent chunked
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.CSRF != "" && method != http.MethodGet && method != http.MethodHead {
		req.Header.Set("X-CSRF-Token", c.CSRF)
	}
	for k, vs := range c.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// Login signs in and remembers the CSRF token; it fails the test unless the
// sign-in succeeds.
func (c *Client) Login(username, password string) *Response {
	c.t.Helper()
	r := c.Do(http.MethodPost, "/api/auth/login", map[string]string{"username": username, "password": password})
	if r.Status != http.StatusOK {
		c.t.Fatalf("login %s: %d %s", username, r.Status, r.Body)
	}
	var me struct {
		CSRFToken string `json:"csrf_token"`
	}
	r.JSON(c.t, &me)
	c.CSRF = me.CSRFToken
	return r
}

// Cookie returns the value of the named cookie held for the app, or "".
func (c *Client) Cookie(name string) string {
	u, _ := url.Parse(c.base)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// SetCookie plants a cookie, as an attacker or a stale browser would.
func (c *Client) SetCookie(name, value string) {
	u, _ := url.Parse(c.base)
	c.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// SyncBuffer is a goroutine-safe buffer for captured logs.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
