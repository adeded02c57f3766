package testutil

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTSClientAgainstEverything(t *testing.T) {
	for _, mode := range []string{EverythingStreamable, EverythingSSE} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			base := StartServerEverything(t, mode)
			url := base + "/mcp"
			if mode == EverythingSSE {
				url = base + "/sse"
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res := RunTSClient(t, ctx, TSClientArgs{
				URL:       url,
				Transport: mode,
				Header:    http.Header{"X-Test": {"from-ts"}},
				Steps: []TSStep{
					TSListTools(),
					TSCallTool(EverythingEcho, map[string]any{"message": "hi"}),
					TSCallToolProgress(EverythingLongRunning, map[string]any{"duration": 0.8, "steps": 4}),
					TSCallTool("no-such-tool", nil),
				},
			})
			t.Logf("%s: node ran %v; server %s, protocol %q", mode, res.Elapsed, res.ServerInfo, res.ProtocolVersion)

			tools := res.Step(t, 0).ToolNames()
			for _, want := range []string{EverythingEcho, EverythingSum, EverythingLongRunning} {
				if !slices.Contains(tools, want) {
					t.Errorf("tools/list lacks %q: %v", want, tools)
				}
			}
			if got := res.Step(t, 1).Text; got != "Echo: hi" {
				t.Errorf("echo = %q", got)
			}

			long := res.Step(t, 2)
			if len(long.Progress) != 4 {
				t.Fatalf("progress = %+v, want 4 notifications", long.Progress)
			}
			for i, p := range long.Progress {
				if p.Progress != float64(i+1) || p.Total != 4 {
					t.Errorf("progress[%d] = %+v", i, p)
				}
			}
			// One by one, not in a burst at the end: sent 200 ms apart, they
			// arrive spread out (half that, for a loaded machine).
			if spread := long.Progress[3].AtMS - long.Progress[0].AtMS; spread < 300 {
				t.Errorf("progress arrived within %.0f ms: %+v", spread, long.Progress)
			}
			if !strings.Contains(long.Text, "completed") {
				t.Errorf("long-running result = %q", long.Text)
			}

			// An unknown tool is a tool error result in this SDK version,
			// not a JSON-RPC error.
			if missing := res.Step(t, 3); !missing.IsError() {
				t.Errorf("unknown tool: %+v", missing)
			}

			if len(res.HTTP) == 0 {
				t.Fatal("no HTTP exchanges recorded")
			}
			for _, h := range res.HTTP {
				if !strings.HasPrefix(h.URL, base+"/") || h.Status == 0 || h.Status >= 300 {
					t.Errorf("HTTP exchange %+v", h)
				}
			}
			if mode == EverythingSSE && !slices.ContainsFunc(res.HTTP, func(h TSHTTPExchange) bool {
				return h.Method == http.MethodPost && strings.HasPrefix(h.URL, base+"/message?sessionId=")
			}) {
				t.Errorf("no POST to /message: %+v", res.HTTP)
			}
			if mode == EverythingStreamable && res.SessionID == "" {
				t.Error("no Mcp-Session-Id on Streamable HTTP")
			}
		})
	}
}

// TestTSClientAgainstGoServer sends the client's extra headers through to a
// real upstream and reports refusals as data.
func TestTSClientAgainstGoServer(t *testing.T) {
	t.Parallel()
	srv := NewMCPServer(t, MCPServerOptions{BearerToken: "s3cret"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, transport := range []string{TransportStreamable, TransportSSE} {
		url := srv.StreamableURL()
		if transport == TransportSSE {
			url = srv.SSEURL()
		}
		res := RunTSClient(t, ctx, TSClientArgs{
			URL: url, Transport: transport,
			Header: http.Header{"Authorization": {"Bearer s3cret"}},
			Steps: []TSStep{
				TSCallToolProgress("slow", map[string]any{"count": 2, "interval_ms": 150}),
				{Op: "request", Method: "tools/list"},
			},
		})
		if slow := res.Step(t, 0); slow.Text != "done" || len(slow.Progress) != 2 {
			t.Errorf("%s: slow = %+v", transport, slow)
		}
		if !strings.Contains(string(res.Step(t, 1).Result), `"echo"`) {
			t.Errorf("%s: tools/list = %s", transport, res.Steps[1].Result)
		}

		refused := RunTSClient(t, ctx, TSClientArgs{URL: url, Transport: transport, Steps: []TSStep{{Op: "ping"}}})
		if refused.Connected || refused.ConnectError == nil {
			t.Fatalf("%s: connected without the token: %+v", transport, refused)
		}
		if len(refused.HTTP) == 0 || refused.HTTP[0].Status != http.StatusUnauthorized {
			t.Errorf("%s: refusal %+v", transport, refused.HTTP)
		}
	}
	for _, r := range srv.Requests() {
		if r.Header.Get("Authorization") == "" {
			continue
		}
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			t.Errorf("Authorization %q reached the upstream", r.Header.Get("Authorization"))
		}
	}
}

// TestMCPClientAgainstEverything: the Go SDK client and the TypeScript
// server agree, including the Go client's fallback from server/discover to
// initialize.
func TestMCPClientAgainstEverything(t *testing.T) {
	for _, mode := range []string{EverythingStreamable, EverythingSSE} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			base := StartServerEverything(t, mode)
			url := base + "/mcp"
			if mode == EverythingSSE {
				url = base + "/sse"
			}
			c := NewMCPClient(t, url, mode, nil)
			res, progress, err := c.CallToolProgress(context.Background(), EverythingLongRunning, map[string]any{"duration": 0.4, "steps": 2})
			if err != nil {
				t.Fatal(err)
			}
			if len(progress) != 2 || res.IsError {
				t.Errorf("long-running: %+v, progress %+v", res, progress)
			}
		})
	}
}
