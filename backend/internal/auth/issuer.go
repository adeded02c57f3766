package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jackc/pgx/v5"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/oidc"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
	"github.com/mcpgw/mcpgw/backend/internal/redisstore"
	"github.com/mcpgw/mcpgw/backend/internal/secretbox"
)

// Token lifetimes and limits.
const (
	DefaultTokenLifetime      = time.Hour
	DefaultTokenStateCacheTTL = 30 * time.Second
	// MaxTokenStateCacheTTL bounds how long a revocation may take to reach
	// every replica.
	MaxTokenStateCacheTTL = time.Minute
	// defaultTokenLeeway is the clock skew allowed between replicas and
	// clients unless TokenOptions say otherwise; at most 60 s.
	defaultTokenLeeway = 30 * time.Second
	// maxJWTBytes: gateway tokens are a few hundred bytes; longer ones are
	// refused before any decoding work.
	maxJWTBytes = 8 << 10
	// kidRefetchInterval bounds how often an unknown kid makes a replica
	// reload the keys from Postgres.
	kidRefetchInterval = 3 * time.Second
	// stateCacheMax bounds each per-replica cache.
	stateCacheMax = 10_000
	signingAlg    = "ES256"
	// tokenType is the JWT "typ" of gateway access tokens (RFC 9068).
	tokenType = "at+jwt"
)

// TokenOptions configure the TokenService.
type TokenOptions struct {
	// Issuer is PUBLIC_URL: the iss and aud of every gateway token.
	Issuer string
	// Lifetime of access tokens (default 1h).
	Lifetime time.Duration
	// StateCacheTTL is how long a replica trusts what it read about a
	// service account, personal access token or signing key (default 30s,
	// at most 60s): the longest a revocation takes to reach every replica.
	StateCacheTTL time.Duration
	// Throttle limits client-credentials attempts per client id and per
	// client IP.
	Throttle redisstore.ThrottleLimits
	// Leeway is the clock skew tolerated on exp and nbf (default 30s,
	// capped at 60s).
	Leeway time.Duration
	Now    func() time.Time
}

// TokenService issues and checks the gateway's own credentials: the keys
// it signs access tokens with, service accounts and the client-credentials
// grant, and personal access tokens.
//
// Each replica caches what it read about accounts, tokens and keys for at
// most StateCacheTTL, and forgets it at once when the change is made here:
// a revocation is effective within StateCacheTTL on every replica.
type TokenService struct {
	db       *postgres.DB
	box      *secretbox.Box
	throttle *redisstore.Throttle
	hashKey  []byte
	audit    Auditor
	log      *slog.Logger
	o        TokenOptions
	now      func() time.Time

	accounts postgres.ServiceAccounts
	pats     postgres.AccessTokens
	keys     postgres.SigningKeys
	users    postgres.Users

	ring     keyRing
	saCache  *boundedCache[string, *domain.ServiceAccount] // by client id
	patCache *boundedCache[string, patState]               // by token hash
	// verified remembers the claims of gateway tokens whose signature
	// checked out, by the token's SHA-256: an ES256 check costs about
	// 100 µs, a lookup about 1 µs. The account's state is still checked
	// on every use.
	verified *boundedCache[[sha256.Size]byte, gatewayClaims]
}

// NewTokenService wires the token service and makes sure a signing key
// exists (creating the first one when none does, exactly once however many
// replicas start together). secret is SECRET_KEY: stored secrets and
// tokens are hashed under a key derived from it.
func NewTokenService(ctx context.Context, db *postgres.DB, box *secretbox.Box, throttle *redisstore.Throttle, secret []byte,
	audit Auditor, log *slog.Logger, o TokenOptions) (*TokenService, error) {
	if o.Issuer == "" {
		return nil, errors.New("token service: issuer is required")
	}
	if o.Lifetime <= 0 {
		o.Lifetime = DefaultTokenLifetime
	}
	if o.Leeway <= 0 {
		o.Leeway = defaultTokenLeeway
	}
	o.Leeway = min(o.Leeway, time.Minute)
	if o.StateCacheTTL <= 0 {
		o.StateCacheTTL = DefaultTokenStateCacheTTL
	}
	o.StateCacheTTL = min(o.StateCacheTTL, MaxTokenStateCacheTTL)
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &TokenService{
		db: db, box: box, throttle: throttle, hashKey: secretbox.DeriveKey(secret, "credential hashes"),
		audit: audit, log: log, o: o, now: o.Now,
		saCache:  newBoundedCache[string, *domain.ServiceAccount](stateCacheMax),
		patCache: newBoundedCache[string, patState](stateCacheMax),
		verified: newBoundedCache[[sha256.Size]byte, gatewayClaims](stateCacheMax),
	}
	if err := s.ensureSigningKey(ctx); err != nil {
		return nil, fmt.Errorf("token signing key: %w", err)
	}
	return s, nil
}

// Issuer is the iss (and aud) of the gateway's own tokens.
func (s *TokenService) Issuer() string { return s.o.Issuer }

// Lifetime is how long issued access tokens are valid.
func (s *TokenService) Lifetime() time.Duration { return s.o.Lifetime }

// hash is the stored form of a secret or token: HMAC-SHA256 under a key
// derived from SECRET_KEY, separated by kind. The inputs carry 256 random
// bits, so a fast keyed hash is enough.
func (s *TokenService) hash(kind, value string) []byte {
	m := hmac.New(sha256.New, s.hashKey)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return m.Sum(nil)
}

// record writes a successful administrative change to the audit trail.
func (s *TokenService) record(ctx context.Context, actor *domain.Principal, action, targetType, target string, details map[string]any) {
	if actor == nil {
		actor = &SystemActor
	}
	s.audit.Record(ctx, domain.AuditEvent{
		Action: action, Outcome: domain.OutcomeSuccess,
		Actor: actor.Username, ActorID: actor.UserID, AuthMethod: actor.AuthMethod,
		TargetType: targetType, Target: target, Details: details,
	})
}

// invalidToken is the one answer every refused gateway token gets; reason
// is for logs only.
func invalidToken(reason string, cause error) error {
	err := errors.New(reason)
	if cause != nil {
		err = fmt.Errorf("%s: %w", reason, cause)
	}
	return &domain.Error{Code: domain.EUNAUTHORIZED, Message: "invalid or expired token", Err: err}
}

// --- signing keys ---

// thumbprint is the RFC 7638 JWK thumbprint of pub: the key's kid.
func thumbprint(pub *ecdsa.PublicKey) (string, error) {
	j, err := oidc.PublicJWK("thumbprint", signingAlg, pub) // only crv, kty, x and y count
	if err != nil {
		return "", err
	}
	// Members in lexicographic order, no white space, as RFC 7638 requires.
	canon, _ := json.Marshal(struct {
		Crv string `json:"crv"`
		Kty string `json:"kty"`
		X   string `json:"x"`
		Y   string `json:"y"`
	}{j.Crv, j.Kty, j.X, j.Y})
	sum := sha256.Sum256(canon)
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

func signingKeyAAD(kid string) []byte { return []byte("signing-key:" + kid) }

// newSigningKey generates a P-256 key, sealing its private half.
func (s *TokenService) newSigningKey() (*domain.SigningKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	kid, err := thumbprint(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	pkix, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	return &domain.SigningKey{KID: kid, Alg: signingAlg, PublicKey: pkix,
		SealedPrivateKey: s.box.Seal(pkcs8, signingKeyAAD(kid)), Active: true}, nil
}

func (s *TokenService) ensureSigningKey(ctx context.Context) error {
	var created *domain.SigningKey
	err := s.db.InTx(ctx, func(tx pgx.Tx) error {
		if err := s.keys.Lock(ctx, tx); err != nil {
			return err
		}
		if _, err := s.keys.Active(ctx, tx); !errors.Is(err, domain.ErrNotFound) {
			return err // nil: a key exists
		}
		k, err := s.newSigningKey()
		if err != nil {
			return err
		}
		if err := s.keys.Create(ctx, tx, k); err != nil {
			return err
		}
		created = k
		return nil
	})
	if err != nil {
		return err
	}
	if created != nil {
		s.log.InfoContext(ctx, "created the first token signing key", "kid", created.KID)
		s.record(ctx, nil, domain.ActionSigningKeyCreate, "signing_key", created.KID, nil)
	}
	return s.ring.reload(ctx, s, true)
}

// RotateSigningKey makes a new key the one tokens are signed with. The
// previous key stays published and accepted until every token it signed
// has expired (the token lifetime plus the time other replicas may keep
// signing with it plus clock skew).
func (s *TokenService) RotateSigningKey(ctx context.Context, actor *domain.Principal) (*domain.SigningKey, error) {
	k, err := s.newSigningKey()
	if err != nil {
		return nil, err
	}
	retire := s.now().Add(s.o.Lifetime + s.o.StateCacheTTL + 2*s.o.Leeway)
	var previous string
	err = s.db.InTx(ctx, func(tx pgx.Tx) error {
		if err := s.keys.Lock(ctx, tx); err != nil {
			return err
		}
		if old, err := s.keys.Active(ctx, tx); err == nil {
			previous = old.KID
		}
		if err := s.keys.Retire(ctx, tx, retire); err != nil {
			return err
		}
		return s.keys.Create(ctx, tx, k)
	})
	if err != nil {
		return nil, err
	}
	if err := s.ring.reload(ctx, s, true); err != nil {
		s.log.WarnContext(ctx, "could not reload signing keys after rotation", "error", err)
	}
	s.record(ctx, actor, domain.ActionSigningKeyRotate, "signing_key", k.KID,
		map[string]any{"previous_kid": previous, "previous_retires_at": retire.UTC().Format(time.RFC3339)})
	k.SealedPrivateKey = nil
	return k, nil
}

// ListSigningKeys returns every signing key, newest first, without private
// parts.
func (s *TokenService) ListSigningKeys(ctx context.Context) ([]*domain.SigningKey, error) {
	keys, err := s.keys.List(ctx, s.db.Pool)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		k.SealedPrivateKey = nil
	}
	return keys, nil
}

// JWKS returns the public keys tokens may currently be signed with: the
// active key and retired keys whose tokens may still be alive.
func (s *TokenService) JWKS(ctx context.Context) (oidc.JWKS, error) {
	// Relying parties fetch this when they meet an unknown kid, so it must
	// show a key another replica just rotated in.
	if err := s.ring.reload(ctx, s, false, kidRefetchInterval); err != nil {
		return oidc.JWKS{}, err
	}
	s.ring.mu.RLock()
	defer s.ring.mu.RUnlock()
	now := s.now()
	out := oidc.JWKS{Keys: []oidc.JWK{}}
	for _, k := range s.ring.public {
		if k.usable(now) {
			out.Keys = append(out.Keys, k.jwk)
		}
	}
	slices.SortFunc(out.Keys, func(a, b oidc.JWK) int { return strings.Compare(a.Kid, b.Kid) })
	return out, nil
}

type ringKey struct {
	pub       *ecdsa.PublicKey
	jwk       oidc.JWK
	retiredAt *time.Time
}

func (k ringKey) usable(now time.Time) bool { return k.retiredAt == nil || now.Before(*k.retiredAt) }

// keyRing is a replica's copy of the signing keys.
type keyRing struct {
	load     sync.Mutex // serialises reloads
	mu       sync.RWMutex
	loadedAt time.Time
	kid      string // the active key
	priv     *ecdsa.PrivateKey
	public   map[string]ringKey
	loads    int // how often the keys were read, for tests

	missMu   sync.Mutex
	lastMiss time.Time // the last reload for an unknown kid
}

// reload reads the keys from Postgres unless they were read less than
// maxAge ago (default: the state cache TTL); force always reads.
func (r *keyRing) reload(ctx context.Context, s *TokenService, force bool, maxAge ...time.Duration) error {
	age := s.o.StateCacheTTL
	if len(maxAge) > 0 {
		age = maxAge[0]
	}
	r.load.Lock()
	defer r.load.Unlock()
	r.mu.RLock()
	fresh := !r.loadedAt.IsZero() && s.now().Sub(r.loadedAt) < age
	r.mu.RUnlock()
	if fresh && !force {
		return nil
	}
	keys, err := s.keys.ListUsable(ctx, s.db.Pool, s.now())
	if err != nil {
		return domain.Unavailable("signing key store", err)
	}
	public := make(map[string]ringKey, len(keys))
	var kid string
	var priv *ecdsa.PrivateKey
	for _, k := range keys {
		pk, err := x509.ParsePKIXPublicKey(k.PublicKey)
		ec, ok := pk.(*ecdsa.PublicKey)
		if err != nil || !ok {
			s.log.ErrorContext(ctx, "stored signing key unusable", "kid", k.KID, "error", err)
			continue
		}
		jwk, err := oidc.PublicJWK(k.KID, signingAlg, ec)
		if err != nil {
			continue
		}
		public[k.KID] = ringKey{pub: ec, jwk: jwk, retiredAt: k.RetiredAt}
		if k.Active {
			der, err := s.box.Open(k.SealedPrivateKey, signingKeyAAD(k.KID))
			if err != nil {
				return fmt.Errorf("opening signing key %s (is ENCRYPTION_KEY or SECRET_KEY the same on every replica?): %w", k.KID, err)
			}
			p, err := x509.ParsePKCS8PrivateKey(der)
			ep, ok := p.(*ecdsa.PrivateKey)
			if err != nil || !ok {
				return fmt.Errorf("signing key %s: not an ECDSA key", k.KID)
			}
			kid, priv = k.KID, ep
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.loadedAt = s.now()
	r.loads++
	r.public = public
	if priv != nil {
		r.kid, r.priv = kid, priv
	}
	return nil
}

// reloadForMiss reloads the ring because a token named an unknown kid, at
// most once per kidRefetchInterval: made-up kids must not become a query
// each.
func (r *keyRing) reloadForMiss(ctx context.Context, s *TokenService) error {
	r.missMu.Lock()
	now := s.now()
	if !r.lastMiss.IsZero() && now.Sub(r.lastMiss) < kidRefetchInterval && !now.Before(r.lastMiss) {
		r.missMu.Unlock()
		return nil
	}
	r.lastMiss = now
	r.missMu.Unlock()
	return r.reload(ctx, s, true)
}

// signer returns the active key, reloading the ring when it is older than
// the state cache TTL (another replica may have rotated). A failing reload
// keeps the key this replica has.
func (s *TokenService) signer(ctx context.Context) (string, *ecdsa.PrivateKey, error) {
	if err := s.ring.reload(ctx, s, false); err != nil {
		s.log.WarnContext(ctx, "could not reload signing keys", "error", err)
	}
	s.ring.mu.RLock()
	defer s.ring.mu.RUnlock()
	if s.ring.priv == nil {
		return "", nil, domain.Unavailable("token signing key", errors.New("no active signing key"))
	}
	return s.ring.kid, s.ring.priv, nil
}

// publicKey returns the key with kid, reloading the ring (at most once per
// kidRefetchInterval) when kid is unknown: another replica may have rotated.
func (s *TokenService) publicKey(ctx context.Context, kid string) (*ecdsa.PublicKey, error) {
	lookup := func() (ringKey, bool) {
		s.ring.mu.RLock()
		defer s.ring.mu.RUnlock()
		k, ok := s.ring.public[kid]
		return k, ok
	}
	k, ok := lookup()
	if !ok {
		if err := s.ring.reloadForMiss(ctx, s); err != nil {
			return nil, err
		}
		if k, ok = lookup(); !ok {
			return nil, errors.New("unknown kid")
		}
	}
	if !k.usable(s.now()) {
		return nil, errors.New("signing key retired")
	}
	return k.pub, nil
}

// --- gateway access tokens ---

// gatewayClaims are the claims of a gateway access token.
type gatewayClaims struct {
	jwt.RegisteredClaims
	ClientID string   `json:"client_id"`
	Groups   []string `json:"groups"`
}

// IssuedToken is an access token the gateway signed.
type IssuedToken struct {
	AccessToken string
	ExpiresAt   time.Time
	ExpiresIn   time.Duration
}

// issue signs an access token for the service account.
func (s *TokenService) issue(ctx context.Context, a *domain.ServiceAccount) (*IssuedToken, error) {
	kid, priv, err := s.signer(ctx)
	if err != nil {
		return nil, err
	}
	iat := s.now().Truncate(time.Second)
	// A token issued in the second tokens were revoked in would be refused
	// (iat has whole seconds): date it at the revocation.
	if a.TokensNotBefore != nil && iat.Before(*a.TokensNotBefore) {
		iat = a.TokensNotBefore.Truncate(time.Second)
	}
	exp := iat.Add(s.o.Lifetime)
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, gatewayClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: s.o.Issuer, Subject: "sa:" + a.ClientID, Audience: jwt.ClaimStrings{s.o.Issuer},
			ExpiresAt: jwt.NewNumericDate(exp), NotBefore: jwt.NewNumericDate(iat), IssuedAt: jwt.NewNumericDate(iat),
			ID: randomToken(16),
		},
		ClientID: a.ClientID,
		Groups:   slices.Clone(a.Groups),
	})
	tok.Header["typ"] = tokenType
	tok.Header["kid"] = kid
	raw, err := tok.SignedString(priv)
	if err != nil {
		return nil, err
	}
	return &IssuedToken{AccessToken: raw, ExpiresAt: exp, ExpiresIn: exp.Sub(s.now())}, nil
}

// refusedHeaders would let a token name its own key or demand extensions
// this verifier does not implement.
var refusedHeaders = [...]string{"jku", "x5u", "jwk", "x5c", "crit"}

// AuthenticateGatewayJWT checks an access token the gateway issued and
// returns the service account it stands for, with the account's current
// groups. Every refusal is domain.ErrUnauthorized; the reason is in the
// error's cause, for logs.
func (s *TokenService) AuthenticateGatewayJWT(ctx context.Context, raw string) (*domain.Principal, error) {
	if len(raw) > maxJWTBytes {
		return nil, invalidToken("token too long", nil)
	}
	key := sha256.Sum256([]byte(raw))
	now := s.now()
	claims, ok := s.verified.get(key, now)
	if !ok {
		var err error
		if claims, err = s.verifyGatewayJWT(ctx, raw); err != nil {
			return nil, err
		}
		exp := claims.ExpiresAt.Time
		if limit := now.Add(verifiedCacheMaxAge); exp.After(limit) {
			exp = limit
		}
		s.verified.put(key, claims, now, exp)
	}
	return s.principalFor(ctx, claims, now)
}

// AuthenticateVerifiedGatewayJWT is AuthenticateGatewayJWT for a token this
// replica has verified recently, without looking at the token itself;
// ok is false for any other token (which may still be a gateway token).
func (s *TokenService) AuthenticateVerifiedGatewayJWT(ctx context.Context, raw string) (p *domain.Principal, ok bool, err error) {
	if len(raw) > maxJWTBytes {
		return nil, false, nil
	}
	now := s.now()
	claims, ok := s.verified.get(sha256.Sum256([]byte(raw)), now)
	if !ok {
		return nil, false, nil
	}
	p, err = s.principalFor(ctx, claims, now)
	return p, true, err
}

// principalFor is the service account a verified token stands for, as it
// is now: refused when the account is gone, disabled or expired, or the
// token was issued before the account's tokens were revoked.
func (s *TokenService) principalFor(ctx context.Context, claims gatewayClaims, now time.Time) (*domain.Principal, error) {
	a, err := s.accountState(ctx, claims.ClientID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, invalidToken("service account deleted", nil)
	}
	if err != nil {
		return nil, err
	}
	switch {
	case a.Disabled:
		return nil, invalidToken("service account disabled", nil)
	case !a.Usable(now):
		return nil, invalidToken("service account expired", nil)
	case a.TokensNotBefore != nil && claims.IssuedAt.Before(*a.TokensNotBefore):
		return nil, invalidToken("token revoked", nil)
	}
	return serviceAccountPrincipal(a), nil
}

// verifyGatewayJWT checks a gateway token's signature, header and claims.
func (s *TokenService) verifyGatewayJWT(ctx context.Context, raw string) (gatewayClaims, error) {
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{signingAlg}),
		jwt.WithIssuer(s.o.Issuer),
		jwt.WithAudience(s.o.Issuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(s.o.Leeway),
		jwt.WithTimeFunc(s.now),
	)
	var claims gatewayClaims
	_, err := parser.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		for _, h := range refusedHeaders {
			if _, ok := t.Header[h]; ok {
				return nil, fmt.Errorf("header %q refused", h)
			}
		}
		if typ, _ := t.Header["typ"].(string); !strings.EqualFold(typ, tokenType) {
			return nil, errors.New("typ is not at+jwt")
		}
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("no kid")
		}
		return s.publicKey(ctx, kid)
	})
	if err != nil {
		var de *domain.Error
		if errors.As(err, &de) && de.Code == domain.EUNAVAILABLE {
			return claims, de // Postgres is down: not the token's fault
		}
		return claims, invalidToken("gateway token refused", err)
	}
	if claims.ClientID == "" || claims.Subject != "sa:"+claims.ClientID || claims.IssuedAt == nil || claims.ExpiresAt == nil {
		return claims, invalidToken("gateway token without a service account subject", nil)
	}
	return claims, nil
}

func serviceAccountPrincipal(a *domain.ServiceAccount) *domain.Principal {
	return &domain.Principal{Username: a.Name, Groups: slices.Clone(a.Groups),
		AuthMethod: domain.AuthMethodServiceAccount, ServiceAccountID: a.ID}
}

// accountState returns the service account with clientID from this
// replica's cache, or from Postgres when the cached copy is older than the
// state cache TTL. A load counts as a use of the account.
func (s *TokenService) accountState(ctx context.Context, clientID string) (*domain.ServiceAccount, error) {
	now := s.now()
	if a, ok := s.saCache.get(clientID, now); ok {
		return a, nil
	}
	a, err := s.accounts.GetByClientID(ctx, s.db.Pool, clientID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, err
	}
	if err != nil {
		return nil, domain.Unavailable("service account store", err)
	}
	a.SecretHash = nil // the cache holds no secrets
	s.saCache.put(clientID, a, now, now.Add(s.o.StateCacheTTL))
	if a.LastUsedAt == nil || now.Sub(*a.LastUsedAt) >= time.Minute {
		if err := s.accounts.TouchLastUsed(ctx, s.db.Pool, a.ID, now); err != nil {
			s.log.WarnContext(ctx, "could not record service account use", "service_account_id", a.ID, "error", err)
		}
	}
	return a, nil
}
