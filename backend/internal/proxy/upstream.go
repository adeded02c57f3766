package proxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// upstreams is the proxy's HTTP/1.1 client. The handler's own goroutine
// writes the request and reads the response on the connection, so a
// proxied call costs no goroutine hand-offs (net/http's Transport runs a
// reader and a writer goroutine per connection and passes every request
// and response between them), and an event stream's upstream side is one
// connection and a 1 KiB buffer.
//
// POSTs and DELETEs reuse keep-alive connections, checked before each
// reuse; GETs, which open a server's event stream and keep their
// connection for as long as it lasts, get a connection of their own.
type upstreams struct {
	dialer         *net.Dialer
	connectTimeout time.Duration
	headerTimeout  time.Duration
	idleTimeout    time.Duration
	maxIdlePerHost int
	maxIdle        int

	mu        sync.Mutex
	idle      map[string][]*upConn // by scheme and address; most recently used last
	nidle     int
	lastSweep time.Time
	closed    bool
}

const (
	// pooledBufferSize is the read and write buffer of a reused connection:
	// a JSON-RPC request with its headers leaves in one write.
	pooledBufferSize = 4 << 10
	// streamBufferSize is a stream connection's read buffer: the response
	// headers fit, and body reads larger than it bypass it.
	streamBufferSize = 1 << 10
	// maxResponseHeaderBytes bounds an upstream's response headers.
	maxResponseHeaderBytes = 64 << 10
)

var (
	errResponseHeaderTooLarge = errors.New("the upstream's response headers are too large")
	errUpstreamProtocol       = errors.New("the upstream does not answer HTTP/1.1 requests properly")
)

// roundTrip sends req (whose context bounds the whole exchange, body
// included) and returns the response; closing its body ends the exchange
// and returns the connection to the pool when it can be reused.
func (u *upstreams) roundTrip(req *http.Request) (*http.Response, error) {
	stream := req.Method == http.MethodGet
	req.Close = stream // the upstream may close a stream's connection when it ends
	key := req.URL.Scheme + "://" + hostPort(req.URL)
	for attempt := 0; ; attempt++ {
		var c *upConn
		if !stream {
			c = u.take(key)
		}
		reused := c != nil
		if c == nil {
			var err error
			if c, err = u.dial(req.Context(), req.URL, key, stream); err != nil {
				return nil, err
			}
		}
		resp, err := c.exchange(req, u.headerTimeout)
		if err == nil {
			b := &upBody{ReadCloser: resp.Body, c: c, u: u, want: resp.ContentLength, reuse: !stream && !resp.Close}
			b.done.Store(resp.Body == http.NoBody)
			resp.Body = b
			return resp, nil
		}
		c.close()
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return nil, ctxErr
		}
		// A kept-alive connection the upstream closed a moment ago fails
		// the write: nothing reached it, so a new connection may try again,
		// with the body rewound (a write that timed out is not retried: it
		// has had its time).
		var we *writeError
		var ne net.Error
		if reused && attempt == 0 && errors.As(err, &we) && !(errors.As(err, &ne) && ne.Timeout()) {
			if req.Body == nil || req.Body == http.NoBody {
				continue
			}
			if req.GetBody != nil {
				if req.Body, err = req.GetBody(); err == nil {
					continue
				}
			}
		}
		return nil, err
	}
}

func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// dial opens a connection to the upstream at target (TLS for https).
func (u *upstreams) dial(ctx context.Context, target *url.URL, key string, stream bool) (*upConn, error) {
	conn, err := u.dialer.DialContext(ctx, "tcp", hostPort(target))
	if err != nil {
		return nil, err
	}
	tcp, _ := conn.(*net.TCPConn)
	if target.Scheme == "https" {
		tc := tls.Client(conn, &tls.Config{ServerName: target.Hostname(), NextProtos: []string{"http/1.1"}, MinVersion: tls.VersionTLS12})
		hctx, cancel := context.WithTimeout(ctx, u.connectTimeout)
		err = tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			_ = conn.Close()
			return nil, err
		}
		conn = tc
	}
	c := &upConn{Conn: conn, tcp: tcp, key: key, lr: &headerLimit{r: conn, left: -1}}
	size := pooledBufferSize
	if stream {
		size = streamBufferSize
	}
	c.br = bufio.NewReaderSize(c.lr, size)
	if !stream {
		c.bw = bufio.NewWriterSize(conn, pooledBufferSize)
	}
	return c, nil
}

// take returns a reusable idle connection to key, or nil.
func (u *upstreams) take(key string) *upConn {
	now := time.Now()
	for {
		u.mu.Lock()
		list := u.idle[key]
		if len(list) == 0 {
			u.mu.Unlock()
			return nil
		}
		c := list[len(list)-1]
		list[len(list)-1] = nil
		u.idle[key] = list[:len(list)-1]
		u.nidle--
		u.mu.Unlock()
		if now.Sub(c.idleSince) < u.idleTimeout && c.alive() {
			return c
		}
		_ = c.Conn.Close()
	}
}

// put returns c to the pool, or closes it when the pool is full.
func (u *upstreams) put(c *upConn) {
	c.idleSince = time.Now()
	u.mu.Lock()
	list := u.idle[c.key]
	if u.closed || len(list) >= u.maxIdlePerHost || u.nidle >= u.maxIdle {
		u.mu.Unlock()
		_ = c.Conn.Close()
		return
	}
	// Connections idle too long (the oldest come first) are closed here:
	// this upstream's now, every upstream's now and then, so one no longer
	// called does not keep them open.
	var stale []*upConn
	list, stale = expired(list, c.idleSince, u.idleTimeout, stale)
	if c.idleSince.Sub(u.lastSweep) >= u.idleTimeout/2 {
		u.lastSweep = c.idleSince
		for key, l := range u.idle {
			if key != c.key {
				if u.idle[key], stale = expired(l, c.idleSince, u.idleTimeout, stale); len(u.idle[key]) == 0 {
					delete(u.idle, key)
				}
			}
		}
	}
	u.nidle -= len(stale)
	if u.idle == nil {
		u.idle = map[string][]*upConn{}
	}
	u.idle[c.key] = append(list, c)
	u.nidle++
	u.mu.Unlock()
	for _, s := range stale {
		_ = s.Conn.Close()
	}
}

// expired moves the connections of list idle for timeout by now (the
// oldest come first) to stale.
func expired(list []*upConn, now time.Time, timeout time.Duration, stale []*upConn) ([]*upConn, []*upConn) {
	for len(list) > 0 && now.Sub(list[0].idleSince) >= timeout {
		stale = append(stale, list[0])
		list = list[1:]
	}
	return list, stale
}

// closeIdle closes every idle connection; later ones are not kept.
func (u *upstreams) closeIdle() {
	u.mu.Lock()
	idle := u.idle
	u.idle, u.nidle, u.closed = nil, 0, true
	u.mu.Unlock()
	for _, list := range idle {
		for _, c := range list {
			_ = c.Conn.Close()
		}
	}
}

// upConn is a connection to an upstream.
type upConn struct {
	net.Conn
	tcp       *net.TCPConn // the connection under TLS, for the liveness check
	key       string
	br        *bufio.Reader
	bw        *bufio.Writer // nil for a stream's connection (used once)
	lr        *headerLimit
	stop      func() bool // ends the exchange's context watch
	idleSince time.Time
}

// writeError is a failure to send the request.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// exchange writes req and reads the response headers within timeout. The
// request's context closes the connection if it ends first.
func (c *upConn) exchange(req *http.Request, timeout time.Duration) (*http.Response, error) {
	conn := c.Conn
	c.stop = context.AfterFunc(req.Context(), func() { _ = conn.Close() })
	if timeout > 0 {
		_ = c.SetDeadline(time.Now().Add(timeout))
	}
	bw := c.bw
	if bw == nil {
		bw = bufio.NewWriterSize(c.Conn, streamBufferSize)
	}
	if err := req.Write(bw); err != nil {
		return nil, &writeError{err}
	}
	if err := bw.Flush(); err != nil {
		return nil, &writeError{err}
	}
	c.lr.left = maxResponseHeaderBytes
	var resp *http.Response
	var err error
	for range 5 { // informational answers (100 Continue, 103 Early Hints) are skipped
		if resp, err = http.ReadResponse(c.br, req); err != nil || resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
	}
	if err != nil {
		if c.lr.left == 0 {
			return nil, errResponseHeaderTooLarge
		}
		return nil, err
	}
	if resp.StatusCode < 200 {
		_ = resp.Body.Close()
		return nil, errUpstreamProtocol
	}
	c.lr.left = -1 // the body is bounded by its reader, not here
	if timeout > 0 {
		_ = c.SetDeadline(time.Time{})
	}
	return resp, nil
}

// close ends the connection for good.
func (c *upConn) close() {
	if c.stop != nil {
		c.stop()
	}
	_ = c.Conn.Close()
}

// headerLimit reads at most left bytes while left ≥ 0 (response headers),
// and without limit while left is -1.
type headerLimit struct {
	r    io.Reader
	left int64
}

func (h *headerLimit) Read(p []byte) (int, error) {
	if h.left < 0 {
		return h.r.Read(p)
	}
	if h.left == 0 {
		return 0, errResponseHeaderTooLarge
	}
	if int64(len(p)) > h.left {
		p = p[:h.left]
	}
	n, err := h.r.Read(p)
	h.left -= int64(n)
	return n, err
}

// upBody is a response body; closing it ends the exchange, returning the
// connection to the pool when the whole body was read and the connection
// may be kept.
type upBody struct {
	io.ReadCloser
	c     *upConn
	u     *upstreams
	want  int64 // Content-Length, -1 if unknown
	got   int64
	reuse bool
	done  atomic.Bool // read to its end
	once  sync.Once
}

func (b *upBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.got += int64(n)
	if errors.Is(err, io.EOF) || b.want >= 0 && b.got == b.want {
		b.done.Store(true) // after the last use of the buffer: Close may look at it
	}
	return n, err
}

func (b *upBody) Close() error {
	b.once.Do(func() {
		// stop reports false when the context already ended: the watch has
		// closed (or is closing) the connection.
		if b.reuse && b.done.Load() && b.c.br.Buffered() == 0 && b.c.stop() {
			_ = b.ReadCloser.Close() // at its end: reads nothing more
			b.u.put(b.c)
			return
		}
		// Closing the connection ends a read in progress; net/http's body
		// would instead wait for it and then read the rest of the body.
		b.c.close()
	})
	return nil
}
