package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/oidc"
	"github.com/mcpgw/mcpgw/backend/internal/redisstore"
)

// Providers is the set of configured identity providers.
type Providers struct {
	list []*oidc.Provider
	byID map[string]*oidc.Provider
}

// NewProviders indexes ps by id.
func NewProviders(ps []*oidc.Provider) *Providers {
	p := &Providers{list: ps, byID: map[string]*oidc.Provider{}}
	for _, pr := range ps {
		p.byID[pr.ID()] = pr
	}
	return p
}

// List returns the providers in configuration order.
func (p *Providers) List() []*oidc.Provider {
	if p == nil {
		return nil
	}
	return p.list
}

// Get returns the provider with id.
func (p *Providers) Get(id string) (*oidc.Provider, bool) {
	if p == nil {
		return nil, false
	}
	pr, ok := p.byID[id]
	return pr, ok
}

// ByIssuer returns the providers whose tokens carry iss. It asks each
// provider, not an index built at start: a provider configured by discovery
// URL alone learns its issuer only from discovery, which is run here if it
// has not succeeded yet (the provider limits how often it retries).
func (p *Providers) ByIssuer(ctx context.Context, iss string) []*oidc.Provider {
	if p == nil || iss == "" {
		return nil
	}
	var out []*oidc.Provider
	for _, pr := range p.list {
		if pr.Issuer() == "" {
			_, _ = pr.Endpoints(ctx)
		}
		if pr.Issuer() == iss {
			out = append(out, pr)
		}
	}
	return out
}

// Reasons a browser sign-in through an identity provider fails. They reach
// the sign-in page as ?error=<reason>, so they are a fixed vocabulary that
// tells the user what happened without detail an attacker could use.
const (
	LoginFailState         = "state"          // missing, unknown, replayed or foreign state
	LoginFailIdP           = "idp_error"      // the provider answered with an error
	LoginFailExchange      = "token_exchange" // the code could not be exchanged
	LoginFailIDToken       = "invalid_token"  // the ID token did not verify
	LoginFailGroupsOverage = "groups_overage" // too many groups to fit in the token
	LoginFailDisabled      = "account_disabled"
	LoginFailUnavailable   = "unavailable" // our own Postgres or Redis failed
)

// LoginFailure is a refused sign-in through an identity provider. Reason is
// shown to the user (as a code); Detail and Err go to the audit trail and
// logs only.
type LoginFailure struct {
	Reason string
	Detail string
	Err    error
}

// Error implements error.
func (f *LoginFailure) Error() string {
	msg := "sign-in refused: " + f.Reason
	if f.Detail != "" {
		msg += " (" + f.Detail + ")"
	}
	if f.Err != nil {
		msg += ": " + f.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (f *LoginFailure) Unwrap() error { return f.Err }

// Callback is what the identity provider sent the browser back with.
type Callback struct {
	Code             string
	State            string
	Error            string
	ErrorDescription string
}

// OIDCLogin signs browsers in through identity providers: authorization
// code flow with PKCE (S256), state and nonce; the flow's secrets wait in
// Redis, so any replica can finish what another started.
type OIDCLogin struct {
	svc       *Service
	providers *Providers
	flows     *redisstore.OIDCFlows
	timeout   time.Duration
}

// NewOIDCLogin returns the sign-in flow over providers; timeout is how long
// a browser may stay at the provider.
func NewOIDCLogin(svc *Service, providers *Providers, flows *redisstore.OIDCFlows, timeout time.Duration) *OIDCLogin {
	return &OIDCLogin{svc: svc, providers: providers, flows: flows, timeout: timeout}
}

// Providers returns the configured providers.
func (l *OIDCLogin) Providers() []*oidc.Provider { return l.providers.List() }

// BindingHash is what a flow stores of the browser's binding cookie.
func BindingHash(binding string) string {
	h := sha256.Sum256([]byte(binding))
	return hex.EncodeToString(h[:])
}

// NewBinding returns a fresh value for the browser's binding cookie.
func NewBinding() string { return randomToken(32) }

// ValidBinding reports whether a cookie value could be one NewBinding made.
func ValidBinding(v string) bool { return plausibleToken(v, 32) }

// Begin starts a sign-in at the provider and returns the URL to send the
// browser to. next is where the browser wants to end up (sanitised here);
// binding is the browser's binding cookie.
func (l *OIDCLogin) Begin(ctx context.Context, providerID, next, binding string) (string, error) {
	p, ok := l.providers.Get(providerID)
	if !ok {
		return "", domain.Errorf(domain.ENOTFOUND, "no identity provider %q", domain.SafeText(providerID, 64))
	}
	state, nonce, verifier := randomToken(32), randomToken(32), randomToken(32)
	authURL, err := p.AuthCodeURL(ctx, state, nonce, verifier)
	if err != nil {
		l.svc.log.WarnContext(ctx, "identity provider unavailable", "provider", p.ID(), "error", err)
		return "", &domain.Error{Code: domain.EUNAVAILABLE, Message: "the identity provider is unavailable", Err: err}
	}
	err = l.flows.Save(ctx, state, redisstore.OIDCFlow{
		Provider: p.ID(), Verifier: verifier, Nonce: nonce, Next: oidc.SafeNext(next),
		BindingHash: BindingHash(binding), Created: l.svc.now(),
	}, l.timeout)
	if err != nil {
		return "", err
	}
	return authURL, nil
}

// Complete finishes a sign-in: it takes the flow named by the callback's
// state (once), checks it belongs to this provider and this browser,
// exchanges the code with the PKCE verifier, verifies the ID token
// (signature, issuer, audience, expiry, nonce), provisions the user with the
// groups of this sign-in and starts a session. It returns the session and
// where to send the browser. Every refusal is a *LoginFailure, audited.
func (l *OIDCLogin) Complete(ctx context.Context, providerID string, cb Callback, binding string, previous *domain.Session) (*domain.Session, string, error) {
	sess, next, err := l.complete(ctx, providerID, cb, binding, previous)
	if err != nil {
		var f *LoginFailure
		if !errors.As(err, &f) {
			f = &LoginFailure{Reason: LoginFailUnavailable, Err: err}
		}
		l.svc.logins.WithLabelValues("oidc_" + f.Reason).Inc()
		l.svc.log.WarnContext(ctx, "identity provider sign-in refused", "provider", domain.SafeText(providerID, 64),
			"reason", f.Reason, "detail", f.Detail, "error", f.Err)
		details := map[string]any{"provider": domain.SafeText(providerID, 64), "reason": f.Reason}
		if f.Detail != "" {
			details["detail"] = f.Detail
		}
		l.svc.audit.Record(ctx, domain.AuditEvent{
			Action: domain.ActionLogin, Outcome: domain.OutcomeFailure, AuthMethod: domain.AuthMethodOIDC,
			TargetType: "identity_provider", Target: domain.SafeText(providerID, 64), Details: details,
		})
		return nil, "", f
	}
	l.svc.logins.WithLabelValues("success").Inc()
	l.svc.audit.Record(ctx, domain.AuditEvent{
		Action: domain.ActionLogin, Outcome: domain.OutcomeSuccess,
		Actor: sess.Username, ActorID: sess.UserID, AuthMethod: domain.AuthMethodOIDC,
		TargetType: "user", Target: sess.Username,
		Details: map[string]any{"provider": providerID, "groups": sess.Groups},
	})
	return sess, next, nil
}

func (l *OIDCLogin) complete(ctx context.Context, providerID string, cb Callback, binding string, previous *domain.Session) (*domain.Session, string, error) {
	fail := func(reason, detail string, err error) (*domain.Session, string, error) {
		return nil, "", &LoginFailure{Reason: reason, Detail: detail, Err: err}
	}
	p, ok := l.providers.Get(providerID)
	if !ok {
		return fail(LoginFailState, "unknown provider", nil)
	}
	if cb.State == "" {
		return fail(LoginFailState, "no state", nil)
	}
	flow, err := l.flows.Take(ctx, cb.State)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return fail(LoginFailState, "unknown, expired or already used state", nil)
	case err != nil:
		return fail(LoginFailUnavailable, "", err)
	}
	// The state was consumed above whatever happens next, so it can never
	// be tried twice.
	if flow.Provider != p.ID() {
		return fail(LoginFailState, "state of another provider", nil)
	}
	if binding == "" || subtle.ConstantTimeCompare([]byte(BindingHash(binding)), []byte(flow.BindingHash)) != 1 {
		return fail(LoginFailState, "state started in another browser", nil)
	}
	if cb.Error != "" {
		return fail(LoginFailIdP, domain.SafeText(cb.Error, 64)+": "+domain.SafeText(cb.ErrorDescription, 200), nil)
	}
	if cb.Code == "" {
		return fail(LoginFailIdP, "no code", nil)
	}
	toks, err := p.Exchange(ctx, cb.Code, flow.Verifier)
	if err != nil {
		return fail(LoginFailExchange, "", err)
	}
	claims, err := p.VerifyIDToken(ctx, toks.IDToken, flow.Nonce)
	if err != nil {
		return fail(LoginFailIDToken, "", err)
	}
	id, err := p.Identity(claims)
	if errors.Is(err, oidc.ErrGroupsOverage) {
		return fail(LoginFailGroupsOverage, "", err)
	}
	if err != nil {
		return fail(LoginFailIDToken, "", err)
	}
	user, err := l.provision(ctx, p, id)
	if err != nil {
		return nil, "", err
	}
	sess, err := l.svc.startSession(ctx, user, domain.AuthMethodOIDC, p.ID(), previous)
	if errors.Is(err, errChangedDuringSignIn) {
		return fail(LoginFailDisabled, "changed during sign-in", nil)
	}
	if err != nil {
		return fail(LoginFailUnavailable, "", err)
	}
	if err := l.svc.users.RecordLogin(ctx, l.svc.db.Pool, user.ID, sess.CreatedAt); err != nil {
		l.svc.log.WarnContext(ctx, "could not record last sign-in time", "user_id", user.ID, "error", err)
	}
	return sess, flow.Next, nil
}

// provision finds or creates the user the provider knows by subject and
// gives them exactly the groups of this sign-in: the provider, not this
// gateway, is the source of truth for its users' groups. A user is never
// linked to an existing account by name or e-mail (that would let whoever
// controls a provider account take over a local one).
func (l *OIDCLogin) provision(ctx context.Context, p *oidc.Provider, id oidc.Identity) (*domain.User, error) {
	groups, err := normalizeGroups(id.Groups)
	if err != nil {
		return nil, &LoginFailure{Reason: LoginFailIDToken, Detail: "unusable group names", Err: err}
	}
	source := p.ID()
	var (
		user *domain.User
		// regrouped is set when a known user's groups changed: their other
		// sessions carry the old groups and must end.
		regrouped bool
	)
	var created bool // by the transaction that committed
	provisionOnce := func(tx pgx.Tx) error {
		// Parallel first sign-ins of one subject (several tabs, a double
		// click) take turns: FOR UPDATE locks no row that does not exist.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, source+" "+id.Subject); err != nil {
			return err
		}
		u, err := l.svc.users.GetBySubjectForUpdate(ctx, tx, source, id.Subject)
		switch {
		case errors.Is(err, domain.ErrNotFound):
			name, err := l.freeUsername(ctx, tx, source, id)
			if err != nil {
				return err
			}
			u = &domain.User{
				Username: name, DisplayName: domain.SafeText(id.DisplayName, 256), Email: domain.SafeText(id.Email, 320),
				AuthSource: source, Subject: id.Subject,
			}
			if err := l.svc.users.Create(ctx, tx, u); err != nil {
				return err
			}
			created = true
		case err != nil:
			return err
		default:
			if u.Disabled {
				return &LoginFailure{Reason: LoginFailDisabled, Detail: "user is disabled"}
			}
			dn, em := domain.SafeText(id.DisplayName, 256), domain.SafeText(id.Email, 320)
			if dn != u.DisplayName || em != u.Email {
				u.DisplayName, u.Email = dn, em
				if err := l.svc.users.Update(ctx, tx, u); err != nil {
					return err
				}
			}
		}
		// Compared as sets: the database orders names by its collation,
		// Go by bytes.
		have := slices.Clone(u.Groups)
		slices.Sort(have)
		if !slices.Equal(have, groups) {
			regrouped = u.Groups != nil
			if err := l.svc.users.SetGroupsFrom(ctx, tx, u.ID, groups, source); err != nil {
				return err
			}
			// Re-read, so the groups are in the order the database keeps
			// them: the session's recheck compares against that.
			if u, err = l.svc.users.Get(ctx, tx, u.ID); err != nil {
				return err
			}
		}
		user = u
		return nil
	}
	// Two new subjects wanting one free username race on its unique
	// index; the loser picks again.
	for range 3 {
		created = false
		if err = l.svc.db.InTx(ctx, provisionOnce); domain.ErrorCode(err) != domain.ECONFLICT {
			break
		}
	}
	var f *LoginFailure
	if errors.As(err, &f) {
		return nil, f
	}
	if err != nil {
		return nil, &LoginFailure{Reason: LoginFailUnavailable, Err: err}
	}
	if created {
		l.svc.audit.Record(ctx, domain.AuditEvent{
			Action: domain.ActionUserCreate, Outcome: domain.OutcomeSuccess, Actor: user.Username, ActorID: user.ID,
			AuthMethod: domain.AuthMethodOIDC, TargetType: "user", Target: user.Username,
			Details: map[string]any{"provider": source, "provisioned": true, "groups": user.Groups},
		})
	}
	if regrouped {
		if _, err := l.svc.sessions.DeleteUser(ctx, user.ID); err != nil {
			return nil, &LoginFailure{Reason: LoginFailUnavailable, Err: err}
		}
	}
	return user, nil
}

// freeUsername picks the new user's name: the provider's username when free,
// else "<provider>:<username>", else that with a piece of the subject's
// hash. Names are unique regardless of case across all sources.
func (l *OIDCLogin) freeUsername(ctx context.Context, tx pgx.Tx, source string, id oidc.Identity) (string, error) {
	base := strings.Map(func(r rune) rune {
		if domain.SpaceOrControl(r) {
			return '_'
		}
		return r
	}, domain.SafeText(id.Username, 100))
	if base == "" {
		base = "user"
	}
	sum := sha256.Sum256([]byte(source + "\x00" + id.Subject))
	for _, name := range []string{base, source + ":" + base, fmt.Sprintf("%s:%s-%x", source, base, sum[:4])} {
		if domain.ValidateUsername("username", name) != nil {
			continue
		}
		taken, err := l.svc.users.UsernameTaken(ctx, tx, name)
		if err != nil {
			return "", err
		}
		if !taken {
			return name, nil
		}
	}
	return "", &LoginFailure{Reason: LoginFailUnavailable, Detail: "no free username"}
}

// LogValue keeps slog from ever printing a Callback's code.
func (c Callback) LogValue() slog.Value {
	return slog.GroupValue(slog.Bool("code", c.Code != ""), slog.Bool("state", c.State != ""), slog.String("error", c.Error))
}
