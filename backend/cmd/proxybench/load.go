package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The load generator speaks HTTP/1.1 itself over keep-alive connections:
// one pre-built request, a minimal response parser (Content-Length and
// chunked bodies). net/http's client costs several times more CPU per
// request, and on a 2-core machine every microsecond the generator spends
// is taken from the proxy being measured; this one costs the same for all
// targets and little for any.

// target is one way to reach the upstream.
type target struct {
	name string
	addr string // host:port
	path string // the MCP endpoint there
	// pids are the proxy's processes (RSS, CPU); none for direct.
	pids func() []int
}

// request renders the POST the benchmark sends: a tools/call of the tool
// the benchmark's scope allows, with the agent's bearer token (sent to
// every target, so each parses the same bytes; only the gateway reads it).
func request(t target, token string) []byte {
	body := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}}}`
	return []byte("POST " + t.path + " HTTP/1.1\r\n" +
		"Host: " + t.addr + "\r\n" +
		"User-Agent: proxybench\r\n" +
		"Authorization: Bearer " + token + "\r\n" +
		"Accept: application/json, text/event-stream\r\n" +
		"Content-Type: application/json\r\n" +
		"Mcp-Protocol-Version: 2025-06-18\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
}

var errBadResponse = errors.New("unexpected response")

// client is one keep-alive connection, redialled when the peer closes it.
type client struct {
	addr string
	c    net.Conn
	br   *bufio.Reader
	body []byte
}

func (k *client) close() {
	if k.c != nil {
		_ = k.c.Close()
		k.c = nil
	}
}

// do sends req and reads the whole response; a 200 whose body holds a
// JSON-RPC result is success.
func (k *client) do(req []byte) error {
	if k.c == nil {
		c, err := net.DialTimeout("tcp", k.addr, 5*time.Second)
		if err != nil {
			return err
		}
		k.c = c
		if k.br == nil {
			k.br = bufio.NewReaderSize(c, 16<<10)
		} else {
			k.br.Reset(c)
		}
	}
	if _, err := k.c.Write(req); err != nil {
		k.close()
		return err
	}
	status, keep, err := k.readResponse()
	if err != nil || !keep {
		k.close()
	}
	if err != nil {
		return err
	}
	if status != 200 || !bytes.Contains(k.body, []byte(`"result"`)) {
		return fmt.Errorf("%w: %d %.200s", errBadResponse, status, k.body)
	}
	return nil
}

// readResponse reads one response into k.body and reports its status and
// whether the connection stays open.
func (k *client) readResponse() (status int, keep bool, err error) {
	line, err := k.br.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, fmt.Errorf("%w: status line %q", errBadResponse, line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, fmt.Errorf("%w: status line %q", errBadResponse, line)
	}
	length, chunked, keep := -1, false, true
	for {
		line, err = k.br.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		if len(line) <= 2 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil {
				return 0, false, fmt.Errorf("%w: Content-Length %q", errBadResponse, value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			keep = !bytes.EqualFold(value, []byte("close"))
		}
	}
	k.body = k.body[:0]
	switch {
	case chunked:
		for {
			line, err = k.br.ReadSlice('\n')
			if err != nil {
				return 0, false, err
			}
			size, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.SplitN(line, []byte(";"), 2)[0])), 16, 64)
			if err != nil {
				return 0, false, fmt.Errorf("%w: chunk size %q", errBadResponse, line)
			}
			if size == 0 {
				for { // trailers, then the blank line
					line, err = k.br.ReadSlice('\n')
					if err != nil {
						return 0, false, err
					}
					if len(line) <= 2 {
						return status, keep, nil
					}
				}
			}
			if err := k.readBody(int(size) + 2); err != nil {
				return 0, false, err
			}
			k.body = k.body[:len(k.body)-2] // the chunk's CRLF
		}
	case length >= 0:
		return status, keep, k.readBody(length)
	default: // delimited by the connection's end
		b, err := io.ReadAll(k.br)
		k.body = append(k.body, b...)
		return status, false, err
	}
}

func (k *client) readBody(n int) error {
	k.body = slices.Grow(k.body, n)
	start := len(k.body)
	k.body = k.body[:start+n]
	_, err := io.ReadFull(k.br, k.body[start:])
	return err
}

// saturation runs workers closed-loop requests, each on its own
// connection, for warmup and then d, and returns the requests per second
// completed during d and the errors seen.
func saturation(t target, req []byte, workers int, warmup, d time.Duration, during func(start, end time.Time)) (rps float64, errs int64, err error) {
	var done, failed atomic.Int64
	start := time.Now().Add(warmup)
	end := start.Add(d)
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			k := &client{addr: t.addr}
			defer k.close()
			for {
				err := k.do(req)
				now := time.Now()
				if now.After(end) {
					return
				}
				if now.Before(start) {
					continue
				}
				if err != nil {
					failed.Add(1)
					once.Do(func() { firstErr = err })
					time.Sleep(time.Millisecond) // a failing target must not spin
					continue
				}
				done.Add(1)
			}
		})
	}
	if during != nil {
		during(start, end)
	}
	wg.Wait()
	if n := failed.Load(); n > 0 && done.Load() == 0 {
		return 0, n, firstErr
	}
	return float64(done.Load()) / d.Seconds(), failed.Load(), nil
}

// latencies is what the fixed-rate run measured.
type latencies struct {
	p50, p90, p99, p999, max time.Duration
	sent, errs               int
	// late is the median delay between a request's scheduled and actual
	// send (the generator's own timer and scheduling delay; part of every
	// target's latency alike).
	late time.Duration
	err  error
}

// fixedRate sends rate requests per second, open loop, for warmup and
// then d. Requests are scheduled by the clock, not by replies: each one's
// latency is measured from when it was due, so a stall delays (and is
// charged to) every request scheduled during it instead of silently
// lowering the rate (no coordinated omission). conns connections take the
// due requests in turn.
func fixedRate(ctx context.Context, t target, req []byte, rate, conns int, warmup, d time.Duration) latencies {
	interval := time.Second / time.Duration(rate)
	total := int((warmup + d) / interval)
	skip := int(warmup / interval)
	due := make(chan time.Time, total)
	lat := make([]time.Duration, total)
	late := make([]time.Duration, total)
	ok := make([]bool, total)
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			k := &client{addr: t.addr}
			defer k.close()
			for at := range due {
				i := int(next.Add(1)) - 1
				late[i] = time.Since(at)
				err := k.do(req)
				lat[i] = time.Since(at)
				ok[i] = err == nil
				if err != nil {
					once.Do(func() { firstErr = err })
				}
			}
		})
	}
	// The schedule runs on its own OS thread sleeping in nanosleep with a
	// 1 µs timer slack: the Go runtime's timers wake at millisecond
	// granularity when idle (epoll), which would add up to a millisecond
	// to every latency and send requests in bursts.
	runtime.LockOSThread()
	setTimerSlack(1)
	t0 := time.Now()
	for i := range total {
		at := t0.Add(time.Duration(i) * interval)
		if w := time.Until(at); w > 0 {
			ts := syscall.NsecToTimespec(int64(w))
			_ = syscall.Nanosleep(&ts, nil)
		}
		if ctx.Err() != nil {
			break
		}
		due <- at
	}
	runtime.UnlockOSThread()
	close(due)
	wg.Wait()

	var res latencies
	var good, lateness []time.Duration
	n := int(next.Load())
	for i := skip; i < n; i++ {
		res.sent++
		lateness = append(lateness, late[i])
		if ok[i] {
			good = append(good, lat[i])
		} else {
			res.errs++
		}
	}
	res.err = firstErr
	if len(good) == 0 {
		return res
	}
	slices.Sort(good)
	slices.Sort(lateness)
	q := func(p float64) time.Duration { return good[min(len(good)-1, int(p*float64(len(good))))] }
	res.p50, res.p90, res.p99, res.p999, res.max = q(0.50), q(0.90), q(0.99), q(0.999), good[len(good)-1]
	res.late = lateness[len(lateness)/2]
	return res
}

// openStreams opens n event streams (GET on the MCP endpoint with Accept:
// text/event-stream) and keeps them open; each counts once the response
// headers said 200. It returns the connections (close them) and how many
// failed, with the first failure.
func openStreams(t target, token string, n, parallel int) ([]net.Conn, int, error) {
	req := []byte("GET " + t.path + " HTTP/1.1\r\nHost: " + t.addr + "\r\nUser-Agent: proxybench\r\n" +
		"Authorization: Bearer " + token + "\r\nAccept: text/event-stream\r\nMcp-Protocol-Version: 2025-06-18\r\n\r\n")
	conns := make([]net.Conn, n)
	var failed atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	var next atomic.Int64
	for range parallel {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				c, err := openStream(t.addr, req)
				if err != nil {
					failed.Add(1)
					once.Do(func() { firstErr = err })
					continue
				}
				conns[i] = c
			}
		})
	}
	wg.Wait()
	open := conns[:0]
	for _, c := range conns {
		if c != nil {
			open = append(open, c)
		}
	}
	return open, int(failed.Load()), firstErr
}

func openStream(addr string, req []byte) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write(req); err != nil {
		_ = c.Close()
		return nil, err
	}
	// A small reader: the head is all that comes on an idle stream, and
	// 10,000 of them must stay cheap for the generator.
	br := bufio.NewReaderSize(c, 512)
	line, err := br.ReadSlice('\n')
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200")) {
		_ = c.Close()
		return nil, fmt.Errorf("%w: %q", errBadResponse, bytes.TrimSpace(line))
	}
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			_ = c.Close()
			return nil, err
		}
		if len(line) <= 2 {
			break
		}
	}
	_ = c.SetDeadline(time.Time{})
	return c, nil
}
