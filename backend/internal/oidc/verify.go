package oidc

import (
	"context"
	"crypto"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ErrInvalidToken is wrapped by every refusal of a token; the error's text
// names the reason, for logs and the audit trail, and never the token.
var ErrInvalidToken = errors.New("invalid token")

// Defaults and limits for VerifyOptions.
const (
	DefaultLeeway        = 30 * time.Second
	MaxLeeway            = 60 * time.Second
	DefaultMaxTokenBytes = 16384
)

// AllowedAlgs are the only JWS algorithms accepted: asymmetric, so a public
// key can never double as an HMAC secret, and without "none".
func AllowedAlgs() []string { return []string{"RS256", "PS256", "ES256", "EdDSA"} }

// forbiddenHeaders let a token name its own key or extend the rules it is
// checked by; honouring any of them hands the attacker the decision.
var forbiddenHeaders = [...]string{"jku", "x5u", "jwk", "x5c", "crit"}

// Keys finds the public key a token's signature is checked with.
type Keys interface {
	Key(ctx context.Context, kid, alg string) (crypto.PublicKey, error)
}

// VerifyOptions say which tokens a Verifier accepts.
type VerifyOptions struct {
	// Issuer must equal the token's iss exactly (no trailing-slash leniency).
	Issuer string
	// Audiences: the token's aud must contain one of them.
	Audiences []string
	// CognitoClientIDs, when set, replaces the audience check: Cognito
	// access tokens carry no aud, so require token_use "access" and a
	// client_id in this list.
	CognitoClientIDs []string
	// Leeway absorbs clock skew on exp and nbf: default 30s, at most 60s.
	Leeway time.Duration
	// MaxTokenBytes refuses longer tokens before any decoding work.
	MaxTokenBytes int
	Now           func() time.Time
}

// Verifier checks JWTs against one issuer's keys and rules. It is safe for
// concurrent use and holds no cache of its own.
type Verifier struct {
	keys     Keys
	o        VerifyOptions
	parser   *jwt.Parser
	maxBytes int
}

// NewVerifier returns a Verifier; Issuer and either Audiences or
// CognitoClientIDs are required, since a token valid for any audience is a
// token stolen from any other application of the same IdP.
func NewVerifier(keys Keys, o VerifyOptions) (*Verifier, error) {
	if keys == nil {
		return nil, errors.New("keys: is required")
	}
	if o.Issuer == "" {
		return nil, errors.New("issuer: is required")
	}
	o.Audiences = nonEmpty(o.Audiences)
	o.CognitoClientIDs = nonEmpty(o.CognitoClientIDs)
	if len(o.Audiences) == 0 && len(o.CognitoClientIDs) == 0 {
		return nil, errors.New("audiences: is required")
	}
	switch {
	case o.Leeway <= 0:
		o.Leeway = DefaultLeeway
	case o.Leeway > MaxLeeway:
		o.Leeway = MaxLeeway
	}
	if o.MaxTokenBytes <= 0 {
		o.MaxTokenBytes = DefaultMaxTokenBytes
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(AllowedAlgs()),
		jwt.WithIssuer(o.Issuer),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(o.Leeway),
	}
	if len(o.CognitoClientIDs) == 0 {
		opts = append(opts, jwt.WithAudience(o.Audiences...))
	}
	if o.Now != nil {
		opts = append(opts, jwt.WithTimeFunc(o.Now))
	}
	return &Verifier{keys: keys, o: o, parser: jwt.NewParser(opts...), maxBytes: o.MaxTokenBytes}, nil
}

// Issuer is the issuer this Verifier accepts.
func (v *Verifier) Issuer() string { return v.o.Issuer }

// Verify checks raw's signature, issuer, audience, exp and nbf and returns
// its claims. When nonce is non-empty (ID tokens), the token's nonce claim
// must equal it. Every refusal wraps ErrInvalidToken.
func (v *Verifier) Verify(ctx context.Context, raw, nonce string) (Claims, error) {
	if len(raw) > v.maxBytes {
		return nil, invalid("token is %d bytes, over the %d-byte limit", len(raw), v.maxBytes)
	}
	if strings.Count(raw, ".") != 2 {
		return nil, invalid("token is not a compact JWS")
	}
	claims := jwt.MapClaims{}
	_, err := v.parser.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		for _, h := range forbiddenHeaders {
			if _, ok := t.Header[h]; ok {
				return nil, fmt.Errorf("header %q is not accepted", h)
			}
		}
		kid, ok := t.Header["kid"].(string)
		if !ok && t.Header["kid"] != nil {
			return nil, errors.New("kid is not a string")
		}
		return v.keys.Key(ctx, kid, t.Method.Alg())
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	c := Claims(claims)
	if len(v.o.CognitoClientIDs) > 0 {
		if use := c.String("token_use"); use != "access" {
			return nil, invalid("token_use is %q, want \"access\"", clip(use))
		}
		if !slices.Contains(v.o.CognitoClientIDs, c.String("client_id")) {
			return nil, invalid("client_id is not an accepted client")
		}
	}
	if nonce != "" {
		got, _ := c["nonce"].(string)
		if subtle.ConstantTimeCompare([]byte(got), []byte(nonce)) != 1 {
			return nil, invalid("nonce does not match")
		}
	}
	return c, nil
}

// UnverifiedIssuer peeks at the iss claim of raw without checking anything,
// so a caller can pick which provider's Verifier to use. Never trust the
// result for anything else.
func UnverifiedIssuer(raw string) (string, error) {
	if len(raw) > DefaultMaxTokenBytes {
		return "", invalid("token is %d bytes, over the %d-byte limit", len(raw), DefaultMaxTokenBytes)
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return "", invalid("token is not a compact JWS")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", invalid("payload is not base64url")
	}
	var p struct {
		Iss json.RawMessage `json:"iss"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return "", invalid("payload is not a JSON object")
	}
	var iss string
	if len(p.Iss) == 0 || json.Unmarshal(p.Iss, &iss) != nil || iss == "" {
		return "", invalid("token has no string iss")
	}
	return iss, nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidToken, fmt.Sprintf(format, args...))
}

// nonEmpty drops empty strings and duplicates, keeping order.
func nonEmpty(in []string) []string {
	var out []string
	for _, s := range in {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Claims are a verified token's claims as decoded from JSON.
type Claims map[string]any

// String returns the claim name if it is a string, else "".
func (c Claims) String(name string) string {
	s, _ := c[name].(string)
	return s
}

// Strings returns the claim name as a list: the strings of a JSON array, or
// a single string as a one-element list.
func (c Claims) Strings(name string) []string {
	switch v := c[name].(type) {
	case string:
		if v == "" {
			return nil
		}
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return slices.Clone(v)
	}
	return nil
}

// FirstString returns the first of the named claims that is a non-empty
// string, or "".
func (c Claims) FirstString(names ...string) string {
	for _, n := range names {
		if s := c.String(n); s != "" {
			return s
		}
	}
	return ""
}
