// Package oidc is what a relying party needs to trust an OpenID Provider:
// a JWKS cache, a strict JWT verifier, claims and groups extraction, provider
// configuration with lazy discovery, the PKCE authorization code flow and a
// sanitiser for post-sign-in redirects. It knows nothing of Postgres, Redis
// or HTTP routing; the auth and httpapi packages build on it.
package oidc

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// Errors a KeySet returns; the Verifier wraps them in ErrInvalidToken so a
// caller can still tell "the IdP is unreachable" from "the token is bad".
var (
	// ErrUnknownKey means no usable key in the JWKS matches the token's kid
	// and alg, even after a refetch (or the refetch is on cooldown).
	ErrUnknownKey = errors.New("no matching key in the JWKS")
	// ErrJWKSUnavailable means the JWKS could not be fetched and no cached
	// key could stand in.
	ErrJWKSUnavailable = errors.New("JWKS unavailable")
	// ErrProviderUnavailable means the provider's discovery document could
	// not be fetched or did not fit its configuration: no token of it can
	// be checked, through no fault of the token.
	ErrProviderUnavailable = errors.New("identity provider unavailable")
)

// Defaults for KeySetOptions.
const (
	DefaultRefetchCooldown = 60 * time.Second
	DefaultJWKSMaxAge      = time.Hour
	DefaultJWKSMaxBytes    = 1 << 20

	// fetchTimeout bounds one JWKS or discovery request when the caller's
	// HTTP client has no timeout of its own: a fetch is shared by every
	// waiting request, so it must not hang on one caller's context.
	fetchTimeout = 10 * time.Second
	// minRSABits is the smallest RSA modulus accepted (NIST SP 800-57).
	minRSABits = 2048
	// maxRSABits keeps an attacker-influenced JWKS from making every
	// verification expensive.
	maxRSABits = 8192
)

// JWK is one JSON Web Key (RFC 7517), public members only.
type JWK struct {
	Kty string `json:"kty"`
	Use string `json:"use,omitempty"`
	Kid string `json:"kid,omitempty"`
	Alg string `json:"alg,omitempty"`
	// RSA
	N string `json:"n,omitempty"`
	E string `json:"e,omitempty"`
	// EC and OKP
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
}

// JWKS is a JSON Web Key Set document.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// PublicJWK encodes pub as a signing JWK with the given kid and alg, for
// publishing the gateway's own keys. The key type must fit alg.
func PublicJWK(kid, alg string, pub crypto.PublicKey) (JWK, error) {
	if kid == "" {
		return JWK{}, errors.New("kid: is required")
	}
	if err := keyFitsAlg(pub, alg); err != nil {
		return JWK{}, err
	}
	b64 := base64.RawURLEncoding.EncodeToString
	j := JWK{Use: "sig", Kid: kid, Alg: alg}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		j.Kty = "RSA"
		j.N = b64(k.N.Bytes())
		j.E = b64(big.NewInt(int64(k.E)).Bytes())
	case *ecdsa.PublicKey:
		raw, err := k.Bytes()
		if err != nil {
			return JWK{}, fmt.Errorf("encode EC key: %w", err)
		}
		// raw is 0x04 || X || Y, each coordinate 32 bytes for P-256.
		j.Kty, j.Crv = "EC", "P-256"
		j.X = b64(raw[1:33])
		j.Y = b64(raw[33:])
	case ed25519.PublicKey:
		j.Kty, j.Crv = "OKP", "Ed25519"
		j.X = b64(k)
	}
	return j, nil
}

// KeySetOptions tunes a KeySet; zero values mean the defaults.
type KeySetOptions struct {
	HTTPClient *http.Client
	// RefetchCooldown is the least time between two fetches triggered by
	// unknown kids, so a flood of forged kids costs the IdP one request.
	RefetchCooldown time.Duration
	// MaxAge is how long fetched keys are trusted without a refresh; after
	// it the next use refreshes them, and stale keys are still served when
	// the refresh fails.
	MaxAge time.Duration
	// MaxBytes caps the JWKS document size.
	MaxBytes int64
	Now      func() time.Time
}

// cachedKey is a parsed, usable verification key.
type cachedKey struct {
	kid string
	alg string // the JWK's own alg, "" when it named none
	pub crypto.PublicKey
}

// KeySet is a remote JWKS, fetched on first use and cached. It is safe for
// concurrent use.
type KeySet struct {
	url      string
	client   *http.Client
	cooldown time.Duration
	maxAge   time.Duration
	maxBytes int64
	now      func() time.Time

	flight  singleflight.Group
	fetches atomic.Int64

	mu          sync.RWMutex
	keys        []cachedKey
	fetchedAt   time.Time // last successful fetch
	attemptedAt time.Time // last fetch, successful or not
	lastErr     error     // why the last fetch failed, nil after a success
}

// NewKeySet returns a KeySet for the JWKS at url. It does no network I/O.
func NewKeySet(url string, o KeySetOptions) *KeySet {
	ks := &KeySet{url: url, client: o.HTTPClient, cooldown: o.RefetchCooldown, maxAge: o.MaxAge,
		maxBytes: o.MaxBytes, now: o.Now}
	if ks.client == nil {
		ks.client = &http.Client{Timeout: fetchTimeout}
	}
	if ks.cooldown <= 0 {
		ks.cooldown = DefaultRefetchCooldown
	}
	if ks.maxAge <= 0 {
		ks.maxAge = DefaultJWKSMaxAge
	}
	if ks.maxBytes <= 0 {
		ks.maxBytes = DefaultJWKSMaxBytes
	}
	if ks.now == nil {
		ks.now = time.Now
	}
	return ks
}

// Fetches is how many times the JWKS has been requested, for tests and
// metrics.
func (ks *KeySet) Fetches() int { return int(ks.fetches.Load()) }

// Key returns the public key for kid that may verify a token signed with
// alg. An unknown kid triggers at most one refetch per cooldown, shared by
// all concurrent callers, so keys rotated at the IdP are picked up without a
// restart. An empty kid matches the only key fit for alg, if exactly one is.
func (ks *KeySet) Key(ctx context.Context, kid, alg string) (crypto.PublicKey, error) {
	now := ks.now()
	ks.mu.RLock()
	k, found := lookup(ks.keys, kid, alg)
	fresh := !ks.fetchedAt.IsZero() && now.Sub(ks.fetchedAt) < ks.maxAge
	mayFetch := ks.attemptedAt.IsZero() || now.Sub(ks.attemptedAt) >= ks.cooldown
	lastErr, empty := ks.lastErr, len(ks.keys) == 0
	ks.mu.RUnlock()
	if found == nil && fresh {
		return k, nil
	}
	if !mayFetch {
		switch {
		case found == nil:
			return k, nil // stale, but the IdP was asked recently
		case lastErr != nil && empty:
			return nil, fmt.Errorf("%w: %w", ErrJWKSUnavailable, lastErr)
		}
		return nil, found
	}
	if err := ks.refresh(ctx); err != nil {
		ks.mu.RLock()
		k, found = lookup(ks.keys, kid, alg)
		ks.mu.RUnlock()
		if found == nil {
			return k, nil // serve the stale key rather than fail closed on an IdP outage
		}
		return nil, fmt.Errorf("%w: %w", ErrJWKSUnavailable, err)
	}
	ks.mu.RLock()
	k, found = lookup(ks.keys, kid, alg)
	ks.mu.RUnlock()
	if found != nil {
		return nil, found
	}
	return k, nil
}

// refresh fetches the JWKS once for all concurrent callers. The fetch runs
// on a context detached from any one caller, so a caller giving up does
// not fail the others; each caller still stops waiting when its own ctx ends.
func (ks *KeySet) refresh(ctx context.Context) error {
	ch := ks.flight.DoChan("jwks", func() (any, error) {
		// A flight that finished just before this one started has already
		// refreshed: honour the cooldown across flights too.
		ks.mu.RLock()
		recent := !ks.attemptedAt.IsZero() && ks.now().Sub(ks.attemptedAt) < ks.cooldown
		ks.mu.RUnlock()
		if recent {
			return nil, nil
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		defer cancel()
		keys, err := ks.fetch(fctx)
		ks.mu.Lock()
		defer ks.mu.Unlock()
		ks.attemptedAt, ks.lastErr = ks.now(), err
		if err != nil {
			return nil, err
		}
		ks.keys, ks.fetchedAt = keys, ks.attemptedAt
		return nil, nil
	})
	select {
	case r := <-ch:
		return r.Err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (ks *KeySet) fetch(ctx context.Context) ([]cachedKey, error) {
	ks.fetches.Add(1)
	body, err := getJSON(ctx, ks.client, ks.url, ks.maxBytes)
	if err != nil {
		return nil, err
	}
	return parseJWKS(body)
}

// getJSON GETs url and returns the body of a 200 response, at most max bytes.
func getJSON(ctx context.Context, client *http.Client, url string, max int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if int64(len(body)) > max {
		return nil, fmt.Errorf("GET %s: response larger than %d bytes", url, max)
	}
	return body, nil
}

// parseJWKS keeps the usable signing keys of a JWKS document. Keys of other
// types or uses are skipped, not fatal: IdPs publish encryption keys and
// algorithms this package does not accept next to the ones it does.
func parseJWKS(body []byte) ([]cachedKey, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("decode JWKS: %w", err)
	}
	keys := make([]cachedKey, 0, len(doc.Keys))
	for _, raw := range doc.Keys {
		var j JWK
		if json.Unmarshal(raw, &j) != nil {
			continue
		}
		if j.Use != "" && j.Use != "sig" {
			continue
		}
		pub, err := parseJWK(j)
		if err != nil {
			continue
		}
		keys = append(keys, cachedKey{kid: j.Kid, alg: j.Alg, pub: pub})
	}
	if len(keys) == 0 {
		// Replacing a good cache with nothing would lock every user out;
		// treat it as a failed fetch so the old keys keep serving.
		return nil, errors.New("JWKS holds no usable signing key")
	}
	return keys, nil
}

// parseJWK decodes one public key of a supported type.
func parseJWK(j JWK) (crypto.PublicKey, error) {
	dec := base64.RawURLEncoding.DecodeString
	switch j.Kty {
	case "RSA":
		n, err := dec(j.N)
		if err != nil || len(n) == 0 {
			return nil, errors.New("bad RSA n")
		}
		e, err := dec(j.E)
		if err != nil || len(e) == 0 || len(e) > 4 {
			return nil, errors.New("bad RSA e")
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if bits := pub.N.BitLen(); bits < minRSABits || bits > maxRSABits {
			return nil, fmt.Errorf("RSA key of %d bits", bits)
		}
		if pub.E < 3 || pub.E%2 == 0 {
			return nil, errors.New("bad RSA exponent")
		}
		return pub, nil
	case "EC":
		if j.Crv != "P-256" {
			return nil, errors.New("unsupported curve")
		}
		x, errX := dec(j.X)
		y, errY := dec(j.Y)
		if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
			return nil, errors.New("bad EC coordinates")
		}
		pt := make([]byte, 0, 65)
		pt = append(append(append(pt, 4), x...), y...)
		return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), pt) // checks the point is on the curve
	case "OKP":
		if j.Crv != "Ed25519" {
			return nil, errors.New("unsupported curve")
		}
		x, err := dec(j.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			return nil, errors.New("bad Ed25519 key")
		}
		return ed25519.PublicKey(x), nil
	}
	return nil, errors.New("unsupported kty")
}

// lookup finds the key for kid usable with alg. It returns a non-nil error
// naming why not.
func lookup(keys []cachedKey, kid, alg string) (crypto.PublicKey, error) {
	var match crypto.PublicKey
	n := 0
	for _, k := range keys {
		if kid != "" && k.kid != kid {
			continue
		}
		if (k.alg != "" && k.alg != alg) || keyFitsAlg(k.pub, alg) != nil {
			if kid != "" {
				return nil, fmt.Errorf("%w: key %q does not fit alg %s", ErrUnknownKey, clip(kid), alg)
			}
			continue
		}
		match = k.pub
		n++
		if kid != "" {
			return match, nil
		}
	}
	switch {
	case kid == "" && n == 1:
		return match, nil
	case kid == "" && n > 1:
		return nil, fmt.Errorf("%w: token has no kid and several keys fit alg %s", ErrUnknownKey, alg)
	case kid == "":
		return nil, fmt.Errorf("%w: token has no kid and no key fits alg %s", ErrUnknownKey, alg)
	}
	return nil, fmt.Errorf("%w: kid %q", ErrUnknownKey, clip(kid))
}

// keyFitsAlg reports whether pub is the key type alg requires.
func keyFitsAlg(pub crypto.PublicKey, alg string) error {
	ok := false
	switch alg {
	case "RS256", "PS256":
		_, ok = pub.(*rsa.PublicKey)
	case "ES256":
		k, isEC := pub.(*ecdsa.PublicKey)
		ok = isEC && k.Curve == elliptic.P256()
	case "EdDSA":
		_, ok = pub.(ed25519.PublicKey)
	default:
		return fmt.Errorf("alg %q is not allowed", clip(alg))
	}
	if !ok {
		return fmt.Errorf("key type %T does not fit alg %s", pub, alg)
	}
	return nil
}

// clip shortens attacker-supplied strings before they reach a log line.
func clip(s string) string {
	const max = 64
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
