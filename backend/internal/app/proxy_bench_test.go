package app_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

// BenchmarkProxyToolsCall is one proxied tools/call in process, as the
// proxy benchmark (make bench) sends it: gateway JWT, permission check on
// server and tool, forwarding on a keep-alive connection, audit event. The
// client and the upstream run in the same process, so allocs/op counts
// theirs too (compare against BenchmarkProxyDirect).
func BenchmarkProxyToolsCall(b *testing.B) {
	up := fastUpstream(b)
	a := testutil.StartApp(b, testutil.Config(b), testutil.StartOptions{})
	admin := signedInAdmin(b, a)
	createServer(b, admin, map[string]any{"path": "bench", "upstream_url": up + "/mcp", "transport": "streamable-http"})
	grantTools(b, admin, "agents", "bench", "echo")
	token := agentToken(b, a, admin, "bench-agent", "agents")
	benchCalls(b, a.URL+"/bench/mcp", token)
}

// BenchmarkProxyDirect is BenchmarkProxyToolsCall's client and upstream
// without the gateway between them.
func BenchmarkProxyDirect(b *testing.B) {
	benchCalls(b, fastUpstream(b)+"/mcp", "")
}

const benchCall = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}}}`

func benchCalls(b *testing.B, url, token string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	body := []byte(benchCall)
	do := func() {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	do()
	b.ReportAllocs()
	for b.Loop() {
		do()
	}
}

// fastUpstream answers every POST with the same small JSON-RPC result.
func fastUpstream(b *testing.B) string {
	answer := []byte(`{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"hello"}]}}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(answer)
	}))
	b.Cleanup(srv.Close)
	return srv.URL
}
