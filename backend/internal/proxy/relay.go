package proxy

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
)

// forward sends the decided request to the upstream and relays its answer.
// It is the proxy's own reverse proxy rather than httputil's: a sized JSON
// answer is read whole and leaves in one write with its headers (or is
// replaced by a clean JSON-RPC error when the upstream fails half-way), the
// upstream gets the body in the same packet as the headers, and an idle
// stream holds no copy buffer.
func (p *Proxy) forward(w http.ResponseWriter, r *http.Request, c *call) {
	out := p.outgoing(r, c)
	resp, err := p.ups.roundTrip(out)
	if err != nil {
		p.upstreamError(w, r, c, err)
		return
	}
	if err := p.modifyResponse(resp, c); err != nil {
		_ = resp.Body.Close()
		p.upstreamError(w, r, c, err)
		return
	}
	p.relay(w, r, c, resp)
}

// outgoing is the upstream request: the target URL, the headers the
// upstream may see (see upstreamHeader) and exactly the body decided on.
func (p *Proxy) outgoing(r *http.Request, c *call) *http.Request {
	out := &http.Request{
		Method: r.Method, URL: c.target, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: p.upstreamHeader(r, c),
	}
	if body := c.body; len(body) > 0 {
		// A *bytes.Reader lets the transport send the body in the headers'
		// packet, and GetBody lets it resend on a keep-alive connection the
		// upstream had just closed.
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.ContentLength = int64(len(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	return out.WithContext(r.Context())
}

// relay writes the upstream's (modified) answer to the client.
func (p *Proxy) relay(w http.ResponseWriter, r *http.Request, c *call, resp *http.Response) {
	defer func() { _ = resp.Body.Close() }()
	if n := resp.ContentLength; n >= 0 && n <= copyBufferSize {
		// The common case, a JSON-RPC answer: read it whole first, so that
		// an upstream failing half-way gets a JSON-RPC error instead of a
		// cut answer, and it leaves with its headers in one write.
		buf := p.bufs.Get()
		defer p.bufs.Put(buf)
		if _, err := io.ReadFull(resp.Body, buf[:n]); err != nil {
			p.upstreamError(w, r, c, err)
			return
		}
		copyResponseHeader(w.Header(), resp.Header)
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(buf[:n])
		return
	}
	copyResponseHeader(w.Header(), resp.Header)
	w.WriteHeader(resp.StatusCode)
	var flush func() error
	if resp.ContentLength < 0 {
		// An event stream or a body of unknown length: every read is
		// passed on at once, and the headers now, so the client knows the
		// stream is open before the first event.
		flush = http.NewResponseController(w).Flush
		if flush() != nil {
			return
		}
	}
	var stopped atomic.Bool
	if r.Method == http.MethodGet && flush != nil && p.o.Stopping != nil {
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-p.o.Stopping:
				stopped.Store(true)
				_ = resp.Body.Close()
			case <-done:
			}
		}()
	}
	switch err := p.copyBody(w, flush, resp.Body); {
	case err == nil, errors.Is(err, errClientGone), r.Context().Err() != nil, stopped.Load():
	default:
		// The upstream failed (or went idle) in the middle: the client must
		// not mistake what it got for the whole answer.
		c.failure = "interrupted"
		abort(w)
	}
}

// errClientGone is a failed write to the client.
var errClientGone = errors.New("the client went away")

// waiter is a body that can wait for the upstream's next bytes without a
// buffer (see stream.wait).
type waiter interface{ wait() error }

// copyBody copies body to w, flushing after each read when flush is set.
// A body that can wait (an event stream) is waited on without a buffer, so
// an idle stream costs its connections and nothing more.
func (p *Proxy) copyBody(w io.Writer, flush func() error, body io.Reader) error {
	lazy, _ := body.(waiter)
	var buf []byte
	defer func() {
		if buf != nil {
			p.bufs.Put(buf)
		}
	}()
	for {
		if lazy != nil {
			if buf != nil {
				p.bufs.Put(buf)
				buf = nil
			}
			if err := lazy.wait(); err != nil {
				return eofIsNil(err)
			}
		}
		if buf == nil {
			buf = p.bufs.Get()
		}
		n, rerr := body.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return errClientGone
			}
			if flush != nil && flush() != nil {
				return errClientGone
			}
		}
		if rerr != nil {
			return eofIsNil(rerr)
		}
	}
}

func eofIsNil(err error) error {
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// abort ends the client's connection without completing the response:
// on HTTP/1 by closing it, on HTTP/2 by resetting the stream.
func abort(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
		return
	}
	panic(http.ErrAbortHandler)
}

// copyResponseHeader copies the upstream's headers that modifyResponse
// let through (an allowlist, so nothing hop-by-hop and no request id).
func copyResponseHeader(dst, src http.Header) {
	for name, v := range src {
		dst[name] = v
	}
}

// dropConnectionHeaders removes the headers h's Connection header names:
// they were meant for the hop that ends at the gateway.
func dropConnectionHeaders(h http.Header) {
	for _, v := range h["Connection"] {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				h.Del(name)
			}
		}
	}
}
