package secretbox

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"
)

// testKey returns a fixed 32-byte key whose bytes all start from seed, so
// tests are reproducible and keys differ by seed.
func testKey(seed byte) []byte {
	k := make([]byte, KeySize)
	for i := range k {
		k[i] = seed + byte(i)
	}
	return k
}

func mustNew(t testing.TB, primary []byte, previous ...[]byte) *Box {
	t.Helper()
	b, err := New(primary, previous...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	b := mustNew(t, testKey(1))
	for _, pt := range [][]byte{nil, {}, []byte("x"), []byte("Bearer eyJhbGciOi.token"), bytes.Repeat([]byte{0xAB}, 4096)} {
		for _, aad := range [][]byte{nil, []byte("server:42/bearer_token")} {
			ct := b.Seal(pt, aad)
			if len(ct) != Overhead+len(pt) {
				t.Fatalf("len(Seal(%d bytes)) = %d; want %d", len(pt), len(ct), Overhead+len(pt))
			}
			if ct[0] != version {
				t.Fatalf("version byte %d", ct[0])
			}
			if sum := sha256.Sum256(testKey(1)); !bytes.Equal(ct[1:5], sum[:4]) {
				t.Fatalf("key id %x; want %x", ct[1:5], sum[:4])
			}
			if len(pt) > 8 && bytes.Contains(ct, pt[:8]) {
				t.Fatal("plaintext visible in ciphertext")
			}
			got, err := b.Open(ct, aad)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !bytes.Equal(got, pt) {
				t.Fatalf("Open = %q; want %q", got, pt)
			}
			if b.NeedsRotation(ct) {
				t.Fatal("fresh value needs rotation")
			}
		}
	}
}

// TestEmptyAADEqualsNil documents that nil and empty associated data are
// the same binding, so callers need not normalise.
func TestEmptyAADEqualsNil(t *testing.T) {
	b := mustNew(t, testKey(1))
	if _, err := b.Open(b.Seal([]byte("s"), nil), []byte{}); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefuses(t *testing.T) {
	b := mustNew(t, testKey(1))
	pt := []byte("top-secret-token")
	aad := []byte("server:1/bearer_token")
	ct := b.Seal(pt, aad)

	check := func(name string, ct, aad []byte, box *Box) {
		t.Helper()
		got, err := box.Open(ct, aad)
		if !errors.Is(err, ErrDecrypt) {
			t.Errorf("%s: err = %v; want ErrDecrypt", name, err)
		}
		if got != nil {
			t.Errorf("%s: returned %q with the error", name, got)
		}
		if err != nil && strings.Contains(err.Error(), string(pt)) {
			t.Errorf("%s: error %q contains the plaintext", name, err)
		}
	}

	check("wrong aad", ct, []byte("server:2/bearer_token"), b)
	check("missing aad", ct, nil, b)
	check("wrong key", ct, aad, mustNew(t, testKey(2)))
	check("nil", nil, aad, b)
	check("empty", []byte{}, aad, b)
	check("appended byte", append(bytes.Clone(ct), 0), aad, b)
	for n := range len(ct) {
		check("truncated", ct[:n], aad, b)
	}
	for i := range ct {
		for _, mask := range []byte{0x01, 0x80, 0xFF} {
			bad := bytes.Clone(ct)
			bad[i] ^= mask
			check("tampered", bad, aad, b)
		}
	}
}

// TestKeyIDIsAuthenticated checks that a value whose key id is rewritten to
// another configured key's id fails authentication, rather than the header
// being trusted as it stands.
func TestKeyIDIsAuthenticated(t *testing.T) {
	k1, k2 := testKey(1), testKey(2)
	b := mustNew(t, k1, k2)
	ct := b.Seal([]byte("s"), nil)
	other := sha256.Sum256(k2)
	copy(ct[1:5], other[:4])
	if _, err := b.Open(ct, nil); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("err = %v; want ErrDecrypt", err)
	}
}

func TestRotation(t *testing.T) {
	oldKey, newKey := testKey(1), testKey(100)
	aad := []byte("server:7/header:X-Api-Key")
	ct := mustNew(t, oldKey).Seal([]byte("v1"), aad)

	rotated := mustNew(t, newKey, oldKey)
	if !rotated.NeedsRotation(ct) {
		t.Fatal("value sealed with the previous key does not need rotation")
	}
	pt, err := rotated.Open(ct, aad)
	if err != nil || string(pt) != "v1" {
		t.Fatalf("Open with previous key = %q, %v", pt, err)
	}
	resealed := rotated.Seal(pt, aad)
	if rotated.NeedsRotation(resealed) {
		t.Fatal("re-sealed value still needs rotation")
	}

	// Once the old key is dropped, old values fail and new ones still open.
	onlyNew := mustNew(t, newKey)
	if _, err := onlyNew.Open(ct, aad); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("old value without the old key: %v", err)
	}
	if !onlyNew.NeedsRotation(ct) {
		t.Fatal("value under an unconfigured key should report NeedsRotation so a rotation job surfaces it")
	}
	if _, err := onlyNew.Open(resealed, aad); err != nil {
		t.Fatal(err)
	}
	// A previous key never seals.
	if _, err := mustNew(t, oldKey).Open(resealed, aad); !errors.Is(err, ErrDecrypt) {
		t.Fatal("Seal used a previous key")
	}
	if mustNew(t, newKey).NeedsRotation([]byte("short")) {
		t.Fatal("a value too short to be sealed reports NeedsRotation")
	}
}

// TestReseal: a value under a previous key comes back under the primary
// with the same plaintext and binding; a current value comes back as it
// was, but only after it opened; what cannot be opened is an error, never
// a value.
func TestReseal(t *testing.T) {
	oldKey, newKey := testKey(1), testKey(100)
	aad := []byte("server:7:egress_token")
	old := mustNew(t, oldKey).Seal([]byte("v1"), aad)
	rotated := mustNew(t, newKey, oldKey)

	out, changed, err := rotated.Reseal(old, aad)
	if err != nil || !changed || bytes.Equal(out, old) {
		t.Fatalf("Reseal of an old value = changed %t, %v", changed, err)
	}
	if pt, err := mustNew(t, newKey).Open(out, aad); err != nil || string(pt) != "v1" {
		t.Fatalf("re-sealed value under the new key alone = %q, %v", pt, err)
	}
	if _, err := mustNew(t, newKey).Open(out, []byte("server:8:egress_token")); !errors.Is(err, ErrDecrypt) {
		t.Fatal("re-sealing lost the associated data")
	}

	again, changed, err := rotated.Reseal(out, aad)
	if err != nil || changed || !bytes.Equal(again, out) {
		t.Fatalf("Reseal of a current value = changed %t, %v", changed, err)
	}

	for name, tc := range map[string]struct {
		box *Box
		ct  []byte
		aad []byte
	}{
		"key not configured":    {mustNew(t, newKey), old, aad},
		"wrong associated data": {rotated, old, []byte("server:8:egress_token")},
		"current but tampered":  {rotated, append(bytes.Clone(out[:len(out)-1]), out[len(out)-1]^1), aad},
		"too short":             {rotated, []byte("short"), aad},
	} {
		got, changed, err := tc.box.Reseal(tc.ct, tc.aad)
		if !errors.Is(err, ErrDecrypt) || got != nil || changed {
			t.Errorf("%s: Reseal = %q, %t, %v; want ErrDecrypt and nothing", name, got, changed, err)
		}
	}
}

func TestNew(t *testing.T) {
	for _, n := range []int{0, 1, 16, 24, 31, 33, 64} {
		k := bytes.Repeat([]byte{'k'}, n)
		if _, err := New(k); err == nil {
			t.Errorf("New(%d-byte primary) succeeded", n)
		} else if n >= 4 && strings.Contains(err.Error(), string(k)) {
			t.Errorf("error %q contains the key", err)
		}
		if _, err := New(testKey(1), testKey(2), k); err == nil {
			t.Errorf("New(previous of %d bytes) succeeded", n)
		}
	}
	// Listing the primary again among the previous keys is harmless.
	b := mustNew(t, testKey(1), testKey(1), testKey(2), testKey(2))
	if len(b.keys) != 2 {
		t.Fatalf("%d keys kept; want 2 after de-duplication", len(b.keys))
	}
	// The caller may reuse its key slices: the Box keeps no reference.
	k := testKey(3)
	b = mustNew(t, k)
	ct := b.Seal([]byte("s"), nil)
	clear(k)
	if _, err := b.Open(ct, nil); err != nil {
		t.Fatalf("Box depends on the caller's key slice: %v", err)
	}
}

func TestParseKey(t *testing.T) {
	want := testKey(0xF0) // high bytes, so std and url alphabets differ
	good := map[string]string{
		"std padded":      base64.StdEncoding.EncodeToString(want),
		"std raw":         base64.RawStdEncoding.EncodeToString(want),
		"url padded":      base64.URLEncoding.EncodeToString(want),
		"url raw":         base64.RawURLEncoding.EncodeToString(want),
		"hex":             hex.EncodeToString(want),
		"hex upper":       strings.ToUpper(hex.EncodeToString(want)),
		"trailing space":  base64.StdEncoding.EncodeToString(want) + "\n",
		"surrounding tab": "\t" + hex.EncodeToString(want) + " ",
	}
	if good["std raw"] == good["url raw"] {
		t.Fatal("test key does not exercise both base64 alphabets")
	}
	for name, s := range good {
		got, err := ParseKey(s)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: ParseKey = %x, %v", name, got, err)
		}
	}

	short, long := testKey(1)[:16], append(testKey(1), 0)
	bad := map[string]string{
		"empty":             "",
		"spaces":            "   ",
		"16 bytes base64":   base64.StdEncoding.EncodeToString(short),
		"33 bytes base64":   base64.StdEncoding.EncodeToString(long),
		"16 bytes hex":      hex.EncodeToString(short),
		"33 bytes hex":      hex.EncodeToString(long),
		"64 non-hex":        strings.Repeat("g", 64),
		"44 non-base64":     strings.Repeat("!", 44),
		"43 non-base64":     strings.Repeat("*", 43),
		"44 without pad":    base64.RawStdEncoding.EncodeToString(want) + "A",
		"mixed alphabets":   "+_" + base64.RawStdEncoding.EncodeToString(want)[2:],
		"non-canonical end": base64.RawStdEncoding.EncodeToString(want)[:42] + "B", // last char carries stray bits
		"passphrase":        "correct horse battery staple",
	}
	for name, s := range bad {
		k, err := ParseKey(s)
		if err == nil {
			t.Errorf("%s: ParseKey accepted it: %x", name, k)
			continue
		}
		if trimmed := strings.TrimSpace(s); len(trimmed) >= 4 && strings.Contains(err.Error(), trimmed) {
			t.Errorf("%s: error %q echoes the value", name, err)
		}
	}
}

// TestDeriveKey checks crypto/hkdf against a hand-written RFC 5869
// computation, so the "mcpgw " info prefix and the absent salt are pinned:
// changing either would make every stored secret unreadable.
func TestDeriveKey(t *testing.T) {
	secret := []byte(strings.Repeat("s", 48))
	got := DeriveKey(secret, "egress credentials")

	mac := func(key, msg []byte) []byte { m := hmac.New(sha256.New, key); m.Write(msg); return m.Sum(nil) }
	prk := mac(make([]byte, sha256.Size), secret)                   // Extract with the default all-zero salt
	want := mac(prk, append([]byte("mcpgw egress credentials"), 1)) // T(1), which is 32 bytes
	if !bytes.Equal(got, want) {
		t.Fatalf("DeriveKey = %x; want %x", got, want)
	}
	if len(got) != KeySize {
		t.Fatalf("len = %d", len(got))
	}
	if bytes.Equal(got, DeriveKey(secret, "sessions")) {
		t.Fatal("different purposes gave one key")
	}
	if bytes.Equal(got, DeriveKey([]byte(strings.Repeat("t", 48)), "egress credentials")) {
		t.Fatal("different secrets gave one key")
	}
	if _, err := New(got); err != nil {
		t.Fatal(err)
	}
}

func TestNonceUniqueness(t *testing.T) {
	b := mustNew(t, testKey(1))
	const n = 20000
	seen := make(map[[nonceSize]byte]bool, n)
	pt := []byte("same plaintext every time")
	for range n {
		ct := b.Seal(pt, nil)
		nonce := [nonceSize]byte(ct[headerLen : headerLen+nonceSize])
		if seen[nonce] {
			t.Fatalf("nonce %x repeated", nonce)
		}
		seen[nonce] = true
	}
}

// TestConcurrentUse is for -race: proxy requests open credentials in
// parallel with one shared Box.
func TestConcurrentUse(t *testing.T) {
	b := mustNew(t, testKey(1), testKey(2))
	old := mustNew(t, testKey(2)).Seal([]byte("old"), nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if pt, err := b.Open(b.Seal([]byte("new"), nil), nil); err != nil || string(pt) != "new" {
					t.Errorf("Open = %q, %v", pt, err)
					return
				}
				if pt, err := b.Open(old, nil); err != nil || string(pt) != "old" {
					t.Errorf("Open(old) = %q, %v", pt, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func FuzzOpen(f *testing.F) {
	b := mustNew(f, testKey(1), testKey(2))
	valid := b.Seal([]byte("token"), []byte("aad"))
	old := mustNew(f, testKey(2)).Seal([]byte("token"), []byte("aad"))
	f.Add(valid, []byte("aad"))
	f.Add(old, []byte("aad"))
	f.Add(valid[:Overhead], []byte(nil))
	f.Add([]byte{}, []byte(nil))
	f.Add([]byte{version}, []byte("aad"))
	f.Add(append([]byte{2}, valid[1:]...), []byte("aad"))
	f.Fuzz(func(t *testing.T, ct, aad []byte) {
		_ = b.NeedsRotation(ct)
		pt, err := b.Open(ct, aad)
		if err != nil {
			if !errors.Is(err, ErrDecrypt) {
				t.Fatalf("error %v does not wrap ErrDecrypt", err)
			}
			return
		}
		// Only the seeds can open; anything else is a forgery.
		if string(pt) != "token" || string(aad) != "aad" {
			t.Fatalf("forged value opened: %q", pt)
		}
	})
}

func benchmarkBox(b *testing.B) (*Box, []byte, []byte) {
	box := mustNew(b, testKey(1))
	return box, bytes.Repeat([]byte{'t'}, 64), []byte("server:0123456789abcdef/bearer_token")
}

// BenchmarkSeal is sealing one 64-byte bearer token, as on a credential
// write.
func BenchmarkSeal(b *testing.B) {
	box, token, aad := benchmarkBox(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(token)))
	for b.Loop() {
		_ = box.Seal(token, aad)
	}
}

// BenchmarkOpen is opening one sealed 64-byte bearer token, as on every
// proxied request that presents a stored credential (unless cached).
func BenchmarkOpen(b *testing.B) {
	box, token, aad := benchmarkBox(b)
	ct := box.Seal(token, aad)
	b.ReportAllocs()
	b.SetBytes(int64(len(token)))
	for b.Loop() {
		if _, err := box.Open(ct, aad); err != nil {
			b.Fatal(err)
		}
	}
}
