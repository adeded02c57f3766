package oidc

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPublicJWKRoundTrip(t *testing.T) {
	for _, alg := range AllowedAlgs() {
		t.Run(alg, func(t *testing.T) {
			k := newKey(t, alg, "k-"+alg)
			j := k.jwk(t)
			if j.Use != "sig" || j.Kid != k.kid || j.Alg != alg {
				t.Fatalf("jwk = %+v", j)
			}
			pub, err := parseJWK(j)
			if err != nil {
				t.Fatal(err)
			}
			if !k.pub().(interface{ Equal(x crypto.PublicKey) bool }).Equal(pub) {
				t.Fatal("parsed key differs")
			}
		})
	}
	ec := newKey(t, "ES256", "ec")
	if _, err := PublicJWK("ec", "RS256", ec.pub()); err == nil {
		t.Fatal("EC key accepted for RS256")
	}
	if _, err := PublicJWK("", "ES256", ec.pub()); err == nil {
		t.Fatal("empty kid accepted")
	}
	if _, err := PublicJWK("x", "HS256", ec.pub()); err == nil {
		t.Fatal("HS256 accepted")
	}
}

func TestKeySetCachesAndMatchesAlg(t *testing.T) {
	rs := newKey(t, "RS256", "rs")
	ec := newKey(t, "ES256", "ec")
	srv := newJWKSServer(t, rs.jwk(t), ec.jwk(t))
	clk := newClock()
	ks := NewKeySet(srv.URL, KeySetOptions{Now: clk.Now})
	ctx := context.Background()
	for range 5 {
		if _, err := ks.Key(ctx, "rs", "RS256"); err != nil {
			t.Fatal(err)
		}
		if _, err := ks.Key(ctx, "ec", "ES256"); err != nil {
			t.Fatal(err)
		}
	}
	if ks.Fetches() != 1 {
		t.Fatalf("fetches = %d, want 1", ks.Fetches())
	}
	// The JWK says RS256: a PS256 token must not borrow it.
	if _, err := ks.Key(ctx, "rs", "PS256"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("alg mismatch: err = %v", err)
	}
	if _, err := ks.Key(ctx, "ec", "RS256"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("wrong key type: err = %v", err)
	}
	// No kid: ambiguous between several keys fit for ES256? Only one is.
	if _, err := ks.Key(ctx, "", "ES256"); err != nil {
		t.Fatalf("kid-less with one fitting key: %v", err)
	}
}

func TestKeySetNoKidAmbiguous(t *testing.T) {
	a, b := newKey(t, "ES256", "a"), newKey(t, "ES256", "b")
	srv := newJWKSServer(t, a.jwk(t), b.jwk(t))
	ks := NewKeySet(srv.URL, KeySetOptions{})
	if _, err := ks.Key(context.Background(), "", "ES256"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("err = %v, want ErrUnknownKey", err)
	}
}

func TestKeySetRotation(t *testing.T) {
	k1, k2 := newKey(t, "RS256", "k1"), newKey(t, "ES256", "k2")
	srv := newJWKSServer(t, k1.jwk(t))
	clk := newClock()
	ks := NewKeySet(srv.URL, KeySetOptions{Now: clk.Now, RefetchCooldown: time.Minute})
	ctx := context.Background()
	if _, err := ks.Key(ctx, "k1", "RS256"); err != nil {
		t.Fatal(err)
	}
	srv.set(t, k1.jwk(t), k2.jwk(t))
	clk.Add(time.Minute)
	if _, err := ks.Key(ctx, "k2", "ES256"); err != nil {
		t.Fatalf("rotated key: %v", err)
	}
	if ks.Fetches() != 2 {
		t.Fatalf("fetches = %d, want 2", ks.Fetches())
	}
	// k1 retired at the IdP: still valid until the next refresh drops it.
	srv.set(t, k2.jwk(t))
	if _, err := ks.Key(ctx, "k1", "RS256"); err != nil {
		t.Fatal(err)
	}
	clk.Add(DefaultJWKSMaxAge + time.Second)
	if _, err := ks.Key(ctx, "k1", "RS256"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("retired key after max age: err = %v", err)
	}
	if ks.Fetches() != 3 {
		t.Fatalf("fetches = %d, want 3", ks.Fetches())
	}
}

func TestKeySetUnknownKidFloodOneFetchPerCooldown(t *testing.T) {
	k := newKey(t, "ES256", "good")
	srv := newJWKSServer(t, k.jwk(t))
	clk := newClock()
	ks := NewKeySet(srv.URL, KeySetOptions{Now: clk.Now, RefetchCooldown: 30 * time.Second})
	ctx := context.Background()
	for round := 1; round <= 3; round++ {
		for i := range 200 {
			_, err := ks.Key(ctx, fmt.Sprintf("forged-%d-%d", round, i), "ES256")
			if !errors.Is(err, ErrUnknownKey) {
				t.Fatalf("err = %v", err)
			}
		}
		if _, err := ks.Key(ctx, "good", "ES256"); err != nil {
			t.Fatal(err)
		}
		if got := ks.Fetches(); got != round {
			t.Fatalf("round %d: fetches = %d, want %d", round, got, round)
		}
		clk.Add(30 * time.Second)
	}
	if got := srv.hits.Load(); got != 3 {
		t.Fatalf("server hits = %d, want 3", got)
	}
}

func TestKeySetConcurrentUnknownKidOneFetch(t *testing.T) {
	k := newKey(t, "EdDSA", "k")
	srv := newJWKSServer(t, k.jwk(t))
	gate := make(chan struct{})
	srv.mu.Lock()
	srv.gate = gate
	srv.mu.Unlock()
	ks := NewKeySet(srv.URL, KeySetOptions{})
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		wg.Go(func() {
			kid := "k"
			if i%2 == 1 {
				kid = fmt.Sprintf("unknown-%d", i)
			}
			_, err := ks.Key(context.Background(), kid, "EdDSA")
			if kid == "k" && err != nil {
				errs <- err
			}
		})
	}
	time.Sleep(50 * time.Millisecond) // let the goroutines pile up on the flight
	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := srv.hits.Load(); got != 1 {
		t.Fatalf("server hits = %d, want 1", got)
	}
}

func TestKeySetServesStaleKeysWhenDown(t *testing.T) {
	k := newKey(t, "ES256", "k")
	srv := newJWKSServer(t, k.jwk(t))
	clk := newClock()
	ks := NewKeySet(srv.URL, KeySetOptions{Now: clk.Now})
	ctx := context.Background()
	if _, err := ks.Key(ctx, "k", "ES256"); err != nil {
		t.Fatal(err)
	}
	srv.setDown(true)
	clk.Add(2 * time.Hour)
	if _, err := ks.Key(ctx, "k", "ES256"); err != nil {
		t.Fatalf("stale key not served while the IdP is down: %v", err)
	}
	if ks.Fetches() != 2 {
		t.Fatalf("fetches = %d, want 2 (one refresh attempt)", ks.Fetches())
	}
	clk.Add(time.Minute)
	if _, err := ks.Key(ctx, "other", "ES256"); !errors.Is(err, ErrJWKSUnavailable) {
		t.Fatalf("unknown kid while down: err = %v, want ErrJWKSUnavailable", err)
	}
	// Back up: the next allowed refresh replaces the cache.
	srv.setDown(false)
	clk.Add(time.Minute)
	if _, err := ks.Key(ctx, "k", "ES256"); err != nil {
		t.Fatal(err)
	}
}

func TestKeySetFirstFetchFailsThenCooldown(t *testing.T) {
	srv := newJWKSServer(t)
	srv.setDown(true)
	clk := newClock()
	ks := NewKeySet(srv.URL, KeySetOptions{Now: clk.Now})
	for range 10 {
		if _, err := ks.Key(context.Background(), "k", "ES256"); !errors.Is(err, ErrJWKSUnavailable) {
			t.Fatalf("err = %v, want ErrJWKSUnavailable", err)
		}
	}
	if ks.Fetches() != 1 {
		t.Fatalf("fetches = %d, want 1", ks.Fetches())
	}
}

func TestKeySetRefusesBadDocuments(t *testing.T) {
	k := newKey(t, "ES256", "k")
	good := k.jwk(t)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p384raw, _ := p384.PublicKey.Bytes()
	cases := map[string]string{
		"too large":  `{"keys":[` + strings.Repeat(" ", 2<<10) + `]}`,
		"not json":   `<html>`,
		"no keys":    `{"keys":[]}`,
		"rsa 1024":   fmt.Sprintf(`{"keys":[{"kty":"RSA","kid":"k","n":%q,"e":"AQAB"}]}`, b64(small.N.Bytes())),
		"enc use":    fmt.Sprintf(`{"keys":[{"kty":"EC","use":"enc","kid":"k","crv":"P-256","x":%q,"y":%q}]}`, good.X, good.Y),
		"p-384":      fmt.Sprintf(`{"keys":[{"kty":"EC","kid":"k","crv":"P-384","x":%q,"y":%q}]}`, b64(p384raw[1:49]), b64(p384raw[49:])),
		"off curve":  fmt.Sprintf(`{"keys":[{"kty":"EC","kid":"k","crv":"P-256","x":%q,"y":%q}]}`, good.X, good.X),
		"oct":        `{"keys":[{"kty":"oct","kid":"k","k":"c2VjcmV0"}]}`,
		"bad base64": `{"keys":[{"kty":"OKP","kid":"k","crv":"Ed25519","x":"!!"}]}`,
		"x25519":     `{"keys":[{"kty":"OKP","kid":"k","crv":"X25519","x":"` + good.X + `"}]}`,
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			srv := newJWKSServer(t)
			srv.setRaw([]byte(doc))
			ks := NewKeySet(srv.URL, KeySetOptions{MaxBytes: 1 << 10})
			if _, err := ks.Key(context.Background(), "k", "ES256"); err == nil {
				t.Fatal("key accepted")
			}
		})
	}
	// A bad key next to a good one does not spoil the set.
	srv := newJWKSServer(t)
	srv.setRaw([]byte(`{"keys":[{"kty":"oct","kid":"x","k":"c2VjcmV0"},{"kty":"EC","kid":"k","crv":"P-256","x":"` +
		good.X + `","y":"` + good.Y + `"}, 42]}`))
	if _, err := NewKeySet(srv.URL, KeySetOptions{}).Key(context.Background(), "k", "ES256"); err != nil {
		t.Fatal(err)
	}
}

func TestKeySetCallerContext(t *testing.T) {
	k := newKey(t, "ES256", "k")
	srv := newJWKSServer(t, k.jwk(t))
	gate := make(chan struct{})
	srv.mu.Lock()
	srv.gate = gate
	srv.mu.Unlock()
	defer close(gate)
	ks := NewKeySet(srv.URL, KeySetOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := ks.Key(ctx, "k", "ES256"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
}
