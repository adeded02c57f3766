package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func testUpstreams() *upstreams {
	return &upstreams{dialer: &net.Dialer{Timeout: time.Second}, connectTimeout: time.Second, headerTimeout: time.Second,
		idleTimeout: time.Minute, maxIdlePerHost: 4, maxIdle: 8}
}

// countingServer counts the connections its clients open.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, func() int) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	var mu sync.Mutex
	conns := 0
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			conns++
			mu.Unlock()
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, func() int { mu.Lock(); defer mu.Unlock(); return conns }
}

func post(t *testing.T, u *upstreams, target string, body string) (int, string, error) {
	t.Helper()
	tu, _ := url.Parse(target)
	req := (&http.Request{Method: http.MethodPost, URL: tu, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body))}).WithContext(context.Background())
	resp, err := u.roundTrip(req)
	if err != nil {
		return 0, "", err
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, string(b), err
}

// TestUpstreamsReuseConnections: answers of known and unknown length, read
// to their end, leave the connection for the next request; one the
// upstream asks to close, or one not read to its end, does not.
func TestUpstreamsReuseConnections(t *testing.T) {
	srv, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/chunked":
			w.(http.Flusher).Flush()
		case "/close":
			w.Header().Set("Connection", "close")
		}
		_, _ = fmt.Fprintf(w, "got %s", b)
	})
	u := testUpstreams()
	for i, path := range []string{"/sized", "/sized", "/chunked", "/sized", "/chunked"} {
		if status, body, err := post(t, u, srv.URL+path, fmt.Sprint(i)); err != nil || status != 200 || body != fmt.Sprintf("got %d", i) {
			t.Fatalf("%s: %d %q %v", path, status, body, err)
		}
	}
	if n := conns(); n != 1 {
		t.Fatalf("5 requests in a row opened %d connections, want 1", n)
	}
	_, _, _ = post(t, u, srv.URL+"/close", "x")
	_, _, _ = post(t, u, srv.URL+"/sized", "y")
	if n := conns(); n != 2 {
		t.Fatalf("after Connection: close, %d connections, want 2", n)
	}
	// A body closed before its end takes its connection with it.
	tu, _ := url.Parse(srv.URL + "/sized")
	req := (&http.Request{Method: http.MethodPost, URL: tu, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("zz")), ContentLength: 2}).WithContext(context.Background())
	resp, err := u.roundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	_, _, _ = post(t, u, srv.URL+"/sized", "w")
	if n := conns(); n != 3 {
		t.Fatalf("after an unread body, %d connections, want 3", n)
	}
}

// TestUpstreamsSkipClosedConnections: a kept-alive connection the upstream
// has since closed is noticed before it is used; the request goes out on a
// new one and succeeds.
func TestUpstreamsSkipClosedConnections(t *testing.T) {
	srv, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	})
	u := testUpstreams()
	if _, _, err := post(t, u, srv.URL, "a"); err != nil {
		t.Fatal(err)
	}
	srv.CloseClientConnections()
	time.Sleep(50 * time.Millisecond) // the FIN arrives
	if status, body, err := post(t, u, srv.URL, "b"); err != nil || status != 200 || body != "ok" {
		t.Fatalf("after the upstream closed the idle connection: %d %q %v", status, body, err)
	}
	if n := conns(); n != 2 {
		t.Fatalf("%d connections, want 2", n)
	}
}

// TestUpstreamsRefuseBadAnswers: response headers that never end, or are
// too large, or are not HTTP, fail the exchange within its bounds.
func TestUpstreamsRefuseBadAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer func() { _ = c.Close() }()
				buf := make([]byte, 4096)
				n, _ := c.Read(buf)
				switch {
				case bytes.Contains(buf[:n], []byte("/huge")):
					_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\n")
					for i := 0; i < 2000; i++ {
						if _, err := fmt.Fprintf(c, "X-Filler-%d: %s\r\n", i, strings.Repeat("x", 100)); err != nil {
							return
						}
					}
				case bytes.Contains(buf[:n], []byte("/silent")):
					time.Sleep(3 * time.Second)
				case bytes.Contains(buf[:n], []byte("/garbage")):
					_, _ = io.WriteString(c, "SSH-2.0-OpenSSH_9.2\r\n\r\n")
				}
			}()
		}
	}()
	base := "http://" + ln.Addr().String()
	u := testUpstreams()
	if _, _, err := post(t, u, base+"/huge", "x"); !errors.Is(err, errResponseHeaderTooLarge) {
		t.Errorf("huge headers: %v", err)
	}
	began := time.Now()
	var ne net.Error
	if _, _, err := post(t, u, base+"/silent", "x"); !errors.As(err, &ne) || !ne.Timeout() || time.Since(began) > 2*time.Second {
		t.Errorf("silent upstream: %v after %v", err, time.Since(began))
	}
	if _, _, err := post(t, u, base+"/garbage", "x"); err == nil {
		t.Error("a non-HTTP answer was accepted")
	}
}

// TestUpstreamsCancel: ending the request's context ends the exchange at
// once, waiting for headers or in the middle of a body.
func TestUpstreamsCancel(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/body" {
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = io.WriteString(w, "data: 1\n\n")
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	u := testUpstreams()
	u.headerTimeout = time.Minute
	for _, path := range []string{"/headers", "/body"} {
		ctx, cancel := context.WithCancel(context.Background())
		tu, _ := url.Parse(srv.URL + path)
		req := (&http.Request{Method: http.MethodGet, URL: tu, Header: http.Header{}}).WithContext(ctx)
		done := make(chan error, 1)
		go func() {
			resp, err := u.roundTrip(req)
			if err == nil {
				_, err = io.ReadAll(resp.Body)
				_ = resp.Body.Close()
			}
			done <- err
		}()
		time.Sleep(100 * time.Millisecond)
		cancel()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("%s: cancelled exchange ended without an error", path)
			}
		case <-time.After(time.Second):
			t.Fatalf("%s: the exchange outlived its context by a second", path)
		}
	}
}

// TestUpstreamsSweepIdleConnections: connections idle past the idle
// timeout are closed, also those of an upstream no longer called.
func TestUpstreamsSweepIdleConnections(t *testing.T) {
	closed := make(chan struct{}, 4)
	srvA := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srvA.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed <- struct{}{}
		}
	}
	srvA.Start()
	t.Cleanup(srvA.Close)
	srvB := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srvB.Close)
	u := testUpstreams()
	u.idleTimeout = 100 * time.Millisecond
	if _, _, err := post(t, u, srvA.URL, "a"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	if _, _, err := post(t, u, srvB.URL, "b"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-closed:
	case <-time.After(2 * time.Second):
		t.Fatal("the idle connection to an upstream no longer called stayed open")
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.nidle != 1 || len(u.idle) != 1 {
		t.Fatalf("pool holds %d connections to %d upstreams, want 1 and 1", u.nidle, len(u.idle))
	}
}
