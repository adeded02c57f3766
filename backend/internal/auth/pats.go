package auth

import (
	"context"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// Personal access token limits.
const (
	patBytes = 32 // 256 bits after the prefix
	// patShownPrefix is how many characters of a token listings show.
	patShownPrefix = len(domain.PATPrefix) + 6
	// MaxPATsPerUser bounds the live tokens one user may hold.
	MaxPATsPerUser = 100
	// MaxPATLifetime is the furthest expiry a token may be given.
	MaxPATLifetime = 3650 * 24 * time.Hour
)

// NewPAT is the input of CreatePAT. At most one of ExpiresInDays and
// ExpiresAt may be set; neither means the token never expires.
type NewPAT struct {
	Name          string
	ExpiresInDays int
	ExpiresAt     *time.Time
}

// PATFilter selects the tokens ListPATs returns: by default the caller's
// own; administrators may name another user or ask for all.
type PATFilter struct {
	UserID int64
	All    bool
}

// patState is what a replica remembers about a personal access token.
type patState struct {
	token *domain.AccessToken
	owner *domain.User
}

func (s *TokenService) patHash(raw string) []byte { return s.hash("pat", raw) }

// LooksLikePAT reports whether a bearer token is meant as a personal access
// token (rather than a JWT).
func (s *TokenService) LooksLikePAT(raw string) bool { return strings.HasPrefix(raw, domain.PATPrefix) }

// CreatePAT creates a personal access token for the caller and returns it
// with the token itself, which is not stored and cannot be shown again.
// Only a person signed in with a browser session may create one: a token
// (personal, service account or identity provider) cannot mint further
// long-lived credentials.
func (s *TokenService) CreatePAT(ctx context.Context, actor *domain.Principal, in NewPAT) (*domain.AccessToken, string, error) {
	if actor == nil || actor.UserID == 0 || actor.Session == nil {
		return nil, "", domain.Errorf(domain.EFORBIDDEN, "personal access tokens can only be created by a user signed in to the dashboard")
	}
	in.Name = strings.TrimSpace(in.Name)
	if err := domain.ValidateCredentialName("name", in.Name); err != nil {
		return nil, "", err
	}
	now := s.now()
	expires := in.ExpiresAt
	switch {
	case in.ExpiresInDays != 0 && in.ExpiresAt != nil:
		return nil, "", domain.Invalid("expires_at", "give expires_in_days or expires_at, not both")
	case in.ExpiresInDays != 0:
		if in.ExpiresInDays < 1 || time.Duration(in.ExpiresInDays)*24*time.Hour > MaxPATLifetime {
			return nil, "", domain.Invalid("expires_in_days", "must be between 1 and %d", int(MaxPATLifetime/(24*time.Hour)))
		}
		t := now.Add(time.Duration(in.ExpiresInDays) * 24 * time.Hour)
		expires = &t
	case expires != nil:
		if !expires.After(now) {
			return nil, "", domain.Invalid("expires_at", "must be in the future")
		}
		if expires.Sub(now) > MaxPATLifetime {
			return nil, "", domain.Invalid("expires_at", "must be within %d days", int(MaxPATLifetime/(24*time.Hour)))
		}
	}
	raw := domain.PATPrefix + randomToken(patBytes)
	t := &domain.AccessToken{UserID: actor.UserID, Name: in.Name, Hash: s.patHash(raw), Prefix: raw[:patShownPrefix], ExpiresAt: expires}
	err := s.db.InTx(ctx, func(tx pgx.Tx) error {
		// Locking the owner serialises concurrent creations for the count,
		// and refuses a user disabled or deleted since signing in.
		u, err := s.users.GetForUpdate(ctx, tx, actor.UserID)
		if err != nil {
			return err
		}
		if u.Disabled {
			return domain.ErrForbidden
		}
		t.Username = u.Username
		n, err := s.pats.CountActive(ctx, tx, u.ID, now)
		if err != nil {
			return err
		}
		if n >= MaxPATsPerUser {
			return domain.Invalid("name", "you already have %d active tokens; revoke some first", n)
		}
		return s.pats.Create(ctx, tx, t)
	})
	if err != nil {
		return nil, "", err
	}
	details := map[string]any{"token_id": t.ID, "name": t.Name, "prefix": t.Prefix}
	if expires != nil {
		details["expires_at"] = expires.UTC().Format(time.RFC3339)
	}
	s.record(ctx, actor, domain.ActionPATCreate, "user", t.Username, details)
	t.Hash = nil
	return t, raw, nil
}

// ListPATs returns personal access tokens, newest first: the caller's own,
// or, when admin, another user's or everyone's.
func (s *TokenService) ListPATs(ctx context.Context, actor *domain.Principal, f PATFilter, admin bool) ([]*domain.AccessToken, error) {
	if actor == nil {
		return nil, domain.ErrUnauthorized
	}
	userID := actor.UserID
	if f.All || (f.UserID != 0 && f.UserID != actor.UserID) {
		if !admin {
			return nil, domain.Errorf(domain.EFORBIDDEN, "only administrators may list other users' tokens")
		}
		userID = f.UserID
		if f.All {
			userID = 0
		}
	}
	if userID == 0 && !f.All {
		return []*domain.AccessToken{}, nil // a service account owns no tokens
	}
	list, err := s.pats.List(ctx, s.db.Pool, userID)
	for _, t := range list {
		t.Hash = nil
	}
	return list, err
}

// RevokePAT revokes a personal access token: its owner's or, when admin,
// anyone's. Others' tokens are "not found", so ids reveal nothing. It takes
// effect at once on this replica and within the state cache TTL on others.
func (s *TokenService) RevokePAT(ctx context.Context, actor *domain.Principal, id int64, admin bool) error {
	if actor == nil {
		return domain.ErrUnauthorized
	}
	t, err := s.pats.Get(ctx, s.db.Pool, id)
	if err != nil {
		return err
	}
	if t.UserID != actor.UserID && !admin {
		return &domain.Error{Code: domain.ENOTFOUND, Message: "access token not found"}
	}
	if err := s.pats.Revoke(ctx, s.db.Pool, id, s.now()); err != nil {
		return err
	}
	s.patCache.forget(func(_ string, v patState) bool { return v.token.ID == id })
	s.record(ctx, actor, domain.ActionPATRevoke, "user", t.Username,
		map[string]any{"token_id": t.ID, "name": t.Name, "prefix": t.Prefix})
	return nil
}

// AuthenticatePAT resolves a personal access token to its owner, with the
// owner's current groups. A revoked, expired or unknown token, or one whose
// owner is disabled, is domain.ErrUnauthorized (the reason in the cause).
func (s *TokenService) AuthenticatePAT(ctx context.Context, raw string) (*domain.Principal, error) {
	rest, ok := strings.CutPrefix(raw, domain.PATPrefix)
	if !ok || !plausibleToken(rest, patBytes) {
		return nil, invalidToken("malformed personal access token", nil)
	}
	hash := s.patHash(raw)
	key := hex.EncodeToString(hash)
	now := s.now()
	st, ok := s.patCache.get(key, now)
	if !ok {
		var err error
		if st, err = s.loadPAT(ctx, hash, now); err != nil {
			return nil, err
		}
		s.patCache.put(key, st, now, now.Add(s.o.StateCacheTTL))
	}
	switch {
	case st.token.RevokedAt != nil:
		return nil, invalidToken("personal access token revoked", nil)
	case !st.token.Usable(now):
		return nil, invalidToken("personal access token expired", nil)
	case st.owner.Disabled:
		return nil, invalidToken("owner disabled", nil)
	}
	return &domain.Principal{UserID: st.owner.ID, Username: st.owner.Username, Groups: slices.Clone(st.owner.Groups),
		AuthMethod: domain.AuthMethodPAT, TokenID: st.token.ID}, nil
}

// loadPAT reads a token and its owner; a load counts as a use.
func (s *TokenService) loadPAT(ctx context.Context, hash []byte, now time.Time) (patState, error) {
	t, err := s.pats.GetByHash(ctx, s.db.Pool, hash)
	if errors.Is(err, domain.ErrNotFound) {
		// Not cached: nothing can make an unknown token valid, and caching
		// guesses would let them crowd out real tokens.
		return patState{}, invalidToken("unknown personal access token", nil)
	}
	if err != nil {
		return patState{}, domain.Unavailable("access token store", err)
	}
	u, err := s.users.Get(ctx, s.db.Pool, t.UserID)
	if errors.Is(err, domain.ErrNotFound) {
		return patState{}, invalidToken("owner deleted", nil)
	}
	if err != nil {
		return patState{}, domain.Unavailable("user store", err)
	}
	t.Hash, u.PasswordHash = nil, ""
	if t.Usable(now) && (t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= time.Minute) {
		if err := s.pats.TouchLastUsed(ctx, s.db.Pool, t.ID, now); err != nil {
			s.log.WarnContext(ctx, "could not record token use", "token_id", t.ID, "error", err)
		}
	}
	return patState{token: t, owner: u}, nil
}

// ForgetUser drops what this replica remembers about the user's personal
// access tokens, so a disable or group change applies to them at once here
// (other replicas notice within the state cache TTL).
func (s *TokenService) ForgetUser(userID int64) {
	s.patCache.forget(func(_ string, v patState) bool { return v.owner.ID == userID })
}
