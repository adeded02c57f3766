package proxy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/netguard"
)

// upstreamURL maps a request for /{path}{rest} onto the server's upstream.
// The registered upstream URL is the server's MCP endpoint (e.g.
// http://10.0.0.5:8000/mcp); its directory (http://10.0.0.5:8000/) is
// where the rest of the server lives, so /{path}/mcp, /{path}/sse and
// /{path}/messages?... reach what the upstream serves there, and /{path}
// alone reaches the endpoint itself. The aliases reach the endpoint when
// the server speaks their transport, else the conventional /mcp or /sse
// next to it. rest is the escaped path after the server's segment; "." and
// ".." segments are refused, so a request cannot climb out of the
// directory to other services on the upstream host.
func upstreamURL(srv *domain.Server, rest, aliasTransport, rawQuery string) (*url.URL, error) {
	base, err := url.Parse(srv.UpstreamURL)
	if err != nil {
		return nil, err
	}
	endpoint := base.EscapedPath()
	dir := endpoint[:strings.LastIndex(endpoint, "/")+1]
	if dir == "" {
		dir = "/"
	}
	var raw string
	switch {
	case rest == "":
		raw = endpoint
		if aliasTransport != "" && aliasTransport != srv.Transport {
			raw = dir + conventionalEndpoint(aliasTransport)
		}
		if raw == "" {
			raw = "/"
		}
	default:
		for _, seg := range strings.Split(rest, "/") {
			un, err := url.PathUnescape(seg)
			if err != nil || un == "." || un == ".." || strings.ContainsAny(un, "/\\") {
				return nil, errBadPath
			}
		}
		raw = dir + strings.TrimPrefix(rest, "/")
	}
	path, err := url.PathUnescape(raw)
	if err != nil {
		return nil, errBadPath
	}
	out := &url.URL{Scheme: base.Scheme, Host: base.Host, Path: path, RawPath: raw, RawQuery: base.RawQuery}
	if rawQuery != "" {
		if out.RawQuery != "" {
			out.RawQuery += "&"
		}
		out.RawQuery += rawQuery
	}
	return out, nil
}

var errBadPath = errors.New("path segments . and .. are not forwarded")

func conventionalEndpoint(transport string) string {
	if transport == domain.TransportSSE {
		return "sse"
	}
	return "mcp"
}

// forwardedHeaders are the request headers that reach an upstream: the
// protocol's own and harmless descriptive ones. Everything else is
// dropped, so no credential of the caller's (cookies, the gateway token,
// proxy credentials, in whatever spelling) can pass by accident; what the
// upstream gets to authenticate the gateway comes from the server's
// egress settings. Traceparent and Tracestate are not among them: the
// gateway writes its own (see injectTrace).
var forwardedHeaders = [...]string{
	"Accept", "Accept-Language", "Content-Type", "User-Agent", "Cache-Control",
	"Mcp-Session-Id", "Mcp-Protocol-Version", "Last-Event-Id",
}

// gatewayHeaders are the X- headers of the gateway's own protocol (seed
// 002) and of proxies: never provider headers.
func gatewayHeader(name string) bool {
	switch name {
	case "X-Authorization", "X-User-Pool-Id", "X-Client-Id", "X-Region", "X-Real-Ip", "X-Csrf-Token", "X-Request-Id":
		return true
	}
	return strings.HasPrefix(name, "X-Forwarded-")
}

// upstreamHeader is the header the upstream gets: the protocol's own and
// descriptive headers of the client's, the server's egress credentials,
// and the gateway's forwarding headers.
func (p *Proxy) upstreamHeader(r *http.Request, c *call) http.Header {
	in, out := r.Header, make(http.Header, len(forwardedHeaders)+len(c.creds.Header)+4)
	for _, name := range forwardedHeaders {
		if v := in[name]; len(v) > 0 {
			out[name] = v
		}
	}
	for name, v := range c.creds.Header {
		out[name] = v
	}
	// Seed 002's dual token: the agent authenticated to the gateway in
	// X-Authorization, so its Authorization (and provider headers such as
	// X-Atlassian-Cloud-Id) are meant for this server, which takes them.
	if c.creds.Passthrough && c.ingressX {
		for name, v := range in {
			if name == "Authorization" || strings.HasPrefix(name, "X-") && !gatewayHeader(name) {
				out[name] = v
			}
		}
	}
	injectTrace(out, c.trace)
	ri := domain.RequestInfoFrom(r.Context())
	out["X-Request-Id"] = []string{ri.RequestID}
	out["X-Forwarded-For"] = []string{p.forwardedFor(r, ri.ClientIP)}
	if p.o.PublicURL != nil {
		out["X-Forwarded-Host"] = p.forwardedHost
		out["X-Forwarded-Proto"] = p.forwardedProto
	}
	return out
}

// forwardedFor is the X-Forwarded-For the upstream sees: the chain from a
// trusted proxy with its peer appended, else only the client's address.
func (p *Proxy) forwardedFor(r *http.Request, client string) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return client
	}
	if a, err := netip.ParseAddr(host); err == nil && p.trusted(a) {
		if prior := strings.Join(r.Header.Values("X-Forwarded-For"), ", "); prior != "" {
			return prior + ", " + host
		}
	}
	return client
}

// modifyResponse prepares the upstream's answer for the client. The
// upstream speaks through the gateway's origin, so only what an MCP client
// needs passes: JSON and event streams (anything else becomes a JSON-RPC
// error), with headers that keep a browser from treating the answer as a
// page of the gateway's. Streams are watched for idleness and rewritten
// event by event; JSON results of tools/list are filtered to what the
// caller may call.
func (p *Proxy) modifyResponse(resp *http.Response, c *call) error {
	c.status = resp.StatusCode
	p.d.Metrics.latency(c.srv.Path, time.Since(c.start))
	if resp.StatusCode >= 500 {
		p.upstreamFailed(c, "status_"+strconv.Itoa(resp.StatusCode/100)+"xx")
	}
	in := resp.Header
	dropConnectionHeaders(in)
	h := make(http.Header, len(passedResponseHeaders)+6)
	for _, name := range passedResponseHeaders {
		if v := in[name]; len(v) > 0 {
			h[name] = v
		}
	}
	resp.Header = h
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; sandbox")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")

	mt := mediaType(h.Get("Content-Type"))
	if ce := in["Content-Encoding"]; len(ce) > 0 && !(len(ce) == 1 && strings.EqualFold(strings.TrimSpace(ce[0]), "identity")) {
		// The gateway asks for no encoding: a compressed answer could not
		// be filtered, and would reach the client unread.
		p.upstreamFailed(c, "bad_response")
		return p.replace(resp, c, http.StatusBadGateway, CodeUpstreamUnavailable,
			"the MCP server answered with Content-Encoding "+strconv.Quote(domain.SafeText(strings.Join(ce, ", "), 64))+", which the gateway did not ask for")
	}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		// A redirect would send the client, and maybe its credentials,
		// past the gateway.
		p.upstreamFailed(c, "bad_response")
		return p.replace(resp, c, http.StatusBadGateway, CodeUpstreamUnavailable,
			"the MCP server answered with a redirect (HTTP "+strconv.Itoa(resp.StatusCode)+"), which the gateway does not follow")
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		// The upstream refused the gateway's (or, with pass-through, the
		// agent's egress) credentials. Passed on as is, its challenge would
		// send the client to sign in somewhere else with the gateway's URL.
		p.upstreamFailed(c, "refused_credentials")
		return p.replace(resp, c, http.StatusBadGateway, CodeUpstreamUnavailable,
			"the MCP server refused the credentials it was sent (HTTP "+strconv.Itoa(resp.StatusCode)+")")
	case mt == "text/event-stream":
		// Unknown length makes relay flush every write, whatever the
		// content type's parameters look like; X-Accel-Buffering asks an
		// nginx in front of the gateway not to hold events back either.
		h.Del("Content-Length")
		h["X-Accel-Buffering"] = []string{"no"}
		resp.ContentLength = -1
		resp.Body = p.watch(resp.Body, c, true)
	case mt == "application/json":
		resp.Body = p.watch(resp.Body, c, false)
		if c.wantsList {
			return p.filterJSON(resp, c)
		}
	case resp.ContentLength == 0 || resp.StatusCode == http.StatusAccepted || resp.StatusCode == http.StatusNoContent:
		// Nothing to read (202 for a notification, 204, ...).
	default:
		status := resp.StatusCode
		if status < 400 {
			status = http.StatusBadGateway // a redirect or a page is no MCP answer
		}
		p.upstreamFailed(c, "bad_response")
		return p.replace(resp, c, status, CodeUpstreamUnavailable,
			"the MCP server answered HTTP "+strconv.Itoa(resp.StatusCode)+" with "+strconv.Quote(domain.SafeText(mt, 64))+", not JSON or an event stream")
	}
	return nil
}

// passedResponseHeaders are the upstream's headers that reach the
// client: what an MCP client reads. Anything else could act on the
// gateway's origin (cookies, caching and security policy, CORS, redirects,
// authentication challenges, a proxy in front's X-Accel-Redirect) rather
// than describe an MCP answer, so it stays behind.
var passedResponseHeaders = [...]string{"Content-Type", "Content-Length", "Mcp-Session-Id", "Mcp-Protocol-Version", "Retry-After"}

// replace swaps the upstream's answer for a JSON-RPC error of the gateway.
func (p *Proxy) replace(resp *http.Response, c *call, status, code int, msg string) error {
	_ = resp.Body.Close()
	var b []byte
	if c.insp != nil && c.insp.Batch {
		var errs []RPCError
		for _, m := range c.insp.Messages {
			if m.Kind == KindRequest {
				errs = append(errs, RPCError{ID: m.ID, Code: code, Message: msg})
			}
		}
		b = BatchErrors(errs)
	}
	if b == nil {
		b = ErrorResponse(c.single.ID, code, msg)
	}
	resp.StatusCode, resp.Status = status, ""
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	resp.Header.Set("Content-Type", "application/json")
	resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
	c.status = status
	return nil
}

// filterJSON filters the tools of a tools/list result (single or batch)
// to those the caller may call.
func (p *Proxy) filterJSON(resp *http.Response, c *call) error {
	limit := p.o.MaxResponseInspectBytes
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	_ = resp.Body.Close()
	if err != nil {
		return err
	}
	if int64(len(b)) > limit {
		return errResponseTooLarge
	}
	out, _, err := FilterToolsResult(b, c.allowTool)
	if err != nil {
		return errUnreadableResponse
	}
	resp.Body = io.NopCloser(bytes.NewReader(out))
	resp.ContentLength = int64(len(out))
	resp.Header.Set("Content-Length", strconv.Itoa(len(out)))
	return nil
}

var (
	errResponseTooLarge   = errors.New("the upstream's tools/list result is too large to inspect")
	errUnreadableResponse = errors.New("the upstream's response is not valid JSON-RPC")
)

// allowTool reports whether the caller may call tool on the call's server.
func (c *call) allowTool(tool string) bool {
	return c.policy.CheckCall(c.ref, "tools/call", tool).Allowed
}

// upstreamFailed counts a failed upstream exchange of kind and marks the
// call's spans with it.
func (p *Proxy) upstreamFailed(c *call, kind string) {
	p.d.Metrics.upstreamError(c.srv.Path, kind)
	c.failure = kind
}

// upstreamError answers a failed exchange with a JSON-RPC error carrying
// the request's id: 502 when the upstream cannot be reached, 504 when it
// is too slow.
func (p *Proxy) upstreamError(w http.ResponseWriter, r *http.Request, c *call, err error) {
	if r.Context().Err() != nil && !errors.Is(err, context.DeadlineExceeded) {
		return // the client went away: there is nobody to answer
	}
	status, code, msg, kind := http.StatusBadGateway, CodeUpstreamUnavailable, "the MCP server is unreachable", "unreachable"
	var ne net.Error
	switch {
	case errors.Is(err, netguard.ErrBlocked):
		msg, kind = "the MCP server's address is refused by the gateway", "blocked"
	case errors.Is(err, errResponseTooLarge), errors.Is(err, errUnreadableResponse):
		msg, kind = err.Error(), "bad_response"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		status, code, msg, kind = http.StatusGatewayTimeout, CodeUpstreamTimeout, "the MCP server did not answer in time", "timeout"
	}
	c.status = status
	p.upstreamFailed(c, kind)
	p.d.Log.WarnContext(r.Context(), "upstream request failed", "server", c.srv.Path, "kind", kind, "error", err)
	writeRPCError(w, status, c.single.ID, code, msg)
}

// watch wraps an upstream response body so that it is closed when it has
// been idle for StreamIdleTimeout (a JSON answer that stalls half-way as
// much as a quiet stream). An event stream (events) is also rewritten
// event by event (the legacy transport's endpoint kept under the gateway,
// tools/list results filtered), each passed on as soon as it is complete.
func (p *Proxy) watch(body io.ReadCloser, c *call, events bool) io.ReadCloser {
	s := &stream{body: body, p: p, c: c, events: events}
	// Armed once assigned: Close stops it, and may run from it.
	s.idle = time.AfterFunc(time.Duration(1<<62), func() { _ = s.Close() })
	s.idle.Reset(p.o.StreamIdleTimeout)
	if !events {
		s.r = idleReader{s}
		return s
	}
	p.d.Metrics.streamOpened(c.srv.Path)
	if !c.legacy {
		s.lz = &lazyReader{r: idleReader{s}, more: s.buffered}
		sr := newSSEReader(s.lz, p.transform(c, nil))
		s.r, s.ready = sr, sr.ready
		return s
	}
	s.closed = make(chan struct{})
	// The legacy transport answers messages on this stream, so errors for
	// messages the gateway refuses must be sent here too: a pump copies
	// the rewritten upstream events into a pipe, and refusals are written
	// into the same pipe between events.
	pr, pw := io.Pipe()
	out := &eventSink{w: pw}
	s.r, s.sink = pr, out
	rw := NewSSERewriter(out, nil, p.transform(c, s))
	go func() {
		// The pump waits for the upstream without a buffer, like the
		// client's side of a Streamable HTTP stream (see Proxy.copyBody).
		src := &lazyReader{r: idleReader{s}, more: s.buffered}
		for {
			err := src.wait()
			if err == nil {
				buf := p.bufs.Get()
				var n int
				n, err = src.Read(buf)
				if n > 0 {
					if _, werr := rw.Write(buf[:n]); werr != nil {
						err = werr
					}
				}
				p.bufs.Put(buf)
			}
			if err != nil {
				_ = rw.Close()
				_ = pw.CloseWithError(err)
				return
			}
		}
	}()
	return s
}

// lazyReader waits for its source's next bytes by reading one byte, so the
// wait holds no buffer. The next Read returns that byte and, when more
// says the source has more at hand, what came with it: never reading on
// into a wait with the byte held back.
type lazyReader struct {
	r    io.Reader
	more func() bool // nil: the source cannot tell
	one  [1]byte
	has  bool
	err  error // what the source said with the waited-for byte
}

func (l *lazyReader) wait() error {
	for !l.has {
		if l.err != nil {
			return l.err
		}
		n, err := l.r.Read(l.one[:])
		l.has, l.err = n == 1, err
	}
	return nil
}

func (l *lazyReader) Read(p []byte) (int, error) {
	if !l.has {
		if l.err != nil {
			return 0, l.err
		}
		return l.r.Read(p)
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0], l.has = l.one[0], false
	if l.err != nil || len(p) == 1 || l.more == nil || !l.more() {
		return 1, nil
	}
	n, err := l.r.Read(p[1:])
	l.err = err
	return 1 + n, nil
}

// eventSink is where a legacy stream's events are written, whole, by the
// pump and by refusals, one at a time. The rewriter writes only complete
// events and comments to it, so anything written between two of its writes
// lands between events.
type eventSink struct {
	mu sync.Mutex
	w  io.Writer
}

func (e *eventSink) Write(b []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.w.Write(b)
}

// send writes one JSON-RPC message as a message event.
func (e *eventSink) send(msg []byte) {
	ev := make([]byte, 0, len(msg)+24)
	ev = append(ev, "event: message\ndata: "...)
	ev = append(ev, msg...)
	ev = append(ev, "\n\n"...)
	_, _ = e.Write(ev)
}

// stream is an upstream event stream on its way to the client.
type stream struct {
	body   io.ReadCloser
	p      *Proxy
	c      *call
	r      io.Reader
	idle   *time.Timer
	once   sync.Once
	lz     *lazyReader   // a Streamable HTTP event stream: the upstream's bytes
	ready  func() bool   // a Streamable HTTP event stream: rewritten bytes are waiting to be read
	sink   *eventSink    // legacy transport: where refusals are sent
	key    string        // legacy transport: the session's message path on the gateway
	id     string        // legacy transport: the session's name in the shared directory
	closed chan struct{} // legacy transport: closes with the stream
	gone   bool          // legacy transport: closed (guarded by legacySessions.mu)
	// pending counts refusals from other replicas on their way into the
	// stream (see Proxy.DeliverLegacy)
	pending atomic.Int32
	events  bool // an event stream (counted as an open stream)
}

func (s *stream) Read(b []byte) (int, error) { return s.r.Read(b) }

// buffered reports whether the upstream's bytes are waiting in the
// stream connection's buffer (a GET's stream; other bodies cannot tell).
func (s *stream) buffered() bool {
	b, ok := s.body.(*upBody)
	return ok && b.c.br.Buffered() > 0
}

// wait returns when Read has something to return without waiting. Only a
// Streamable HTTP event stream waits here (without a buffer); other bodies
// wait in Read.
func (s *stream) wait() error {
	if s.lz == nil || s.ready() {
		return nil
	}
	return s.lz.wait()
}

// Close ends the stream once, however many times it is called (the idle
// timer and the reverse proxy both do).
func (s *stream) Close() error {
	var err error
	s.once.Do(func() {
		s.idle.Stop()
		err = s.body.Close()
		if pr, ok := s.r.(*io.PipeReader); ok {
			_ = pr.Close()
		}
		if s.closed != nil {
			// Under the sessions' lock, so that a session announced
			// at this moment is either dropped here or never added.
			s.p.sessions.drop(s)
		}
		if s.events {
			s.p.d.Metrics.streamClosed(s.c.srv.Path)
		}
	})
	return err
}

// idleReader reads the upstream body and re-arms the idle timer whenever
// bytes arrive.
type idleReader struct{ s *stream }

func (r idleReader) Read(b []byte) (int, error) {
	n, err := r.s.body.Read(b)
	if n > 0 {
		r.s.idle.Reset(r.s.p.o.StreamIdleTimeout)
	}
	return n, err
}

// transform rewrites an upstream event stream event by event: the legacy
// transport's endpoint is mapped under the gateway (an endpoint elsewhere
// ends the stream: clients must never be sent around the gateway), and
// tools/list results are filtered to the caller's tools. For a legacy
// stream s, the session's message path is remembered, so refusals of
// messages posted there can be sent on the stream.
func (p *Proxy) transform(c *call, s *stream) func(ev *Event) error {
	base, _ := url.Parse(c.srv.UpstreamURL) // parsed before, in upstreamURL
	dir := *base
	dir.Path = dir.Path[:strings.LastIndex(dir.Path, "/")+1]
	dir.RawPath, dir.RawQuery = "", ""
	return func(ev *Event) error {
		switch {
		case ev.Name == "endpoint":
			to, err := RewriteEndpoint(string(ev.Data), c.target, &dir, c.prefix)
			if err != nil {
				p.d.Log.Warn("upstream endpoint event refused", "server", c.srv.Path, "error", err)
				return err
			}
			ev.Data = []byte(to)
			if s != nil && s.key == "" {
				id := ""
				if p.d.Legacy != nil {
					id = p.d.Legacy.ID(to)
				}
				if p.sessions.add(to, id, s) && id != "" {
					// Listed before the client learns the URL: its first
					// post may land on any replica at once.
					listed := p.listLegacy(s, id)
					go p.advertise(s, id, listed)
				}
			}
		case ev.Name == "" || ev.Name == "message":
			// Every message is looked at (about a microsecond for a small
			// one): a shortcut such as looking for "tools" would miss
			// "Tools" or "tool\u0073", which lenient clients accept.
			out, changed, err := FilterToolsResult(ev.Data, c.allowTool)
			switch {
			case err != nil && looksLikeJSON(ev.Data):
				// Unreadable to the gateway means unfiltered: it must not
				// reach a client that may read it more leniently.
				ev.Data = ErrorResponse(nil, CodeInternalError, "the gateway could not read a message from the MCP server")
			case err == nil && changed:
				ev.Data = out
			}
		}
		return nil
	}
}

// legacySessions maps a legacy session's message path on the gateway
// (e.g. /currenttime/messages?sessionId=abc) to its open stream.
type legacySessions struct {
	mu  sync.Mutex
	m   map[string]*stream // by message path
	ids map[string]*stream // by name in the shared directory
}

// add records s as the stream of the session whose messages go to key
// (named id in the shared directory, when there is one). It reports false,
// adding nothing, when s has closed already.
func (l *legacySessions) add(key, id string, s *stream) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s.gone {
		return false
	}
	if l.m == nil {
		l.m, l.ids = map[string]*stream{}, map[string]*stream{}
	}
	s.key, s.id = key, id
	l.m[key] = s
	if id != "" {
		l.ids[id] = s
	}
	return true
}

// drop forgets s (it has closed) and wakes its advertiser.
func (l *legacySessions) drop(s *stream) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s.gone = true
	if s.key != "" && l.m[s.key] == s {
		delete(l.m, s.key)
	}
	if s.id != "" && l.ids[s.id] == s {
		delete(l.ids, s.id)
	}
	close(s.closed)
}

// byID returns the open legacy stream named id in the shared directory.
func (l *legacySessions) byID(id string) *stream {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ids[id]
}

// listLegacy lists session id as s's caller's in the shared directory,
// reporting whether that worked.
func (p *Proxy) listLegacy(s *stream, id string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := p.d.Legacy.Put(ctx, id, principalKey(s.c.principal)); err != nil {
		p.d.Log.Warn("legacy SSE sessions: listing a session failed; until it works, its posts must reach this replica", "server", s.c.srv.Path, "error", err)
		return false
	}
	return true
}

// advertise keeps session id listed while its stream is open (renewing
// it, or retrying soon when listing failed), and removes it when the
// stream closes.
func (p *Proxy) advertise(s *stream, id string, listed bool) {
	for {
		wait := p.d.Legacy.RenewEvery()
		if !listed {
			wait = min(wait, 5*time.Second)
		}
		select {
		case <-time.After(wait):
			listed = p.listLegacy(s, id)
			continue
		case <-s.closed:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = p.d.Legacy.Forget(ctx, id)
		cancel()
		return
	}
}

// stream returns the open legacy stream whose messages go to key, if the
// same principal opened it.
func (l *legacySessions) stream(key, principal string) *stream {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.m[key]
	if s == nil || principalKey(s.c.principal) != principal {
		return nil
	}
	return s
}

// looksLikeJSON reports whether data starts like a JSON object or array:
// what is not cannot be a JSON-RPC message to any client.
func looksLikeJSON(data []byte) bool {
	d := bytes.TrimLeft(data, " \t\r\n")
	return len(d) > 0 && (d[0] == '{' || d[0] == '[')
}
