package testutil

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func toolNames(t *testing.T, c *MCPClient) []string {
	t.Helper()
	var names []string
	for tool, err := range c.Tools(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tool.Name)
	}
	return names
}

func resultText(t *testing.T, res *mcp.CallToolResult) string {
	t.Helper()
	if len(res.Content) != 1 {
		t.Fatalf("result has %d content items, want 1", len(res.Content))
	}
	text, ok := res.Content[0].(*mcp.TextContent)
	if !ok {
		t.Fatalf("result content is %T, want text", res.Content[0])
	}
	return text.Text
}

func TestMCPServerBothTransports(t *testing.T) {
	cases := []struct {
		name string
		opts MCPServerOptions
		// protocol is what the client asks for; empty is the SDK's newest.
		protocol string
	}{
		{name: "plain"},
		{name: "session protocol", protocol: "2025-06-18"},
		{name: "base path and absolute endpoint", opts: MCPServerOptions{BasePath: "/base/", AbsoluteSSEEndpoint: true}},
		{name: "server pinned to 2025-03-26", opts: MCPServerOptions{ProtocolVersions: []string{"2025-03-26"}}},
	}
	for _, tc := range cases {
		for _, transport := range []string{TransportStreamable, TransportSSE} {
			t.Run(tc.name+"/"+transport, func(t *testing.T) {
				t.Parallel()
				opts := tc.opts
				opts.Extra = 3
				srv := NewMCPServer(t, opts)
				url := srv.StreamableURL()
				if transport == TransportSSE {
					url = srv.SSEURL()
				}
				c := NewMCPClientWith(t, MCPClientOptions{
					URL: url, Transport: transport, ProtocolVersion: tc.protocol,
					Header: http.Header{"X-Test": {"from-client"}},
				})
				ctx := context.Background()

				names := toolNames(t, c)
				want := []string{"add", "echo", "slow", "tool-001", "tool-002", "tool-003"}
				if !slices.Equal(names, want) {
					t.Errorf("tools = %v, want %v", names, want)
				}
				res, err := c.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "hello"}})
				if err != nil {
					t.Fatal(err)
				}
				if got := resultText(t, res); got != "hello" {
					t.Errorf("echo = %q", got)
				}
				res, err = c.CallTool(ctx, &mcp.CallToolParams{Name: "add", Arguments: map[string]any{"a": 2, "b": 3.5}})
				if err != nil {
					t.Fatal(err)
				}
				if got := resultText(t, res); got != "5.5" {
					t.Errorf("add = %q", got)
				}

				res, progress, err := c.CallToolProgress(ctx, "slow", map[string]any{"count": 3, "interval_ms": 150})
				if err != nil {
					t.Fatal(err)
				}
				if got := resultText(t, res); got != "done" {
					t.Errorf("slow = %q", got)
				}
				if len(progress) != 3 {
					t.Fatalf("progress = %+v, want 3 notifications", progress)
				}
				for i, p := range progress {
					if p.Progress != float64(i+1) || p.Total != 3 {
						t.Errorf("progress[%d] = %+v", i, p)
					}
				}
				// One by one, not in a burst at the end: sent 150 ms apart,
				// they arrive spread out (half that, for a loaded machine).
				if spread := progress[2].At - progress[0].At; spread < 150*time.Millisecond {
					t.Errorf("progress arrived within %v: %+v", spread, progress)
				}

				reqs := srv.Requests()
				if len(reqs) == 0 {
					t.Fatal("no requests recorded")
				}
				sawCall := false
				for _, r := range reqs {
					if r.Header.Get("X-Test") != "from-client" {
						t.Errorf("%s %s without the client's header", r.Method, r.Path)
					}
					if !strings.HasPrefix(r.Path, strings.TrimSuffix(tc.opts.BasePath, "/")+"/") {
						t.Errorf("request path %q outside the base path", r.Path)
					}
					if strings.Contains(string(r.Body), `"tools/call"`) && strings.Contains(string(r.Body), `"echo"`) {
						sawCall = true
					}
				}
				if !sawCall {
					t.Error("the echo call is not among the recorded request bodies")
				}
				if transport == TransportSSE && !slices.ContainsFunc(reqs, func(r MCPRequest) bool {
					return r.Method == http.MethodPost && r.Path == strings.TrimSuffix(tc.opts.BasePath, "/")+"/messages" && strings.HasPrefix(r.RawQuery, "sessionId=")
				}) {
					t.Errorf("no POST to the messages endpoint: %+v", reqs)
				}
			})
		}
	}
}

func TestMCPServerBearerToken(t *testing.T) {
	t.Parallel()
	srv := NewMCPServer(t, MCPServerOptions{BearerToken: "s3cret"})
	for _, transport := range []string{TransportStreamable, TransportSSE} {
		url := srv.StreamableURL()
		if transport == TransportSSE {
			url = srv.SSEURL()
		}
		if c, err := DialMCP(context.Background(), MCPClientOptions{URL: url, Transport: transport, Header: http.Header{"Authorization": {"Bearer wrong"}}}); err == nil {
			_ = c.Close()
			t.Errorf("%s: connected with a wrong token", transport)
		}
		c := NewMCPClient(t, url, transport, http.Header{"Authorization": {"Bearer s3cret"}})
		if len(toolNames(t, c)) != 3 {
			t.Errorf("%s: tools/list with the right token failed", transport)
		}
	}
	resp, err := http.Post(srv.StreamableURL(), "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer ") {
		t.Errorf("no token: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
}

func TestMCPServerToolsChange(t *testing.T) {
	t.Parallel()
	srv := NewMCPServer(t, MCPServerOptions{})
	c := NewMCPClient(t, srv.StreamableURL(), TransportStreamable, nil)
	ctx := context.Background()

	srv.SetToolDescription("echo", "Echoes, version 2.")
	srv.AddTool("fail", "Always fails.", func(context.Context, *mcp.CallToolRequest, json.RawMessage) (string, error) {
		return "", errors.New("broken on purpose")
	})
	srv.RemoveTool("add")

	res, err := c.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, tool := range res.Tools {
		got[tool.Name] = tool.Description
	}
	if got["echo"] != "Echoes, version 2." {
		t.Errorf("echo description = %q", got["echo"])
	}
	if _, ok := got["add"]; ok {
		t.Error("add is still listed")
	}
	call, err := c.CallTool(ctx, &mcp.CallToolParams{Name: "fail"})
	if err != nil {
		t.Fatal(err)
	}
	if !call.IsError || resultText(t, call) != "broken on purpose" {
		t.Errorf("fail = %+v", call)
	}
	// The description change did not lose the handler.
	call, err = c.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "still here"}})
	if err != nil {
		t.Fatal(err)
	}
	if resultText(t, call) != "still here" {
		t.Errorf("echo after SetToolDescription = %q", resultText(t, call))
	}
}
