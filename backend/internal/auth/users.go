package auth

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
	"github.com/mcpgw/mcpgw/backend/internal/redisstore"
)

// UserService manages local users. It owns the transactions and ends a
// user's sessions whenever what those sessions were granted on changes.
type UserService struct {
	db       *postgres.DB
	users    postgres.Users
	groups   postgres.Groups
	sessions *redisstore.Sessions
	hasher   *Hasher
	audit    Auditor
	log      *slog.Logger
	// forget, when set, drops what this replica remembers of a user's
	// personal access tokens (TokenService.ForgetUser).
	forget func(userID int64)
}

// ForgetTokensWith makes every change that ends a user's sessions also call
// forget, so the change reaches the user's personal access tokens at once
// on this replica (other replicas: within TOKEN_STATE_CACHE_TTL).
func (s *UserService) ForgetTokensWith(forget func(userID int64)) { s.forget = forget }

// endSessions ends every session of the user and forgets their tokens'
// cached state.
func (s *UserService) endSessions(ctx context.Context, userID int64) (int, error) {
	if s.forget != nil {
		s.forget(userID)
	}
	return s.sessions.DeleteUser(ctx, userID)
}

// NewUserService wires the user service.
func NewUserService(db *postgres.DB, sessions *redisstore.Sessions, hasher *Hasher, audit Auditor, log *slog.Logger) *UserService {
	return &UserService{db: db, sessions: sessions, hasher: hasher, audit: audit, log: log}
}

// NewUser is the input of CreateUser.
type NewUser struct {
	Username    string
	Password    string
	DisplayName string
	Email       string
	Groups      []string
}

// UserPatch is the input of UpdateUser; nil fields stay as they are.
type UserPatch struct {
	DisplayName *string
	Email       *string
	Disabled    *bool
	Password    *string
	Groups      *[]string
}

// SystemActor stands for the command line and start-up tasks in the audit
// trail.
var SystemActor = domain.Principal{Username: "system", AuthMethod: "system"}

// CreateUser creates a local user who signs in with a password.
func (s *UserService) CreateUser(ctx context.Context, actor *domain.Principal, in NewUser) (*domain.User, error) {
	in.Username = strings.TrimSpace(in.Username)
	if err := domain.ValidateUsername("username", in.Username); err != nil {
		return nil, err
	}
	if err := domain.ValidatePassword("password", in.Password); err != nil {
		return nil, err
	}
	if err := validateProfile(in.DisplayName, in.Email); err != nil {
		return nil, err
	}
	groups, err := normalizeGroups(in.Groups)
	if err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	u := &domain.User{Username: in.Username, DisplayName: in.DisplayName, Email: in.Email,
		AuthSource: domain.AuthSourceLocal, PasswordHash: hash}
	err = s.db.InTx(ctx, func(tx pgx.Tx) error {
		if err := s.users.Create(ctx, tx, u); err != nil {
			return err
		}
		return s.users.SetGroups(ctx, tx, u.ID, groups)
	})
	if err != nil {
		return nil, err
	}
	u.Groups = groups
	s.record(ctx, actor, domain.ActionUserCreate, u, map[string]any{"groups": groups})
	return u, nil
}

// ListUsers returns every user.
func (s *UserService) ListUsers(ctx context.Context) ([]*domain.User, error) {
	return s.users.List(ctx, s.db.Pool)
}

// GetUser returns one user.
func (s *UserService) GetUser(ctx context.Context, id int64) (*domain.User, error) {
	return s.users.Get(ctx, s.db.Pool, id)
}

// GetUserByUsername returns one user by name.
func (s *UserService) GetUserByUsername(ctx context.Context, username string) (*domain.User, error) {
	return s.users.GetByUsername(ctx, s.db.Pool, username)
}

// ListGroups returns every group.
func (s *UserService) ListGroups(ctx context.Context) ([]domain.Group, error) {
	return s.groups.List(ctx, s.db.Pool)
}

// UpdateUser applies patch to the user with id. Disabling the user, changing
// the password or changing the groups ends all of the user's sessions.
func (s *UserService) UpdateUser(ctx context.Context, actor *domain.Principal, id int64, patch UserPatch) (*domain.User, error) {
	if patch.Password != nil {
		if err := domain.ValidatePassword("password", *patch.Password); err != nil {
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
	var hash string
	if patch.Password != nil {
		var err error
		if hash, err = s.hasher.Hash(ctx, *patch.Password); err != nil {
			return nil, err
		}
	}

	var u *domain.User
	var prev domain.User
	var changed []string
	endSessions := false
	err := s.db.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		if u, err = s.users.GetForUpdate(ctx, tx, id); err != nil {
			return err
		}
		prev = *u
		self := actor != nil && actor.UserID == u.ID
		if patch.DisplayName != nil && *patch.DisplayName != u.DisplayName {
			u.DisplayName = *patch.DisplayName
			changed = append(changed, "display_name")
		}
		if patch.Email != nil && *patch.Email != u.Email {
			u.Email = *patch.Email
			changed = append(changed, "email")
		}
		if err := validateProfile(u.DisplayName, u.Email); err != nil {
			return err
		}
		if patch.Disabled != nil && *patch.Disabled != u.Disabled {
			if self && *patch.Disabled {
				return domain.Invalid("disabled", "you cannot disable your own account")
			}
			u.Disabled = *patch.Disabled
			changed = append(changed, "disabled")
			endSessions = endSessions || u.Disabled
		}
		if len(changed) > 0 {
			if err := s.users.Update(ctx, tx, u); err != nil {
				return err
			}
		}
		if patch.Password != nil {
			if u.AuthSource != domain.AuthSourceLocal {
				return domain.Invalid("password", "user %q signs in through %s and has no local password", u.Username, u.AuthSource)
			}
			if err := s.users.SetPasswordHash(ctx, tx, u.ID, hash); err != nil {
				return err
			}
			changed = append(changed, "password")
			endSessions = true
		}
		if patch.Groups != nil && !slices.Equal(groups, u.Groups) {
			if self && u.IsAdmin() && !slices.Contains(groups, domain.AdminGroup) {
				return domain.Invalid("groups", "you cannot remove yourself from %s", domain.AdminGroup)
			}
			if err := s.users.SetGroups(ctx, tx, u.ID, groups); err != nil {
				return err
			}
			u.Groups = groups
			changed = append(changed, "groups")
			endSessions = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if endSessions {
		n, err := s.endSessions(ctx, u.ID)
		if err != nil {
			// The change is committed; say so rather than pretend it failed.
			s.log.ErrorContext(ctx, "user changed but sessions could not be ended", "user_id", u.ID, "error", err)
			return nil, err
		}
		s.log.InfoContext(ctx, "ended user's sessions", "user_id", u.ID, "sessions", n)
	}
	if len(changed) > 0 {
		action := domain.ActionUserUpdate
		switch {
		case slices.Equal(changed, []string{"disabled"}) && u.Disabled:
			action = domain.ActionUserDisable
		case slices.Equal(changed, []string{"disabled"}):
			action = domain.ActionUserEnable
		case slices.Equal(changed, []string{"password"}):
			action = domain.ActionUserPassword
		}
		s.record(ctx, actor, action, u, map[string]any{"changed": changed,
			"before": userSummary(&prev, changed), "after": userSummary(u, changed)})
	}
	return u, nil
}

// userSummary is what the audit trail keeps of the changed fields of u;
// a password change is listed in "changed" only.
func userSummary(u *domain.User, changed []string) map[string]any {
	m := map[string]any{}
	for _, f := range changed {
		switch f {
		case "display_name":
			m[f] = u.DisplayName
		case "email":
			m[f] = u.Email
		case "disabled":
			m[f] = u.Disabled
		case "groups":
			m[f] = u.Groups
		}
	}
	return m
}

// DeleteUser removes a user and ends their sessions. Nobody can delete
// themselves, so an administrator cannot lock everyone out by accident.
func (s *UserService) DeleteUser(ctx context.Context, actor *domain.Principal, id int64) error {
	if actor != nil && actor.UserID == id {
		return domain.Errorf(domain.ECONFLICT, "you cannot delete your own account")
	}
	var u *domain.User
	err := s.db.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		if u, err = s.users.GetForUpdate(ctx, tx, id); err != nil {
			return err
		}
		return s.users.Delete(ctx, tx, id)
	})
	if err != nil {
		return err
	}
	// The deletion is committed: it is recorded whatever happens next.
	s.record(ctx, actor, domain.ActionUserDelete, u, map[string]any{"before": map[string]any{
		"username": u.Username, "groups": u.Groups, "auth_source": u.AuthSource, "disabled": u.Disabled}})
	if _, err := s.endSessions(ctx, id); err != nil {
		s.log.ErrorContext(ctx, "user deleted but sessions could not be ended", "user_id", id, "error", err)
		return err
	}
	return nil
}

// GroupDetail is a group with its members.
type GroupDetail struct {
	domain.Group
	Members []string // usernames, sorted
}

// GetGroup returns a group and its members.
func (s *UserService) GetGroup(ctx context.Context, name string) (*GroupDetail, error) {
	g, err := s.groups.Get(ctx, s.db.Pool, name)
	if err != nil {
		return nil, err
	}
	members, err := s.groups.Members(ctx, s.db.Pool, name)
	if err != nil {
		return nil, err
	}
	return &GroupDetail{Group: *g, Members: members}, nil
}

// CreateGroup creates a local group.
func (s *UserService) CreateGroup(ctx context.Context, actor *domain.Principal, name, description string) (*domain.Group, error) {
	if err := domain.ValidateGroupName("name", name); err != nil {
		return nil, err
	}
	if err := validateDescription(description); err != nil {
		return nil, err
	}
	g := &domain.Group{Name: name, Description: description}
	if err := s.groups.Create(ctx, s.db.Pool, g); err != nil {
		return nil, err
	}
	s.recordGroup(ctx, actor, domain.ActionGroupCreate, name, map[string]any{"after": map[string]any{"description": description}})
	return g, nil
}

// UpdateGroup changes a group's description.
func (s *UserService) UpdateGroup(ctx context.Context, actor *domain.Principal, name, description string) (*domain.Group, error) {
	if err := validateDescription(description); err != nil {
		return nil, err
	}
	var before *domain.Group
	err := s.db.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		if before, err = s.groups.Get(ctx, tx, name); err != nil {
			return err
		}
		return s.groups.SetDescription(ctx, tx, name, description)
	})
	if err != nil {
		return nil, err
	}
	s.recordGroup(ctx, actor, domain.ActionGroupUpdate, name, map[string]any{
		"before": map[string]any{"description": before.Description}, "after": map[string]any{"description": description}})
	g := *before
	g.Description = description
	return &g, nil
}

// DeleteGroup removes a group; its members' sessions end, since what they
// were granted at sign-in changed. The administrator group cannot go.
func (s *UserService) DeleteGroup(ctx context.Context, actor *domain.Principal, name string) error {
	if name == domain.AdminGroup {
		return domain.Errorf(domain.ECONFLICT, "%s is the registry administrator group and cannot be deleted", domain.AdminGroup)
	}
	members, err := s.groups.Delete(ctx, s.db.Pool, name)
	if err != nil {
		return err
	}
	s.recordGroup(ctx, actor, domain.ActionGroupDelete, name, map[string]any{"before": map[string]any{"members": len(members)}})
	// Every member's sessions are ended even if one fails: a session left
	// behind still carries the deleted group.
	var failed error
	for _, id := range members {
		if _, err := s.endSessions(ctx, id); err != nil {
			s.log.ErrorContext(ctx, "group deleted but a member's sessions could not be ended", "user_id", id, "error", err)
			failed = err
		}
	}
	return failed
}

func (s *UserService) recordGroup(ctx context.Context, actor *domain.Principal, action, name string, details map[string]any) {
	if actor == nil {
		actor = &SystemActor
	}
	s.audit.Record(ctx, domain.AuditEvent{
		Action: action, Outcome: domain.OutcomeSuccess,
		Actor: actor.Username, ActorID: actor.UserID, AuthMethod: actor.AuthMethod,
		TargetType: "group", Target: name, Details: details,
	})
}

func validateDescription(d string) error {
	if utf8.RuneCountInString(d) > 1000 || !utf8.ValidString(d) {
		return domain.Invalid("description", "must be text of at most 1000 characters")
	}
	if strings.ContainsFunc(d, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) {
		return domain.Invalid("description", "must not contain control characters")
	}
	return nil
}

// EnsureBootstrapAdmin creates the first administrator when there are no
// users at all. With an empty password it generates one and returns it, so
// the caller can show it once. Replicas starting together create one admin:
// the check and the insert run under a transaction-scoped advisory lock.
func (s *UserService) EnsureBootstrapAdmin(ctx context.Context, username, password string) (created bool, generated string, err error) {
	if password == "" {
		generated = GeneratePassword()
		password = generated
	} else if err := domain.ValidatePassword("ADMIN_PASSWORD", password); err != nil {
		return false, "", err
	}
	if err := domain.ValidateUsername("ADMIN_USER", username); err != nil {
		return false, "", err
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return false, "", err
	}
	u := &domain.User{Username: username, DisplayName: "Administrator", AuthSource: domain.AuthSourceLocal, PasswordHash: hash}
	err = s.db.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('mcpgw:bootstrap-admin'))`); err != nil {
			return err
		}
		n, err := s.users.Count(ctx, tx)
		if err != nil || n > 0 {
			return err
		}
		if err := s.users.Create(ctx, tx, u); err != nil {
			return err
		}
		created = true
		return s.users.SetGroups(ctx, tx, u.ID, []string{domain.AdminGroup})
	})
	if err != nil || !created {
		return false, "", err
	}
	u.Groups = []string{domain.AdminGroup}
	s.record(ctx, &SystemActor, domain.ActionUserCreate, u, map[string]any{"bootstrap": true})
	return true, generated, nil
}

func (s *UserService) record(ctx context.Context, actor *domain.Principal, action string, u *domain.User, details map[string]any) {
	if actor == nil {
		actor = &SystemActor
	}
	s.audit.Record(ctx, domain.AuditEvent{
		Action: action, Outcome: domain.OutcomeSuccess,
		Actor: actor.Username, ActorID: actor.UserID, AuthMethod: actor.AuthMethod,
		TargetType: "user", Target: u.Username, Details: details,
	})
}

func validateProfile(displayName, email string) error {
	if len(displayName) > 256 {
		return domain.Invalid("display_name", "must be at most 256 bytes")
	}
	if strings.IndexFunc(displayName, unicode.IsControl) >= 0 || !utf8.ValidString(displayName) {
		return domain.Invalid("display_name", "must be text without control characters")
	}
	if email != "" {
		at := strings.LastIndexByte(email, '@')
		if at < 1 || at == len(email)-1 || len(email) > 254 || strings.IndexFunc(email, domain.SpaceOrControl) >= 0 {
			return domain.Invalid("email", "is not an email address")
		}
	}
	return nil
}

// normalizeGroups validates group names and returns them sorted without
// duplicates.
func normalizeGroups(in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, g := range in {
		if err := domain.ValidateGroupName("groups", g); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// GeneratePassword returns a random 24-character password (144 bits).
func GeneratePassword() string { return randomToken(18) }
