// Package health checks registered MCP servers the way an agent would use
// them: a real MCP exchange (initialize, notifications/initialized, every
// page of tools/list, end of session) over the server's own transport,
// with the server's egress credentials and never a user's.
package health

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/netguard"
)

// Result is what one check found.
type Result struct {
	Status    string // domain.HealthHealthy, HealthUnhealthy or HealthAuthRequired
	Error     string // why it is not healthy, for admins; no secrets
	Latency   time.Duration
	CheckedAt time.Time
	Tools     []domain.Tool // when healthy: every tool, in the server's order
}

// CheckerOptions configure a Checker; zero values take the defaults.
type CheckerOptions struct {
	// Timeout bounds one whole check (default 10s).
	Timeout time.Duration
	// MaxTools stops reading tools/list pages beyond this many (default
	// 10,000): a server cannot make the gateway hold an endless catalog.
	MaxTools int
	// Guard is the SSRF guard applied when dialling upstreams.
	Guard netguard.Options
	// Version is the gateway's version, sent in initialize.
	Version string
}

// Checker runs checks. It is safe for concurrent use.
type Checker struct {
	o      CheckerOptions
	client *http.Client
}

// NewChecker returns a checker with its own connection pool.
func NewChecker(o CheckerOptions) *Checker {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MaxTools <= 0 {
		o.MaxTools = 10000
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	dialer := &net.Dialer{Timeout: o.Timeout, Control: o.Guard.Control}
	transport := &http.Transport{
		Proxy:                 nil, // the guard must see the address dialled
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   o.Timeout,
		ResponseHeaderTimeout: o.Timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       30 * time.Second,
	}
	return &Checker{o: o, client: &http.Client{
		Transport: transport,
		// A redirect would take the server's credentials elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Credentials are what the check sends the upstream: the server's egress
// headers, opened from their sealed form, for the URL they were stored for.
type Credentials struct {
	Header      http.Header
	UpstreamURL string
}

// Check runs one MCP exchange with srv at creds.UpstreamURL.
func (c *Checker) Check(ctx context.Context, srv *domain.Server, creds Credentials) Result {
	ctx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	defer cancel()
	start := time.Now()
	rec := &recorder{header: creds.Header, next: c.client.Transport, done: ctx}
	if u, err := url.Parse(creds.UpstreamURL); err == nil {
		rec.scheme, rec.host = u.Scheme, u.Host
	}
	hc := *c.client
	hc.Transport = rec
	res := Result{CheckedAt: start}
	tools, err := c.exchange(ctx, srv, creds.UpstreamURL, &hc)
	res.Latency = time.Since(start)
	switch {
	case rec.refused() != 0:
		res.Status = domain.HealthAuthRequired
		res.Error = fmt.Sprintf("the server refused the gateway's credentials (HTTP %d)", rec.refused())
	case err != nil:
		res.Status, res.Error = domain.HealthUnhealthy, describe(ctx, err)
	default:
		res.Status, res.Tools = domain.HealthHealthy, tools
	}
	return res
}

func (c *Checker) exchange(ctx context.Context, srv *domain.Server, url string, hc *http.Client) ([]domain.Tool, error) {
	var transport mcp.Transport
	switch srv.Transport {
	case domain.TransportSSE:
		transport = &mcp.SSEClientTransport{Endpoint: url, HTTPClient: hc}
	default:
		transport = &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: hc, MaxRetries: -1}
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "mcpgw-health", Version: c.o.Version}, nil)
	cs, err := client.Connect(ctx, transport, nil)
	if err != nil {
		return nil, err
	}
	// Closing ends the session on the server (a DELETE on Streamable HTTP).
	defer func() { _ = cs.Close() }()
	var tools []domain.Tool
	for t, err := range cs.Tools(ctx, nil) {
		if err != nil {
			return nil, err
		}
		if len(tools) == c.o.MaxTools {
			return nil, fmt.Errorf("the server lists more than %d tools", c.o.MaxTools)
		}
		tool, err := toDomain(srv.ID, t)
		if err != nil {
			return nil, err
		}
		tools = append(tools, tool)
	}
	return tools, nil
}

// toDomain converts a listed tool, with its definition hash.
func toDomain(serverID string, t *mcp.Tool) (domain.Tool, error) {
	if t == nil || t.Name == "" {
		return domain.Tool{}, errors.New("the server lists a tool without a name")
	}
	schema, err := json.Marshal(t.InputSchema)
	if err != nil {
		return domain.Tool{}, fmt.Errorf("tool %q: unreadable input schema", domain.SafeText(t.Name, 64))
	}
	var annotations json.RawMessage
	if t.Annotations != nil {
		if annotations, err = json.Marshal(t.Annotations); err != nil {
			return domain.Tool{}, fmt.Errorf("tool %q: unreadable annotations", domain.SafeText(t.Name, 64))
		}
	}
	return domain.Tool{
		ServerID: serverID, Name: t.Name, Description: t.Description,
		InputSchema: schema, Annotations: annotations,
		DefinitionHash: DefinitionHash(t.Description, schema),
	}, nil
}

// DefinitionHash identifies what a tool means to an agent: its description
// and input schema. The schema is canonicalised (keys sorted, no spacing),
// so re-serialising the same schema does not count as a change.
func DefinitionHash(description string, schema json.RawMessage) string {
	var v any
	canonical := schema
	if json.Unmarshal(schema, &v) == nil {
		if b, err := json.Marshal(v); err == nil {
			canonical = b
		}
	}
	h := sha256.New()
	h.Write([]byte(description))
	h.Write([]byte{0})
	h.Write(canonical)
	return hex.EncodeToString(h.Sum(nil))
}

// describe turns a failed exchange into a message for admins.
func describe(ctx context.Context, err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, netguard.ErrBlocked):
		return "the server's address is refused by the gateway's SSRF guard"
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "the server did not answer in time"
	}
	// Go's HTTP client names the request URL in its errors (Post "…": EOF),
	// and the message is stored where readers who may not see the
	// upstream URL can read it.
	msg := redactURLs(err.Error())
	if i := strings.Index(msg, "dial tcp"); i >= 0 && strings.Contains(msg, "connection refused") {
		return "the server is unreachable (connection refused)"
	}
	return domain.SafeText(msg, 500)
}

// urlInText matches a URL in error text, up to the quote, space or angle
// bracket that ends it.
var urlInText = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>]*`)

// redactURLs keeps of every URL in s its scheme, host, port and path, and
// drops its userinfo, query and fragment: credentials travel there (an
// api_key parameter, user:password@).
func redactURLs(s string) string {
	return urlInText.ReplaceAllStringFunc(s, func(u string) string {
		scheme, rest, _ := strings.Cut(u, "://")
		authority, path := rest, ""
		if i := strings.IndexAny(rest, "/?#"); i >= 0 {
			authority, path = rest[:i], rest[i:]
		}
		if i := strings.LastIndexByte(authority, '@'); i >= 0 {
			authority = authority[i+1:]
		}
		if i := strings.IndexAny(path, "?#"); i >= 0 {
			path = path[:i]
		}
		return scheme + "://" + authority + path
	})
}

// recorder adds the egress headers to every request of the check, ends
// each request when the check ends (the SDK detaches its requests from
// the context they were started with), and remembers whether the upstream
// refused the credentials.
type recorder struct {
	header http.Header
	next   http.RoundTripper
	done   context.Context // the check's
	// scheme and host of the upstream URL: the headers go only there (the
	// legacy transport's endpoint event may name another host).
	scheme, host string

	mu     sync.Mutex
	status int // the first 401 or 403 seen
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(req.Context())
	context.AfterFunc(r.done, cancel) // the check always ends: cancel runs
	req = req.Clone(ctx)
	if strings.EqualFold(req.URL.Scheme, r.scheme) && strings.EqualFold(req.URL.Host, r.host) {
		for name, v := range r.header {
			req.Header[name] = v
		}
	}
	resp, err := r.next.RoundTrip(req)
	if err == nil && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) {
		r.mu.Lock()
		if r.status == 0 {
			r.status = resp.StatusCode
		}
		r.mu.Unlock()
	}
	return resp, err
}

func (r *recorder) refused() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status
}
