package auth

import (
	"context"
	"testing"
)

// BenchmarkVerifyPassword is a sign-in's password check at the default
// (OWASP) argon2id cost; it bounds sign-ins per second per core.
func BenchmarkVerifyPassword(b *testing.B) {
	h, err := NewHasher(HashParams{MemoryKiB: 19456, Iterations: 2, Parallelism: 1}, 1)
	if err != nil {
		b.Fatal(err)
	}
	enc, _ := h.Hash(context.Background(), "correct horse battery staple")
	b.ReportAllocs()
	for b.Loop() {
		if ok, _, _ := h.Verify(context.Background(), "correct horse battery staple", enc); !ok {
			b.Fatal("no match")
		}
	}
}
