package health

import (
	"context"
	"errors"
	"testing"
)

// TestRedactURLs: URLs in error text keep scheme, host, port and path;
// userinfo, query and fragment go; the rest of the text is left alone.
func TestRedactURLs(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`Post "http://10.0.0.5:8000/mcp?api_key=s3cret": EOF`, `Post "http://10.0.0.5:8000/mcp": EOF`},
		{`Get "https://user:***@mcp.example.com/sse#frag": EOF`, `Get "https://mcp.example.com/sse": EOF`},
		{`Post "http://u:p@ss@host/mcp": EOF`, `Post "http://host/mcp": EOF`},
		{`Get "http://host?token=s3cret": EOF`, `Get "http://host": EOF`},
		{`Get "http://host#s3cret": EOF`, `Get "http://host": EOF`},
		{`http://[::1]:8080/a/b/ then https://other/x?y=1 too`, `http://[::1]:8080/a/b/ then https://other/x too`},
		{`posting to http://elsewhere/messages?sessionId=1 failed`, `posting to http://elsewhere/messages failed`},
		{`dial tcp 10.0.0.5:8000: connect: connection refused`, `dial tcp 10.0.0.5:8000: connect: connection refused`},
		{`unsupported content type "text/html"`, `unsupported content type "text/html"`},
		{``, ``},
	} {
		if got := redactURLs(tc.in); got != tc.want {
			t.Errorf("redactURLs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestDescribeRedacts: what describe stores names no credential of the
// URL, and the fixed reasons read as before.
func TestDescribeRedacts(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ err, want string }{
		{`calling "initialize": rejected by transport: Post "http://user:***@10.0.0.5/mcp?api_key=s3cret": EOF`,
			`calling "initialize": rejected by transport: Post "http://10.0.0.5/mcp": EOF`},
		{`Post "http://10.0.0.5:8000/mcp?api_key=s3cret": dial tcp 10.0.0.5:8000: connect: connection refused`,
			"the server is unreachable (connection refused)"},
	} {
		if got := describe(ctx, errors.New(tc.err)); got != tc.want {
			t.Errorf("describe(%q) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
