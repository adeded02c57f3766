package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgw/mcpgw/backend/internal/config"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/proxy"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

// grantTools gives group read and execute on server, limited to tools
// (every method), through a scope and a mapping.
func grantTools(t testing.TB, admin *testutil.Client, group, server string, tools ...string) {
	t.Helper()
	scope := group + "-on-" + server
	rule := map[string]any{"server": server, "permissions": []string{"read", "execute"}, "methods": []string{"*"}, "tools": tools}
	if r := admin.Do(http.MethodPut, "/api/scopes/"+scope, map[string]any{"rules": []any{rule}}); r.Status != 200 && r.Status != 201 {
		t.Fatalf("put scope: %d %s", r.Status, r.Body)
	}
	var m struct {
		Scopes []string `json:"scopes"`
	}
	if r := admin.Do(http.MethodGet, "/api/mappings/"+group, nil); r.Status == 200 {
		r.JSON(t, &m)
	}
	if r := admin.Do(http.MethodPut, "/api/mappings/"+group, map[string]any{"scopes": append(m.Scopes, scope)}); r.Status != 200 && r.Status != 204 {
		t.Fatalf("put mapping: %d %s", r.Status, r.Body)
	}
}

// agentToken returns a gateway token of a new service account in groups.
func agentToken(t testing.TB, a *testutil.TestApp, admin *testutil.Client, name string, groups ...string) string {
	t.Helper()
	return clientToken(t, a.URL, createServiceAccount(t, admin, name, groups...))
}

func bearerHeader(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

func toolNames(res *mcp.ListToolsResult) []string {
	var out []string
	for _, tl := range res.Tools {
		out = append(out, tl.Name)
	}
	slices.Sort(out)
	return out
}

// TestProxyWithGoSDK puts the official Go SDK on both sides of the
// gateway, over Streamable HTTP and the legacy SSE transport: tools/list
// is filtered, an allowed call works, a denied one is refused and never
// reaches the upstream, and progress notifications arrive one by one.
func TestProxyWithGoSDK(t *testing.T) {
	t.Parallel()
	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{Extra: 3})
	a := start(t)
	admin := signedInAdmin(t, a)
	createServer(t, admin, map[string]any{"path": "gosdk", "upstream_url": up.StreamableURL(), "transport": "streamable-http"})
	createServer(t, admin, map[string]any{"path": "gosdk-sse", "upstream_url": up.SSEURL(), "transport": "sse"})
	grantTools(t, admin, "agents", "gosdk", "echo", "slow")
	grantTools(t, admin, "agents", "gosdk-sse", "echo", "slow")
	token := agentToken(t, a, admin, "robot", "agents")

	for _, tc := range []struct{ name, url, transport string }{
		{"streamable", a.URL + "/gosdk/mcp", testutil.TransportStreamable},
		{"sse", a.URL + "/gosdk-sse/sse", testutil.TransportSSE},
		{"streamable alias", a.URL + "/api/streamable/gosdk", testutil.TransportStreamable},
		{"sse alias", a.URL + "/api/execute/gosdk-sse", testutil.TransportSSE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cl := testutil.NewMCPClient(t, tc.url, tc.transport, bearerHeader(token))
			list, err := cl.ListTools(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := toolNames(list); !slices.Equal(got, []string{"echo", "slow"}) {
				t.Fatalf("tools/list through the gateway = %v, want [echo slow]", got)
			}
			res, err := cl.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "hi"}})
			if err != nil || res.IsError || res.Content[0].(*mcp.TextContent).Text != "hi" {
				t.Fatalf("echo: %+v, %v", res, err)
			}
			up.ResetRequests()
			if _, err := cl.CallTool(ctx, &mcp.CallToolParams{Name: "add", Arguments: map[string]any{"a": 1, "b": 2}}); err == nil ||
				!strings.Contains(err.Error(), "permission denied") {
				t.Fatalf("denied tool: %v", err)
			}
			for _, rq := range up.Requests() {
				if strings.Contains(string(rq.Body), `"add"`) {
					t.Fatalf("a denied call reached the upstream: %s", rq.Body)
				}
			}
			_, progress, err := cl.CallToolProgress(ctx, "slow", map[string]any{"count": 4, "interval_ms": 150})
			if err != nil || len(progress) != 4 {
				t.Fatalf("slow: %d progress notifications, %v", len(progress), err)
			}
			// Each notification arrived when it was sent, not all at the end.
			for i := 1; i < len(progress); i++ {
				if gap := progress[i].At - progress[i-1].At; gap < 75*time.Millisecond {
					t.Fatalf("progress %d arrived %v after the previous one: buffered", i, gap)
				}
			}
		})
	}
	// A call is audited when the gateway has finished with it, which may
	// be a moment after the client read the answer.
	var calls, denials []domain.AuditEvent
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		calls, denials = auditEvents(t, a, proxy.ActionToolCall), auditEvents(t, a, proxy.ActionDenied)
		if len(calls) >= 8 && len(denials) >= 4 {
			break
		}
	}
	if len(calls) < 8 || len(denials) < 4 {
		t.Fatalf("audited %d tool calls and %d denials", len(calls), len(denials))
	}
	if d := denials[0]; d.Actor != "robot" || d.Details["tool"] != "add" || d.Outcome != domain.OutcomeDenied {
		t.Fatalf("denial event = %+v", d)
	}
	if c := calls[0]; c.Details["latency_ms"] == nil || c.Details["server"] == nil {
		t.Fatalf("tool call event = %+v", c)
	}
}

// TestProxyWithServerEverything drives the npm reference server through
// the gateway with the official TypeScript client, in both its modes.
func TestProxyWithServerEverything(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{testutil.EverythingStreamable, testutil.EverythingSSE} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			base := testutil.StartServerEverything(t, mode)
			a := start(t)
			admin := signedInAdmin(t, a)
			endpoint, transport := "/mcp", "streamable-http"
			if mode == testutil.EverythingSSE {
				endpoint, transport = "/sse", "sse"
			}
			createServer(t, admin, map[string]any{"path": "everything", "upstream_url": base + endpoint, "transport": transport})
			grantTools(t, admin, "agents", "everything", testutil.EverythingEcho, testutil.EverythingLongRunning)
			token := agentToken(t, a, admin, "ts-agent", "agents")

			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			res := testutil.RunTSClient(t, ctx, testutil.TSClientArgs{
				URL: a.URL + "/everything" + endpoint, Transport: mode, Header: bearerHeader(token),
				Steps: []testutil.TSStep{
					testutil.TSListTools(),
					testutil.TSCallTool(testutil.EverythingEcho, map[string]any{"message": "through the gateway"}),
					testutil.TSCallTool(testutil.EverythingSum, map[string]any{"a": 1, "b": 2}),
					testutil.TSCallToolProgress(testutil.EverythingLongRunning, map[string]any{"duration": 1, "steps": 4}),
				},
			})
			if names := res.Step(t, 0).ToolNames(); !slices.Equal(names, []string{testutil.EverythingEcho, testutil.EverythingLongRunning}) {
				t.Fatalf("filtered tools = %v", names)
			}
			if echo := res.Step(t, 1); !strings.Contains(echo.Text, "through the gateway") {
				t.Fatalf("echo = %+v", echo)
			}
			if sum := res.Steps[2]; sum.OK || sum.Error == nil || !strings.Contains(sum.Error.Message, "permission denied") {
				t.Fatalf("denied get-sum = %+v", sum)
			}
			long := res.Step(t, 3)
			if len(long.Progress) != 4 {
				t.Fatalf("progress = %+v", long.Progress)
			}
			for i := 1; i < len(long.Progress); i++ {
				if gap := long.Progress[i].AtMS - long.Progress[i-1].AtMS; gap < 100 {
					t.Fatalf("progress %d came %.0f ms after the previous one: buffered", i, gap)
				}
			}
			if long.EndMS-long.Progress[len(long.Progress)-1].AtMS < 0 {
				t.Fatal("result before the last progress notification")
			}
		})
	}
}

// TestProxyNeverForwardsCallerCredentials: whatever the caller sends, in
// whatever spelling, the upstream sees only the server's own egress
// credentials; with pass-through it sees the agent's egress token and
// provider headers, never the gateway token.
func TestProxyNeverForwardsCallerCredentials(t *testing.T) {
	t.Parallel()
	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{})
	a := start(t, func(c *config.Config) { c.TrustedProxies = nil })
	admin := signedInAdmin(t, a)
	createServer(t, admin, map[string]any{"path": "echo-up", "upstream_url": up.StreamableURL(), "transport": "streamable-http",
		"egress": map[string]any{"type": "bearer", "token": "upstream-egress-secret"}})
	createServer(t, admin, map[string]any{"path": "pass-up", "upstream_url": up.StreamableURL(), "transport": "streamable-http",
		"egress": map[string]any{"type": "passthrough"}})
	grantTools(t, admin, "agents", "echo-up", "*")
	grantTools(t, admin, "agents", "pass-up", "*")
	token := agentToken(t, a, admin, "robot", "agents")
	session := signedInAdmin(t, a) // its cookie must not travel either

	ping := `{"jsonrpc":"2.0","id":1,"method":"ping"}`
	send := func(c *testutil.Client, path string, header ...string) *testutil.Response {
		t.Helper()
		up.ResetRequests()
		r := c.Do(http.MethodPost, path, ping, append([]string{"Accept", "application/json, text/event-stream"}, header...)...)
		if r.Status >= 500 {
			t.Fatalf("%s: %d %s", path, r.Status, r.Body)
		}
		return r
	}
	secrets := []string{token, "agent-egress-token", "cookie-value", "proxy-secret", "forged"}
	check := func(name string, want map[string]string) {
		t.Helper()
		reqs := up.Requests()
		if len(reqs) == 0 {
			t.Fatalf("%s: nothing reached the upstream", name)
		}
		for _, rq := range reqs {
			for k, vs := range rq.Header {
				for _, v := range vs {
					for _, s := range secrets {
						if strings.Contains(v, s) && want[k] != v {
							t.Errorf("%s: upstream got %s: %s", name, k, v)
						}
					}
				}
				switch http.CanonicalHeaderKey(k) {
				case "Cookie", "X-Authorization", "Proxy-Authorization", "X-User-Pool-Id", "X-Client-Id", "X-Region":
					t.Errorf("%s: upstream got %s", name, k)
				}
			}
			for k, v := range want {
				if got := rq.Header.Get(k); got != v {
					t.Errorf("%s: upstream %s = %q, want %q", name, k, got, v)
				}
			}
			if xff := rq.Header.Get("X-Forwarded-For"); xff != "127.0.0.1" {
				t.Errorf("%s: X-Forwarded-For = %q", name, xff)
			}
		}
	}
	c := a.NewClient(t)
	send(c, "/echo-up/mcp", "authorization", "Bearer "+token, "Cookie", "mcp_gateway_session=cookie-value; other=x",
		"Proxy-Authorization", "Basic proxy-secret", "X-Forwarded-For", "6.6.6.6 forged", "X-Forwarded-Host", "forged.example",
		"X-Real-IP", "6.6.6.6")
	check("ingress in Authorization", map[string]string{"Authorization": "Bearer upstream-egress-secret", "X-Forwarded-Host": strings.TrimPrefix(a.URL, "http://")})
	send(c, "/echo-up/mcp", "X-AUTHORIZATION", "Bearer "+token, "Authorization", "Bearer agent-egress-token", "X-Atlassian-Cloud-Id", "cloud-1")
	check("dual token to a server without pass-through", map[string]string{"Authorization": "Bearer upstream-egress-secret", "X-Atlassian-Cloud-Id": ""})
	send(c, "/pass-up/mcp", "x-authorization", "Bearer "+token, "Authorization", "Bearer agent-egress-token", "X-Atlassian-Cloud-Id", "cloud-1")
	check("dual token with pass-through", map[string]string{"Authorization": "Bearer agent-egress-token", "X-Atlassian-Cloud-Id": "cloud-1"})
	send(c, "/pass-up/mcp", "Authorization", "Bearer "+token)
	check("ingress in Authorization is never passed through", map[string]string{"Authorization": ""})
	send(session, "/echo-up/mcp")
	check("session cookie", map[string]string{"Authorization": "Bearer upstream-egress-secret"})
}

// rpc posts one raw body to the proxy with a bearer token.
func rpc(t *testing.T, a *testutil.TestApp, path, token string, body any, header ...string) *testutil.Response {
	t.Helper()
	h := append([]string{"Accept", "application/json, text/event-stream", "Authorization", "Bearer " + token}, header...)
	return a.NewClient(t).Do(http.MethodPost, path, body, h...)
}

type rpcError struct {
	ID    json.RawMessage `json:"id"`
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func rpcErr(t *testing.T, r *testutil.Response) rpcError {
	t.Helper()
	var e rpcError
	if err := json.Unmarshal(r.Body, &e); err != nil || e.Error.Code == 0 {
		t.Fatalf("not a JSON-RPC error (%d): %s", r.Status, r.Body)
	}
	return e
}

// TestProxyBadInput: whatever cannot be decided exactly is refused with a
// clear JSON-RPC error and nothing reaches the upstream.
func TestProxyBadInput(t *testing.T) {
	t.Parallel()
	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{})
	a := start(t, func(c *config.Config) { c.ProxyMaxBodyBytes = 64 << 10 })
	admin := signedInAdmin(t, a)
	createServer(t, admin, map[string]any{"path": "tools", "upstream_url": up.StreamableURL(), "transport": "streamable-http"})
	grantTools(t, admin, "agents", "tools", "echo")
	token := agentToken(t, a, admin, "robot", "agents")
	call := func(tool string, id int) string {
		return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q,"arguments":{}}}`, id, tool)
	}
	big := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"` + strings.Repeat("x", 70<<10) + `"}}}`
	cases := []struct {
		name   string
		body   any
		header []string
		status int
		code   int
	}{
		{"malformed JSON", `{"jsonrpc":"2.0","id":1,"method":`, nil, 400, proxy.CodeParseError},
		{"not JSON-RPC", `[1,2,3]`, nil, 400, proxy.CodeInvalidRequest},
		{"empty batch", `[]`, nil, 400, proxy.CodeInvalidRequest},
		{"duplicate method", `{"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/call","params":{"name":"add"}}`, nil, 400, proxy.CodeInvalidRequest},
		{"case-variant method", `{"jsonrpc":"2.0","id":1,"method":"ping","Method":"tools/call"}`, nil, 400, proxy.CodeInvalidRequest},
		{"duplicate tool name", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","name":"add"}}`, nil, 400, proxy.CodeInvalidParams},
		{"case-variant tool name", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","NAME":"add"}}`, nil, 400, proxy.CodeInvalidParams},
		{"escaped duplicate key", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","\u006eame":"add"}}`, nil, 400, proxy.CodeInvalidParams},
		{"trailing data", call("echo", 1) + call("add", 2), nil, 400, proxy.CodeParseError},
		{"text content type", call("echo", 1), []string{"Content-Type", "text/plain"}, 400, proxy.CodeInvalidRequest},
		{"oversized", big, nil, 413, proxy.CodeRequestTooLarge},
		{"oversized, chunked", strings.NewReader(big), nil, 413, proxy.CodeRequestTooLarge},
		{"denied tool", call("add", 7), nil, 403, proxy.CodePermissionDenied},
		{"batch mixing allowed and denied", "[" + call("echo", 1) + "," + call("add", 2) + "]", nil, 403, 0},
	}
	for _, tc := range cases {
		up.ResetRequests()
		r := rpc(t, a, "/tools/mcp", token, tc.body, tc.header...)
		if r.Status != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, r.Status, r.Body, tc.status)
			continue
		}
		if tc.code != 0 {
			if e := rpcErr(t, r); e.Error.Code != tc.code {
				t.Errorf("%s: code %d (%s), want %d", tc.name, e.Error.Code, e.Error.Message, tc.code)
			}
		}
		if n := len(up.Requests()); n != 0 {
			t.Errorf("%s: %d requests reached the upstream", tc.name, n)
		}
	}
	// The denied single request keeps its id; the batch answers each id.
	if e := rpcErr(t, rpc(t, a, "/tools/mcp", token, call("add", 7))); string(e.ID) != "7" {
		t.Fatalf("denied request's error id = %s", e.ID)
	}
	var batch []rpcError
	if err := json.Unmarshal(rpc(t, a, "/tools/mcp", token, "["+call("echo", 1)+","+call("add", 2)+"]").Body, &batch); err != nil ||
		len(batch) != 2 || batch[0].Error.Code != proxy.CodeBatchRefused || batch[1].Error.Code != proxy.CodePermissionDenied {
		t.Fatalf("batch answer = %+v, %v", batch, err)
	}
}

// TestProxyRoutingAndUpstreamFailures: unknown and disabled servers, an
// upstream that is down or too slow, each a JSON-RPC error with the
// request's id.
func TestProxyRoutingAndUpstreamFailures(t *testing.T) {
	t.Parallel()
	slowLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Accepts and reads, never answers.
	go func() {
		for {
			conn, err := slowLn.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(io.Discard, conn) }()
		}
	}()
	t.Cleanup(func() { _ = slowLn.Close() })
	downLn, _ := net.Listen("tcp", "127.0.0.1:0")
	down := downLn.Addr().String()
	_ = downLn.Close()

	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{})
	a := start(t, func(c *config.Config) { c.ProxyResponseHeaderTimeout = 300 * time.Millisecond })
	admin := signedInAdmin(t, a)
	createServer(t, admin, map[string]any{"path": "slow", "upstream_url": "http://" + slowLn.Addr().String() + "/mcp", "transport": "streamable-http"})
	createServer(t, admin, map[string]any{"path": "down", "upstream_url": "http://" + down + "/mcp", "transport": "streamable-http"})
	off := createServer(t, admin, map[string]any{"path": "off", "upstream_url": up.StreamableURL(), "transport": "streamable-http"})
	for _, s := range []string{"slow", "down", "off"} {
		grantTools(t, admin, "agents", s, "*")
	}
	token := agentToken(t, a, admin, "robot", "agents")
	if r := admin.Do(http.MethodPost, "/api/servers/"+off.ID+"/toggle", map[string]any{"enabled": false}); r.Status != 200 {
		t.Fatalf("toggle: %d %s", r.Status, r.Body)
	}
	ping := `{"jsonrpc":"2.0","id":"req-42","method":"ping"}`
	for _, tc := range []struct {
		path   string
		status int
		code   int
		id     string
	}{
		{"/nosuch/mcp", 404, proxy.CodeNotFound, "null"},
		{"/off/mcp", 503, proxy.CodeServerDisabled, "null"},
		{"/down/mcp", 502, proxy.CodeUpstreamUnavailable, `"req-42"`},
		{"/slow/mcp", 504, proxy.CodeUpstreamTimeout, `"req-42"`},
	} {
		r := rpc(t, a, tc.path, token, ping)
		e := rpcErr(t, r)
		if r.Status != tc.status || e.Error.Code != tc.code || string(e.ID) != tc.id {
			t.Errorf("%s: %d code %d id %s (%s), want %d %d %s", tc.path, r.Status, e.Error.Code, e.ID, e.Error.Message, tc.status, tc.code, tc.id)
		}
	}
}

// TestProxyAuthentication: no credentials get 401 pointing at the
// protected-resource metadata, which is served; bad tokens get
// invalid_token; a server the caller may not use is 403.
func TestProxyAuthentication(t *testing.T) {
	t.Parallel()
	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{})
	a := start(t)
	admin := signedInAdmin(t, a)
	createServer(t, admin, map[string]any{"path": "guarded", "upstream_url": up.StreamableURL(), "transport": "streamable-http"})
	c := a.NewClient(t)
	ping := `{"jsonrpc":"2.0","id":1,"method":"ping"}`
	r := c.Do(http.MethodPost, "/guarded/mcp", ping)
	want := `Bearer resource_metadata="` + a.URL + `/.well-known/oauth-protected-resource/guarded"`
	if r.Status != 401 || r.Header.Get("WWW-Authenticate") != want {
		t.Fatalf("no credentials: %d %q", r.Status, r.Header.Get("WWW-Authenticate"))
	}
	r = c.Do(http.MethodPost, "/guarded/mcp", ping, "Authorization", "Bearer not.a.token")
	if r.Status != 401 || !strings.Contains(r.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Fatalf("bad token: %d %q", r.Status, r.Header.Get("WWW-Authenticate"))
	}
	md := c.Do(http.MethodGet, "/.well-known/oauth-protected-resource/guarded", nil)
	var doc struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
		BearerMethods        []string `json:"bearer_methods_supported"`
	}
	md.JSON(t, &doc)
	if md.Status != 200 || doc.Resource != a.URL+"/guarded" || !slices.Contains(doc.AuthorizationServers, a.URL) || doc.BearerMethods[0] != "header" {
		t.Fatalf("metadata: %d %s", md.Status, md.Body)
	}
	if r := c.Do(http.MethodGet, "/.well-known/oauth-protected-resource/nosuch", nil); r.Status != 404 {
		t.Fatalf("metadata of an unknown server: %d", r.Status)
	}
	// Someone without execute on the server: 403, audited.
	outsider := agentToken(t, a, admin, "outsider", "mcp-user")
	if r := rpc(t, a, "/guarded/mcp", outsider, ping); r.Status != 403 {
		t.Fatalf("no execute: %d %s", r.Status, r.Body)
	}
	if len(up.Requests()) != 0 {
		t.Fatal("refused requests reached the upstream")
	}
}

// TestProxyRegistryChangesApplyAtOnce: toggling a server or changing a
// permission takes effect on the next request, without a restart.
func TestProxyRegistryChangesApplyAtOnce(t *testing.T) {
	t.Parallel()
	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{})
	a := start(t)
	admin := signedInAdmin(t, a)
	srv := createServer(t, admin, map[string]any{"path": "live", "upstream_url": up.StreamableURL(), "transport": "streamable-http"})
	token := agentToken(t, a, admin, "robot", "agents")
	call := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x"}}}`
	accept := []string{"Accept", "application/json, text/event-stream"}
	if r := rpc(t, a, "/live/mcp", token, call, accept...); r.Status != 403 {
		t.Fatalf("before the grant: %d", r.Status)
	}
	grantTools(t, admin, "agents", "live", "echo")
	if r := rpc(t, a, "/live/mcp", token, call, accept...); r.Status == 403 || r.Status >= 500 {
		t.Fatalf("after the grant: %d %s", r.Status, r.Body)
	}
	if r := admin.Do(http.MethodPost, "/api/servers/"+srv.ID+"/toggle", map[string]any{"enabled": false}); r.Status != 200 {
		t.Fatal(r.Status)
	}
	if r := rpc(t, a, "/live/mcp", token, call); r.Status != 503 {
		t.Fatalf("after disabling: %d", r.Status)
	}
}

// idOf returns the id of a JSON-RPC request body.
func idOf(body []byte) []byte {
	var m struct {
		ID json.RawMessage `json:"id"`
	}
	_ = json.Unmarshal(body, &m)
	return m.ID
}

// streamingUpstream answers a GET with an event stream that sends one
// event and then waits for the request to end, reporting when it did; a
// POST gets an empty result at once.
func streamingUpstream(t *testing.T) (string, <-chan time.Time) {
	ended := make(chan time.Time, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method == http.MethodPost {
			w.Header().Set("Content-Type", "application/json")
			_, _ = fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{}}`, bytes.TrimSpace(idOf(body)))
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		_, _ = io.WriteString(w, "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{}}\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		ended <- time.Now()
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/mcp", ended
}

// TestProxyStreamCapAndCancellation: one caller's concurrent streams are
// capped, and an upstream request is cancelled when its client leaves.
func TestProxyStreamCapAndCancellation(t *testing.T) {
	t.Parallel()
	upURL, ended := streamingUpstream(t)
	a := start(t, func(c *config.Config) { c.ProxyMaxStreamsPerPrincipal = 1 })
	admin := signedInAdmin(t, a)
	createServer(t, admin, map[string]any{"path": "streams", "upstream_url": upURL, "transport": "streamable-http"})
	grantTools(t, admin, "agents", "streams", "*")
	token := agentToken(t, a, admin, "robot", "agents")

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.URL+"/streams/mcp", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("open stream: %v %v", resp, err)
	}
	// The first event arrives while the stream is open.
	buf := make([]byte, 256)
	if n, err := resp.Body.Read(buf); err != nil || !strings.Contains(string(buf[:n]), "notifications/message") {
		t.Fatalf("first event: %q %v", buf[:n], err)
	}
	// While it is open, the same caller gets 429.
	if r := rpc(t, a, "/streams/mcp", token, `{"jsonrpc":"2.0","id":9,"method":"ping"}`); r.Status != http.StatusTooManyRequests ||
		r.Header.Get("Retry-After") == "" || rpcErr(t, r).Error.Code != proxy.CodeTooManyStreams {
		t.Fatalf("second stream: %d %s", r.Status, r.Body)
	}
	left := time.Now()
	cancel()
	_ = resp.Body.Close()
	select {
	case at := <-ended:
		if d := at.Sub(left); d > time.Second {
			t.Fatalf("upstream request ended %v after the client left", d)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the upstream request was not cancelled")
	}
	// The slot is free again.
	deadline := time.Now().Add(2 * time.Second)
	for {
		r := rpc(t, a, "/streams/mcp", token, `{"jsonrpc":"2.0","id":10,"method":"ping"}`, "Accept", "application/json")
		if r.Status != http.StatusTooManyRequests {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the stream's slot was never released")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestProxyIdleStreamsEndAndMetrics: an event stream that goes quiet for
// PROXY_STREAM_IDLE_TIMEOUT is closed, and the proxy's per-server metrics
// count what happened.
func TestProxyIdleStreamsEndAndMetrics(t *testing.T) {
	t.Parallel()
	upURL, ended := streamingUpstream(t)
	a := start(t, func(c *config.Config) { c.ProxyStreamIdleTimeout = time.Second })
	admin := signedInAdmin(t, a)
	createServer(t, admin, map[string]any{"path": "quiet", "upstream_url": upURL, "transport": "streamable-http"})
	grantTools(t, admin, "agents", "quiet", "*")
	token := agentToken(t, a, admin, "robot", "agents")

	req, _ := http.NewRequest(http.MethodGet, a.URL+"/quiet/mcp", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("open stream: %v %v", resp, err)
	}
	defer func() { _ = resp.Body.Close() }()
	start := time.Now()
	_, _ = io.Copy(io.Discard, resp.Body) // the first event, then silence until the gateway closes it
	if d := time.Since(start); d < 900*time.Millisecond || d > 4*time.Second {
		t.Fatalf("idle stream closed after %v, want about 1s", d)
	}
	select {
	case <-ended:
	case <-time.After(3 * time.Second):
		t.Fatal("the upstream request outlived the closed stream")
	}
	_ = rpc(t, a, "/quiet/mcp", "bad-token", `{"jsonrpc":"2.0","id":1,"method":"ping"}`)
	m := a.NewClient(t).Do(http.MethodGet, "/metrics", nil)
	for _, want := range []string{
		`mcpgw_proxy_requests_total{outcome="forwarded",server="quiet"} 1`,
		`mcpgw_proxy_requests_total{outcome="unauthenticated",server="quiet"} 1`,
		`mcpgw_proxy_open_streams{server="quiet"} 0`,
		`mcpgw_proxy_upstream_latency_seconds_count{server="quiet"} 1`,
	} {
		if !strings.Contains(string(m.Body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// hostileUpstream misbehaves in a different way under each directory.
func hostileUpstream(t *testing.T) string {
	tools := `{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"echo"},{"name":"secret"}]}}`
	mux := http.NewServeMux()
	mux.HandleFunc("/html/mcp", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Clear-Site-Data", `"cookies"`)
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Strict-Transport-Security", "max-age=99; includeSubDomains")
		w.Header().Set("Set-Cookie", "mcp_gateway_session=planted; Path=/")
		_, _ = io.WriteString(w, "<script>fetch('/api/auth/me')</script>")
	})
	mux.HandleFunc("/redirect/mcp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data", http.StatusFound)
	})
	mux.HandleFunc("/unauth/mcp", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer resource_metadata="https://attacker.example/.well-known/oauth-protected-resource"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	})
	mux.HandleFunc("/stall/mcp", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"jsonrpc":"2.0",`)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	mux.HandleFunc("/short/mcp", func(w http.ResponseWriter, r *http.Request) {
		// Announces 200 bytes, sends 17 and hangs up.
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "200")
		_, _ = io.WriteString(w, `{"jsonrpc":"2.0",`)
		w.(http.Flusher).Flush()
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	})
	mux.HandleFunc("/hop/mcp", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Connection", "X-Frame-Options, X-Hop")
		w.Header().Set("X-Hop", "for the gateway only")
		w.Header().Set("X-Request-Id", "the-upstream-s-own")
		w.Header().Set("X-Accel-Redirect", "/internal/secrets") // for an nginx in front of the gateway
		_, _ = io.WriteString(w, tools)
	})
	mux.HandleFunc("/gzip/mcp", func(w http.ResponseWriter, r *http.Request) {
		// Compressed although nobody asked: the gateway could not filter it.
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = io.WriteString(w, "\x1f\x8b not really")
	})
	mux.HandleFunc("/bighead/mcp", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 200 {
			w.Header().Set(fmt.Sprintf("X-Filler-%d", i), strings.Repeat("x", 1000))
		}
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	mux.HandleFunc("/late/mcp", func(w http.ResponseWriter, r *http.Request) {
		// A stream whose first event is a long time coming.
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
			_, _ = io.WriteString(w, ": late\n\n")
		}
	})
	mux.HandleFunc("/dupct/mcp", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8; charset=x")
		_, _ = io.WriteString(w, tools)
	})
	mux.HandleFunc("/dupct-sse/mcp", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8; charset=x")
		_, _ = io.WriteString(w, "event: message\ndata: "+tools+"\n\n")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the upstream was reached at %s %s", r.Method, r.URL.Path)
		http.Error(w, "no", http.StatusTeapot)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestProxyShieldsTheGatewayOrigin: what an upstream answers cannot act on
// the gateway's origin, and nothing but the server's MCP endpoints is
// reachable with its credentials.
func TestProxyShieldsTheGatewayOrigin(t *testing.T) {
	t.Parallel()
	base := hostileUpstream(t)
	a := start(t, func(c *config.Config) { c.ProxyStreamIdleTimeout = time.Second })
	admin := signedInAdmin(t, a)
	for _, p := range []string{"html", "redirect", "unauth", "stall", "dupct", "dupct-sse", "short", "hop", "bighead", "late", "gzip"} {
		createServer(t, admin, map[string]any{"path": p, "upstream_url": base + "/" + p + "/mcp", "transport": "streamable-http"})
		grantTools(t, admin, "agents", p, "echo")
	}
	token := agentToken(t, a, admin, "robot", "agents")
	list := `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`

	r := rpc(t, a, "/html/mcp", token, list)
	if r.Status != 502 || strings.Contains(string(r.Body), "<script>") || r.Header.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(r.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("HTML answer: %d %v %s", r.Status, r.Header, r.Body)
	}
	for _, h := range []string{"Clear-Site-Data", "Access-Control-Allow-Origin", "Strict-Transport-Security", "Set-Cookie"} {
		if r.Header.Get(h) != "" {
			t.Errorf("upstream header %s reached the client", h)
		}
	}
	if r := rpc(t, a, "/redirect/mcp", token, list); r.Status != 502 || r.Header.Get("Location") != "" {
		t.Fatalf("redirect: %d %v", r.Status, r.Header)
	}
	if r := rpc(t, a, "/unauth/mcp", token, list); r.Status != 502 || strings.Contains(r.Header.Get("WWW-Authenticate"), "attacker") ||
		!strings.Contains(rpcErr(t, r).Error.Message, "refused the credentials") {
		t.Fatalf("upstream 401: %d %v %s", r.Status, r.Header, r.Body)
	}
	// A JSON answer that stalls half-way is cut after the idle timeout.
	began := time.Now()
	_ = rpc(t, a, "/stall/mcp", token, list)
	if d := time.Since(began); d > 4*time.Second {
		t.Fatalf("stalled JSON answer held %v", d)
	}
	// A JSON answer cut short is a JSON-RPC error with the request's id,
	// not a truncated answer.
	if r := rpc(t, a, "/short/mcp", token, list); r.Status != 502 || string(rpcErr(t, r).ID) != "1" {
		t.Fatalf("short JSON answer: %d %s", r.Status, r.Body)
	}
	// Headers the upstream's Connection names, and its request id, stay
	// with the gateway.
	if r := rpc(t, a, "/hop/mcp", token, list); r.Status != 200 || r.Header.Get("X-Hop") != "" ||
		r.Header.Get("X-Frame-Options") != "DENY" || r.Header.Get("X-Request-Id") == "the-upstream-s-own" || r.Header.Get("X-Request-Id") == "" ||
		r.Header.Get("X-Accel-Redirect") != "" {
		t.Fatalf("hop-by-hop headers: %d %v", r.Status, r.Header)
	}
	if r := rpc(t, a, "/gzip/mcp", token, list); r.Status != 502 || !strings.Contains(rpcErr(t, r).Error.Message, "Content-Encoding") {
		t.Fatalf("unrequested gzip: %d %s", r.Status, r.Body)
	}
	// A stream's headers reach the client at once (well before the idle
	// timeout of 1s); an upstream's endless headers do not.
	for _, tc := range []struct {
		path   string
		status int
	}{{"/late/mcp", 200}, {"/bighead/mcp", 502}} {
		ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.URL+tc.path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != tc.status {
			t.Fatalf("GET %s: %v %v", tc.path, resp, err)
		}
		if h := resp.Header.Get("X-Filler-1"); h != "" {
			t.Fatalf("GET %s: upstream headers reached the client", tc.path)
		}
		if tc.status == 200 && resp.Header.Get("X-Accel-Buffering") != "no" {
			t.Fatalf("GET %s: an event stream without X-Accel-Buffering: no", tc.path)
		}
		_ = resp.Body.Close()
		cancel()
	}
	// Content types with odd parameters are still filtered.
	for _, p := range []string{"dupct", "dupct-sse"} {
		if r := rpc(t, a, "/"+p+"/mcp", token, list); r.Status != 200 || strings.Contains(string(r.Body), "secret") {
			t.Fatalf("%s: %d %s", p, r.Status, r.Body)
		}
	}
	// Only MCP endpoints: no other path of the upstream, whatever the method.
	c := a.NewClient(t)
	for _, tc := range []struct{ method, path string }{
		{"GET", "/html/admin/export?all=1"}, {"DELETE", "/html/api/v1/users/1"}, {"POST", "/html/other"},
	} {
		r := c.Do(tc.method, tc.path, `{"jsonrpc":"2.0","id":1,"method":"ping"}`, "Authorization", "Bearer "+token)
		if r.Status != 404 {
			t.Errorf("%s %s: %d", tc.method, tc.path, r.Status)
		}
	}
	// A GET may carry no body, however it is framed.
	req, _ := http.NewRequest(http.MethodGet, a.URL+"/html/mcp", io.MultiReader(strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"secret"}}`)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.ContentLength = -1
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 400 {
		t.Fatalf("chunked GET body: %v %v", resp, err)
	}
	_ = resp.Body.Close()
	// A cookie-authenticated request from another origin is refused and audited.
	before := len(auditEvents(t, a, proxy.ActionDenied))
	if r := admin.Do(http.MethodPost, "/html/mcp", list, "Origin", "https://evil.example", "Accept", "application/json"); r.Status != 403 {
		t.Fatalf("cross-origin: %d", r.Status)
	}
	if n := len(auditEvents(t, a, proxy.ActionDenied)); n != before+1 {
		t.Fatalf("cross-origin refusal audited %d times", n-before)
	}
}

// TestProxySlowBodiesAreCut: a request body must arrive within
// PROXY_BODY_TIMEOUT.
func TestProxySlowBodiesAreCut(t *testing.T) {
	t.Parallel()
	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{})
	a := start(t, func(c *config.Config) { c.ProxyBodyTimeout = time.Second })
	admin := signedInAdmin(t, a)
	createServer(t, admin, map[string]any{"path": "slowbody", "upstream_url": up.StreamableURL(), "transport": "streamable-http"})
	grantTools(t, admin, "agents", "slowbody", "*")
	token := agentToken(t, a, admin, "robot", "agents")
	conn, err := net.Dial("tcp", strings.TrimPrefix(a.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	_, _ = fmt.Fprintf(conn, "POST /slowbody/mcp HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"jsonrpc\":", token)
	began := time.Now()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, _ := io.ReadAll(conn)
	if d := time.Since(began); d > 3*time.Second || !strings.Contains(string(b), "400") && len(b) != 0 {
		t.Fatalf("slow body: after %v got %q", d, b)
	}
	if len(up.Requests()) != 0 {
		t.Fatal("a partial body reached the upstream")
	}
}
