package proxy

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// failConn is a kept-alive connection the upstream has just closed: every
// write fails (EPIPE), as roundTrip's retry expects.
type failConn struct{}

func (failConn) Read([]byte) (int, error)         { return 0, io.EOF }
func (failConn) Write([]byte) (int, error)        { return 0, syscall.EPIPE }
func (failConn) Close() error                     { return nil }
func (failConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (failConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (failConn) SetDeadline(time.Time) error      { return nil }
func (failConn) SetReadDeadline(time.Time) error  { return nil }
func (failConn) SetWriteDeadline(time.Time) error { return nil }

// TestUpstreamsRetryRewindsBody: a request whose write to a reused
// connection failed goes out again on a new one, with its body rewound.
func TestUpstreamsRetryRewindsBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	u := testUpstreams()
	tu, _ := url.Parse(srv.URL)
	fc := failConn{}
	c := &upConn{Conn: fc, key: "http://" + hostPort(tu), lr: &headerLimit{r: fc, left: -1}}
	c.br = bufio.NewReaderSize(c.lr, pooledBufferSize)
	c.bw = bufio.NewWriterSize(fc, pooledBufferSize)
	u.put(c)

	body := []byte(`{"jsonrpc":"2.0","id":1,"method":"ping"}`)
	out := &http.Request{Method: http.MethodPost, URL: tu, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{}}
	// as Proxy.outgoing builds it
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.ContentLength = int64(len(body))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	resp, err := u.roundTrip(out.WithContext(context.Background()))
	if err != nil {
		t.Fatalf("retry on a new connection failed: %v", err)
	}
	got, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if !bytes.Equal(got, body) {
		t.Fatalf("upstream got %q, want %q", got, body)
	}
}

// TestStreamEndDropsFinalEvent: a Streamable HTTP stream relayed by
// copyBody (waiting with stream.wait) ends as NewSSEReader read to EOF
// does, dropping an unfinished last event, whenever the EOF arrives.
func TestStreamEndDropsFinalEvent(t *testing.T) {
	p := &Proxy{o: Options{StreamIdleTimeout: time.Minute}}
	pr, pw := io.Pipe()
	s := &stream{body: pr, p: p}
	s.idle = time.AfterFunc(time.Minute, func() {})
	t.Cleanup(func() { s.idle.Stop() })
	s.lz = &lazyReader{r: idleReader{s}, more: s.buffered}
	sr := newSSEReader(s.lz, func(*Event) error { return nil })
	s.r, s.ready = sr, sr.ready
	go func() {
		_, _ = io.WriteString(pw, "data: a\n\ndata: b\n")
		time.Sleep(50 * time.Millisecond)
		_ = pw.Close()
	}()
	var got bytes.Buffer
	if err := p.copyBody(&got, nil, s); err != nil {
		t.Fatal(err)
	}
	want, _ := io.ReadAll(NewSSEReader(strings.NewReader("data: a\n\ndata: b\n"), nil))
	if got.String() != string(want) {
		t.Errorf("copyBody relayed %q; NewSSEReader to EOF gives %q", got.String(), want)
	}
}

// TestUpstreamsIdleTimerRaceStress: the idle timer closing a JSON body from
// its own goroutine while (or just after) the handler reads it must never
// pool a connection in use nor mix up answers.
func TestUpstreamsIdleTimerRaceStress(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/chunked" {
			w.(http.Flusher).Flush()
		}
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	u := testUpstreams()
	u.maxIdlePerHost, u.maxIdle = 64, 64
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				p := &Proxy{o: Options{StreamIdleTimeout: time.Duration(i%50) * time.Microsecond}}
				path := "/sized"
				if i%2 == 1 {
					path = "/chunked"
				}
				tu, _ := url.Parse(srv.URL + path)
				want := strings.Repeat(string(rune('a'+g)), 1+i%7) + "-" + path
				req := (&http.Request{Method: http.MethodPost, URL: tu, Header: http.Header{},
					Body: io.NopCloser(strings.NewReader(want)), ContentLength: int64(len(want))})
				ctx, cancel := context.WithCancel(context.Background())
				if i%3 == 0 {
					time.AfterFunc(time.Duration(i%40)*time.Microsecond, cancel)
				}
				resp, err := u.roundTrip(req.WithContext(ctx))
				if err != nil {
					cancel()
					continue
				}
				// as watch does, but with s.idle set before the timer can fire
				st := &stream{body: resp.Body, p: p}
				st.r = idleReader{st}
				st.idle = time.AfterFunc(time.Hour, func() { _ = st.Close() })
				st.idle.Reset(p.o.StreamIdleTimeout)
				body := st
				got, err := io.ReadAll(body)
				_ = body.Close()
				cancel()
				if err == nil && string(got) != want {
					t.Errorf("got %q, want %q", got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}
