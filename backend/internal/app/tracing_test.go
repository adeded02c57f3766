package app_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/mcpgw/mcpgw/backend/internal/config"
	"github.com/mcpgw/mcpgw/backend/internal/proxy"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

// otlpReceiver is an OTLP/HTTP collector: it decodes what is posted to
// /v1/traces (protobuf) and keeps the spans.
type otlpReceiver struct {
	URL string

	mu        sync.Mutex
	posts     int
	headers   []http.Header
	spans     []*tracepb.Span
	resources [][]*commonpb.KeyValue
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	rc := &otlpReceiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
			t.Errorf("OTLP receiver got %s %s (%s)", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
			http.Error(w, "unexpected", http.StatusBadRequest)
			return
		}
		body, err := io.ReadAll(r.Body)
		var req coltracepb.ExportTraceServiceRequest
		if err == nil {
			err = proto.Unmarshal(body, &req)
		}
		if err != nil {
			t.Errorf("OTLP receiver: undecodable export: %v", err)
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		rc.mu.Lock()
		rc.posts++
		rc.headers = append(rc.headers, r.Header.Clone())
		for _, rs := range req.GetResourceSpans() {
			rc.resources = append(rc.resources, rs.GetResource().GetAttributes())
			for _, ss := range rs.GetScopeSpans() {
				rc.spans = append(rc.spans, ss.GetSpans()...)
			}
		}
		rc.mu.Unlock()
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(srv.Close)
	rc.URL = srv.URL
	return rc
}

func (rc *otlpReceiver) snapshot() (posts int, spans []*tracepb.Span) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.posts, append([]*tracepb.Span(nil), rc.spans...)
}

// waitSpans flushes the app's spans until want of them (by name, counted)
// have arrived; spans end when the gateway has finished with a call, which
// may be a moment after the client has its answer.
func (rc *otlpReceiver) waitSpans(t *testing.T, a *testutil.TestApp, want map[string]int) []*tracepb.Span {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := a.Tracing.ForceFlush(ctx); err != nil {
			t.Fatalf("flushing spans: %v", err)
		}
		cancel()
		_, spans := rc.snapshot()
		have := map[string]int{}
		for _, s := range spans {
			have[s.GetName()]++
		}
		ok := true
		for name, n := range want {
			if have[name] < n {
				ok = false
			}
		}
		if ok {
			return spans
		}
		if time.Now().After(deadline) {
			t.Fatalf("spans received %v, want at least %v", have, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// attrs renders a span's (or resource's) attributes as strings.
func attrs(kvs []*commonpb.KeyValue) map[string]string {
	out := map[string]string{}
	for _, kv := range kvs {
		switch v := kv.GetValue().GetValue().(type) {
		case *commonpb.AnyValue_StringValue:
			out[kv.GetKey()] = v.StringValue
		case *commonpb.AnyValue_IntValue:
			out[kv.GetKey()] = strconv.FormatInt(v.IntValue, 10)
		case *commonpb.AnyValue_BoolValue:
			out[kv.GetKey()] = strconv.FormatBool(v.BoolValue)
		default:
			out[kv.GetKey()] = fmt.Sprint(kv.GetValue())
		}
	}
	return out
}

// wantAttrs fails unless span has every attribute of want ("" means absent).
func wantAttrs(t *testing.T, span *tracepb.Span, want map[string]string) {
	t.Helper()
	got := attrs(span.GetAttributes())
	for k, v := range want {
		if g, ok := got[k]; v == "" && ok || v != "" && g != v {
			t.Errorf("span %q: %s = %q, want %q (all: %v)", span.GetName(), k, g, v, got)
		}
	}
}

// spanWith returns the one span named name whose attributes include match.
func spanWith(t *testing.T, spans []*tracepb.Span, name string, match map[string]string) *tracepb.Span {
	t.Helper()
	var found []*tracepb.Span
next:
	for _, s := range spans {
		if s.GetName() != name {
			continue
		}
		got := attrs(s.GetAttributes())
		for k, v := range match {
			if got[k] != v {
				continue next
			}
		}
		found = append(found, s)
	}
	if len(found) != 1 {
		t.Fatalf("%d spans named %q with %v, want 1", len(found), name, match)
	}
	return found[0]
}

// upstreamTraceparents returns the traceparent of each POST the upstream
// received whose body contains marker.
func upstreamTraceparents(up *testutil.MCPServer, marker string) []string {
	var out []string
	for _, rq := range up.Requests() {
		if rq.Method == http.MethodPost && strings.Contains(string(rq.Body), marker) {
			out = append(out, rq.Header.Get("Traceparent"))
		}
	}
	return out
}

func tracingTo(rc *otlpReceiver) func(*config.Config) {
	return func(c *config.Config) {
		c.TracingEnabled = true
		c.OTLPEndpoint = rc.URL
		c.OTLPHeaders = map[string]string{"Authorization": "Bearer collector-secret"}
		c.TracingServiceName = "mcpgw-under-test"
	}
}

const (
	callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	callerSpan  = "00f067aa0ba902b7"
)

// TestTracingSpansPerProxiedCall drives allowed, denied and failing calls,
// a tools/list and batches through a gateway exporting to an in-test OTLP
// collector: each call has exactly one span with the decision, the caller
// and the outcome; the upstream is sent the span's own traceparent; a
// caller's trace is continued; no span carries the caller's token.
func TestTracingSpansPerProxiedCall(t *testing.T) {
	t.Parallel()
	rc := newOTLPReceiver(t)
	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{Stateless: true, JSONResponse: true})
	a := start(t, tracingTo(rc))
	admin := signedInAdmin(t, a)
	createServer(t, admin, map[string]any{"path": "traced", "upstream_url": up.StreamableURL(), "transport": "streamable-http"})
	createServer(t, admin, map[string]any{"path": "secret", "upstream_url": up.StreamableURL(), "transport": "streamable-http"})
	createServer(t, admin, map[string]any{"path": "gone", "upstream_url": "http://127.0.0.1:9/mcp", "transport": "streamable-http"})
	grantTools(t, admin, "agents", "traced", "echo")
	grantTools(t, admin, "agents", "gone", "*")
	token := agentToken(t, a, admin, "robot", "agents")
	accept := []string{"Accept", "application/json, text/event-stream"}
	call := func(id int, tool string) string {
		return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q,"arguments":{"text":"marker-%d"}}}`, id, tool, id)
	}

	// An allowed call continuing the caller's trace.
	incoming := "00-" + callerTrace + "-" + callerSpan + "-01"
	if r := rpc(t, a, "/traced/mcp", token, call(1, "echo"), append(accept, "Traceparent", incoming, "Tracestate", "vendor=abc")...); r.Status != 200 {
		t.Fatalf("allowed call: %d %s", r.Status, r.Body)
	}
	// A denied call, which never reaches the upstream.
	if r := rpc(t, a, "/traced/mcp", token, call(2, "add"), accept...); r.Status != 403 {
		t.Fatalf("denied call: %d %s", r.Status, r.Body)
	}
	if r := rpc(t, a, "/traced/mcp", token, `{"jsonrpc":"2.0","id":"list-3","method":"tools/list"}`, accept...); r.Status != 200 {
		t.Fatalf("tools/list: %d %s", r.Status, r.Body)
	}
	// A batch that is forwarded, and one that is not (add is denied).
	rpc(t, a, "/traced/mcp", token, "["+call(4, "echo")+`,{"jsonrpc":"2.0","id":5,"method":"tools/list"}]`, accept...)
	if r := rpc(t, a, "/traced/mcp", token, "["+call(6, "echo")+","+call(7, "add")+"]", accept...); r.Status != 403 {
		t.Fatalf("denied batch: %d %s", r.Status, r.Body)
	}
	// No permission on the server at all, and an upstream that is down.
	if r := rpc(t, a, "/secret/mcp", token, call(8, "echo"), accept...); r.Status != 403 {
		t.Fatalf("server denied: %d %s", r.Status, r.Body)
	}
	if r := rpc(t, a, "/gone/mcp", token, call(9, "echo"), accept...); r.Status != 502 {
		t.Fatalf("upstream down: %d %s", r.Status, r.Body)
	}

	spans := rc.waitSpans(t, a, map[string]int{"tools/call echo": 4, "tools/call add": 2, "tools/list": 2, "mcp batch": 2, "mcp": 1})

	allowed := spanWith(t, spans, "tools/call echo", map[string]string{"jsonrpc.request.id": "1"})
	wantAttrs(t, allowed, map[string]string{
		"mcp.method.name": "tools/call", "gen_ai.tool.name": "echo", "gen_ai.operation.name": "execute_tool",
		"mcpgw.server": "traced", "mcpgw.decision": "allowed", "mcpgw.decision.reason": "granted", "mcpgw.forwarded": "true",
		"http.response.status_code": "200", "enduser.id": "robot", "network.transport": "tcp", "error.type": "",
		"rpc.response.status_code": "",
	})
	if allowed.GetKind() != tracepb.Span_SPAN_KIND_SERVER {
		t.Errorf("kind = %v", allowed.GetKind())
	}
	// The caller's trace goes on through the gateway to the upstream.
	if hex.EncodeToString(allowed.GetTraceId()) != callerTrace || hex.EncodeToString(allowed.GetParentSpanId()) != callerSpan {
		t.Errorf("allowed span trace %x parent %x, want %s %s", allowed.GetTraceId(), allowed.GetParentSpanId(), callerTrace, callerSpan)
	}
	if allowed.GetTraceState() != "vendor=abc" {
		t.Errorf("trace state = %q", allowed.GetTraceState())
	}
	wantParent := "00-" + callerTrace + "-" + hex.EncodeToString(allowed.GetSpanId()) + "-01"
	if got := upstreamTraceparents(up, "marker-1"); len(got) != 1 || got[0] != wantParent {
		t.Errorf("upstream traceparent = %q, want %q (the gateway's span)", got, wantParent)
	}

	denied := spanWith(t, spans, "tools/call add", map[string]string{"jsonrpc.request.id": "2"})
	wantAttrs(t, denied, map[string]string{
		"mcpgw.decision": "denied", "mcpgw.decision.reason": `tool "add" is not granted on server "traced"`, "mcpgw.forwarded": "false",
		"http.response.status_code": "403", "rpc.response.status_code": strconv.Itoa(proxy.CodePermissionDenied), "gen_ai.tool.name": "add",
	})
	if len(denied.GetParentSpanId()) != 0 {
		t.Errorf("a call without traceparent has parent %x", denied.GetParentSpanId())
	}
	if denied.GetStatus().GetCode() == tracepb.Status_STATUS_CODE_ERROR {
		t.Error("a denial is marked as an error")
	}
	if got := upstreamTraceparents(up, "marker-2"); len(got) != 0 {
		t.Errorf("the denied call reached the upstream")
	}

	list := spanWith(t, spans, "tools/list", map[string]string{"jsonrpc.request.id": "list-3"})
	wantAttrs(t, list, map[string]string{"mcp.method.name": "tools/list", "mcpgw.decision": "allowed", "gen_ai.tool.name": "", "http.response.status_code": "200"})

	// A batch: its span is what the upstream joins, one child per call.
	batch := spanWith(t, spans, "mcp batch", map[string]string{"mcpgw.forwarded": "true"})
	wantAttrs(t, batch, map[string]string{"mcpgw.batch.size": "2", "mcpgw.decision": "allowed", "mcpgw.server": "traced"})
	for _, child := range []*tracepb.Span{
		spanWith(t, spans, "tools/call echo", map[string]string{"jsonrpc.request.id": "4"}),
		spanWith(t, spans, "tools/list", map[string]string{"jsonrpc.request.id": "5"}),
	} {
		if string(child.GetParentSpanId()) != string(batch.GetSpanId()) || string(child.GetTraceId()) != string(batch.GetTraceId()) {
			t.Errorf("batch member %q is not the batch span's child", child.GetName())
		}
		wantAttrs(t, child, map[string]string{"mcpgw.decision": "allowed", "mcpgw.forwarded": "true"})
	}
	wantBatch := "00-" + hex.EncodeToString(batch.GetTraceId()) + "-" + hex.EncodeToString(batch.GetSpanId()) + "-01"
	if got := upstreamTraceparents(up, "marker-4"); len(got) != 1 || got[0] != wantBatch {
		t.Errorf("upstream traceparent for the batch = %q, want %q", got, wantBatch)
	}
	refused := spanWith(t, spans, "mcp batch", map[string]string{"mcpgw.forwarded": "false"})
	wantAttrs(t, refused, map[string]string{"mcpgw.decision": "denied", "http.response.status_code": "403"})
	wantAttrs(t, spanWith(t, spans, "tools/call echo", map[string]string{"jsonrpc.request.id": "6"}), map[string]string{
		"mcpgw.decision": "allowed", "mcpgw.forwarded": "false", "rpc.response.status_code": strconv.Itoa(proxy.CodeBatchRefused),
	})
	wantAttrs(t, spanWith(t, spans, "tools/call add", map[string]string{"jsonrpc.request.id": "7"}), map[string]string{
		"mcpgw.decision": "denied", "mcpgw.forwarded": "false",
	})

	// Refused before the body was read: one span, named for what is known.
	early := spanWith(t, spans, "mcp", nil)
	wantAttrs(t, early, map[string]string{
		"mcpgw.server": "secret", "mcpgw.decision": "denied", "mcpgw.decision.reason": `missing permission "execute" on server "secret"`,
		"http.response.status_code": "403", "mcp.method.name": "",
	})

	failed := spanWith(t, spans, "tools/call echo", map[string]string{"jsonrpc.request.id": "9"})
	wantAttrs(t, failed, map[string]string{"mcpgw.server": "gone", "http.response.status_code": "502", "error.type": "unreachable", "mcpgw.decision": "allowed"})
	if st := failed.GetStatus(); st.GetCode() != tracepb.Status_STATUS_CODE_ERROR {
		t.Errorf("upstream failure status = %v", st)
	}

	// Nothing secret travels in spans, and the collector got its headers.
	_, all := rc.snapshot()
	for _, s := range all {
		for k, v := range attrs(s.GetAttributes()) {
			for _, secret := range []string{token, "Bearer", "marker-", "collector-secret"} {
				if strings.Contains(v, secret) || strings.Contains(k, strings.ToLower(secret)) {
					t.Errorf("span %q attribute %s = %q holds %q", s.GetName(), k, v, secret)
				}
			}
		}
	}
	rc.mu.Lock()
	if h := rc.headers[0]; h.Get("Authorization") != "Bearer collector-secret" {
		t.Errorf("the collector got Authorization %q", h.Get("Authorization"))
	}
	if res := attrs(rc.resources[0]); res["service.name"] != "mcpgw-under-test" {
		t.Errorf("resource = %v", res)
	}
	rc.mu.Unlock()
	if strings.Contains(a.Log.String(), "collector-secret") {
		t.Error("the OTLP headers were logged")
	}
}

// TestTracingSessionsAndSampling: a real MCP session through the gateway
// has its session id on the spans; a caller's unsampled trace stays
// unsampled (nothing exported) but still reaches the upstream with the
// gateway's span id; a malformed traceparent is dropped, not forwarded.
func TestTracingSessionsAndSampling(t *testing.T) {
	t.Parallel()
	rc := newOTLPReceiver(t)
	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{})
	a := start(t, tracingTo(rc))
	admin := signedInAdmin(t, a)
	createServer(t, admin, map[string]any{"path": "session", "upstream_url": up.StreamableURL(), "transport": "streamable-http"})
	grantTools(t, admin, "agents", "session", "echo")
	token := agentToken(t, a, admin, "robot", "agents")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cl := testutil.NewMCPClient(t, a.URL+"/session/mcp", testutil.TransportStreamable, bearerHeader(token))
	if _, err := cl.ListTools(ctx, nil); err != nil {
		t.Fatal(err)
	}
	spans := rc.waitSpans(t, a, map[string]int{"initialize": 1, "notifications/initialized": 1, "tools/list": 1})
	var session string
	for _, rq := range up.Requests() {
		if v := rq.Header.Get("Mcp-Session-Id"); v != "" {
			session = v
		}
	}
	if session == "" {
		t.Fatal("the upstream saw no session")
	}
	wantAttrs(t, spanWith(t, spans, "tools/list", nil), map[string]string{"mcp.session.id": session, "mcpgw.decision": "allowed"})
	wantAttrs(t, spanWith(t, spans, "initialize", nil), map[string]string{"mcp.session.id": ""})

	// The caller sampled this trace out: the gateway records nothing but
	// passes the decision on.
	up.ResetRequests()
	ping := `{"jsonrpc":"2.0","id":99,"method":"ping"}`
	sessionHeader := []string{"Accept", "application/json, text/event-stream", "Mcp-Session-Id", session, "Mcp-Protocol-Version", "2025-06-18"}
	rpc(t, a, "/session/mcp", token, ping, append(sessionHeader, "Traceparent", "00-"+callerTrace+"-"+callerSpan+"-00")...)
	got := upstreamTraceparents(up, `"id":99`)
	if len(got) != 1 || !strings.HasPrefix(got[0], "00-"+callerTrace+"-") || !strings.HasSuffix(got[0], "-00") || strings.Contains(got[0], callerSpan) {
		t.Errorf("unsampled: upstream traceparent = %q, want the caller's trace, the gateway's span, unsampled", got)
	}
	up.ResetRequests()
	rpc(t, a, "/session/mcp", token, ping, append(sessionHeader, "Traceparent", "00-not-a-trace-01", "Tracestate", "forged=1")...)
	if got := upstreamTraceparents(up, `"id":99`); len(got) != 1 || strings.Contains(got[0], "not-a-trace") {
		t.Errorf("malformed: upstream traceparent = %q", got)
	}
	for _, rq := range up.Requests() {
		if rq.Header.Get("Tracestate") == "forged=1" {
			t.Error("a tracestate without a valid traceparent reached the upstream")
		}
	}
	_ = a.Tracing.ForceFlush(ctx)
	_, spans = rc.snapshot()
	for _, s := range spans {
		if hex.EncodeToString(s.GetTraceId()) == callerTrace {
			t.Errorf("a span of the unsampled trace was exported: %q", s.GetName())
		}
	}
}

// TestTracingFlushedAtShutdown: spans still queued when the gateway stops
// are exported by its shutdown, without any flush of the test's.
func TestTracingFlushedAtShutdown(t *testing.T) {
	t.Parallel()
	rc := newOTLPReceiver(t)
	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{Stateless: true, JSONResponse: true})
	t.Run("serve", func(t *testing.T) {
		a := start(t, tracingTo(rc))
		admin := signedInAdmin(t, a)
		createServer(t, admin, map[string]any{"path": "last", "upstream_url": up.StreamableURL(), "transport": "streamable-http"})
		grantTools(t, admin, "agents", "last", "echo")
		token := agentToken(t, a, admin, "robot", "agents")
		if r := rpc(t, a, "/last/mcp", token, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x"}}}`,
			"Accept", "application/json, text/event-stream"); r.Status != 200 {
			t.Fatalf("call: %d %s", r.Status, r.Body)
		}
		// The subtest's end stops the app (testutil.StartApp).
	})
	_, spans := rc.snapshot()
	for _, s := range spans {
		if s.GetName() == "tools/call echo" {
			return
		}
	}
	t.Fatalf("after shutdown the collector has %d spans, none for the call", len(spans))
}

// TestTracingOffByDefault: without OTEL_TRACING_ENABLED nothing is sent
// to a collector, even one configured, and a caller's traceparent still
// reaches the upstream (validated, as the caller sent it).
func TestTracingOffByDefault(t *testing.T) {
	t.Parallel()
	rc := newOTLPReceiver(t)
	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{Stateless: true, JSONResponse: true})
	a := start(t, func(c *config.Config) { c.OTLPEndpoint = rc.URL })
	if a.Tracing.Enabled() || a.Config.TracingEnabled {
		t.Fatal("tracing is on by default")
	}
	admin := signedInAdmin(t, a)
	createServer(t, admin, map[string]any{"path": "quiet", "upstream_url": up.StreamableURL(), "transport": "streamable-http"})
	grantTools(t, admin, "agents", "quiet", "echo")
	token := agentToken(t, a, admin, "robot", "agents")
	accept := []string{"Accept", "application/json, text/event-stream"}
	incoming := "00-" + callerTrace + "-" + callerSpan + "-01"
	for i, tool := range []string{"echo", "add"} {
		rpc(t, a, "/quiet/mcp", token, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q,"arguments":{"text":"marker-%d"}}}`, i, tool, i),
			append(accept, "Traceparent", incoming, "Tracestate", "vendor=abc")...)
	}
	rpc(t, a, "/quiet/mcp", token, `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"text":"marker-7"}}}`,
		append(accept, "Traceparent", "01-"+callerTrace+"-"+callerSpan+"-01-extra", "Tracestate", "vendor=abc")...)
	rpc(t, a, "/quiet/mcp", token, `{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"echo","arguments":{"text":"marker-8"}}}`,
		append(accept, "Traceparent", "00-"+strings.Repeat("0", 32)+"-"+callerSpan+"-01")...)

	if got := upstreamTraceparents(up, "marker-0"); len(got) != 1 || got[0] != incoming {
		t.Errorf("upstream traceparent = %q, want the caller's %q", got, incoming)
	}
	for _, rq := range up.Requests() {
		body := string(rq.Body)
		switch {
		case strings.Contains(body, "marker-0") && rq.Header.Get("Tracestate") != "vendor=abc":
			t.Errorf("tracestate = %q", rq.Header.Get("Tracestate"))
		case strings.Contains(body, "marker-7") && rq.Header.Get("Traceparent") != "":
			// A future version's traceparent is read by its first four
			// fields and written anew as version 00.
			if rq.Header.Get("Traceparent") != incoming {
				t.Errorf("future-version traceparent forwarded as %q", rq.Header.Get("Traceparent"))
			}
		case strings.Contains(body, "marker-8") && (rq.Header.Get("Traceparent") != "" || rq.Header.Get("Tracestate") != ""):
			t.Errorf("an invalid traceparent was forwarded: %q", rq.Header.Get("Traceparent"))
		}
	}
	time.Sleep(200 * time.Millisecond)
	if posts, _ := rc.snapshot(); posts != 0 {
		t.Fatalf("tracing is off but the collector got %d exports", posts)
	}
}
