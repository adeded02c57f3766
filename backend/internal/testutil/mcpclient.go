package testutil

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Transport names for NewMCPClient and RunTSClient, as server-everything
// spells its modes.
const (
	TransportStreamable = "streamableHttp"
	TransportSSE        = "sse"
)

// MCPClientOptions configure NewMCPClientWith. Every field but URL is
// optional.
type MCPClientOptions struct {
	// URL is the endpoint: .../mcp for Streamable HTTP, .../sse for SSE.
	URL string
	// Transport is TransportStreamable (default) or TransportSSE.
	Transport string
	// Header is sent on every HTTP request the client makes (the SSE GET,
	// each POST, the DELETE that ends a session). A "Host" entry sets the
	// Host header.
	Header http.Header
	// ProtocolVersion is what the client asks for. Empty means the SDK's
	// newest, which for Streamable HTTP is 2026-07-28 (sessionless, probed
	// with server/discover before falling back to initialize); say
	// "2025-11-25" or "2025-06-18" for the session-based protocol.
	ProtocolVersion string
	// HTTPClient is the base client (default: a fresh one). Its transport
	// gets wrapped to add Header.
	HTTPClient *http.Client
	// ConnectTimeout bounds the connection handshake (default 10s).
	ConnectTimeout time.Duration
	// Reconnect lets the Streamable HTTP client reopen an interrupted
	// event stream, as the SDK does by default (up to 5 times without
	// progress). Without it the first cut fails the session, so that tests
	// see every cut.
	Reconnect bool
}

// MCPClient is a connected Go SDK client session, closed when the test
// ends. It embeds the session, so cs.ListTools, cs.CallTool and the rest
// work as usual.
type MCPClient struct {
	*mcp.ClientSession

	closeDone context.CancelFunc
	nextToken atomic.Int64
	mu        sync.Mutex
	waiters   map[string]func(*mcp.ProgressNotificationParams)
}

// MCPProgress is one progress notification as the client received it.
type MCPProgress struct {
	Progress float64
	Total    float64
	Message  string
	// At is when it arrived, measured from the start of the call.
	At time.Duration
}

// NewMCPClient connects the official Go SDK client to url over transport
// (TransportStreamable or TransportSSE), sending header on every request;
// the test fails if it cannot connect.
func NewMCPClient(t testing.TB, url, transport string, header http.Header) *MCPClient {
	t.Helper()
	return NewMCPClientWith(t, MCPClientOptions{URL: url, Transport: transport, Header: header})
}

// NewMCPClientWith is NewMCPClient with every option.
func NewMCPClientWith(t testing.TB, o MCPClientOptions) *MCPClient {
	t.Helper()
	c, err := DialMCP(context.Background(), o)
	if err != nil {
		t.Fatalf("connecting MCP client (%s) to %s: %v", o.Transport, o.URL, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// DialMCP is NewMCPClientWith returning the error, for tests that expect
// the connection to fail (say, a gateway refusing a token). The caller
// closes the client.
func DialMCP(ctx context.Context, o MCPClientOptions) (*MCPClient, error) {
	base := o.HTTPClient
	if base == nil {
		base = &http.Client{}
	}
	hc := *base
	hc.Transport = &headerTransport{header: o.Header, next: base.Transport}

	// done ends what the session started (the SSE stream) when it closes.
	done, closeDone := context.WithCancel(context.Background())
	var transport mcp.Transport
	switch o.Transport {
	case "", TransportStreamable:
		retries := -1
		if o.Reconnect {
			retries = 0 // the SDK's default
		}
		transport = &mcp.StreamableClientTransport{Endpoint: o.URL, HTTPClient: &hc, MaxRetries: retries}
	case TransportSSE:
		transport = &detachedTransport{next: &mcp.SSEClientTransport{Endpoint: o.URL, HTTPClient: &hc}, done: done}
	default:
		closeDone()
		return nil, fmt.Errorf("unknown MCP transport %q (want %q or %q)", o.Transport, TransportStreamable, TransportSSE)
	}

	c := &MCPClient{waiters: map[string]func(*mcp.ProgressNotificationParams){}, closeDone: closeDone}
	client := mcp.NewClient(&mcp.Implementation{Name: "mcpgw-test-client", Version: "1.0.0"}, &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			c.mu.Lock()
			f := c.waiters[fmt.Sprint(req.Params.ProgressToken)]
			c.mu.Unlock()
			if f != nil {
				f(req.Params)
			}
		},
	})
	timeout := o.ConnectTimeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cs, err := client.Connect(ctx, transport, &mcp.ClientSessionOptions{ProtocolVersion: o.ProtocolVersion})
	if err != nil {
		closeDone()
		return nil, err
	}
	c.ClientSession = cs
	return c, nil
}

// CallToolProgress calls a tool with a fresh progressToken and returns the
// result along with the progress notifications for that token, each
// stamped with its arrival time.
func (c *MCPClient) CallToolProgress(ctx context.Context, name string, args any) (*mcp.CallToolResult, []MCPProgress, error) {
	token := fmt.Sprintf("mcpgw-test-%d", c.nextToken.Add(1))
	start := time.Now()
	var (
		mu       sync.Mutex
		progress []MCPProgress
		arrived  = make(chan struct{}, 1)
	)
	c.mu.Lock()
	c.waiters[token] = func(p *mcp.ProgressNotificationParams) {
		mu.Lock()
		progress = append(progress, MCPProgress{Progress: p.Progress, Total: p.Total, Message: p.Message, At: time.Since(start)})
		mu.Unlock()
		select {
		case arrived <- struct{}{}:
		default:
		}
	}
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.waiters, token)
		c.mu.Unlock()
	}()

	params := &mcp.CallToolParams{Name: name, Arguments: args}
	params.SetProgressToken(token)
	res, err := c.CallTool(ctx, params)

	// The SDK hands notifications to the handler on another goroutine, so
	// the last ones sent before the result may still be on their way: wait
	// for them while the total is not reached, but not forever.
	grace := time.NewTimer(progressGrace)
	defer grace.Stop()
	for {
		mu.Lock()
		complete := len(progress) > 0 && progress[len(progress)-1].Total > 0 &&
			progress[len(progress)-1].Progress >= progress[len(progress)-1].Total
		mu.Unlock()
		if complete || err != nil {
			break
		}
		select {
		case <-arrived:
			continue
		case <-grace.C:
		}
		break
	}
	mu.Lock()
	defer mu.Unlock()
	return res, slices.Clone(progress), err
}

// progressGrace is how long CallToolProgress waits after the result for
// progress notifications that were sent before it.
const progressGrace = 250 * time.Millisecond

// Close ends the session.
func (c *MCPClient) Close() error {
	err := c.ClientSession.Close()
	c.closeDone()
	return err
}

// detachedTransport keeps the connection it makes from ending with the
// context given to Connect: the SDK's SSE client issues its hanging GET
// with that context, so a connect timeout would otherwise cut the stream
// later on (the Streamable client detaches by itself).
type detachedTransport struct {
	next mcp.Transport
	done context.Context
}

func (d *detachedTransport) Connect(ctx context.Context) (mcp.Connection, error) {
	connCtx, cancel := context.WithCancel(d.done)
	stop := context.AfterFunc(ctx, cancel)
	conn, err := d.next.Connect(connCtx)
	if !stop() || err != nil {
		cancel()
		if err == nil {
			_ = conn.Close()
			err = ctx.Err()
		}
		return nil, err
	}
	return conn, nil
}

// headerTransport adds fixed headers to every request.
type headerTransport struct {
	header http.Header
	next   http.RoundTripper
}

func (h *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	next := h.next
	if next == nil {
		next = http.DefaultTransport
	}
	if len(h.header) == 0 {
		return next.RoundTrip(req)
	}
	// A RoundTripper must not modify the caller's request.
	req = req.Clone(req.Context())
	for k, v := range h.header {
		if http.CanonicalHeaderKey(k) == "Host" {
			if len(v) > 0 {
				req.Host = v[0]
			}
			continue
		}
		req.Header[http.CanonicalHeaderKey(k)] = append([]string(nil), v...)
	}
	return next.RoundTrip(req)
}
