package auth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/oidc"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
)

// GatewayTokens verifies the tokens this gateway issues: JWTs of service
// accounts (client credentials) and personal access tokens.
type GatewayTokens interface {
	Issuer() string
	LooksLikePAT(raw string) bool
	AuthenticatePAT(ctx context.Context, raw string) (*domain.Principal, error)
	AuthenticateGatewayJWT(ctx context.Context, raw string) (*domain.Principal, error)
	// AuthenticateVerifiedGatewayJWT answers (ok) only for a gateway token
	// verified recently, without decoding it.
	AuthenticateVerifiedGatewayJWT(ctx context.Context, raw string) (p *domain.Principal, ok bool, err error)
}

// errInvalidToken is the one answer every refused bearer token gets: what
// was wrong goes to the audit trail and the log, never to the client.
var errInvalidToken = &domain.Error{Code: domain.EUNAUTHORIZED, Message: "the bearer token is invalid or expired"}

// IsInvalidToken reports whether err refused a presented bearer token (as
// opposed to a missing one, or a dependency failing).
func IsInvalidToken(err error) bool {
	var e *domain.Error
	return errors.As(err, &e) && e == errInvalidToken
}

// BearerOptions tune Bearer.
type BearerOptions struct {
	MaxTokenBytes int // longer tokens are refused before any parsing
	CacheSize     int // verified identity-provider tokens remembered; 0 disables
	// StateTTL is how long what Postgres said about a provider's subject
	// (its user, disabled or not) is trusted (TOKEN_STATE_CACHE_TTL).
	StateTTL time.Duration
	Now      func() time.Time
}

// Bearer resolves bearer tokens to principals: a personal access token, a
// token this gateway issued, or an identity provider's access token,
// chosen by the token's shape and its (unverified) issuer, then verified by
// whoever issued it.
type Bearer struct {
	gateway   GatewayTokens // nil: the gateway issues no tokens
	providers *Providers
	audit     Auditor
	log       *slog.Logger
	opts      BearerOptions
	// cache remembers identity-provider tokens that verified, by a hash
	// of the token and the request's provider headers, until they expire
	// (at most verifiedCacheMaxAge): a signature check costs tens of
	// microseconds, a lookup about one.
	cache *boundedCache[[sha256.Size]byte, verifiedIdPToken]
	// subjects remembers, for StateTTL, which user each provider subject
	// is.
	subjects *boundedCache[string, subjectUser]
	db       *postgres.DB
	outcomes *prometheus.CounterVec
}

// NewBearer wires the bearer-token authenticator.
func NewBearer(gateway GatewayTokens, providers *Providers, db *postgres.DB, audit Auditor, log *slog.Logger, reg prometheus.Registerer, o BearerOptions) *Bearer {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.StateTTL <= 0 {
		o.StateTTL = DefaultTokenStateCacheTTL
	}
	if o.MaxTokenBytes <= 0 {
		o.MaxTokenBytes = 16 << 10
	}
	b := &Bearer{
		gateway: gateway, providers: providers, db: db, audit: audit, log: log, opts: o,
		subjects: newBoundedCache[string, subjectUser](10_000),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcpgw_auth_bearer_total", Help: "Bearer tokens presented, by kind (pat, gateway, idp, unknown) and outcome (ok, refused, error).",
		}, []string{"kind", "outcome"}),
	}
	if o.CacheSize > 0 {
		b.cache = newBoundedCache[[sha256.Size]byte, verifiedIdPToken](o.CacheSize)
	}
	if reg != nil {
		reg.MustRegister(b.outcomes)
	}
	return b
}

// AuthenticateBearer returns the principal raw stands for. A refused token
// is errInvalidToken (IsInvalidToken), audited; a failing dependency is
// domain.EUNAVAILABLE.
func (b *Bearer) AuthenticateBearer(ctx context.Context, raw string, hint domain.TokenHint) (*domain.Principal, error) {
	kind := "unknown"
	p, reason, err := b.authenticate(ctx, raw, hint, &kind)
	switch {
	case err != nil:
		b.outcomes.WithLabelValues(kind, "error").Inc()
		return nil, err
	case p == nil:
		b.outcomes.WithLabelValues(kind, "refused").Inc()
		b.refused(ctx, kind, reason, hint)
		return nil, errInvalidToken
	}
	b.outcomes.WithLabelValues(kind, "ok").Inc()
	return p, nil
}

// authenticate returns the principal, or a nil principal and why the token
// was refused, or an error when a dependency failed.
func (b *Bearer) authenticate(ctx context.Context, raw string, hint domain.TokenHint, kind *string) (*domain.Principal, string, error) {
	if len(raw) > b.opts.MaxTokenBytes {
		return nil, "token too large", nil
	}
	if b.gateway != nil && b.gateway.LooksLikePAT(raw) {
		*kind = "pat"
		if !hint.Empty() {
			return nil, "provider headers with a personal access token", nil
		}
		return b.delegate(b.gateway.AuthenticatePAT(ctx, raw))
	}
	// Tokens verified recently need no look at their issuer (that JSON
	// decoding is most of a hit's cost otherwise): the gateway's own,
	// which never come with provider headers, then identity providers'.
	if b.gateway != nil && hint.Empty() {
		if p, ok, err := b.gateway.AuthenticateVerifiedGatewayJWT(ctx, raw); ok {
			*kind = "gateway"
			return b.delegate(p, err)
		}
	}
	var key [sha256.Size]byte
	if b.cache != nil {
		key = cacheKey(raw, hint)
		if v, ok := b.cache.get(key, b.opts.Now()); ok {
			*kind = "idp"
			return b.asUser(ctx, v)
		}
	}
	iss, err := oidc.UnverifiedIssuer(raw)
	if err != nil {
		return nil, "malformed token", nil
	}
	if b.gateway != nil && iss == b.gateway.Issuer() {
		*kind = "gateway"
		if !hint.Empty() {
			return nil, "provider headers with a gateway token", nil
		}
		return b.delegate(b.gateway.AuthenticateGatewayJWT(ctx, raw))
	}
	*kind = "idp"
	candidates := b.candidates(ctx, iss, hint)
	if len(candidates) == 0 {
		if hint.Empty() {
			return nil, "issuer is not a configured provider", nil
		}
		return nil, "provider headers name no configured provider of this issuer", nil
	}
	var lastErr error
	for _, pr := range candidates {
		claims, err := pr.VerifyAccessToken(ctx, raw)
		if err != nil {
			lastErr = err
			continue
		}
		id, err := pr.Identity(claims)
		if err != nil {
			return nil, "unusable claims: " + err.Error(), nil
		}
		v := verifiedIdPToken{provider: pr.ID(), subject: id.Subject, username: domain.SafeText(id.Username, 100), groups: id.Groups}
		if b.cache != nil {
			if exp, ok := claimTime(claims["exp"]); ok {
				now := b.opts.Now()
				if limit := now.Add(verifiedCacheMaxAge); exp.After(limit) {
					exp = limit
				}
				b.cache.put(key, v, now, exp)
			}
		}
		return b.asUser(ctx, v)
	}
	// An unreachable provider is not the token's fault: 503, not 401, so
	// clients keep a token that may well be good.
	if errors.Is(lastErr, oidc.ErrJWKSUnavailable) || errors.Is(lastErr, oidc.ErrProviderUnavailable) {
		return nil, "", &domain.Error{Code: domain.EUNAVAILABLE, Message: "the identity provider is unavailable", Err: lastErr}
	}
	return nil, lastErr.Error(), nil
}

// verifiedIdPToken is what a verified identity-provider token says.
type verifiedIdPToken struct {
	provider, subject, username string
	groups                      []string
}

// asUser turns a verified token into its principal. When the provider's
// subject signed in here before, the principal is that user (so a disabled
// user's tokens stop working too, and the audit trail names the user as
// this gateway knows them); otherwise the name is prefixed with the
// provider, so no token can pass for a local user in the audit trail.
func (b *Bearer) asUser(ctx context.Context, v verifiedIdPToken) (*domain.Principal, string, error) {
	st, err := b.subjectState(ctx, v.provider, v.subject)
	if err != nil {
		return nil, "", err
	}
	p := &domain.Principal{Groups: slices.Clone(v.groups), AuthMethod: domain.AuthMethodIdPToken, Provider: v.provider}
	switch {
	case !st.found:
		p.Username = v.provider + ":" + v.username
	case st.disabled:
		return nil, "user disabled", nil
	default:
		p.UserID, p.Username = st.userID, st.username
	}
	return p, "", nil
}

// subjectUser is what Postgres says of a provider's subject.
type subjectUser struct {
	found, disabled bool
	userID          int64
	username        string
}

// subjectState looks the subject up, through a cache that lives
// StateTTL, so a disable reaches every replica within it (and this one at
// once, through ForgetUser).
func (b *Bearer) subjectState(ctx context.Context, provider, subject string) (subjectUser, error) {
	key := provider + "\x00" + subject
	now := b.opts.Now()
	if st, ok := b.subjects.get(key, now); ok {
		return st, nil
	}
	var st subjectUser
	u, err := postgres.Users{}.GetBySubject(ctx, b.db.Pool, provider, subject)
	switch {
	case errors.Is(err, domain.ErrNotFound):
	case err != nil:
		return st, domain.Unavailable("user store", err)
	default:
		st = subjectUser{found: true, disabled: u.Disabled, userID: u.ID, username: u.Username}
	}
	b.subjects.put(key, st, now, now.Add(b.opts.StateTTL))
	return st, nil
}

// ForgetUser drops what this replica remembers of the user, after a change
// that must apply at once (disable, deletion).
func (b *Bearer) ForgetUser(userID int64) {
	b.subjects.forget(func(_ string, st subjectUser) bool { return st.userID == userID })
}

// delegate sorts a gateway verifier's answer into principal, refusal or
// failure.
func (b *Bearer) delegate(p *domain.Principal, err error) (*domain.Principal, string, error) {
	switch {
	case err == nil:
		return p, "", nil
	case domain.ErrorCode(err) == domain.EUNAVAILABLE:
		return nil, "", err
	default:
		return nil, err.Error(), nil
	}
}

// candidates are the providers whose tokens carry iss and that match the
// request's provider headers (seed 002's X-User-Pool-Id, X-Client-Id,
// X-Region), when it sent any.
func (b *Bearer) candidates(ctx context.Context, iss string, hint domain.TokenHint) []*oidc.Provider {
	all := b.providers.ByIssuer(ctx, iss)
	if hint.Empty() {
		return all
	}
	var out []*oidc.Provider
	for _, p := range all {
		c := p.Config()
		switch {
		case hint.UserPoolID != "" && hint.UserPoolID != c.UserPoolID:
		case hint.Region != "" && hint.Region != c.Region:
		case hint.ClientID != "" && hint.ClientID != c.ClientID && !slices.Contains(c.Audiences, hint.ClientID) &&
			!slices.Contains(c.ClientIDs, hint.ClientID):
		default:
			out = append(out, p)
		}
	}
	return out
}

// refused audits a refused bearer token. The token itself is never
// recorded.
func (b *Bearer) refused(ctx context.Context, kind, reason string, hint domain.TokenHint) {
	b.log.InfoContext(ctx, "bearer token refused", "kind", kind, "reason", reason)
	details := map[string]any{"kind": kind, "reason": domain.SafeText(reason, 300)}
	if !hint.Empty() {
		details["user_pool_id"] = domain.SafeText(hint.UserPoolID, 128)
		details["client_id"] = domain.SafeText(hint.ClientID, 128)
		details["region"] = domain.SafeText(hint.Region, 64)
	}
	b.audit.Record(ctx, domain.AuditEvent{
		Action: domain.ActionTokenRefused, Outcome: domain.OutcomeFailure, AuthMethod: "bearer",
		TargetType: "token", Details: details,
	})
}

// verifiedCacheMaxAge bounds how long a verified token is trusted without
// checking its signature again.
const verifiedCacheMaxAge = 5 * time.Minute

func cacheKey(raw string, hint domain.TokenHint) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(raw))
	for _, s := range []string{hint.UserPoolID, hint.ClientID, hint.Region} {
		h.Write([]byte{0})
		h.Write([]byte(s))
	}
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

// claimTime reads a NumericDate claim.
func claimTime(v any) (time.Time, bool) {
	switch n := v.(type) {
	case float64:
		return time.Unix(int64(n), 0), true
	case json.Number:
		if f, err := n.Float64(); err == nil {
			return time.Unix(int64(f), 0), true
		}
	}
	return time.Time{}, false
}
