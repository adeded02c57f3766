// Package proxy is the gateway's MCP reverse proxy: it authenticates each
// agent, decides every JSON-RPC message by server, method and tool before
// anything reaches the upstream, forwards exactly the bytes it decided on,
// streams responses (Streamable HTTP and the legacy HTTP+SSE transport)
// without buffering, filters tools/list results to what the caller may
// call, and replaces the caller's credentials with the server's own.
package proxy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/mcpgw/mcpgw/backend/internal/authz"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/netguard"
	"github.com/mcpgw/mcpgw/backend/internal/registry"
)

// Snapshots gives the current registry snapshot; registry.Holder does.
type Snapshots interface {
	Current() *registry.Snapshot
}

// EgressSource opens the credentials a server's upstream gets;
// registry.Service does.
type EgressSource interface {
	Egress(ctx context.Context, srv *domain.Server) (*registry.EgressCredentials, error)
}

// BearerAuthenticator resolves bearer tokens; auth.Bearer does.
type BearerAuthenticator interface {
	AuthenticateBearer(ctx context.Context, token string, hint domain.TokenHint) (*domain.Principal, error)
}

// SessionAuthenticator resolves session cookies; auth.Service does.
type SessionAuthenticator interface {
	Authenticate(ctx context.Context, sessionID string) (*domain.Principal, error)
}

// Auditor records audit events without ever making the proxy wait;
// audit.Writer does.
type Auditor interface {
	TryRecord(ctx context.Context, ev domain.AuditEvent)
}

// LegacyDirectory shares the legacy HTTP+SSE transport's sessions between
// replicas (redisstore.LegacySessions does): a client's stream is held by
// one replica, its posts land on any. Ids name sessions by their message
// URL; owners are principal keys.
type LegacyDirectory interface {
	ID(key string) string
	RenewEvery() time.Duration
	Put(ctx context.Context, id, owner string) error
	Owner(ctx context.Context, id string) (string, error)
	Forget(ctx context.Context, id string) error
	// Send hands a message to the replica holding id's stream (see
	// Proxy.DeliverLegacy).
	Send(ctx context.Context, id string, msg []byte) error
}

// Options are the proxy's settings; zero values take the defaults.
type Options struct {
	// PublicURL is the gateway's own URL: resource metadata is published
	// under it and browser requests must come from its origin.
	PublicURL *url.URL
	// CookieName is the session cookie's name.
	CookieName string
	// MaxBodyBytes bounds a request body (default 4 MiB); larger bodies get
	// 413 and are never partly inspected.
	MaxBodyBytes int64
	// MaxResponseInspectBytes bounds a JSON response that must be filtered
	// (tools/list); default 16 MiB.
	MaxResponseInspectBytes int64
	// ConnectTimeout bounds connecting to an upstream (default 10s).
	ConnectTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for an upstream's response
	// headers (default 60s); a stream, once started, is bounded by
	// StreamIdleTimeout instead.
	ResponseHeaderTimeout time.Duration
	// StreamIdleTimeout ends a response that sent nothing for this long
	// (default 5m).
	StreamIdleTimeout time.Duration
	// BodyReadTimeout bounds reading a request body (default 30s).
	BodyReadTimeout time.Duration
	// MaxStreamsPerPrincipal caps one principal's concurrent proxied
	// requests on this replica (default 64); more get 429.
	MaxStreamsPerPrincipal int
	// TrustedProxies may set X-Forwarded-For; empty trusts none.
	TrustedProxies []netip.Prefix
	// Guard is the SSRF guard applied when dialling upstreams.
	Guard netguard.Options
	// Issuers are the authorization servers named in protected-resource
	// metadata (the identity providers' issuers and the gateway's own).
	Issuers func() []string
	// Stopping, when it closes, ends the event streams opened by GET (a
	// Streamable HTTP session's standalone stream, the legacy transport's
	// stream) cleanly: the replica is shutting down and clients reconnect
	// elsewhere. Answers to POSTs still in flight are let finish.
	Stopping <-chan struct{}
}

// Deps are what the proxy calls.
type Deps struct {
	Registry Snapshots
	Egress   EgressSource
	Bearer   BearerAuthenticator // nil: bearer tokens are refused
	Sessions SessionAuthenticator
	Audit    Auditor
	Log      *slog.Logger
	Metrics  *Metrics
	// Legacy lists legacy sessions for the other replicas; nil: a legacy
	// session's posts must reach the replica holding its stream (session
	// affinity).
	Legacy LegacyDirectory
	// Tracer makes a span per proxied call (see trace.go); nil makes none
	// and costs nothing.
	Tracer trace.Tracer
}

// Proxy serves /{server-path}/... and its aliases.
type Proxy struct {
	d        Deps
	o        Options
	ups      *upstreams
	bufs     bufferPool
	streams  streamCounter
	sessions legacySessions
	// X-Forwarded-Host and -Proto, the same on every request
	forwardedHost, forwardedProto []string
}

// New returns a proxy. Nothing is dialled until the first request.
func New(d Deps, o Options) *Proxy {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 4 << 20
	}
	if o.MaxResponseInspectBytes <= 0 {
		o.MaxResponseInspectBytes = 16 << 20
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	if o.ResponseHeaderTimeout <= 0 {
		o.ResponseHeaderTimeout = 60 * time.Second
	}
	if o.StreamIdleTimeout <= 0 {
		o.StreamIdleTimeout = 5 * time.Minute
	}
	if o.BodyReadTimeout <= 0 {
		o.BodyReadTimeout = 30 * time.Second
	}
	if o.MaxStreamsPerPrincipal <= 0 {
		o.MaxStreamsPerPrincipal = 64
	}
	if o.Issuers == nil {
		o.Issuers = func() []string { return nil }
	}
	if d.Metrics == nil {
		d.Metrics = NewMetrics(nil)
	}
	p := &Proxy{d: d, o: o, streams: streamCounter{m: map[string]int{}}}
	dialer := &net.Dialer{Timeout: o.ConnectTimeout, KeepAlive: 30 * time.Second, Control: o.Guard.Control}
	// No HTTP proxy: the SSRF guard (the dialer's Control) must see the
	// address actually dialled (see netguard).
	p.ups = &upstreams{dialer: dialer, connectTimeout: o.ConnectTimeout, headerTimeout: o.ResponseHeaderTimeout,
		idleTimeout: 90 * time.Second, maxIdlePerHost: 256, maxIdle: 1024}
	if o.PublicURL != nil {
		p.forwardedHost, p.forwardedProto = []string{o.PublicURL.Host}, []string{o.PublicURL.Scheme}
	}
	return p
}

// Close closes the proxy's idle upstream connections; those in use close
// when their exchange ends.
func (p *Proxy) Close() { p.ups.closeIdle() }

// Owns reports whether path is in the proxy's namespace: its first segment
// could name a server (lowercase letters, digits, - and _) and is not one
// the gateway serves itself. Unknown servers in that namespace get the
// proxy's JSON-RPC 404, not the dashboard.
func Owns(path string) bool {
	seg, _ := splitPath(path)
	return domain.LooksLikeServerPath(seg)
}

// splitPath splits "/seg/rest..." into "seg" and "/rest..." ("" when the
// path is just "/seg").
func splitPath(path string) (seg, rest string) {
	p := strings.TrimPrefix(path, "/")
	seg, rest, found := strings.Cut(p, "/")
	if found {
		rest = "/" + rest
	}
	return seg, rest
}

// ServeHTTP proxies /{server-path}/{rest}.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	seg, rest := splitPath(r.URL.EscapedPath())
	p.serve(w, r, seg, rest, "")
}

// ServeAlias proxies seed 004's aliases: /api/streamable/{server}[/rest]
// (Streamable HTTP) and /api/execute/{server}[/rest] (SSE).
func (p *Proxy) ServeAlias(w http.ResponseWriter, r *http.Request, server, rest, transport string) {
	p.serve(w, r, server, rest, transport)
}

// call is one proxied request as it travels through the proxy: what was
// decided, for whom, and what the response needs.
type call struct {
	srv       *domain.Server
	ref       authz.Server
	principal *domain.Principal
	policy    *authz.Policy
	creds     *registry.EgressCredentials
	ingressX  bool // the gateway token came in X-Authorization
	target    *url.URL
	body      []byte
	insp      *Inspection
	single    Message // the request of a non-batch body, for error ids
	start     time.Time
	wantsList bool // a tools/list request is in the body
	prefix    string
	status    int  // the upstream's status once it answered; the gateway's own when it answered instead
	legacy    bool // a GET on a legacy HTTP+SSE server: its stream carries the answers
	// legacyID names the legacy session a post belongs to when another
	// replica holds its stream (refusals are sent there)
	legacyID string
	// trace is the trace context the upstream gets: the call's span once
	// it has one, else the caller's (see trace.go)
	trace   trace.SpanContext
	spans   []trace.Span // the call's spans, ended with the exchange
	failure string       // why the exchange failed, when the gateway or the upstream did (error.type)
}

// serve handles one request for the server at path seg; transport is set
// for the aliases.
func (p *Proxy) serve(w http.ResponseWriter, r *http.Request, seg, rest, aliasTransport string) {
	start := time.Now()
	r = p.withRequestInfo(w, r)
	ctx := r.Context()
	snap := p.d.Registry.Current()
	srv, ref, ok := snap.ServerByPath(seg)
	if !ok {
		p.d.Metrics.request("unknown", "not_found")
		writeRPCError(w, http.StatusNotFound, nil, CodeNotFound, "no MCP server is registered at /"+domain.SafeText(seg, 64))
		return
	}
	label := srv.Path

	principal, ingressX, status, authErr := p.authenticate(r)
	if principal == nil {
		p.d.Metrics.request(label, "unauthenticated")
		p.unauthenticated(w, srv, status, authErr)
		return
	}
	pol := snap.Catalog.Policy(principal.Groups)
	c := &call{srv: srv, ref: ref, principal: principal, policy: pol, ingressX: ingressX, start: start,
		prefix: "/" + srv.Path, legacy: r.Method == http.MethodGet && srv.Transport == domain.TransportSSE,
		trace: incomingTrace(r)}
	defer p.endSpans(c)
	if principal.Session != nil && !p.sameOrigin(r) {
		p.d.Metrics.request(label, "forbidden")
		p.auditDenial(ctx, c, "", "", "cross-origin request with a session cookie")
		p.traceDenial(r, c, "cross-origin request with a session cookie")
		c.status = http.StatusForbidden
		writeRPCError(w, http.StatusForbidden, nil, CodeForbidden, "cross-origin request refused")
		return
	}

	// Whoever may not use the server at all learns nothing more about it.
	if d := pol.Check(ref, domain.PermExecute); !d.Allowed {
		p.traceDenial(r, c, d.Reason())
		p.deny(ctx, w, c, d)
		return
	}
	if !srv.Enabled {
		p.d.Metrics.request(label, "disabled")
		writeRPCError(w, http.StatusServiceUnavailable, nil, CodeServerDisabled, "the MCP server "+srv.Path+" is disabled")
		return
	}
	// Only the server's MCP endpoints are reachable, never the rest of
	// the upstream host's paths with the server's egress credentials.
	if !p.isEndpoint(rest, r, c) {
		p.d.Metrics.request(label, "not_found")
		writeRPCError(w, http.StatusNotFound, nil, CodeNotFound, "not an MCP endpoint of "+srv.Path)
		return
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet && r.Method != http.MethodDelete {
		w.Header().Set("Allow", "GET, POST, DELETE")
		writeRPCError(w, http.StatusMethodNotAllowed, nil, CodeInvalidRequest, r.Method+" is not allowed on an MCP endpoint")
		return
	}

	// The cap is taken before the body is read, so one caller cannot hold
	// more than its share of memory with slow bodies either.
	key := principalKey(principal)
	if !p.streams.acquire(key, p.o.MaxStreamsPerPrincipal) {
		p.d.Metrics.request(label, "throttled")
		w.Header().Set("Retry-After", "1")
		writeRPCError(w, http.StatusTooManyRequests, nil, CodeTooManyStreams, "too many concurrent requests for this caller")
		return
	}
	defer p.streams.release(key)

	if r.Method == http.MethodPost {
		if !p.readAndCheck(w, r, c) {
			return
		}
	} else {
		// A GET opens the server's stream, a DELETE ends a session: both
		// carry no JSON-RPC to decide on (execute was checked above), so
		// no body may travel with them, whatever its framing.
		if r.ContentLength != 0 {
			writeRPCError(w, http.StatusBadRequest, nil, CodeInvalidRequest, r.Method+" requests carry no body")
			return
		}
		r.Body = http.NoBody
	}

	creds, err := p.d.Egress.Egress(ctx, srv)
	if err != nil {
		p.d.Log.ErrorContext(ctx, "egress credentials unavailable", "server", srv.Path, "error", err)
		p.d.Metrics.request(label, "error")
		c.failure = "credentials_unavailable"
		p.fail(w, c, http.StatusBadGateway, CodeUpstreamUnavailable, "the gateway cannot reach this MCP server right now")
		return
	}
	c.creds = creds
	// The URL comes with the credentials, read together: a token is never
	// sent to an upstream URL it was not stored for.
	target := *srv
	target.UpstreamURL = creds.UpstreamURL
	if c.target, err = upstreamURL(&target, rest, aliasTransport, r.URL.RawQuery); err != nil {
		p.d.Metrics.request(label, "error")
		c.failure = "bad_upstream_url"
		p.fail(w, c, http.StatusBadGateway, CodeUpstreamUnavailable, "the server's upstream URL is unusable")
		return
	}

	p.d.Metrics.request(label, "forwarded")
	// Deferred: a response aborted half-way is audited too.
	defer p.auditCalls(ctx, c)
	p.forward(w, r, c)
}

// withRequestInfo gives the request an id and the client's address, for
// logs and audit events.
func (p *Proxy) withRequestInfo(w http.ResponseWriter, r *http.Request) *http.Request {
	if domain.RequestInfoFrom(r.Context()).RequestID != "" {
		return r // an alias: the API's middleware did this already
	}
	id := r.Header.Get("X-Request-ID")
	if !domain.ValidRequestID(id) {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	w.Header().Set("X-Request-ID", id)
	return r.WithContext(domain.WithRequestInfo(r.Context(), domain.RequestInfo{
		RequestID: id, ClientIP: p.clientIP(r), UserAgent: r.UserAgent(),
	}))
}

// clientIP is the peer's address, or, when the peer is a trusted proxy,
// the nearest untrusted address in X-Forwarded-For.
func (p *Proxy) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !p.trusted(addr) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !p.trusted(a) {
			return a.String()
		}
	}
	return host
}

func (p *Proxy) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, pf := range p.o.TrustedProxies {
		if pf.Contains(a) {
			return true
		}
	}
	return false
}

// sameOrigin refuses cookie-authenticated requests that say they come from
// another origin: a page elsewhere must not drive a signed-in browser's
// MCP sessions.
func (p *Proxy) sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || p.o.PublicURL == nil {
		return true
	}
	return strings.EqualFold(origin, p.o.PublicURL.Scheme+"://"+p.o.PublicURL.Host)
}

// principalKey identifies a principal for the stream cap.
func principalKey(pr *domain.Principal) string {
	switch {
	case pr.ServiceAccountID != 0:
		return "sa:" + itoa(pr.ServiceAccountID)
	case pr.UserID != 0:
		return "user:" + itoa(pr.UserID)
	}
	return pr.AuthMethod + ":" + pr.Provider + ":" + pr.Username
}

// streamCounter counts each principal's proxied requests in flight.
type streamCounter struct {
	mu sync.Mutex
	m  map[string]int
}

func (s *streamCounter) acquire(key string, max int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m[key] >= max {
		return false
	}
	s.m[key]++
	return true
}

func (s *streamCounter) release(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m[key] <= 1 {
		delete(s.m, key)
		return
	}
	s.m[key]--
}

// isEndpoint reports whether rest (after /{path}) names one of the
// server's MCP endpoints: the registered endpoint itself ("" or its last
// segment), the conventional /mcp and /sse beside it, or, for POSTs, the
// message path of a legacy session the same caller has open.
//
// A legacy session whose stream another replica holds is found in the
// shared directory (c.legacyID is set then); the same caller must own it.
func (p *Proxy) isEndpoint(rest string, r *http.Request, c *call) bool {
	switch rest {
	case "", "/", "/mcp", "/sse":
		return true
	}
	if u, err := url.Parse(c.srv.UpstreamURL); err == nil {
		if last := u.EscapedPath()[strings.LastIndex(u.EscapedPath(), "/")+1:]; last != "" && rest == "/"+last {
			return true
		}
	}
	if r.Method != http.MethodPost {
		return false
	}
	key, owner := sessionKey(r), principalKey(c.principal)
	if p.sessions.stream(key, owner) != nil {
		return true
	}
	if p.d.Legacy == nil || c.srv.Transport != domain.TransportSSE {
		return false
	}
	id := p.d.Legacy.ID(key)
	got, err := p.d.Legacy.Owner(r.Context(), id)
	if err != nil {
		p.d.Log.WarnContext(r.Context(), "legacy SSE sessions: directory unavailable", "server", c.srv.Path, "error", err)
		return false
	}
	if got != owner {
		return false
	}
	c.legacyID = id
	return true
}

// DeliverLegacy writes msg to the stream of legacy session id if this
// replica holds it (another replica refused a message posted there).
// It never waits: a client that stops reading its stream blocks writes to
// it, and this is called for every session on the replica. At most
// maxPendingDeliveries wait per stream; more are dropped (the client is
// not reading them anyway).
func (p *Proxy) DeliverLegacy(id string, msg []byte) {
	s := p.sessions.byID(id)
	if s == nil {
		return
	}
	if s.pending.Add(1) > maxPendingDeliveries {
		s.pending.Add(-1)
		p.d.Log.Warn("legacy SSE sessions: a refusal was dropped: the client is not reading its stream", "server", s.c.srv.Path)
		return
	}
	go func() {
		defer s.pending.Add(-1)
		s.sink.send(msg)
	}()
}

// maxPendingDeliveries bounds the refusals waiting to enter one stream.
const maxPendingDeliveries = 16

// sessionKey is how a legacy session's message URL on the gateway is
// remembered: its escaped path, and its query when it has one.
func sessionKey(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return r.URL.EscapedPath()
	}
	return r.URL.EscapedPath() + "?" + r.URL.RawQuery
}

// fail answers a request that could not be forwarded: one JSON-RPC error
// carrying the request's id, or for a batch one per request in it.
func (p *Proxy) fail(w http.ResponseWriter, c *call, status, code int, msg string) {
	c.status = status
	if c.insp == nil || !c.insp.Batch {
		writeRPCError(w, status, c.single.ID, code, msg)
		return
	}
	var errs []RPCError
	for _, m := range c.insp.Messages {
		if m.Kind == KindRequest {
			errs = append(errs, RPCError{ID: m.ID, Code: code, Message: msg})
		}
	}
	if len(errs) == 0 {
		writeRPCError(w, status, nil, code, msg)
		return
	}
	writeJSON(w, status, BatchErrors(errs))
}
