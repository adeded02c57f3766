package testutil

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// MCPServerOptions configure NewMCPServer. Every field is optional.
type MCPServerOptions struct {
	// BearerToken, when set, must arrive as "Authorization: Bearer <token>"
	// on every request; anything else is answered 401 with a
	// WWW-Authenticate challenge (and still recorded by Requests).
	BearerToken string
	// Extra adds that many generated tools named tool-001, tool-002, … (each
	// returns its own name), for tools/list filtering tests.
	Extra int
	// BasePath mounts every endpoint under it, e.g. "/base" serves
	// /base/mcp, /base/sse and /base/messages, to test upstream URLs that
	// have a path of their own.
	BasePath string
	// AbsoluteSSEEndpoint makes the legacy transport's endpoint event carry
	// an absolute URL (http://127.0.0.1:port/messages?sessionId=…) instead
	// of a path, as some servers do.
	AbsoluteSSEEndpoint bool
	// JSONResponse makes Streamable HTTP answer POSTs with application/json
	// instead of an event stream (progress notifications are then dropped).
	JSONResponse bool
	// Stateless runs Streamable HTTP without Mcp-Session-Id.
	Stateless bool
	// PageSize, when set, is how many tools one tools/list page holds
	// (default: the SDK's 1,000), to test pagination.
	PageSize int
	// ProtocolVersions, when set, are the only protocol versions the server
	// accepts (see mcp.SupportedProtocolVersions); e.g. {"2025-06-18"} pins
	// the session-based protocol even for a client that prefers 2026-07-28.
	ProtocolVersions []string
}

// MCPServer is an upstream MCP server for tests: the official Go SDK's
// server over real HTTP, speaking Streamable HTTP at {URL}/mcp and the
// legacy HTTP+SSE transport at {URL}/sse (messages POSTed to
// {URL}/messages?sessionId=…, the path the endpoint event names). Its
// tools are echo, add, slow and the Extra ones; they can change at run
// time. It records every HTTP request it receives. Methods are safe for
// concurrent use.
type MCPServer struct {
	// URL is the base URL including BasePath, without a trailing slash.
	URL string
	// Server is the SDK server, for whatever the helpers do not cover.
	Server *mcp.Server

	t    testing.TB
	srv  *httptest.Server
	opts MCPServerOptions

	mu       sync.Mutex
	requests []MCPRequest
	tools    map[string]mcpTool
	sse      map[string]*mcp.SSEServerTransport
}

// MCPRequest is one HTTP request as the upstream saw it.
type MCPRequest struct {
	Method string
	// Path is the URL path, RawQuery the query without "?".
	Path     string
	RawQuery string
	// Host is the Host header the request arrived with.
	Host   string
	Header http.Header
	// Body is the request body (POSTs carry the JSON-RPC messages), up to
	// maxRecordedBody bytes.
	Body []byte
}

// maxRecordedBody bounds what Requests keeps of one body; bigger bodies
// are still delivered whole to the MCP handler.
const maxRecordedBody = 1 << 20

type mcpTool struct {
	tool    *mcp.Tool
	handler mcp.ToolHandler
}

// MCPToolFunc implements a tool added with MCPServer.AddTool: it gets the
// raw arguments object and returns the text of the result; an error
// becomes a result with isError set, as the protocol wants for tool
// failures.
type MCPToolFunc func(ctx context.Context, req *mcp.CallToolRequest, args json.RawMessage) (string, error)

// NewMCPServer starts an MCP server on a random loopback port; it stops
// when the test ends.
func NewMCPServer(t testing.TB, o MCPServerOptions) *MCPServer {
	t.Helper()
	o.BasePath = strings.TrimSuffix(o.BasePath, "/")
	if o.BasePath != "" && !strings.HasPrefix(o.BasePath, "/") {
		t.Fatalf("MCPServerOptions.BasePath %q must start with /", o.BasePath)
	}
	s := &MCPServer{
		t:     t,
		opts:  o,
		tools: map[string]mcpTool{},
		sse:   map[string]*mcp.SSEServerTransport{},
	}
	s.Server = mcp.NewServer(&mcp.Implementation{Name: "mcpgw-test-upstream", Version: "1.0.0"}, &mcp.ServerOptions{
		SupportedProtocolVersions: o.ProtocolVersions,
		PageSize:                  o.PageSize,
	})
	s.addBuiltinTools()

	streamable := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s.Server }, &mcp.StreamableHTTPOptions{
		Stateless:    o.Stateless,
		JSONResponse: o.JSONResponse,
		// The gateway, not this test peer, is under test: let any Host
		// header through and let tests look at it in Requests instead.
		DisableLocalhostProtection: true,
	})
	mux := http.NewServeMux()
	mux.Handle(o.BasePath+"/mcp", streamable)
	mux.HandleFunc("GET "+o.BasePath+"/sse", s.serveSSE)
	mux.HandleFunc("POST "+o.BasePath+"/messages", s.serveSSEMessage)

	s.srv = httptest.NewServer(s.record(s.authenticate(mux)))
	s.URL = s.srv.URL + o.BasePath
	t.Cleanup(s.Close)
	return s
}

// StreamableURL is the Streamable HTTP endpoint, {URL}/mcp.
func (s *MCPServer) StreamableURL() string { return s.URL + "/mcp" }

// SSEURL is the legacy HTTP+SSE endpoint, {URL}/sse.
func (s *MCPServer) SSEURL() string { return s.URL + "/sse" }

// Close stops the server, ending open streams; tests call it to make the
// upstream disappear (it also runs at cleanup).
func (s *MCPServer) Close() {
	// Ending the hanging SSE GETs first lets httptest.Server.Close return
	// instead of waiting for them.
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Requests returns a copy of every HTTP request received so far, in order.
func (s *MCPServer) Requests() []MCPRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]MCPRequest, len(s.requests))
	for i, r := range s.requests {
		r.Header = r.Header.Clone()
		r.Body = bytes.Clone(r.Body)
		out[i] = r
	}
	return out
}

// ResetRequests forgets the recorded requests.
func (s *MCPServer) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// AddTool adds a tool, or replaces the one with that name; connected
// sessions get notifications/tools/list_changed. The input schema accepts
// any object.
func (s *MCPServer) AddTool(name, description string, f MCPToolFunc) {
	s.addTool(&mcp.Tool{Name: name, Description: description, InputSchema: json.RawMessage(`{"type":"object"}`)},
		func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			text, err := f(ctx, req, req.Params.Arguments)
			if err != nil {
				return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: err.Error()}}}, nil
			}
			return textResult(text), nil
		})
}

// RemoveTool removes a tool; connected sessions get
// notifications/tools/list_changed.
func (s *MCPServer) RemoveTool(name string) {
	s.mu.Lock()
	delete(s.tools, name)
	s.mu.Unlock()
	s.Server.RemoveTools(name)
}

// SetToolDescription changes an existing tool's description (as a server
// that is updated in place would); connected sessions get
// notifications/tools/list_changed.
func (s *MCPServer) SetToolDescription(name, description string) {
	s.t.Helper()
	s.mu.Lock()
	mt, ok := s.tools[name]
	s.mu.Unlock()
	if !ok {
		s.t.Fatalf("SetToolDescription: no tool %q", name)
	}
	tool := *mt.tool
	tool.Description = description
	s.addTool(&tool, mt.handler)
}

func (s *MCPServer) addTool(tool *mcp.Tool, h mcp.ToolHandler) {
	s.mu.Lock()
	s.tools[tool.Name] = mcpTool{tool: tool, handler: h}
	s.mu.Unlock()
	s.Server.AddTool(tool, h)
}

func (s *MCPServer) addBuiltinTools() {
	s.addTool(&mcp.Tool{
		Name:        "echo",
		Description: "Returns its text argument.",
		InputSchema: json.RawMessage(`{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}`),
	}, func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var in struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal(req.Params.Arguments, &in); err != nil {
			return nil, err
		}
		return textResult(in.Text), nil
	})
	s.addTool(&mcp.Tool{
		Name:        "add",
		Description: "Adds two numbers.",
		InputSchema: json.RawMessage(`{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}},"required":["a","b"]}`),
	}, func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var in struct{ A, B float64 }
		if err := json.Unmarshal(req.Params.Arguments, &in); err != nil {
			return nil, err
		}
		return textResult(fmt.Sprint(in.A + in.B)), nil
	})
	s.addTool(&mcp.Tool{
		Name: "slow",
		Description: "Sends count progress notifications (default 3), one every interval_ms " +
			"milliseconds (default 100), to the caller's progressToken, then returns \"done\".",
		InputSchema: json.RawMessage(`{"type":"object","properties":{"count":{"type":"integer"},"interval_ms":{"type":"integer"}}}`),
	}, slowTool)
	for i := 1; i <= s.opts.Extra; i++ {
		name := fmt.Sprintf("tool-%03d", i)
		s.addTool(&mcp.Tool{
			Name:        name,
			Description: "Generated tool " + name + "; returns its name.",
			InputSchema: json.RawMessage(`{"type":"object"}`),
		}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return textResult(name), nil
		})
	}
}

func slowTool(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	in := struct {
		Count      *int `json:"count"`
		IntervalMS *int `json:"interval_ms"`
	}{}
	if len(req.Params.Arguments) > 0 {
		if err := json.Unmarshal(req.Params.Arguments, &in); err != nil {
			return nil, err
		}
	}
	count, interval := 3, 100*time.Millisecond
	if in.Count != nil {
		count = *in.Count
	}
	if in.IntervalMS != nil {
		interval = time.Duration(*in.IntervalMS) * time.Millisecond
	}
	token := req.Params.GetProgressToken()
	for i := 1; i <= count; i++ {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(interval):
		}
		if token == nil {
			continue
		}
		err := req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{
			ProgressToken: token,
			Progress:      float64(i),
			Total:         float64(count),
			Message:       fmt.Sprintf("step %d of %d", i, count),
		})
		if err != nil {
			return nil, err
		}
	}
	return textResult("done"), nil
}

func textResult(text string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}}
}

// serveSSE is the legacy transport's hanging GET. The SDK's own SSEHandler
// would answer messages on the GET's path (/sse?sessionid=…); a separate
// /messages path, as FastMCP and the TypeScript SDK use, is what makes the
// gateway's endpoint rewriting observable.
func (s *MCPServer) serveSSE(w http.ResponseWriter, r *http.Request) {
	id := rand.Text()
	endpoint := s.opts.BasePath + "/messages?sessionId=" + id
	if s.opts.AbsoluteSSEEndpoint {
		endpoint = s.srv.URL + endpoint
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	transport := &mcp.SSEServerTransport{Endpoint: endpoint, Response: w}
	s.mu.Lock()
	s.sse[id] = transport
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.sse, id)
		s.mu.Unlock()
	}()
	ss, err := s.Server.Connect(r.Context(), transport, nil)
	if err != nil {
		http.Error(w, "connect: "+err.Error(), http.StatusInternalServerError)
		return
	}
	defer func() { _ = ss.Close() }()
	ended := make(chan struct{})
	go func() { _ = ss.Wait(); close(ended) }()
	select {
	case <-r.Context().Done():
	case <-ended:
	}
}

func (s *MCPServer) serveSSEMessage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	transport := s.sse[r.URL.Query().Get("sessionId")]
	s.mu.Unlock()
	if transport == nil {
		http.Error(w, "unknown sessionId", http.StatusNotFound)
		return
	}
	transport.ServeHTTP(w, r)
}

// authenticate enforces BearerToken, when set.
func (s *MCPServer) authenticate(next http.Handler) http.Handler {
	if s.opts.BearerToken == "" {
		return next
	}
	want := []byte("Bearer " + s.opts.BearerToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="mcpgw-test-upstream"`)
			http.Error(w, "missing or wrong bearer token", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// record keeps a copy of each request before anything can reject it, so
// tests see exactly what reached the upstream.
func (s *MCPServer) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := MCPRequest{
			Method:   r.Method,
			Path:     r.URL.Path,
			RawQuery: r.URL.RawQuery,
			Host:     r.Host,
			Header:   r.Header.Clone(),
		}
		if r.Body != nil && r.Body != http.NoBody {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, "reading body: "+err.Error(), http.StatusBadRequest)
				return
			}
			rec.Body = body[:min(len(body), maxRecordedBody)]
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		s.mu.Lock()
		s.requests = append(s.requests, rec)
		s.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}
