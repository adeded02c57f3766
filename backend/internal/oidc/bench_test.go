package oidc

import (
	"context"
	"crypto"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// staticKeys serves one key, so the benchmarks measure verification alone.
type staticKeys struct{ pub crypto.PublicKey }

func (s staticKeys) Key(context.Context, string, string) (crypto.PublicKey, error) { return s.pub, nil }

// benchVerify is one bearer token's verification with its key cached: the
// cost every API request pays before any cache above the Verifier.
func benchVerify(b *testing.B, alg string, cachedKeySet bool) {
	k := newKey(b, alg, "k")
	var keys Keys = staticKeys{k.pub()}
	if cachedKeySet {
		srv := newJWKSServer(b, k.jwk(b))
		keys = NewKeySet(srv.URL, KeySetOptions{})
	}
	v, err := NewVerifier(keys, VerifyOptions{Issuer: testIssuer, Audiences: []string{testAudience}})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	raw := k.sign(b, jwt.MapClaims{"iss": testIssuer, "aud": testAudience, "sub": "user-1",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "groups": []string{"mcp-admin", "mcp-user"},
		"preferred_username": "alice", "email": "alice@example.com"}, nil)
	ctx := context.Background()
	if _, err := v.Verify(ctx, raw, ""); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, raw, ""); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyRS256(b *testing.B) { benchVerify(b, "RS256", true) }
func BenchmarkVerifyPS256(b *testing.B) { benchVerify(b, "PS256", true) }
func BenchmarkVerifyES256(b *testing.B) { benchVerify(b, "ES256", true) }
func BenchmarkVerifyEdDSA(b *testing.B) { benchVerify(b, "EdDSA", true) }

// BenchmarkVerifyES256StaticKey isolates the KeySet lookup's share.
func BenchmarkVerifyES256StaticKey(b *testing.B) { benchVerify(b, "ES256", false) }

// BenchmarkRefuseOversized is what a junk-token flood costs per request.
func BenchmarkRefuseOversized(b *testing.B) {
	v, err := NewVerifier(staticKeys{}, VerifyOptions{Issuer: testIssuer, Audiences: []string{testAudience}})
	if err != nil {
		b.Fatal(err)
	}
	raw := string(make([]byte, DefaultMaxTokenBytes+1))
	b.ReportAllocs()
	for b.Loop() {
		_, _ = v.Verify(context.Background(), raw, "")
	}
}

func BenchmarkUnverifiedIssuer(b *testing.B) {
	k := newKey(b, "ES256", "k")
	raw := k.sign(b, jwt.MapClaims{"iss": testIssuer, "sub": "x", "exp": time.Now().Add(time.Hour).Unix()}, nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := UnverifiedIssuer(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSafeNext(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = SafeNext("/servers?tag=a%20b#x")
	}
}
