package auth

import (
	"context"
	"strings"
	"testing"
)

func TestHashAndVerify(t *testing.T) {
	ctx := context.Background()
	h, err := NewHasher(HashParams{MemoryKiB: 19456, Iterations: 2, Parallelism: 1}, 2)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not argon2id PHC with the configured parameters", enc)
	}
	if again, _ := h.Hash(ctx, "correct horse battery staple"); again == enc {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if ok, rehash, err := h.Verify(ctx, "correct horse battery staple", enc); !ok || rehash || err != nil {
		t.Fatalf("right password: ok=%v rehash=%v err=%v", ok, rehash, err)
	}
	if ok, _, err := h.Verify(ctx, "Correct horse battery staple", enc); ok || err != nil {
		t.Fatalf("wrong password: ok=%v err=%v", ok, err)
	}

	// A hash made with weaker parameters still verifies, and asks to be redone.
	weak, _ := NewHasher(HashParams{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}, 1)
	old, _ := weak.Hash(ctx, "pw-123456")
	if ok, rehash, err := h.Verify(ctx, "pw-123456", old); !ok || !rehash || err != nil {
		t.Fatalf("old parameters: ok=%v rehash=%v err=%v", ok, rehash, err)
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=x$AAAA$AAAA", "$argon2id$v=19$m=1024,t=1,p=1$!!$AAAA"} {
		if ok, _, err := h.Verify(ctx, "x", bad); ok || err == nil {
			t.Errorf("Verify(%q) = %v, %v; want an error", bad, ok, err)
		}
	}
}

func TestRandomTokensAreDistinctAndPlausible(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tok := randomToken(sessionIDBytes)
		if !plausibleToken(tok, sessionIDBytes) || seen[tok] {
			t.Fatalf("token %q implausible or repeated", tok)
		}
		seen[tok] = true
	}
	for _, bad := range []string{"", "short", strings.Repeat("A", 42), strings.Repeat("A", 42) + "=", strings.Repeat("A", 42) + "/"} {
		if plausibleToken(bad, sessionIDBytes) {
			t.Errorf("%q passed as a session id", bad)
		}
	}
}
