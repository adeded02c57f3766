package domain

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Audit actions on gateway-issued credentials.
const (
	ActionServiceAccountCreate       = "service_account.create"
	ActionServiceAccountUpdate       = "service_account.update"
	ActionServiceAccountDelete       = "service_account.delete"
	ActionServiceAccountSecretRotate = "service_account.secret_rotate"
	ActionServiceAccountRevokeTokens = "service_account.revoke_tokens"
	// ActionTokenIssue is a client-credentials grant, granted or refused.
	ActionTokenIssue       = "token.issue"
	ActionPATCreate        = "pat.create"
	ActionPATRevoke        = "pat.revoke"
	ActionSigningKeyCreate = "signing_key.create"
	ActionSigningKeyRotate = "signing_key.rotate"
)

// PATPrefix starts every personal access token, so the bearer middleware
// can tell one from a JWT without parsing, and secret scanners can find
// leaked ones.
const PATPrefix = "mcpgw_pat_"

// ServiceAccount is a non-human client that obtains gateway-issued access
// tokens with the OAuth 2 client-credentials grant.
type ServiceAccount struct {
	ID          int64
	Name        string
	Description string
	ClientID    string
	// SecretHash never leaves the auth and postgres packages.
	SecretHash []byte
	Groups     []string // sorted group names
	Disabled   bool
	ExpiresAt  *time.Time
	// TokensNotBefore, when set, refuses every token issued before it.
	TokensNotBefore *time.Time
	CreatedBy       string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	LastUsedAt      *time.Time
}

// Usable reports whether the account may authenticate at now: enabled and
// not expired.
func (a *ServiceAccount) Usable(now time.Time) bool {
	return !a.Disabled && (a.ExpiresAt == nil || now.Before(*a.ExpiresAt))
}

// AccessToken is a personal access token: a long-lived bearer credential
// that acts as its owner, with the owner's current permissions.
type AccessToken struct {
	ID       int64
	UserID   int64
	Username string // the owner's, for listings
	Name     string
	// Hash never leaves the auth and postgres packages.
	Hash       []byte
	Prefix     string // the first characters, safe to show
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Usable reports whether the token may authenticate at now: not revoked
// and not expired.
func (t *AccessToken) Usable(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

// SigningKey is a key the gateway signs its access tokens with.
type SigningKey struct {
	KID       string
	Alg       string
	PublicKey []byte // PKIX DER
	// SealedPrivateKey is PKCS #8 DER sealed with secretbox; it never
	// leaves the auth and postgres packages.
	SealedPrivateKey []byte
	Active           bool
	CreatedAt        time.Time
	ActivatedAt      *time.Time
	// RetiredAt is when a key replaced by a newer one stops being published
	// and accepted.
	RetiredAt *time.Time
}

// Usable reports whether tokens signed with the key are accepted at now.
func (k *SigningKey) Usable(now time.Time) bool {
	return k.RetiredAt == nil || now.Before(*k.RetiredAt)
}

// ValidateCredentialName checks the name of a service account or a
// personal access token: 1 to 128 characters without control characters,
// not only spaces.
func ValidateCredentialName(field, name string) error {
	if strings.TrimSpace(name) == "" {
		return Invalid(field, "is required")
	}
	if utf8.RuneCountInString(name) > 128 {
		return Invalid(field, "must be at most 128 characters")
	}
	if !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return Invalid(field, "must be text without control characters")
	}
	return nil
}
