package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// Service account credentials.
const (
	// ClientIDPrefix starts every service account's client id.
	ClientIDPrefix = "mcpgw-sa-"
	// ClientSecretPrefix starts every client secret, so secret scanners
	// can find leaked ones.
	ClientSecretPrefix = "mcpgw_sas_"
	secretBytes        = 32 // 256 bits
	maxCredentialBytes = 512
)

// NewServiceAccount is the input of CreateServiceAccount.
type NewServiceAccount struct {
	Name        string
	Description string
	Groups      []string
	ExpiresAt   *time.Time
}

// ServiceAccountPatch is the input of UpdateServiceAccount; nil fields stay
// as they are.
type ServiceAccountPatch struct {
	Description *string
	Groups      *[]string
	Disabled    *bool
	// SetExpiresAt changes the expiry to ExpiresAt (nil: never expires).
	SetExpiresAt bool
	ExpiresAt    *time.Time
}

func newClientID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return ClientIDPrefix + hex.EncodeToString(b)
}

func newClientSecret() string { return ClientSecretPrefix + randomToken(secretBytes) }

func (s *TokenService) secretHash(secret string) []byte { return s.hash("client-secret", secret) }

// CreateServiceAccount creates a service account and returns it with its
// client secret, which is not stored and cannot be shown again.
func (s *TokenService) CreateServiceAccount(ctx context.Context, actor *domain.Principal, in NewServiceAccount) (*domain.ServiceAccount, string, error) {
	in.Name = strings.TrimSpace(in.Name)
	if err := domain.ValidateCredentialName("name", in.Name); err != nil {
		return nil, "", err
	}
	if err := validateDescription(in.Description); err != nil {
		return nil, "", err
	}
	groups, err := normalizeGroups(in.Groups)
	if err != nil {
		return nil, "", err
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(s.now()) {
		return nil, "", domain.Invalid("expires_at", "must be in the future")
	}
	secret := newClientSecret()
	a := &domain.ServiceAccount{Name: in.Name, Description: in.Description, ClientID: newClientID(),
		SecretHash: s.secretHash(secret), Groups: groups, ExpiresAt: in.ExpiresAt, CreatedBy: actorName(actor)}
	if err := s.accounts.Create(ctx, s.db.Pool, a); err != nil {
		return nil, "", err
	}
	s.record(ctx, actor, domain.ActionServiceAccountCreate, "service_account", a.Name,
		map[string]any{"client_id": a.ClientID, "groups": groups})
	a.SecretHash = nil
	return a, secret, nil
}

func actorName(p *domain.Principal) string {
	if p == nil {
		return SystemActor.Username
	}
	return p.Username
}

// ListServiceAccounts returns every service account.
func (s *TokenService) ListServiceAccounts(ctx context.Context) ([]*domain.ServiceAccount, error) {
	list, err := s.accounts.List(ctx, s.db.Pool)
	for _, a := range list {
		a.SecretHash = nil
	}
	return list, err
}

// GetServiceAccount returns one service account.
func (s *TokenService) GetServiceAccount(ctx context.Context, id int64) (*domain.ServiceAccount, error) {
	a, err := s.accounts.Get(ctx, s.db.Pool, id)
	if err != nil {
		return nil, err
	}
	a.SecretHash = nil
	return a, nil
}

// UpdateServiceAccount applies patch. Disabling the account, expiring it or
// changing its groups takes effect on its existing tokens too: at once on
// this replica, within the state cache TTL on the others.
func (s *TokenService) UpdateServiceAccount(ctx context.Context, actor *domain.Principal, id int64, patch ServiceAccountPatch) (*domain.ServiceAccount, error) {
	if patch.Description != nil {
		if err := validateDescription(*patch.Description); err != nil {
			return nil, err
		}
	}
	var groups []string
	if patch.Groups != nil {
		var err error
		if groups, err = normalizeGroups(*patch.Groups); err != nil {
			return nil, err
		}
	}
	if patch.SetExpiresAt && patch.ExpiresAt != nil && !patch.ExpiresAt.After(s.now()) {
		return nil, domain.Invalid("expires_at", "must be in the future")
	}
	var a *domain.ServiceAccount
	var changed []string
	err := s.db.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		if a, err = s.accounts.GetForUpdate(ctx, tx, id); err != nil {
			return err
		}
		if patch.Description != nil && *patch.Description != a.Description {
			a.Description = *patch.Description
			changed = append(changed, "description")
		}
		if patch.Groups != nil && !slices.Equal(groups, a.Groups) {
			a.Groups = groups
			changed = append(changed, "groups")
		}
		if patch.Disabled != nil && *patch.Disabled != a.Disabled {
			a.Disabled = *patch.Disabled
			changed = append(changed, "disabled")
		}
		if patch.SetExpiresAt && !equalTimes(patch.ExpiresAt, a.ExpiresAt) {
			a.ExpiresAt = patch.ExpiresAt
			changed = append(changed, "expires_at")
		}
		if len(changed) == 0 {
			return nil
		}
		return s.accounts.Update(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	a.SecretHash = nil
	if len(changed) > 0 {
		s.forgetAccount(a.ClientID)
		s.record(ctx, actor, domain.ActionServiceAccountUpdate, "service_account", a.Name,
			map[string]any{"changed": changed, "groups": a.Groups, "disabled": a.Disabled})
	}
	return a, nil
}

func equalTimes(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// DeleteServiceAccount removes a service account; its tokens stop working.
func (s *TokenService) DeleteServiceAccount(ctx context.Context, actor *domain.Principal, id int64) error {
	a, err := s.accounts.Get(ctx, s.db.Pool, id)
	if err != nil {
		return err
	}
	if err := s.accounts.Delete(ctx, s.db.Pool, id); err != nil {
		return err
	}
	s.forgetAccount(a.ClientID)
	s.record(ctx, actor, domain.ActionServiceAccountDelete, "service_account", a.Name, map[string]any{"client_id": a.ClientID})
	return nil
}

// RotateServiceAccountSecret gives the account a new client secret, shown
// only in this answer; the old one stops working at once. Tokens already
// issued stay valid (RevokeServiceAccountTokens ends them).
func (s *TokenService) RotateServiceAccountSecret(ctx context.Context, actor *domain.Principal, id int64) (*domain.ServiceAccount, string, error) {
	secret := newClientSecret()
	if err := s.accounts.SetSecretHash(ctx, s.db.Pool, id, s.secretHash(secret)); err != nil {
		return nil, "", err
	}
	a, err := s.GetServiceAccount(ctx, id)
	if err != nil {
		return nil, "", err
	}
	s.record(ctx, actor, domain.ActionServiceAccountSecretRotate, "service_account", a.Name, map[string]any{"client_id": a.ClientID})
	return a, secret, nil
}

// RevokeServiceAccountTokens makes every token issued to the account so far
// invalid; tokens issued afterwards work.
func (s *TokenService) RevokeServiceAccountTokens(ctx context.Context, actor *domain.Principal, id int64) (*domain.ServiceAccount, error) {
	// iat has whole seconds: the next whole second refuses every token of
	// this one; issue dates later tokens no earlier than it.
	notBefore := s.now().Truncate(time.Second).Add(time.Second)
	if err := s.accounts.RevokeTokens(ctx, s.db.Pool, id, notBefore); err != nil {
		return nil, err
	}
	a, err := s.GetServiceAccount(ctx, id)
	if err != nil {
		return nil, err
	}
	s.forgetAccount(a.ClientID)
	s.record(ctx, actor, domain.ActionServiceAccountRevokeTokens, "service_account", a.Name, map[string]any{"client_id": a.ClientID})
	return a, nil
}

func (s *TokenService) forgetAccount(clientID string) {
	s.saCache.forget(func(k string, _ *domain.ServiceAccount) bool { return k == clientID })
}

// ErrInvalidClient is the one answer every refused client authentication
// gets: unknown client, wrong secret, disabled or expired account.
var ErrInvalidClient = &domain.Error{Code: domain.EUNAUTHORIZED, Message: "client authentication failed"}

// ClientCredentials is the OAuth 2 client-credentials grant: it checks a
// service account's client id and secret and issues an access token.
// Attempts are throttled per client id and client IP together, and per
// client IP: a client id is no secret, so counting failures per client id
// alone would let anyone lock a service account out, while its 256-bit
// secret needs no protection from guessing. Every refusal
// is ErrInvalidClient (or domain.ERATELIMITED), the reason going to the
// audit trail only.
func (s *TokenService) ClientCredentials(ctx context.Context, clientID, secret string) (*IssuedToken, error) {
	ri := domain.RequestInfoFrom(ctx)
	key := clientID + "\x00" + ri.ClientIP
	verdict, err := s.throttle.Attempt(ctx, key, ri.ClientIP, s.o.Throttle)
	if err != nil {
		return nil, err
	}
	if verdict.Wait > 0 {
		if verdict.FirstRefusal {
			s.auditGrant(ctx, clientID, nil, domain.OutcomeFailure, "throttled")
		}
		return nil, &domain.Error{Code: domain.ERATELIMITED, Message: "too many failed attempts; try again later", RetryAfter: verdict.Wait}
	}
	hash := s.secretHash(secret) // computed even for unknown clients: same work
	if clientID == "" || len(clientID) > maxCredentialBytes || len(secret) > maxCredentialBytes || !strings.HasPrefix(clientID, ClientIDPrefix) {
		return nil, s.refuseClient(ctx, clientID, nil, "unknown_client")
	}
	a, err := s.accounts.GetByClientID(ctx, s.db.Pool, clientID)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return nil, s.refuseClient(ctx, clientID, nil, "unknown_client")
	case err != nil:
		return nil, domain.Unavailable("service account store", err)
	case !hmac.Equal(hash, a.SecretHash):
		return nil, s.refuseClient(ctx, clientID, a, "wrong_secret")
	case a.Disabled:
		return nil, s.refuseClient(ctx, clientID, a, "disabled")
	case !a.Usable(s.now()):
		return nil, s.refuseClient(ctx, clientID, a, "expired")
	}
	if err := s.throttle.Succeeded(ctx, key, ri.ClientIP); err != nil {
		s.log.WarnContext(ctx, "could not reset client throttle", "error", err)
	}
	tok, err := s.issue(ctx, a)
	if err != nil {
		return nil, err
	}
	if err := s.accounts.TouchLastUsed(ctx, s.db.Pool, a.ID, s.now()); err != nil {
		s.log.WarnContext(ctx, "could not record service account use", "service_account_id", a.ID, "error", err)
	}
	s.auditGrant(ctx, clientID, a, domain.OutcomeSuccess, "")
	return tok, nil
}

func (s *TokenService) refuseClient(ctx context.Context, clientID string, a *domain.ServiceAccount, reason string) error {
	s.auditGrant(ctx, clientID, a, domain.OutcomeFailure, reason)
	return ErrInvalidClient
}

func (s *TokenService) auditGrant(ctx context.Context, clientID string, a *domain.ServiceAccount, outcome, reason string) {
	ev := domain.AuditEvent{
		Action: domain.ActionTokenIssue, Outcome: outcome, AuthMethod: domain.AuthMethodServiceAccount,
		TargetType: "service_account", Target: domain.SafeText(clientID, 128),
		Details: map[string]any{"client_id": domain.SafeText(clientID, 128), "grant_type": "client_credentials"},
	}
	if a != nil {
		ev.Actor, ev.Target = a.Name, a.Name
	}
	if reason != "" {
		ev.Details["reason"] = reason
	}
	s.audit.Record(ctx, ev)
}
