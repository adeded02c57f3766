package proxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// streamBufferSize is the size of a stream connection's read and write
// buffers: a GET and an upstream's response headers fit, and body reads
// larger than it bypass it.
const streamBufferSize = 1 << 10

// maxStreamHeaderBytes bounds an upstream's response headers on a stream
// connection (the shared transport's default, 1 MiB, is far more than an
// MCP server needs).
const maxStreamHeaderBytes = 64 << 10

// openStream sends a GET, which opens a server's event stream (Streamable
// HTTP's GET, the legacy transport's /sse), on a connection of its own,
// closed when the stream ends. A stream lives for minutes or hours and
// keeps its connection busy all that time, so the shared transport's pool
// gains nothing from it, while each of its connections costs two
// goroutines and 8 KiB of buffers; here a stream's upstream side is one
// connection and a 1 KiB buffer, read by the handler's own goroutine.
func (p *Proxy) openStream(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	u := req.URL
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	conn, err := p.dialer.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, err
	}
	if u.Scheme == "https" {
		tc := tls.Client(conn, &tls.Config{ServerName: host, NextProtos: []string{"http/1.1"}, MinVersion: tls.VersionTLS12})
		hctx, cancel := context.WithTimeout(ctx, p.o.ConnectTimeout)
		err = tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			_ = conn.Close()
			return nil, err
		}
		conn = tc
	}
	sc := &streamConn{Conn: conn}
	// The client going away (or the idle timer) closes the connection,
	// which ends whatever read is waiting on it.
	sc.stop = context.AfterFunc(ctx, func() { _ = conn.Close() })
	resp, err := sc.exchange(req, p.o.ResponseHeaderTimeout)
	if err != nil {
		_ = sc.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	resp.Body = &streamBody{ReadCloser: resp.Body, conn: sc}
	return resp, nil
}

// streamConn is a stream's upstream connection.
type streamConn struct {
	net.Conn
	br   *bufio.Reader // the response, read through it
	stop func() bool
	once sync.Once
}

// exchange writes req and reads the response headers, within timeout.
func (c *streamConn) exchange(req *http.Request, timeout time.Duration) (*http.Response, error) {
	req.Close = true // one stream per connection: the upstream may close it after
	_ = c.SetDeadline(time.Now().Add(timeout))
	bw := bufio.NewWriterSize(c.Conn, streamBufferSize)
	if err := req.Write(bw); err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	lr := &headerLimit{r: c.Conn, left: maxStreamHeaderBytes}
	c.br = bufio.NewReaderSize(lr, streamBufferSize)
	resp, err := http.ReadResponse(c.br, req)
	if err != nil {
		if lr.left <= 0 {
			return nil, errStreamHeaderTooLarge
		}
		return nil, err
	}
	lr.left = -1 // headers read: the body is not limited here
	_ = c.SetDeadline(time.Time{})
	return resp, nil
}

var errStreamHeaderTooLarge = errors.New("the upstream's response headers are too large")

func (c *streamConn) Close() error {
	var err error
	c.once.Do(func() {
		c.stop()
		err = c.Conn.Close()
	})
	return err
}

// headerLimit reads at most left bytes while left ≥ 0 (the response
// headers), then without limit once left is set to -1.
type headerLimit struct {
	r    io.Reader
	left int64
}

func (h *headerLimit) Read(p []byte) (int, error) {
	if h.left < 0 {
		return h.r.Read(p)
	}
	if h.left == 0 {
		return 0, errStreamHeaderTooLarge
	}
	if int64(len(p)) > h.left {
		p = p[:h.left]
	}
	n, err := h.r.Read(p)
	h.left -= int64(n)
	return n, err
}

// streamBody is a stream's response body: closing it closes the
// connection.
type streamBody struct {
	io.ReadCloser
	conn *streamConn
}

func (b *streamBody) Close() error {
	err := b.conn.Close()
	_ = b.ReadCloser.Close()
	return err
}
