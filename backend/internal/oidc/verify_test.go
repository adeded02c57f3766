package oidc

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	testIssuer   = "https://idp.example.com/oauth2/default"
	testAudience = "api://gateway"
)

// verifierFixture is a Verifier over a JWKS server with one key per alg.
type verifierFixture struct {
	keys map[string]testKey
	srv  *jwksServer
	ks   *KeySet
	clk  *clock
	v    *Verifier
}

func newVerifierFixture(t *testing.T, o VerifyOptions) *verifierFixture {
	t.Helper()
	f := &verifierFixture{keys: map[string]testKey{}, clk: newClock()}
	var jwks []JWK
	for _, alg := range AllowedAlgs() {
		k := newKey(t, alg, "kid-"+alg)
		f.keys[alg] = k
		jwks = append(jwks, k.jwk(t))
	}
	f.srv = newJWKSServer(t, jwks...)
	f.ks = NewKeySet(f.srv.URL, KeySetOptions{Now: f.clk.Now})
	if o.Issuer == "" {
		o.Issuer = testIssuer
	}
	if o.Audiences == nil && o.CognitoClientIDs == nil {
		o.Audiences = []string{testAudience, "other-aud"}
	}
	o.Now = f.clk.Now
	v, err := NewVerifier(f.ks, o)
	if err != nil {
		t.Fatal(err)
	}
	f.v = v
	return f
}

// claims are valid claims for the fixture, with overrides (nil deletes).
func (f *verifierFixture) claims(over map[string]any) jwt.MapClaims {
	now := f.clk.Now()
	c := jwt.MapClaims{"iss": testIssuer, "aud": testAudience, "sub": "user-1",
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}
	for k, v := range over {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

func TestVerifyAcceptsEveryAllowedAlg(t *testing.T) {
	f := newVerifierFixture(t, VerifyOptions{})
	for _, alg := range AllowedAlgs() {
		t.Run(alg, func(t *testing.T) {
			raw := f.keys[alg].sign(t, f.claims(map[string]any{"aud": []string{"x", testAudience}}), nil)
			c, err := f.v.Verify(context.Background(), raw, "")
			if err != nil {
				t.Fatal(err)
			}
			if c.String("sub") != "user-1" || c.String("iss") != testIssuer {
				t.Fatalf("claims = %v", c)
			}
		})
	}
	if f.ks.Fetches() != 1 {
		t.Fatalf("fetches = %d, want 1", f.ks.Fetches())
	}
}

func TestVerifyRefusesBadTokens(t *testing.T) {
	f := newVerifierFixture(t, VerifyOptions{})
	rs, es := f.keys["RS256"], f.keys["ES256"]
	now := f.clk.Now()
	pubDER, err := x509.MarshalPKIXPublicKey(rs.pub())
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	signHS := func(secret []byte) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, f.claims(nil))
		tok.Header["kid"] = rs.kid
		s, err := tok.SignedString(secret)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	none := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodNone, f.claims(nil))
		tok.Header["kid"] = rs.kid
		s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := rs.sign(t, f.claims(nil), nil)
	parts := strings.Split(good, ".")
	b64 := base64.RawURLEncoding.EncodeToString
	other := newKey(t, "RS256", rs.kid) // same kid, different key
	wrongType := newKey(t, "ES256", rs.kid)

	cases := []struct {
		name, raw, nonce string
	}{
		{"alg none", none(), ""},
		{"alg none with empty signature", strings.Join([]string{b64([]byte(`{"alg":"none","typ":"JWT"}`)), parts[1], ""}, "."), ""},
		{"HS256 with the RSA public key PEM as secret", signHS(pubPEM), ""},
		{"HS256 with the RSA public key DER as secret", signHS(pubDER), ""},
		{"jku header", rs.sign(t, f.claims(nil), map[string]any{"jku": "https://evil.example/jwks"}), ""},
		{"x5u header", rs.sign(t, f.claims(nil), map[string]any{"x5u": "https://evil.example/cert"}), ""},
		{"jwk header", rs.sign(t, f.claims(nil), map[string]any{"jwk": rs.jwk(t)}), ""},
		{"x5c header", rs.sign(t, f.claims(nil), map[string]any{"x5c": []string{"MIIB"}}), ""},
		{"crit header", rs.sign(t, f.claims(nil), map[string]any{"crit": []string{"exp"}, "exp": 1}), ""},
		{"kid not a string", rs.sign(t, f.claims(nil), map[string]any{"kid": 7}), ""},
		{"wrong issuer", rs.sign(t, f.claims(map[string]any{"iss": "https://evil.example.com"}), nil), ""},
		{"issuer with trailing slash", rs.sign(t, f.claims(map[string]any{"iss": testIssuer + "/"}), nil), ""},
		{"issuer as array", rs.sign(t, f.claims(map[string]any{"iss": []string{testIssuer}}), nil), ""},
		{"missing issuer", rs.sign(t, f.claims(map[string]any{"iss": nil}), nil), ""},
		{"wrong audience", rs.sign(t, f.claims(map[string]any{"aud": "api://someone-else"}), nil), ""},
		{"missing audience", rs.sign(t, f.claims(map[string]any{"aud": nil}), nil), ""},
		{"missing exp", rs.sign(t, f.claims(map[string]any{"exp": nil}), nil), ""},
		{"exp as string", rs.sign(t, f.claims(map[string]any{"exp": "99999999999"}), nil), ""},
		{"expired beyond leeway", rs.sign(t, f.claims(map[string]any{"exp": now.Add(-31 * time.Second).Unix()}), nil), ""},
		{"nbf in the future", rs.sign(t, f.claims(map[string]any{"nbf": now.Add(time.Minute).Unix()}), nil), ""},
		{"bad signature", parts[0] + "." + parts[1] + "." + b64([]byte("not the signature of this token at all......")), ""},
		{"payload swapped under a valid signature", parts[0] + "." + b64([]byte(`{"iss":"`+testIssuer+`","aud":"`+testAudience+`","sub":"admin","exp":9999999999}`)) + "." + parts[2], ""},
		{"signed by another key with the same kid", other.sign(t, f.claims(nil), nil), ""},
		{"unknown kid", rs.sign(t, f.claims(nil), map[string]any{"kid": "nope"}), ""},
		{"ES256 token naming an RSA key", wrongType.sign(t, f.claims(nil), nil), ""},
		{"RS256 key used for PS256", func() string {
			k := testKey{kid: rs.kid, alg: "PS256", priv: rs.priv}
			return k.sign(t, f.claims(nil), nil)
		}(), ""},
		{"nonce mismatch", rs.sign(t, f.claims(map[string]any{"nonce": "n-1"}), nil), "n-2"},
		{"nonce missing", rs.sign(t, f.claims(nil), nil), "n-1"},
		{"nonce not a string", rs.sign(t, f.claims(map[string]any{"nonce": 1}), nil), "1"},
		{"two segments", parts[0] + "." + parts[1], ""},
		{"four segments", good + ".x", ""},
		{"empty", "", ""},
		{"dots only", "..", ""},
		{"header not base64", "!!!." + parts[1] + "." + parts[2], ""},
		{"header not JSON", b64([]byte("nope")) + "." + parts[1] + "." + parts[2], ""},
		{"payload not JSON", parts[0] + "." + b64([]byte("[1,2]")) + "." + parts[2], ""},
		{"payload not base64", parts[0] + ".%%%." + parts[2], ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.v.Verify(context.Background(), tc.raw, tc.nonce)
			if !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("err = %v, want ErrInvalidToken", err)
			}
			msg := err.Error()
			t.Log(msg)
			if len(msg) <= len("invalid token: ") {
				t.Fatalf("error names no reason: %q", msg)
			}
			for _, p := range strings.Split(tc.raw, ".") {
				if len(p) > 16 && strings.Contains(msg, p) {
					t.Fatalf("error %q contains part of the token", msg)
				}
			}
		})
	}
	_ = es
}

func TestVerifyHeaderRefusalFetchesNoKeys(t *testing.T) {
	f := newVerifierFixture(t, VerifyOptions{})
	rs := f.keys["RS256"]
	for _, h := range []string{"jku", "x5u", "jwk", "x5c", "crit"} {
		raw := rs.sign(t, f.claims(nil), map[string]any{h: "x"})
		if _, err := f.v.Verify(context.Background(), raw, ""); !errors.Is(err, ErrInvalidToken) ||
			!strings.Contains(err.Error(), h) {
			t.Fatalf("%s: err = %v", h, err)
		}
	}
	if f.ks.Fetches() != 0 {
		t.Fatalf("fetches = %d, want 0", f.ks.Fetches())
	}
}

func TestVerifyOversizedTokenRefusedBeforeWork(t *testing.T) {
	f := newVerifierFixture(t, VerifyOptions{MaxTokenBytes: 4096})
	es := f.keys["ES256"]
	raw := es.sign(t, f.claims(map[string]any{"pad": strings.Repeat("a", 5000)}), nil)
	_, err := f.v.Verify(context.Background(), raw, "")
	if !errors.Is(err, ErrInvalidToken) || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("err = %v", err)
	}
	if f.ks.Fetches() != 0 {
		t.Fatalf("fetches = %d, want 0", f.ks.Fetches())
	}
	// The default cap is 16 KiB.
	f2 := newVerifierFixture(t, VerifyOptions{})
	raw = f2.keys["ES256"].sign(t, f2.claims(map[string]any{"pad": strings.Repeat("a", DefaultMaxTokenBytes)}), nil)
	if _, err := f2.v.Verify(context.Background(), raw, ""); !errors.Is(err, ErrInvalidToken) || f2.ks.Fetches() != 0 {
		t.Fatalf("err = %v, fetches = %d", err, f2.ks.Fetches())
	}
}

func TestVerifyTimeRules(t *testing.T) {
	f := newVerifierFixture(t, VerifyOptions{})
	k := f.keys["ES256"]
	now := f.clk.Now()
	ok := map[string]map[string]any{
		"expired within leeway": {"exp": now.Add(-20 * time.Second).Unix()},
		"nbf within leeway":     {"nbf": now.Add(20 * time.Second).Unix()},
		"nbf in the past":       {"nbf": now.Add(-time.Hour).Unix()},
		"iat in the future":     {"iat": now.Add(time.Hour).Unix()},
		"iat missing":           {"iat": nil},
		"iat garbage":           {"iat": "yesterday"},
	}
	for name, over := range ok {
		t.Run(name, func(t *testing.T) {
			if _, err := f.v.Verify(context.Background(), k.sign(t, f.claims(over), nil), ""); err != nil {
				t.Fatal(err)
			}
		})
	}
	// Leeway is capped at a minute whatever is asked.
	f2 := newVerifierFixture(t, VerifyOptions{Leeway: time.Hour})
	raw := f2.keys["ES256"].sign(t, f2.claims(map[string]any{"exp": f2.clk.Now().Add(-61 * time.Second).Unix()}), nil)
	if _, err := f2.v.Verify(context.Background(), raw, ""); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("leeway not capped: err = %v", err)
	}
}

func TestVerifyNonce(t *testing.T) {
	f := newVerifierFixture(t, VerifyOptions{})
	raw := f.keys["EdDSA"].sign(t, f.claims(map[string]any{"nonce": "n-123"}), nil)
	if _, err := f.v.Verify(context.Background(), raw, "n-123"); err != nil {
		t.Fatal(err)
	}
	// No nonce asked for (access tokens): the claim is ignored.
	if _, err := f.v.Verify(context.Background(), raw, ""); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyCognitoAccessTokens(t *testing.T) {
	f := newVerifierFixture(t, VerifyOptions{CognitoClientIDs: []string{"client-a", "client-b"}})
	k := f.keys["RS256"]
	access := func(over map[string]any) string {
		base := map[string]any{"aud": nil, "token_use": "access", "client_id": "client-a"}
		for n, v := range over {
			base[n] = v
		}
		return k.sign(t, f.claims(base), nil)
	}
	if _, err := f.v.Verify(context.Background(), access(nil), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.v.Verify(context.Background(), access(map[string]any{"client_id": "client-b"}), ""); err != nil {
		t.Fatal(err)
	}
	bad := map[string]string{
		"id token as access token": access(map[string]any{"token_use": "id", "aud": "client-a", "client_id": nil}),
		"wrong client_id":          access(map[string]any{"client_id": "client-z"}),
		"no client_id":             access(map[string]any{"client_id": nil}),
		"no token_use":             access(map[string]any{"token_use": nil}),
	}
	for name, raw := range bad {
		if _, err := f.v.Verify(context.Background(), raw, ""); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestNewVerifierRequiresIssuerAndAudience(t *testing.T) {
	ks := NewKeySet("http://127.0.0.1:1/jwks", KeySetOptions{})
	if _, err := NewVerifier(ks, VerifyOptions{Audiences: []string{"a"}}); err == nil {
		t.Fatal("no issuer accepted")
	}
	if _, err := NewVerifier(ks, VerifyOptions{Issuer: "https://i", Audiences: []string{""}}); err == nil {
		t.Fatal("no audience accepted")
	}
	if _, err := NewVerifier(nil, VerifyOptions{Issuer: "https://i", Audiences: []string{"a"}}); err == nil {
		t.Fatal("nil keys accepted")
	}
}

func TestUnverifiedIssuer(t *testing.T) {
	k := newKey(t, "ES256", "k")
	raw := k.sign(t, jwt.MapClaims{"iss": "https://a.example"}, nil)
	if iss, err := UnverifiedIssuer(raw); err != nil || iss != "https://a.example" {
		t.Fatalf("iss = %q, err = %v", iss, err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	for name, raw := range map[string]string{
		"no iss":     k.sign(t, jwt.MapClaims{"sub": "x"}, nil),
		"iss number": "e30." + b64([]byte(`{"iss":1}`)) + ".x",
		"not jws":    "abc",
		"bad base64": "e30.***.x",
		"not json":   "e30." + b64([]byte("nope")) + ".x",
		"oversized":  "e30." + b64([]byte(`{"iss":"`+strings.Repeat("a", DefaultMaxTokenBytes)+`"}`)) + ".x",
	} {
		if _, err := UnverifiedIssuer(raw); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestClaimsHelpers(t *testing.T) {
	c := Claims{"s": "v", "n": 1.0, "arr": []any{"a", 2.0, "", "b"}, "empty": ""}
	if c.String("s") != "v" || c.String("n") != "" || c.String("missing") != "" {
		t.Fatal("String")
	}
	if got := c.Strings("arr"); strings.Join(got, ",") != "a,b" {
		t.Fatalf("Strings(arr) = %v", got)
	}
	if got := c.Strings("s"); len(got) != 1 || got[0] != "v" {
		t.Fatalf("Strings(s) = %v", got)
	}
	if c.Strings("n") != nil || c.Strings("empty") != nil {
		t.Fatal("Strings of non-strings")
	}
	if c.FirstString("missing", "empty", "n", "s") != "v" || c.FirstString("x") != "" {
		t.Fatal("FirstString")
	}
}
