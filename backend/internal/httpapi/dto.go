package httpapi

import (
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/registry"
)

// ErrorResponse is the body of every error answer.
type ErrorResponse struct {
	Error ErrorBody `json:"error"`
} //	@name	ErrorResponse

// ErrorBody describes what went wrong.
type ErrorBody struct {
	// Stable, machine-readable code, e.g. validation_failed.
	Code string `json:"code" example:"validation_failed"`
	// Human-readable explanation, safe to show to users.
	Message string `json:"message" example:"username: is required"`
	// The request field at fault, for validation errors.
	Field string `json:"field,omitempty" validate:"optional" example:"username"`
} //	@name	ErrorBody

// LoginRequest is the body of POST /api/auth/login.
type LoginRequest struct {
	Username string `json:"username" example:"admin"`
	Password string `json:"password" example:"correct horse battery staple"`
} //	@name	LoginRequest

// Me is the signed-in principal, as returned by login and /api/auth/me.
type Me struct {
	Username string `json:"username" example:"admin"`
	// Groups the principal belongs to, sorted.
	Groups []string `json:"groups"`
	// How the principal authenticated: local (password), oidc (browser
	// sign-in through an identity provider), idp_token (a provider's access
	// token), service_account (a gateway token from client credentials) or
	// pat (a personal access token).
	AuthMethod string `json:"auth_method" example:"local" enums:"local,oidc,idp_token,service_account,pat"`
	// The identity provider that vouched for the principal (oidc, idp_token).
	Provider string `json:"provider,omitempty" example:"okta" validate:"optional"`
	// Holds the registry admin scope (members of mcp-admin always do).
	IsAdmin bool `json:"is_admin"`
	// Every scope the principal holds, from group mappings and group-name conventions.
	Scopes []string `json:"scopes"`
	// May toggle or edit at least one server: the dashboard shows those controls.
	CanModifyServers bool `json:"can_modify_servers"`
	// May register new servers (for some path).
	CanRegisterServers bool `json:"can_register_servers"`
	// Paths of the servers the principal may see.
	AccessibleServers []string `json:"accessible_servers"`
	// Per server path: what the principal may do with it.
	ServerPermissions map[string][]string `json:"server_permissions"`
	// Token to send in X-CSRF-Token with cookie-authenticated writes; absent
	// for bearer-authenticated callers, who need none.
	CSRFToken string `json:"csrf_token,omitempty" validate:"optional"`
	// When the session ends at the latest, however active it is.
	SessionExpiresAt *time.Time `json:"session_expires_at,omitempty" format:"date-time" validate:"optional"`
} //	@name	Me

func meFrom(p *domain.Principal, uc *registry.UserContext) Me {
	m := Me{Username: p.Username, Groups: nonNil(p.Groups), AuthMethod: p.AuthMethod, Provider: p.Provider, IsAdmin: uc.IsAdmin,
		Scopes: nonNil(uc.Scopes), CanModifyServers: uc.CanModifyServers, CanRegisterServers: uc.CanRegister,
		AccessibleServers: make([]string, len(uc.Servers)), ServerPermissions: make(map[string][]string, len(uc.Servers))}
	for i, sa := range uc.Servers {
		m.AccessibleServers[i] = sa.Path
		perms := make([]string, len(sa.Permissions))
		for j, p := range sa.Permissions {
			perms[j] = string(p)
		}
		m.ServerPermissions[sa.Path] = perms
	}
	if p.Session != nil {
		m.CSRFToken = p.Session.CSRFToken
		exp := p.Session.ExpiresAt.UTC()
		m.SessionExpiresAt = &exp
	}
	return m
}

// User is a user account.
type User struct {
	ID          int64  `json:"id" example:"1"`
	Username    string `json:"username" example:"alice"`
	DisplayName string `json:"display_name" example:"Alice Example"`
	Email       string `json:"email" example:"alice@example.com"`
	// local, or the identity provider the user signs in with.
	AuthSource  string     `json:"auth_source" example:"local"`
	Disabled    bool       `json:"disabled"`
	IsAdmin     bool       `json:"is_admin"`
	Groups      []string   `json:"groups"`
	CreatedAt   time.Time  `json:"created_at" format:"date-time"`
	UpdatedAt   time.Time  `json:"updated_at" format:"date-time"`
	LastLoginAt *time.Time `json:"last_login_at,omitempty" format:"date-time" validate:"optional"`
} //	@name	User

func userFrom(u *domain.User) User {
	return User{
		ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Email: u.Email,
		AuthSource: u.AuthSource, Disabled: u.Disabled, IsAdmin: u.IsAdmin(), Groups: nonNil(u.Groups),
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, LastLoginAt: u.LastLoginAt,
	}
}

// UserList is a list of users.
type UserList struct {
	Items []User `json:"items"`
} //	@name	UserList

// CreateUserRequest is the body of POST /api/users.
type CreateUserRequest struct {
	Username string `json:"username" example:"alice"`
	// At least 8 characters.
	Password    string   `json:"password" example:"correct horse battery staple"`
	DisplayName string   `json:"display_name,omitempty" validate:"optional" example:"Alice Example"`
	Email       string   `json:"email,omitempty" validate:"optional" example:"alice@example.com"`
	Groups      []string `json:"groups,omitempty" validate:"optional"`
} //	@name	CreateUserRequest

// UpdateUserRequest is the body of PATCH /api/users/{id}; absent fields are
// left unchanged.
type UpdateUserRequest struct {
	DisplayName *string `json:"display_name,omitempty" validate:"optional"`
	Email       *string `json:"email,omitempty" validate:"optional"`
	// Disabling a user ends all of their sessions at once.
	Disabled *bool `json:"disabled,omitempty" validate:"optional"`
	// A new password; ends all of the user's sessions.
	Password *string `json:"password,omitempty" validate:"optional"`
	// The complete new list of groups; ends all of the user's sessions.
	Groups *[]string `json:"groups,omitempty" validate:"optional"`
} //	@name	UpdateUserRequest

// Group is a group of users.
type Group struct {
	Name        string `json:"name" example:"mcp-admin"`
	Description string `json:"description"`
	// local, or the identity provider that reported the group.
	Source  string `json:"source" example:"local"`
	Members int    `json:"members"`
} //	@name	Group

// GroupDetail is a group with its members.
type GroupDetail struct {
	Group
	// Usernames of the members, sorted.
	MemberNames []string `json:"member_names"`
} //	@name	GroupDetail

// CreateGroupRequest is the body of POST /api/groups.
type CreateGroupRequest struct {
	Name        string `json:"name" example:"mcp-server-currenttime-toggle"`
	Description string `json:"description,omitempty" validate:"optional"`
} //	@name	CreateGroupRequest

// UpdateGroupRequest is the body of PATCH /api/groups/{name}.
type UpdateGroupRequest struct {
	Description *string `json:"description,omitempty" validate:"optional"`
} //	@name	UpdateGroupRequest

// GroupList is a list of groups.
type GroupList struct {
	Items []Group `json:"items"`
} //	@name	GroupList

// Health is the body of /healthz and /readyz.
type Health struct {
	// ok (healthz); ready, degraded (an advisory check failed) or unavailable (readyz).
	Status string `json:"status" example:"ok"`
	// Per dependency: ok, or why it failed.
	Checks map[string]string `json:"checks,omitempty" validate:"optional"`
} //	@name	Health

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
