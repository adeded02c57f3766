package auth

import (
	"context"
	"crypto/ecdsa"

	"github.com/golang-jwt/jwt/v5"
)

// SignGatewayToken signs claims with header fields added, using the
// service's active key (or key, when given), so tests can craft tokens
// the issuer would never make.
func SignGatewayToken(s *TokenService, method jwt.SigningMethod, header map[string]any, claims jwt.MapClaims, key any) (string, error) {
	kid, priv, err := s.signer(context.Background())
	if err != nil {
		return "", err
	}
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["typ"] = tokenType
	tok.Header["kid"] = kid
	for k, v := range header {
		if v == nil {
			delete(tok.Header, k)
		} else {
			tok.Header[k] = v
		}
	}
	if key == nil {
		key = priv
	}
	if method == jwt.SigningMethodNone {
		key = jwt.UnsafeAllowNoneSignatureType
	}
	return tok.SignedString(key)
}

// ActivePublicKey returns the active signing key's public half.
func ActivePublicKey(s *TokenService) *ecdsa.PublicKey {
	_, priv, _ := s.signer(context.Background())
	return &priv.PublicKey
}

// KeyReloads is how often the service read its signing keys from Postgres.
func KeyReloads(s *TokenService) int {
	s.ring.mu.RLock()
	defer s.ring.mu.RUnlock()
	return s.ring.loads
}
