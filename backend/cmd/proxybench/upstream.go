package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The upstream is the smallest Streamable HTTP MCP endpoint that answers
// what the benchmark sends, as plain JSON: no SDK, no session, little
// allocation beyond net/http's own, so it is never the bottleneck and
// costs the same behind every proxy. It runs in its own process
// (`proxybench -role upstream`): the file descriptors of 10,000 open
// streams would not fit next to the load generator's in one process.

// benchTools is the tools/list result: the tool the benchmark calls and
// one the scope does not allow, so the gateway's filter has work to do.
const benchTools = `{"tools":[` +
	`{"name":"echo","description":"Echoes its text.","inputSchema":{"type":"object","properties":{"text":{"type":"string"}}}},` +
	`{"name":"secret","description":"Not for benchmark agents.","inputSchema":{"type":"object"}}]}`

const echoResult = `{"content":[{"type":"text","text":"hello"}],"isError":false}`

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

type upstream struct {
	streams atomic.Int64
}

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
		u.post(w, r)
	case http.MethodGet:
		// The server's event stream: headers now, then nothing until the
		// client goes away (an idle MCP session).
		if !strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			http.Error(w, "GET needs Accept: text/event-stream", http.StatusNotAcceptable)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
		_ = http.NewResponseController(w).Flush()
		u.streams.Add(1)
		<-r.Context().Done()
		u.streams.Add(-1)
	case http.MethodDelete:
		w.WriteHeader(http.StatusOK)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func (u *upstream) post(w http.ResponseWriter, r *http.Request) {
	buf := bodyPool.Get().(*bytes.Buffer)
	defer bodyPool.Put(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(r.Body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	body := buf.Bytes()
	var msg struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	if err := json.Unmarshal(body, &msg); err != nil {
		http.Error(w, "not a JSON-RPC request", http.StatusBadRequest)
		return
	}
	var result string
	switch msg.Method {
	case "tools/call":
		result = echoResult
	case "tools/list":
		result = benchTools
	case "initialize":
		result = `{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"proxybench","version":"1"}}`
	default:
		if msg.ID == nil {
			w.WriteHeader(http.StatusAccepted) // a notification
			return
		}
		result = `{}`
	}
	out := make([]byte, 0, 64+len(result))
	out = append(out, `{"jsonrpc":"2.0","id":`...)
	out = append(out, msg.ID...)
	out = append(out, `,"result":`...)
	out = append(out, result...)
	out = append(out, '}')
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{strconv.Itoa(len(out))}
	_, _ = w.Write(out)
}

// runUpstream serves the upstream on addr.
func runUpstream(addr string) error { return serveChild(addr, &upstream{}) }

// runGoProxy serves a bare httputil.ReverseProxy to the upstream on addr:
// a keep-alive transport and pooled copy buffers, nothing else. It is the
// floor for a proxy built on net/http's server and Transport, before any
// work of its own (the gateway shares the server, not the Transport).
func runGoProxy(addr, upstreamAddr string) error {
	to := &url.URL{Scheme: "http", Host: upstreamAddr}
	return serveChild(addr, &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(to) },
		Transport: &http.Transport{
			MaxIdleConns: 1024, MaxIdleConnsPerHost: 256, IdleConnTimeout: 90 * time.Second, DisableCompression: true,
		},
		BufferPool: &copyBuffers{},
	})
}

// copyBuffers pools 8 KiB copy buffers.
type copyBuffers struct{ p sync.Pool }

func (b *copyBuffers) Get() []byte {
	if v, ok := b.p.Get().(*[]byte); ok {
		return *v
	}
	return make([]byte, 8<<10)
}

func (b *copyBuffers) Put(buf []byte) { b.p.Put(&buf) }

// serveChild serves h on addr for the parent process: it prints
// "listening <addr>" on stdout once it accepts connections and exits when
// stdin closes (the parent went away or is done with it).
func serveChild(addr string, h http.Handler) error {
	raiseFileLimit()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 5 * time.Minute}
	fmt.Printf("listening %s\n", ln.Addr())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		_ = ln.Close()
		os.Exit(0)
	}()
	return srv.Serve(ln)
}
