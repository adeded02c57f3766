package proxy

import (
	"errors"
	"net/url"
	"strings"
)

// RewriteEndpoint maps the data of the legacy HTTP+SSE transport's
// endpoint event to a path on the gateway, so that the client posts its
// messages through the gateway (and its permission checks), never straight
// to the upstream. It is the inverse of the proxy's mapping of
// {gatewayPrefix}{rest} to {base}{rest}.
//
// data is a URI reference, resolved against stream (the upstream URL the
// SSE request went to). The result must have stream's scheme and host
// (default ports equal no port) and no user info, and its path must be
// base's path or lie under it (base is the server's registered upstream
// URL; a trailing slash on it does not matter). The path after base's path
// is appended to gatewayPrefix (a path such as "/currenttime"; a trailing
// slash is dropped), the query is kept as it is, a fragment dropped. With
// base http://mcp:8000/api/, stream http://mcp:8000/api/sse and prefix
// /currenttime:
//
//	/api/messages?sessionId=abc              → /currenttime/messages?sessionId=abc
//	messages?sessionId=abc                   → /currenttime/messages?sessionId=abc
//	http://mcp:8000/api/messages?sessionId=1 → /currenttime/messages?sessionId=1
//	//mcp:8000/api/m/?a=1&b=2                → /currenttime/m/?a=1&b=2
//	/api?x=1                                 → /currenttime?x=1
//	/messages?sessionId=abc                  → error: not under /api
//	http://other:8000/api/messages           → error: another host
//	https://mcp:8000/api/messages            → error: another scheme
//
// With base http://mcp:8000 (or http://mcp:8000/), /messages?x=1 becomes
// /currenttime/messages?x=1. Dot segments are resolved first, so
// /api/../messages is outside /api; a segment that is "." or ".." once
// percent-decoded, or a backslash, is refused, because browsers' URL
// parsers would resolve them out of the prefix.
func RewriteEndpoint(data string, stream, base *url.URL, gatewayPrefix string) (string, error) {
	prefix := strings.TrimSuffix(gatewayPrefix, "/")
	if !strings.HasPrefix(prefix, "/") || strings.ContainsAny(prefix, "?#") {
		return "", errors.New("endpoint: the gateway prefix must be a non-root path")
	}
	data = strings.TrimSpace(data)
	if data == "" {
		return "", errors.New("endpoint: empty endpoint")
	}
	ref, err := url.Parse(data)
	if err != nil {
		return "", errors.New("endpoint: not a URI reference")
	}
	u := stream.ResolveReference(ref)
	if !strings.EqualFold(u.Scheme, stream.Scheme) || !sameHost(u, stream) || u.User != nil {
		return "", errors.New("endpoint: points to another host than the upstream")
	}
	p := u.EscapedPath()
	b := strings.TrimSuffix(base.EscapedPath(), "/")
	if p != b && !strings.HasPrefix(p, b+"/") {
		return "", errors.New("endpoint: outside the server's upstream path")
	}
	rest := p[len(b):]
	if strings.ContainsRune(rest, '\\') {
		return "", errors.New("endpoint: backslash in path")
	}
	for seg := range strings.SplitSeq(rest, "/") {
		if s, err := url.PathUnescape(seg); err != nil || s == "." || s == ".." {
			return "", errors.New("endpoint: dot segment or bad escape in path")
		}
	}
	out := prefix + rest
	if u.RawQuery != "" || u.ForceQuery {
		out += "?" + u.RawQuery
	}
	return out, nil
}

// sameHost compares hosts case-insensitively and ports with the scheme's
// default filled in.
func sameHost(a, b *url.URL) bool {
	return strings.EqualFold(a.Hostname(), b.Hostname()) && portOf(a) == portOf(b)
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "ws":
		return "80"
	case "https", "wss":
		return "443"
	}
	return ""
}
