package app_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

// BenchmarkProxyToolsCallTraced is BenchmarkProxyToolsCall with tracing
// on and every call sampled, exporting to a collector that discards what
// it gets: the cost of a span per call (compare the two).
func BenchmarkProxyToolsCallTraced(b *testing.B) {
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	b.Cleanup(collector.Close)
	up := fastUpstream(b)
	cfg := testutil.Config(b)
	cfg.TracingEnabled, cfg.OTLPEndpoint = true, collector.URL
	a := testutil.StartApp(b, cfg, testutil.StartOptions{})
	admin := signedInAdmin(b, a)
	createServer(b, admin, map[string]any{"path": "bench", "upstream_url": up + "/mcp", "transport": "streamable-http"})
	grantTools(b, admin, "agents", "bench", "echo")
	token := agentToken(b, a, admin, "bench-agent", "agents")
	benchCalls(b, a.URL+"/bench/mcp", token)
}
