package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/mcpgw/mcpgw/backend/internal/registry"
)

// EffectiveAccess is what a user or group may do, and why.
type EffectiveAccess struct {
	Subject EffectiveSubject `json:"subject"`
	// The user is disabled: they cannot sign in and their tokens are refused; what follows is what their groups would give.
	Disabled bool `json:"disabled"`
	// The subject's groups: a user's as stored (local membership, or as the identity provider last reported them); for a group, just that group.
	Groups []string `json:"groups" example:"developers,mcp-server-weather"`
	// Holds the registry admin scope.
	IsAdmin bool `json:"is_admin"`
	// Every scope each group yields, and why.
	Scopes []EffectiveScope `json:"scopes"`
	// Every registered server the subject holds at least one permission on, by path.
	Servers []EffectiveServer `json:"servers"`
} //	@name	EffectiveAccess

// EffectiveSubject is whose access is explained.
type EffectiveSubject struct {
	Kind string `json:"kind" enums:"user,group" example:"user"`
	// The username (as stored) or the group name.
	Name string `json:"name" example:"alice"`
} //	@name	EffectiveSubject

// EffectiveScope is one scope a group yields.
type EffectiveScope struct {
	Name  string `json:"name" example:"mcp:server:weather:read"`
	Group string `json:"group" example:"mcp-server-weather"`
	// mapping: an explicit group mapping; convention: a group-name convention (mcp-admin, mcp-user, mcp-server-{name}...). A mapped scope that is not defined grants nothing.
	Source string `json:"source" enums:"convention,mapping" example:"convention"`
} //	@name	EffectiveScope

// EffectiveServer is what the subject may do on one server.
type EffectiveServer struct {
	ID          string `json:"id" format:"uuid"`
	Path        string `json:"path" example:"weather"`
	DisplayName string `json:"display_name" example:"Weather"`
	// Effective permissions (toggle, edit, register and health_check imply read), in this order.
	Permissions []string `json:"permissions" enums:"read,execute,toggle,edit,register,health_check" example:"read,execute"`
	// MCP methods execute reaches: ["*"] for all, else the list (protocol housekeeping such as initialize and ping included); empty without execute.
	Methods []string `json:"methods" example:"*"`
	// Tools tools/call may name: ["*"] for all, else the list; empty when no tool may be called.
	Tools []string `json:"tools" example:"*"`
	// The subject's scopes whose rules grant something on this server, sorted.
	GrantedBy []string `json:"granted_by" example:"mcp:server:weather:execute,mcp:server:weather:read"`
} //	@name	EffectiveServer

// wildcardOr is ["*"] when all is set, else list (never null).
func wildcardOr(all bool, list []string) []string {
	if all {
		return []string{"*"}
	}
	return nonNil(list)
}

func effectiveAccessFrom(ea *registry.EffectiveAccess) EffectiveAccess {
	out := EffectiveAccess{
		Subject: EffectiveSubject{Kind: ea.Kind, Name: ea.Name},
		Groups:  nonNil(ea.Groups), IsAdmin: ea.IsAdmin, Disabled: ea.Disabled,
		Scopes:  make([]EffectiveScope, len(ea.Scopes)),
		Servers: make([]EffectiveServer, len(ea.Servers)),
	}
	for i, sc := range ea.Scopes {
		out.Scopes[i] = EffectiveScope{Name: sc.Scope, Group: sc.Group, Source: sc.Source}
	}
	for i, srv := range ea.Servers {
		out.Servers[i] = EffectiveServer{
			ID: srv.ID, Path: srv.Path, DisplayName: srv.DisplayName,
			Permissions: *ptrList(srv.Access.Permissions.Permissions()),
			Methods:     wildcardOr(srv.Access.AllMethods, srv.Access.Methods),
			Tools:       wildcardOr(srv.Access.AllTools, srv.Access.Tools),
			GrantedBy:   nonNil(srv.GrantedBy),
		}
	}
	return out
}

// effectiveAccess godoc
//
//	@Summary		What a user or group may do
//	@Description	Evaluates a user (by username, with their stored groups, as signing in would) or a bare group (which need not exist anywhere: identity providers report groups by name) with the same evaluator the proxy and the registry use, and lists every scope each group yields and every server the subject holds some permission on, with the methods and tools execute reaches there and the scopes that grant it. Give exactly one of user and group.
//	@ID				getEffectiveAccess
//	@Tags			access
//	@Security		BearerToken
//	@Security		SessionCookie
//	@Param			user	query	string	false	"Username"
//	@Param			group	query	string	false	"Group name"
//	@Produce		json
//	@Success		200	{object}	EffectiveAccess
//	@Failure		400	{object}	ErrorResponse	"Neither or both of user and group, or an empty one"
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not a registry admin"
//	@Failure		404	{object}	ErrorResponse	"No such user"
//	@Router			/api/access/effective [get]
func (s *server) effectiveAccess(c *gin.Context) {
	var q registry.AccessQuery
	if v, ok := c.GetQuery("user"); ok {
		q.User = &v
	}
	if v, ok := c.GetQuery("group"); ok {
		q.Group = &v
	}
	ea, err := s.Catalog.EffectiveAccess(c.Request.Context(), principalOf(c), q)
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.JSON(http.StatusOK, effectiveAccessFrom(ea))
}
