package oidc

import "testing"

func TestSafeNext(t *testing.T) {
	keep := []string{
		"/",
		"/servers",
		"/servers?tag=a#x",
		"/servers/a%20b",
		"/x?next=%2F%2Fevil",
		"/javascript:alert(1)",
		"/a/b/../c",
		"/@evil.com",
		"/caf%C3%A9",
	}
	for _, s := range keep {
		if got := SafeNext(s); got != s {
			t.Errorf("SafeNext(%q) = %q, want it kept", s, got)
		}
	}
	refuse := []string{
		"",
		"//evil.com",
		"///evil.com",
		"https://evil.com",
		"http:/evil.com",
		"javascript:alert(1)",
		"JavaScript:alert(1)",
		"data:text/html,hi",
		"/\\evil.com",
		"\\\\evil.com",
		"\\/evil.com",
		"/%2F/evil.com",
		"/%2f/evil.com",
		"%2F%2Fevil.com",
		"/%5Cevil.com",
		"/%5cevil.com",
		"/%252F/evil.com",
		"/%25252F/evil.com",
		"/%255Cevil.com",
		"/%2525252525252F/evil.com",
		"/\t/evil.com",
		"/\n/evil.com",
		"/%09/evil.com",
		"/%0A/evil.com",
		"/%00",
		"/\x00",
		"/ /evil.com",
		"/servers\r\nSet-Cookie: x=y",
		"/%0d%0aSet-Cookie:x",
		"/%zz",
		"servers",
		"./servers",
		"?x=1",
		"#frag",
		"/\u3002evil.com",
		"/ｅvil",
		"/" + string(make([]byte, maxNextLen)),
	}
	for _, s := range refuse {
		if got := SafeNext(s); got != "/" {
			t.Errorf("SafeNext(%q) = %q, want \"/\"", s, got)
		}
	}
}
