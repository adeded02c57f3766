package httpapi

import (
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/scopesyml"
)

// Rule grants permissions on one server, or on every server with "*".
type Rule struct {
	// A server path, a server display name, or "*".
	Server string `json:"server" example:"currenttime"`
	// Granted permissions; absent means read and execute (scopes.yml's server rules).
	Permissions *[]string `json:"permissions,omitempty" validate:"optional" enums:"read,execute,toggle,edit,register,health_check"`
	// JSON-RPC methods execute is narrowed to; absent or "*" means all. Protocol housekeeping (initialize, ping, ...) is always allowed with execute.
	Methods *[]string `json:"methods,omitempty" validate:"optional" example:"tools/list,tools/call"`
	// Tools tools/call is narrowed to; absent or "*" means all.
	Tools *[]string `json:"tools,omitempty" validate:"optional" example:"current_time_by_timezone"`
	// The rule belongs to scopes.yml's UI-Scopes section (export writes it there).
	UI bool `json:"ui,omitempty" validate:"optional"`
} //	@name	Rule

// Scope is a named list of rules.
type Scope struct {
	Name        string `json:"name" example:"mcp-servers-restricted/execute"`
	Description string `json:"description"`
	// Built-in scopes cannot be changed.
	Builtin   bool       `json:"builtin"`
	Rules     []Rule     `json:"rules"`
	UpdatedAt *time.Time `json:"updated_at,omitempty" format:"date-time" validate:"optional"`
} //	@name	Scope

// ScopeList lists scopes: the built-in ones first.
type ScopeList struct {
	Items []Scope `json:"items"`
} //	@name	ScopeList

// PutScopeRequest is the body of PUT /api/scopes/{name}.
type PutScopeRequest struct {
	Description string `json:"description,omitempty" validate:"optional"`
	Rules       []Rule `json:"rules"`
} //	@name	PutScopeRequest

// Mapping is the list of scopes a group's members hold.
type Mapping struct {
	// A group name as the identity provider reports it (Entra ID: the object id).
	Group  string   `json:"group" example:"mcp-servers-restricted"`
	Scopes []string `json:"scopes"`
} //	@name	Mapping

// MappingList lists group → scope mappings.
type MappingList struct {
	Items []Mapping `json:"items"`
} //	@name	MappingList

// PutMappingRequest is the body of PUT /api/mappings/{group}.
type PutMappingRequest struct {
	Scopes []string `json:"scopes"`
} //	@name	PutMappingRequest

// ImportResult says what an import wrote.
type ImportResult struct {
	Scopes   int  `json:"scopes"`
	Mappings int  `json:"mappings"`
	Replaced bool `json:"replaced"`
} //	@name	ImportResult

func ptrList[T ~string](in []T) *[]string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return &out
}

func scopeFrom(sc *domain.Scope) Scope {
	out := Scope{Name: sc.Name, Description: sc.Description, Builtin: sc.Builtin, Rules: make([]Rule, len(sc.Rules))}
	if !sc.UpdatedAt.IsZero() {
		t := sc.UpdatedAt.UTC()
		out.UpdatedAt = &t
	}
	for i, r := range sc.Rules {
		out.Rules[i] = Rule{Server: r.Server, Permissions: ptrList(r.Permissions), Methods: ptrList(r.Methods), Tools: ptrList(r.Tools), UI: r.UI}
	}
	return out
}

func rulesFrom(in []Rule) []domain.Rule {
	out := make([]domain.Rule, len(in))
	for i, r := range in {
		out[i] = domain.Rule{Server: r.Server, UI: r.UI}
		if r.Permissions != nil {
			out[i].Permissions = make([]domain.Permission, len(*r.Permissions))
			for j, p := range *r.Permissions {
				out[i].Permissions[j] = domain.Permission(p)
			}
		}
		if r.Methods != nil {
			out[i].Methods = append([]string{}, (*r.Methods)...)
		}
		if r.Tools != nil {
			out[i].Tools = append([]string{}, (*r.Tools)...)
		}
	}
	return out
}

// catchAll returns a catch-all path parameter without its leading slash:
// scope and group names may contain slashes (mcp-servers-restricted/read,
// Keycloak's /group paths).
func catchAll(c *gin.Context, name string) string {
	return strings.TrimPrefix(c.Param(name), "/")
}

// listScopes godoc
//
//	@Summary	List scopes
//	@ID			listScopes
//	@Tags		access
//	@Security	BearerToken
//	@Security	SessionCookie
//	@Produce	json
//	@Success	200	{object}	ScopeList
//	@Failure	401	{object}	ErrorResponse	"Not signed in"
//	@Failure	403	{object}	ErrorResponse	"Not a registry admin"
//	@Router		/api/scopes [get]
func (s *server) listScopes(c *gin.Context) {
	scopes, err := s.Catalog.ListScopes(c.Request.Context(), principalOf(c))
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	out := ScopeList{Items: make([]Scope, len(scopes))}
	for i := range scopes {
		out.Items[i] = scopeFrom(&scopes[i])
	}
	c.JSON(http.StatusOK, out)
}

// getScope godoc
//
//	@Summary		Get a scope
//	@Description	Defined scopes, the built-in registry scopes, and seed 004's mcp:server:{name}:{permission} and mcp:server:{name}:tool:{tool}:execute names.
//	@ID				getScope
//	@Tags			access
//	@Security		BearerToken
//	@Security		SessionCookie
//	@Param			name	path	string	true	"Scope name (may contain slashes)"
//	@Produce		json
//	@Success		200	{object}	Scope
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not a registry admin"
//	@Failure		404	{object}	ErrorResponse	"No such scope"
//	@Router			/api/scopes/{name} [get]
func (s *server) getScope(c *gin.Context) {
	sc, err := s.Catalog.GetScope(c.Request.Context(), principalOf(c), catchAll(c, "name"))
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.JSON(http.StatusOK, scopeFrom(&sc))
}

// putScope godoc
//
//	@Summary		Create or replace a scope
//	@Description	Sets the scope's description and rules. Built-in names cannot be used. Takes effect for every request at once, on every replica within a second.
//	@ID				putScope
//	@Tags			access
//	@Security		BearerToken
//	@Security		SessionCookie || CSRFToken
//	@Param			name	path	string			true	"Scope name (may contain slashes)"
//	@Param			body	body	PutScopeRequest	true	"The scope's rules"
//	@Accept			json
//	@Produce		json
//	@Success		200	{object}	Scope	"Replaced"
//	@Success		201	{object}	Scope	"Created"
//	@Failure		400	{object}	ErrorResponse	"Malformed JSON"
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not a registry admin, or CSRF check failed"
//	@Failure		409	{object}	ErrorResponse	"A built-in scope"
//	@Failure		422	{object}	ErrorResponse	"A rule is invalid"
//	@Router			/api/scopes/{name} [put]
func (s *server) putScope(c *gin.Context) {
	var req PutScopeRequest
	if err := decodeJSON(c, &req); err != nil {
		writeError(c, s.Log, err)
		return
	}
	if req.Rules == nil {
		writeError(c, s.Log, domain.Invalid("rules", "is required (an empty list grants nothing)"))
		return
	}
	sc, created, err := s.Catalog.PutScope(c.Request.Context(), principalOf(c),
		domain.Scope{Name: catchAll(c, "name"), Description: req.Description, Rules: rulesFrom(req.Rules)})
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, scopeFrom(&sc))
}

// deleteScope godoc
//
//	@Summary		Delete a scope
//	@Description	Mappings that name the scope stay; an undefined scope grants nothing.
//	@ID				deleteScope
//	@Tags			access
//	@Security		BearerToken
//	@Security		SessionCookie || CSRFToken
//	@Param			name	path	string	true	"Scope name (may contain slashes)"
//	@Success		204
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not a registry admin, or CSRF check failed"
//	@Failure		404	{object}	ErrorResponse	"No such scope"
//	@Failure		409	{object}	ErrorResponse	"A built-in scope"
//	@Router			/api/scopes/{name} [delete]
func (s *server) deleteScope(c *gin.Context) {
	if err := s.Catalog.DeleteScope(c.Request.Context(), principalOf(c), catchAll(c, "name")); err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// listMappings godoc
//
//	@Summary		List group → scope mappings
//	@Description	Explicit mappings. Group-name conventions (mcp-user, mcp-server-{name}, ...) apply on top unless GROUP_CONVENTIONS is false; mcp-admin is always registry admin.
//	@ID				listMappings
//	@Tags			access
//	@Security		BearerToken
//	@Security		SessionCookie
//	@Produce		json
//	@Success		200	{object}	MappingList
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not a registry admin"
//	@Router			/api/mappings [get]
func (s *server) listMappings(c *gin.Context) {
	ms, err := s.Catalog.ListMappings(c.Request.Context(), principalOf(c))
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	out := MappingList{Items: make([]Mapping, len(ms))}
	for i, m := range ms {
		out.Items[i] = Mapping{Group: m.Group, Scopes: nonNil(m.Scopes)}
	}
	c.JSON(http.StatusOK, out)
}

// getMapping godoc
//
//	@Summary	Get a group's mapping
//	@ID			getMapping
//	@Tags		access
//	@Security	BearerToken
//	@Security	SessionCookie
//	@Param		group	path	string	true	"Group name (may contain slashes)"
//	@Produce	json
//	@Success	200	{object}	Mapping
//	@Failure	401	{object}	ErrorResponse	"Not signed in"
//	@Failure	403	{object}	ErrorResponse	"Not a registry admin"
//	@Failure	404	{object}	ErrorResponse	"The group has no mapping"
//	@Router		/api/mappings/{group} [get]
func (s *server) getMapping(c *gin.Context) {
	m, err := s.Catalog.GetMapping(c.Request.Context(), principalOf(c), catchAll(c, "group"))
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.JSON(http.StatusOK, Mapping{Group: m.Group, Scopes: nonNil(m.Scopes)})
}

// putMapping godoc
//
//	@Summary		Set a group's scopes
//	@Description	Replaces the list of scopes the group's members hold. The group need not exist locally: identity providers report groups by name or object id.
//	@ID				putMapping
//	@Tags			access
//	@Security		BearerToken
//	@Security		SessionCookie || CSRFToken
//	@Param			group	path	string				true	"Group name (may contain slashes)"
//	@Param			body	body	PutMappingRequest	true	"The scopes"
//	@Accept			json
//	@Produce		json
//	@Success		200	{object}	Mapping
//	@Failure		400	{object}	ErrorResponse	"Malformed JSON"
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not a registry admin, or CSRF check failed"
//	@Failure		422	{object}	ErrorResponse	"A scope name is invalid"
//	@Router			/api/mappings/{group} [put]
func (s *server) putMapping(c *gin.Context) {
	var req PutMappingRequest
	if err := decodeJSON(c, &req); err != nil {
		writeError(c, s.Log, err)
		return
	}
	if req.Scopes == nil {
		writeError(c, s.Log, domain.Invalid("scopes", "is required"))
		return
	}
	m := domain.GroupMapping{Group: catchAll(c, "group"), Scopes: req.Scopes}
	if err := s.Catalog.PutMapping(c.Request.Context(), principalOf(c), m); err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.JSON(http.StatusOK, Mapping{Group: m.Group, Scopes: m.Scopes})
}

// deleteMapping godoc
//
//	@Summary	Remove a group's mapping
//	@ID			deleteMapping
//	@Tags		access
//	@Security	BearerToken
//	@Security	SessionCookie || CSRFToken
//	@Param		group	path	string	true	"Group name (may contain slashes)"
//	@Success	204
//	@Failure	401	{object}	ErrorResponse	"Not signed in"
//	@Failure	403	{object}	ErrorResponse	"Not a registry admin, or CSRF check failed"
//	@Failure	404	{object}	ErrorResponse	"The group has no mapping"
//	@Router		/api/mappings/{group} [delete]
func (s *server) deleteMapping(c *gin.Context) {
	if err := s.Catalog.DeleteMapping(c.Request.Context(), principalOf(c), catchAll(c, "group")); err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// exportScopes godoc
//
//	@Summary		Export scopes.yml
//	@Description	Every defined scope and mapping in the scopes.yml format of the Python gateway (UI-Scopes, group_mappings, server scopes). Built-in scopes are not included.
//	@ID				exportScopes
//	@Tags			access
//	@Security		BearerToken
//	@Security		SessionCookie
//	@Produce		application/yaml
//	@Success		200	{string}	string	"scopes.yml"
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not a registry admin"
//	@Router			/api/scopes.yml [get]
func (s *server) exportScopes(c *gin.Context) {
	f, err := s.Catalog.Export(c.Request.Context(), principalOf(c))
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	b, err := scopesyml.Marshal(f)
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="scopes.yml"`)
	c.Data(http.StatusOK, "application/yaml; charset=utf-8", b)
}

// importScopes godoc
//
//	@Summary		Import scopes.yml
//	@Description	Reads a scopes.yml (UI-Scopes, group_mappings, server scopes). By default scopes and mappings in the file are added or overwrite those of the same name; with replace=true everything defined before is removed first. All or nothing: a bad file changes nothing and the error names the place in the file.
//	@ID				importScopes
//	@Tags			access
//	@Security		BearerToken
//	@Security		SessionCookie || CSRFToken
//	@Param			replace	query	bool	false	"Remove every defined scope and mapping first"
//	@Param			body	body	string	true	"scopes.yml"
//	@Accept			application/yaml
//	@Produce		json
//	@Success		200	{object}	ImportResult
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not a registry admin, or CSRF check failed"
//	@Failure		409	{object}	ErrorResponse	"The file defines a built-in scope"
//	@Failure		413	{object}	ErrorResponse	"Body too large"
//	@Failure		415	{object}	ErrorResponse	"Body is not YAML"
//	@Failure		422	{object}	ErrorResponse	"The file is invalid (the message names where)"
//	@Router			/api/scopes.yml [post]
func (s *server) importScopes(c *gin.Context) {
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	switch mt {
	case "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain":
	default:
		writeError(c, s.Log, &domain.Error{Code: eunsupported, Message: "the request body must be YAML (Content-Type: application/yaml)"})
		return
	}
	replace := false
	if v, ok := c.GetQuery("replace"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			writeError(c, s.Log, domain.Invalid("replace", "must be true or false"))
			return
		}
		replace = b
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		writeError(c, s.Log, jsonError(err))
		return
	}
	f, err := scopesyml.Parse(body)
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	res, err := s.Catalog.Import(c.Request.Context(), principalOf(c), f, replace)
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.JSON(http.StatusOK, ImportResult{Scopes: res.Scopes, Mappings: res.Mappings, Replaced: res.Replaced})
}
