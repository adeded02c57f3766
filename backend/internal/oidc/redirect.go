package oidc

import (
	"net/url"
	"strings"
)

// maxNextLen bounds a post-sign-in path; longer ones are not worth keeping.
const maxNextLen = 2048

// SafeNext returns where the browser may go after sign-in: raw when it is a
// same-origin relative path ("/servers?tag=a#x"), else "/". Anything a
// browser could read as another origin is refused, whatever its encoding:
// "//host", "/\host", schemes, control characters (browsers drop tabs and
// newlines, turning "/\t/host" into "//host") and their percent-encoded
// forms, decoded repeatedly because some hop may decode once more.
func SafeNext(raw string) string {
	if !safeNext(raw) {
		return "/"
	}
	return raw
}

func safeNext(raw string) bool {
	if raw == "" || len(raw) > maxNextLen || raw[0] != '/' {
		return false
	}
	for i := 0; i < len(raw); i++ {
		if b := raw[i]; b <= 0x20 || b >= 0x7f || b == '\\' {
			return false // non-ASCII, spaces and controls arrive percent-encoded from real links
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") {
		return false
	}
	s := raw
	for range 4 {
		if strings.HasPrefix(s, "//") || strings.ContainsAny(s, "\\") || hasControl(s) {
			return false
		}
		d, err := url.PathUnescape(s)
		if err != nil {
			return false
		}
		if d == s {
			return true
		}
		if !strings.HasPrefix(d, "/") {
			return false
		}
		s = d
	}
	return false // still decoding after four rounds: nobody needs that
}

// hasControl reports whether s has ASCII control characters.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}
