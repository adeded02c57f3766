package proxy

import (
	"net/url"
	"testing"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestRewriteEndpoint(t *testing.T) {
	tests := []struct {
		base, stream, prefix, data string
		want                       string // "" means an error
	}{
		// The doc comment's examples.
		{"http://mcp:8000/api/", "http://mcp:8000/api/sse", "/currenttime", "/api/messages?sessionId=abc", "/currenttime/messages?sessionId=abc"},
		{"http://mcp:8000/api/", "http://mcp:8000/api/sse", "/currenttime", "messages?sessionId=abc", "/currenttime/messages?sessionId=abc"},
		{"http://mcp:8000/api/", "http://mcp:8000/api/sse", "/currenttime", "http://mcp:8000/api/messages?sessionId=1", "/currenttime/messages?sessionId=1"},
		{"http://mcp:8000/api/", "http://mcp:8000/api/sse", "/currenttime", "//mcp:8000/api/m/?a=1&b=2", "/currenttime/m/?a=1&b=2"},
		{"http://mcp:8000/api/", "http://mcp:8000/api/sse", "/currenttime", "/api?x=1", "/currenttime?x=1"},
		{"http://mcp:8000/api/", "http://mcp:8000/api/sse", "/currenttime", "/messages?sessionId=abc", ""},
		{"http://mcp:8000/api/", "http://mcp:8000/api/sse", "/currenttime", "http://other:8000/api/messages", ""},
		{"http://mcp:8000/api/", "http://mcp:8000/api/sse", "/currenttime", "https://mcp:8000/api/messages", ""},
		{"http://mcp:8000", "http://mcp:8000/sse", "/currenttime", "/messages?x=1", "/currenttime/messages?x=1"},
		{"http://mcp:8000/", "http://mcp:8000/sse", "/currenttime", "/messages?x=1", "/currenttime/messages?x=1"},

		// Base path without a trailing slash; relative references resolve
		// against the SSE URL, not the base.
		{"http://mcp:8000/api", "http://mcp:8000/api/sse", "/t", "messages?s=1", "/t/messages?s=1"},
		{"http://mcp:8000/api", "http://mcp:8000/api/v1/sse", "/t", "messages?s=1", "/t/v1/messages?s=1"},
		{"http://mcp:8000/api", "http://mcp:8000/api/v1/sse", "/t", "../messages", "/t/messages"},
		{"http://mcp:8000/api", "http://mcp:8000/api/sse", "/t", "../messages", ""},
		{"http://mcp:8000/api", "http://mcp:8000/api/sse", "/t", "/api/../messages", ""},
		{"http://mcp:8000/api", "http://mcp:8000/api/sse", "/t", "/apix/messages", ""},
		{"http://mcp:8000/api", "http://mcp:8000/api/sse", "/t", "/API/messages", ""},
		{"http://mcp:8000/api", "http://mcp:8000/api/sse", "/t", "?sessionId=1", "/t/sse?sessionId=1"},

		// The query is kept as sent, a fragment dropped, escapes kept.
		{"http://mcp/", "http://mcp/sse", "/t", "/messages/?session_id=a%2Fb&x=%20", "/t/messages/?session_id=a%2Fb&x=%20"},
		{"http://mcp/", "http://mcp/sse", "/t", "/messages?x=1#frag", "/t/messages?x=1"},
		{"http://mcp/", "http://mcp/sse", "/t", "/a%20b/messages", "/t/a%20b/messages"},
		{"http://mcp/", "http://mcp/sse", "/t", "/messages?", "/t/messages?"},
		{"http://mcp/", "http://mcp/sse", "/t", "  /messages?x=1 ", "/t/messages?x=1"},
		{"http://mcp/", "http://mcp/sse", "/t/", "/messages", "/t/messages"},
		{"http://mcp/", "http://mcp/sse", "/api/execute/t", "/messages", "/api/execute/t/messages"},

		// Hosts: case-insensitive, default ports, no user info.
		{"http://mcp/", "http://mcp/sse", "/t", "HTTP://MCP:80/messages", "/t/messages"},
		{"https://mcp:443/", "https://mcp:443/sse", "/t", "https://mcp/messages", "/t/messages"},
		{"http://mcp:8000/", "http://mcp:8000/sse", "/t", "http://mcp/messages", ""},
		{"http://mcp/", "http://mcp/sse", "/t", "http://user@mcp/messages", ""},
		{"http://mcp/", "http://mcp/sse", "/t", "//evil.example/messages", ""},
		{"http://mcp/", "http://mcp/sse", "/t", "http://mcp.evil/messages", ""},
		{"http://10.0.0.1:9/", "http://10.0.0.1:9/sse", "/t", "http://[::1]:9/messages", ""},
		{"http://mcp/", "http://mcp/sse", "/t", "javascript:alert(1)", ""},

		// Nothing that a browser would resolve out of the prefix.
		{"http://mcp/", "http://mcp/sse", "/t", "/%2e%2e/other/messages", ""},
		{"http://mcp/", "http://mcp/sse", "/t", "/a/%2E/messages", ""},
		{"http://mcp/", "http://mcp/sse", "/t", `/a\..\messages`, "/t/a%5C..%5Cmessages"}, // one segment once escaped

		// Bad input.
		{"http://mcp/", "http://mcp/sse", "/t", "", ""},
		{"http://mcp/", "http://mcp/sse", "/t", "http://mcp/%zz", ""},
		{"http://mcp/", "http://mcp/sse", "/", "/messages", ""},
		{"http://mcp/", "http://mcp/sse", "", "/messages", ""},
		{"http://mcp/", "http://mcp/sse", "t", "/messages", ""},
		{"http://mcp/", "http://mcp/sse", "/t?x", "/messages", ""},
	}
	for _, tt := range tests {
		got, err := RewriteEndpoint(tt.data, mustURL(t, tt.stream), mustURL(t, tt.base), tt.prefix)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("RewriteEndpoint(%q, %s, %s, %q) = %q, want an error", tt.data, tt.stream, tt.base, tt.prefix, got)
		case tt.want != "" && err != nil:
			t.Errorf("RewriteEndpoint(%q, %s, %s, %q): %v, want %q", tt.data, tt.stream, tt.base, tt.prefix, err, tt.want)
		case got != tt.want:
			t.Errorf("RewriteEndpoint(%q, %s, %s, %q) = %q, want %q", tt.data, tt.stream, tt.base, tt.prefix, got, tt.want)
		}
	}
}

// TestEndpointEventRewritten is the legacy transport's use: the endpoint
// event goes through SSERewriter with RewriteEndpoint as the transform.
func TestEndpointEventRewritten(t *testing.T) {
	base, stream := mustURL(t, "http://mcp:8000/"), mustURL(t, "http://mcp:8000/sse")
	transform := func(ev *Event) error {
		if ev.Name != "endpoint" {
			return nil
		}
		p, err := RewriteEndpoint(string(ev.Data), stream, base, "/currenttime")
		if err != nil {
			return err
		}
		ev.Data = []byte(p)
		return nil
	}
	got := feed(t, transform, "event: endpoint\r\ndata: /messages?sessionId=abc\r\n\r\n", ": ping\r\n")
	if got[0] != "event: endpoint\ndata: /currenttime/messages?sessionId=abc\n\n" || got[1] != ": ping\r\n" {
		t.Errorf("got %q", got)
	}
}
