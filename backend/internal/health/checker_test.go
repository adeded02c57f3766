package health_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/health"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

func server(transport string) *domain.Server {
	return &domain.Server{ID: "srv-1", Path: "up", Transport: transport}
}

// TestCheckBothTransports: a real MCP exchange with the official Go SDK's
// server, over each transport, reads every page of tools/list and ends
// the session.
func TestCheckBothTransports(t *testing.T) {
	t.Parallel()
	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{Extra: 7, PageSize: 3})
	c := health.NewChecker(health.CheckerOptions{Timeout: 5 * time.Second})
	var counts []int
	for _, tc := range []struct{ transport, url string }{
		{domain.TransportStreamableHTTP, up.StreamableURL()},
		{domain.TransportSSE, up.SSEURL()},
	} {
		res := c.Check(context.Background(), server(tc.transport), health.Credentials{UpstreamURL: tc.url})
		if res.Status != domain.HealthHealthy || res.Error != "" || res.Latency <= 0 || res.CheckedAt.IsZero() {
			t.Fatalf("%s: %+v", tc.transport, res)
		}
		names := map[string]bool{}
		for _, tool := range res.Tools {
			if tool.ServerID != "srv-1" || len(tool.DefinitionHash) != 64 || !json.Valid(tool.InputSchema) {
				t.Fatalf("%s: tool %+v", tc.transport, tool)
			}
			names[tool.Name] = true
		}
		if !names["tool-001"] || !names["tool-007"] || len(names) != len(res.Tools) {
			t.Fatalf("%s: tools %v (pages of 3 not all read?)", tc.transport, names)
		}
		counts = append(counts, len(res.Tools))
	}
	if counts[0] != counts[1] {
		t.Fatalf("tool counts differ between transports: %v", counts)
	}
	var deleted, listPages int
	for _, r := range up.Requests() {
		if r.Method == http.MethodDelete {
			deleted++
		}
		listPages += strings.Count(string(r.Body), `"tools/list"`)
	}
	if deleted == 0 {
		t.Error("the Streamable HTTP session was not ended with a DELETE")
	}
	if want := 2 * ((counts[0] + 2) / 3); listPages != want {
		t.Errorf("%d tools/list requests for %d tools in pages of 3 on two transports, want %d", listPages, counts[0], want)
	}
}

// TestCheckCredentials: the server's egress headers are sent; without them
// a server that wants a token is auth-required, not unhealthy.
func TestCheckCredentials(t *testing.T) {
	t.Parallel()
	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{BearerToken: "s3cret"})
	c := health.NewChecker(health.CheckerOptions{Timeout: 5 * time.Second})
	srv := server(domain.TransportStreamableHTTP)
	res := c.Check(context.Background(), srv, health.Credentials{UpstreamURL: up.StreamableURL()})
	if res.Status != domain.HealthAuthRequired || !strings.Contains(res.Error, "401") || len(res.Tools) != 0 {
		t.Fatalf("without credentials: %+v", res)
	}
	res = c.Check(context.Background(), srv, health.Credentials{UpstreamURL: up.StreamableURL(),
		Header: http.Header{"Authorization": {"Bearer s3cret"}}})
	if res.Status != domain.HealthHealthy {
		t.Fatalf("with credentials: %+v", res)
	}
	if strings.Contains(res.Error, "s3cret") {
		t.Fatal("the secret appears in the result")
	}
}

// TestCheckFailures: unreachable, slow, not MCP and refused addresses are
// unhealthy, each with a message that says which, within the timeout.
func TestCheckFailures(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + ln.Addr().String() + "/mcp"
	_ = ln.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // then net/http sees the client go
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
			t.Errorf("the check's %s %s outlived the check", r.Method, r.URL.Path)
		}
	}))
	t.Cleanup(slow.Close)
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>hello</html>"))
	}))
	t.Cleanup(page.Close)
	redirect := httptest.NewServer(http.RedirectHandler("http://169.254.169.254/latest", http.StatusFound))
	t.Cleanup(redirect.Close)
	hangUp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close() // the client's error names the URL it posted to
		}
	}))
	t.Cleanup(hangUp.Close)
	hangUpURL := strings.Replace(hangUp.URL, "://", "://user:pa55@", 1) + "/mcp?api_key=s3cret#frag"

	c := health.NewChecker(health.CheckerOptions{Timeout: 500 * time.Millisecond})
	for _, tc := range []struct{ name, url, want string }{
		{"unreachable", closedURL, "unreachable"},
		{"slow", slow.URL + "/mcp", "in time"},
		{"not MCP", page.URL + "/mcp", ""},
		{"redirect", redirect.URL + "/mcp", ""},
		{"link-local", "http://169.254.169.254:80/mcp", "SSRF guard"},
		{"hang-up", hangUpURL, `"` + hangUp.URL + `/mcp"`},
	} {
		began := time.Now()
		res := c.Check(context.Background(), server(domain.TransportStreamableHTTP), health.Credentials{UpstreamURL: tc.url})
		if res.Status != domain.HealthUnhealthy || res.Error == "" || !strings.Contains(res.Error, tc.want) {
			t.Errorf("%s: %+v", tc.name, res)
		}
		// Readers who may not see the upstream URL read the error.
		if strings.Contains(res.Error, "s3cret") || strings.Contains(res.Error, "user:") || strings.Contains(res.Error, "frag") {
			t.Errorf("%s: the error shows the URL's credentials: %q", tc.name, res.Error)
		}
		if d := time.Since(began); d > 2*time.Second {
			t.Errorf("%s: took %v with a 500ms timeout", tc.name, d)
		}
	}
}

// TestDefinitionHash: the same description and schema, however the schema
// is spelled, hash alike; a changed description or schema does not.
func TestDefinitionHash(t *testing.T) {
	a := health.DefinitionHash("adds", json.RawMessage(`{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}}}`))
	b := health.DefinitionHash("adds", json.RawMessage(` { "properties": {"b":{"type":"number"}, "a":{"type":"number"}}, "type":"object" }`))
	if a != b {
		t.Fatal("re-serialising the schema changed the hash")
	}
	for _, other := range []string{
		health.DefinitionHash("adds two numbers", json.RawMessage(`{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}}}`)),
		health.DefinitionHash("adds", json.RawMessage(`{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"number"}}}`)),
	} {
		if other == a {
			t.Fatal("a changed definition kept its hash")
		}
	}
}

// TestCheckKeepsCredentialsAtTheUpstream: a legacy server whose endpoint
// event names another host gets its messages posted there without the
// server's egress headers.
func TestCheckKeepsCredentialsAtTheUpstream(t *testing.T) {
	t.Parallel()
	got := make(chan http.Header, 8)
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(elsewhere.Close)
	sse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "event: endpoint\ndata: "+elsewhere.URL+"/messages?sessionId=1\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	t.Cleanup(sse.Close)
	c := health.NewChecker(health.CheckerOptions{Timeout: time.Second})
	res := c.Check(context.Background(), server(domain.TransportSSE), health.Credentials{UpstreamURL: sse.URL + "/sse",
		Header: http.Header{"Authorization": {"Bearer egress-secret"}}})
	if res.Status == domain.HealthHealthy {
		t.Fatalf("a server answering elsewhere was healthy: %+v", res)
	}
	n := 0
	for drained := false; !drained; {
		select {
		case h := <-got:
			n++
			if h.Get("Authorization") != "" {
				t.Fatal("the egress token was sent to another host")
			}
		default:
			drained = true
		}
	}
	if n == 0 {
		t.Fatal("the other host was never reached: the test proves nothing")
	}
}
