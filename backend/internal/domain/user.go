package domain

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// AuthSourceLocal marks users who sign in with a password stored here.
const AuthSourceLocal = "local"

// AdminGroup is seed 001's registry administrator group: its members may do
// everything.
const AdminGroup = "mcp-admin"

// Password length limits. The upper bound keeps hashing cost bounded.
const (
	MinPasswordLength = 8
	MaxPasswordLength = 1024
)

// User is a person or identity known to the registry.
type User struct {
	ID           int64
	Username     string
	DisplayName  string
	Email        string
	AuthSource   string // AuthSourceLocal or an identity provider's name
	Subject      string // the identity provider's subject (sub); "" for local users
	Disabled     bool
	Groups       []string // sorted group names
	PasswordHash string   // never leaves the auth and postgres packages
	CreatedAt    time.Time
	UpdatedAt    time.Time
	LastLoginAt  *time.Time
}

// IsAdmin reports whether the user belongs to the administrator group.
func (u *User) IsAdmin() bool { return slices.Contains(u.Groups, AdminGroup) }

// ValidateUsername checks a username for a local account: 1 to 128
// characters, no spaces or control characters.
func ValidateUsername(field, name string) error {
	if name == "" {
		return Invalid(field, "is required")
	}
	if utf8.RuneCountInString(name) > 128 {
		return Invalid(field, "must be at most 128 characters")
	}
	if !utf8.ValidString(name) || strings.IndexFunc(name, SpaceOrControl) >= 0 {
		return Invalid(field, "must be text without spaces or control characters")
	}
	return nil
}

// SpaceOrControl reports whether r is whitespace or a control character,
// neither of which belongs in a name or an address.
func SpaceOrControl(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }

// ValidatePassword checks a new password's length; length is what matters
// (NIST SP 800-63B), so there are no composition rules.
func ValidatePassword(field, pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLength {
		return Invalid(field, "must be at least %d characters", MinPasswordLength)
	}
	if len(pw) > MaxPasswordLength {
		return Invalid(field, "must be at most %d bytes", MaxPasswordLength)
	}
	return nil
}

// ValidateGroupName checks a group name: 1 to 256 characters without
// control characters.
func ValidateGroupName(field, name string) error {
	if name == "" {
		return Invalid(field, "must not be empty")
	}
	if utf8.RuneCountInString(name) > 256 {
		return Invalid(field, "must be at most 256 characters")
	}
	if !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return Invalid(field, "must be text without control characters")
	}
	return nil
}

// Group is a named set of users; groups map to scopes.
type Group struct {
	ID          int64
	Name        string
	Description string
	Source      string // AuthSourceLocal or the identity provider that reported it
	Members     int
}
