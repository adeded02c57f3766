// Package secretbox encrypts small secrets at rest, such as the bearer tokens
// and header values the gateway presents to upstream MCP servers, so that a
// copy of the database alone yields no usable credentials.
//
// A sealed value is
//
//	version (1 byte) | key id (4 bytes) | nonce (12 bytes) | AES-256-GCM ciphertext and tag
//
// The key id (the first 4 bytes of SHA-256 of the key) lets Open pick the
// right key during a rotation without trial decryption. The 5-byte header is
// authenticated together with the caller's associated data, so neither the
// version nor the key id can be altered without Open failing.
//
// The associated data binds a secret to where it is stored (for example a
// server id and a field name): a ciphertext copied into another row or
// column then fails to open instead of handing one server's credential to
// another.
//
// Nothing here logs, and no error carries plaintext or key material.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of every key, in bytes (AES-256).
const KeySize = 32

// Overhead is how many bytes Seal adds to the plaintext.
const Overhead = headerLen + nonceSize + tagSize

const (
	version   = 1
	idSize    = 4
	headerLen = 1 + idSize
	nonceSize = 12 // what cipher.NewGCMWithRandomNonce generates
	tagSize   = 16
)

// ErrDecrypt is returned, possibly wrapped, by every failed Open: wrong key,
// wrong associated data, truncation or tampering.
var ErrDecrypt = errors.New("secretbox: cannot decrypt")

type keyID [idSize]byte

type key struct {
	id     keyID
	digest [sha256.Size]byte // tells apart two keys with one id; never leaves the package
	aead   cipher.AEAD
}

// Box seals and opens small secrets with AES-256-GCM.
//
// A Box is safe for concurrent use: it holds only the keys' AEADs, which
// keep no state between calls.
type Box struct {
	primary key
	keys    []key // primary first, then the previous keys; few, so a scan beats a map
}

// New returns a Box that seals with primary and opens with primary or any of
// previous; previous keys exist only so values sealed before a rotation stay
// readable until they are re-sealed.
func New(primary []byte, previous ...[]byte) (*Box, error) {
	p, err := newKey(primary)
	if err != nil {
		return nil, fmt.Errorf("secretbox: primary key: %w", err)
	}
	b := &Box{primary: p, keys: []key{p}}
	for i, raw := range previous {
		k, err := newKey(raw)
		if err != nil {
			return nil, fmt.Errorf("secretbox: previous key %d: %w", i+1, err)
		}
		if have, ok := b.find(k.id); ok {
			// The same key listed twice (likely mid-rotation, before the old
			// setting is removed) is harmless. Two different keys with one
			// id (odds 2^-32) would make Open ambiguous, so that is refused
			// rather than guessed at.
			if have.digest != k.digest {
				return nil, fmt.Errorf("secretbox: previous key %d has the same key id as another key; generate a new key", i+1)
			}
			continue
		}
		b.keys = append(b.keys, k)
	}
	return b, nil
}

func newKey(raw []byte) (key, error) {
	if len(raw) != KeySize {
		return key{}, fmt.Errorf("is %d bytes long; want exactly %d", len(raw), KeySize)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return key{}, err
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return key{}, err
	}
	sum := sha256.Sum256(raw)
	return key{id: keyID(sum[:idSize]), digest: sum, aead: aead}, nil
}

// DeriveKey derives a 32-byte key for one purpose from a longer-lived secret
// (HKDF-SHA256, no salt, info "mcpgw "+purpose). It is for deployments that
// configure no dedicated encryption key: distinct purposes give independent
// keys, so the encryption key is never the secret itself nor equal to a key
// derived from it elsewhere. The result is only as strong as secret, which
// the caller must have checked (config requires SECRET_KEY of at least 32
// bytes).
//
// It panics only if crypto/hkdf refuses, which happens in FIPS 140-only mode
// for a secret shorter than 14 bytes: a configuration error, not a runtime
// condition.
func DeriveKey(secret []byte, purpose string) []byte {
	k, err := hkdf.Key(sha256.New, secret, nil, "mcpgw "+purpose, KeySize)
	if err != nil {
		panic("secretbox: DeriveKey: " + err.Error())
	}
	return k
}

// ParseKey decodes a 32-byte key written as base64 (standard or URL
// alphabet, padded or not; 43 or 44 characters) or hex (64 characters).
// Surrounding white space, such as the newline of a key file, is ignored.
// Errors describe the problem by length only: the value is a secret and is
// never echoed. They carry no package prefix because config shows them
// after the setting's name (ENCRYPTION_KEY: key has 10 characters; ...).
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	var encs []*base64.Encoding
	switch len(s) {
	case 0:
		return nil, errors.New("key is empty; want 32 random bytes as base64 or hex (e.g. `openssl rand -base64 32`)")
	case hex.EncodedLen(KeySize):
		k, err := hex.DecodeString(s)
		if err != nil {
			return nil, errors.New("key has 64 characters but is not valid hex")
		}
		return k, nil
	case base64.StdEncoding.EncodedLen(KeySize):
		encs = []*base64.Encoding{base64.StdEncoding, base64.URLEncoding}
	case base64.RawStdEncoding.EncodedLen(KeySize):
		encs = []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding}
	default:
		return nil, fmt.Errorf("key has %d characters; want 32 bytes as base64 (43 or 44 characters) or hex (64 characters), e.g. `openssl rand -base64 32`", len(s))
	}
	for _, enc := range encs {
		// Strict: one key has one spelling, so a mistyped last character is
		// reported instead of silently dropping bits.
		if k, err := enc.Strict().DecodeString(s); err == nil && len(k) == KeySize {
			return k, nil
		}
	}
	return nil, fmt.Errorf("key has %d characters but is not valid base64 of 32 bytes", len(s))
}

// Seal encrypts plaintext under the primary key, binding it to aad, and
// returns version | key id | nonce | ciphertext+tag. The nonce is random:
// a key must not seal more than 2^32 values, far beyond the number of
// credentials a registry stores between rotations.
func (b *Box) Seal(plaintext, aad []byte) []byte {
	out := make([]byte, headerLen, Overhead+len(plaintext))
	out[0] = version
	copy(out[1:], b.primary.id[:])
	return b.primary.aead.Seal(out, nil, plaintext, fullAAD(out[:headerLen], aad))
}

// Open decrypts a value made by Seal with the same aad. Every failure wraps
// ErrDecrypt; Open never panics on malformed input.
func (b *Box) Open(ciphertext, aad []byte) ([]byte, error) {
	if len(ciphertext) < Overhead {
		return nil, fmt.Errorf("%w: value is too short", ErrDecrypt)
	}
	if ciphertext[0] != version {
		return nil, fmt.Errorf("%w: unknown format version %d", ErrDecrypt, ciphertext[0])
	}
	k, ok := b.find(keyID(ciphertext[1:headerLen]))
	if !ok {
		// Usually a key was removed from the configuration before every
		// value sealed with it was re-sealed.
		return nil, fmt.Errorf("%w: sealed with a key that is not configured", ErrDecrypt)
	}
	pt, err := k.aead.Open(nil, nil, ciphertext[headerLen:], fullAAD(ciphertext[:headerLen], aad))
	if err != nil {
		// Wrong aad, or the value was altered: GCM cannot tell which.
		return nil, fmt.Errorf("%w: authentication failed", ErrDecrypt)
	}
	return pt, nil
}

// NeedsRotation reports whether ciphertext should be re-sealed: it was sealed
// with a key other than the primary (a previous key, or one no longer
// configured, so that a rotation job surfaces those through Open's error
// instead of skipping them) or with another format version. Values too short
// to be sealed at all report false; Open rejects them.
func (b *Box) NeedsRotation(ciphertext []byte) bool {
	if len(ciphertext) < Overhead {
		return false
	}
	return ciphertext[0] != version || keyID(ciphertext[1:headerLen]) != b.primary.id
}

// Reseal opens ciphertext and, when NeedsRotation says so, seals the
// plaintext again under the primary key with the same aad. It returns the
// value to store and whether it differs from ciphertext. A value already
// sealed with the primary key is still opened, so a rotation job that
// reports it current has proved it readable without the previous keys. Every
// failure is Open's.
func (b *Box) Reseal(ciphertext, aad []byte) (out []byte, changed bool, err error) {
	pt, err := b.Open(ciphertext, aad)
	if err != nil {
		return nil, false, err
	}
	defer clear(pt)
	if !b.NeedsRotation(ciphertext) {
		return ciphertext, false, nil
	}
	return b.Seal(pt, aad), true, nil
}

func (b *Box) find(id keyID) (key, bool) {
	for _, k := range b.keys {
		if k.id == id {
			return k, true
		}
	}
	return key{}, false
}

// fullAAD is header || aad. The header has a fixed length, so the
// concatenation is unambiguous.
func fullAAD(header, aad []byte) []byte {
	full := make([]byte, 0, len(header)+len(aad))
	full = append(full, header...)
	return append(full, aad...)
}
