package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/registry"
)

// listServers godoc
//
//	@Summary		List servers
//	@Description	The servers the caller may see, filtered and sorted, one page at a time. q searches display name, path, description, tags and tool names.
//	@ID				listServers
//	@Tags			servers
//	@Security		BearerToken
//	@Security		SessionCookie
//	@Param			q		query	string	false	"Search text"
//	@Param			tag		query	[]string	false	"Only servers with all of these tags"	collectionFormat(multi)
//	@Param			enabled	query	bool	false	"Only enabled (true) or disabled (false) servers"
//	@Param			health	query	string	false	"Only servers in this health state"	Enums(unknown,healthy,unhealthy,auth-required,disabled)
//	@Param			sort	query	string	false	"Sort key (default name)"	Enums(name,path,created_at,updated_at)
//	@Param			order	query	string	false	"Sort order (default asc)"	Enums(asc,desc)
//	@Param			limit	query	int		false	"Page size, 1-500 (default 50)"
//	@Param			cursor	query	string	false	"next_cursor of the previous page"
//	@Produce		json
//	@Success		200	{object}	ServerList
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		422	{object}	ErrorResponse	"A query parameter is invalid"
//	@Router			/api/servers [get]
func (s *server) listServers(c *gin.Context) {
	q := registry.ListQuery{Search: c.Query("q"), Tags: c.QueryArray("tag"), Health: c.Query("health"),
		Sort: c.Query("sort"), Cursor: c.Query("cursor")}
	switch c.Query("order") {
	case "", "asc":
	case "desc":
		q.Desc = true
	default:
		writeError(c, s.Log, domain.Invalid("order", "must be asc or desc"))
		return
	}
	if v, ok := c.GetQuery("enabled"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			writeError(c, s.Log, domain.Invalid("enabled", "must be true or false"))
			return
		}
		q.Enabled = &b
	}
	if v, ok := c.GetQuery("limit"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(c, s.Log, domain.Invalid("limit", "must be a number between 1 and %d", registry.MaxPageSize))
			return
		}
		q.Limit = n
	}
	page, err := s.Catalog.ListServers(c.Request.Context(), principalOf(c), q)
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	out := ServerList{Items: make([]Server, 0, len(page.Servers)), NextCursor: page.NextCursor}
	for i := range page.Servers {
		out.Items = append(out.Items, serverFrom(&page.Servers[i]))
	}
	c.JSON(http.StatusOK, out)
}

// createServer godoc
//
//	@Summary		Register a server
//	@Description	Needs the register permission for the new path. The upstream URL must be http(s) without user info; link-local and cloud-metadata addresses are refused (also when the host name resolves there). Egress secrets are stored encrypted and never returned.
//	@ID				createServer
//	@Tags			servers
//	@Security		BearerToken
//	@Security		SessionCookie || CSRFToken
//	@Param			body	body	CreateServerRequest	true	"The server"
//	@Accept			json
//	@Produce		json
//	@Success		201	{object}	Server
//	@Header			201	{string}	ETag	"The server's version"
//	@Failure		400	{object}	ErrorResponse	"Malformed JSON"
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Missing permission (named in the message), or CSRF check failed"
//	@Failure		409	{object}	ErrorResponse	"Path or display name taken"
//	@Failure		413	{object}	ErrorResponse	"Body too large"
//	@Failure		415	{object}	ErrorResponse	"Body is not JSON"
//	@Failure		422	{object}	ErrorResponse	"A field is missing or invalid"
//	@Router			/api/servers [post]
func (s *server) createServer(c *gin.Context) {
	var req CreateServerRequest
	if err := decodeJSON(c, &req); err != nil {
		writeError(c, s.Log, err)
		return
	}
	v, err := s.Catalog.CreateServer(c.Request.Context(), principalOf(c), req.input())
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.Header("ETag", etag(v.Version))
	c.Header("Location", "/api/servers/"+v.ID)
	c.JSON(http.StatusCreated, serverFrom(v))
}

// getServer godoc
//
//	@Summary	Get a server
//	@ID			getServer
//	@Tags		servers
//	@Security	BearerToken
//	@Security	SessionCookie
//	@Param		id	path	string	true	"Server id"	format(uuid)
//	@Produce	json
//	@Success	200	{object}	Server
//	@Header		200	{string}	ETag	"The server's version"
//	@Failure	401	{object}	ErrorResponse	"Not signed in"
//	@Failure	404	{object}	ErrorResponse	"No such server, or not visible to the caller"
//	@Router		/api/servers/{id} [get]
func (s *server) getServer(c *gin.Context) {
	v, err := s.Catalog.GetServer(c.Request.Context(), principalOf(c), c.Param("id"))
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.Header("ETag", etag(v.Version))
	c.JSON(http.StatusOK, serverFrom(v))
}

// updateServer godoc
//
//	@Summary		Update a server
//	@Description	Changes the fields present in the body; needs edit on the server (and register for a new path). With If-Match, the update applies only if the server is still at that version, otherwise 412. Egress token or header values left out are kept.
//	@ID				updateServer
//	@Tags			servers
//	@Security		BearerToken
//	@Security		SessionCookie || CSRFToken
//	@Param			id			path	string				true	"Server id"	format(uuid)
//	@Param			If-Match	header	string				false	"ETag (version) the change is based on"
//	@Param			body		body	UpdateServerRequest	true	"Fields to change"
//	@Accept			json
//	@Produce		json
//	@Success		200	{object}	Server
//	@Header			200	{string}	ETag	"The server's new version"
//	@Failure		400	{object}	ErrorResponse	"Malformed JSON"
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Missing permission (named in the message), or CSRF check failed"
//	@Failure		404	{object}	ErrorResponse	"No such server, or not visible to the caller"
//	@Failure		409	{object}	ErrorResponse	"Path or display name taken"
//	@Failure		412	{object}	ErrorResponse	"The server changed since the version in If-Match"
//	@Failure		413	{object}	ErrorResponse	"Body too large"
//	@Failure		415	{object}	ErrorResponse	"Body is not JSON"
//	@Failure		422	{object}	ErrorResponse	"A field is invalid"
//	@Router			/api/servers/{id} [patch]
func (s *server) updateServer(c *gin.Context) {
	ifVersion, ok := s.ifMatch(c)
	if !ok {
		return
	}
	var req UpdateServerRequest
	if err := decodeJSON(c, &req); err != nil {
		writeError(c, s.Log, err)
		return
	}
	v, err := s.Catalog.UpdateServer(c.Request.Context(), principalOf(c), c.Param("id"), req.input(), ifVersion)
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.Header("ETag", etag(v.Version))
	c.JSON(http.StatusOK, serverFrom(v))
}

// toggleServer godoc
//
//	@Summary		Enable or disable a server
//	@Description	Needs the toggle permission on the server. A disabled server's proxy path answers 503.
//	@ID				toggleServer
//	@Tags			servers
//	@Security		BearerToken
//	@Security		SessionCookie || CSRFToken
//	@Param			id			path	string			true	"Server id"	format(uuid)
//	@Param			If-Match	header	string			false	"ETag (version) the change is based on"
//	@Param			body		body	ToggleRequest	true	"The new state"
//	@Accept			json
//	@Produce		json
//	@Success		200	{object}	Server
//	@Header			200	{string}	ETag	"The server's new version"
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Missing permission, or CSRF check failed"
//	@Failure		404	{object}	ErrorResponse	"No such server, or not visible to the caller"
//	@Failure		412	{object}	ErrorResponse	"The server changed since the version in If-Match"
//	@Failure		422	{object}	ErrorResponse	"A field is invalid"
//	@Router			/api/servers/{id}/toggle [post]
func (s *server) toggleServer(c *gin.Context) {
	ifVersion, ok := s.ifMatch(c)
	if !ok {
		return
	}
	var req struct {
		Enabled *bool `json:"enabled"`
	}
	if err := decodeJSON(c, &req); err != nil {
		writeError(c, s.Log, err)
		return
	}
	if req.Enabled == nil {
		writeError(c, s.Log, domain.Invalid("enabled", "is required"))
		return
	}
	v, err := s.Catalog.ToggleServer(c.Request.Context(), principalOf(c), c.Param("id"), *req.Enabled, ifVersion)
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.Header("ETag", etag(v.Version))
	c.JSON(http.StatusOK, serverFrom(v))
}

// refreshServer godoc
//
//	@Summary		Check a server now
//	@Description	Needs the health_check permission on the server. Runs one MCP exchange with it (initialize, every tools/list page, end of session) with its egress credentials, stores the result and the tools, and returns the server as stored afterwards. Any replica answers it, whichever one polls.
//	@ID				refreshServer
//	@Tags			servers
//	@Security		BearerToken
//	@Security		SessionCookie || CSRFToken
//	@Param			id	path	string	true	"Server id"	format(uuid)
//	@Produce		json
//	@Success		200	{object}	Server
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Missing permission, or CSRF check failed"
//	@Failure		404	{object}	ErrorResponse	"No such server, or not visible to the caller"
//	@Failure		409	{object}	ErrorResponse	"The server is disabled"
//	@Failure		503	{object}	ErrorResponse	"Health checks are not available, or Postgres is down"
//	@Router			/api/servers/{id}/refresh [post]
func (s *server) refreshServer(c *gin.Context) {
	if s.Health == nil {
		writeError(c, s.Log, &domain.Error{Code: domain.EUNAVAILABLE, Message: "health checks are not available"})
		return
	}
	v, err := s.Catalog.RefreshServer(c.Request.Context(), principalOf(c), c.Param("id"), func(ctx context.Context, srv *domain.Server) error {
		_, err := s.Health.CheckNow(ctx, srv)
		return err
	})
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.Header("ETag", etag(v.Version))
	c.JSON(http.StatusOK, serverFrom(v))
}

// deleteServer godoc
//
//	@Summary		Remove a server
//	@Description	Needs the register permission on the server. Its tools go with it.
//	@ID				deleteServer
//	@Tags			servers
//	@Security		BearerToken
//	@Security		SessionCookie || CSRFToken
//	@Param			id			path	string	true	"Server id"	format(uuid)
//	@Param			If-Match	header	string	false	"ETag (version) the deletion is based on"
//	@Success		204
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Missing permission, or CSRF check failed"
//	@Failure		404	{object}	ErrorResponse	"No such server, or not visible to the caller"
//	@Failure		412	{object}	ErrorResponse	"The server changed since the version in If-Match"
//	@Router			/api/servers/{id} [delete]
func (s *server) deleteServer(c *gin.Context) {
	ifVersion, ok := s.ifMatch(c)
	if !ok {
		return
	}
	if err := s.Catalog.DeleteServer(c.Request.Context(), principalOf(c), c.Param("id"), ifVersion); err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// listTools godoc
//
//	@Summary		List a server's tools
//	@Description	The tools the health checks found on the server, with their input schemas and definition-change flags.
//	@ID				listServerTools
//	@Tags			servers
//	@Security		BearerToken
//	@Security		SessionCookie
//	@Param			id	path	string	true	"Server id"	format(uuid)
//	@Produce		json
//	@Success		200	{object}	ToolList
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		404	{object}	ErrorResponse	"No such server, or not visible to the caller"
//	@Router			/api/servers/{id}/tools [get]
func (s *server) listTools(c *gin.Context) {
	tools, err := s.Catalog.ListTools(c.Request.Context(), principalOf(c), c.Param("id"))
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	out := ToolList{Items: make([]Tool, 0, len(tools))}
	for _, t := range tools {
		out.Items = append(out.Items, Tool{Name: t.Name, Description: t.Description, InputSchema: t.InputSchema,
			Annotations: t.Annotations, DefinitionHash: t.DefinitionHash, FirstSeenAt: t.FirstSeenAt,
			UpdatedAt: t.UpdatedAt, DefinitionChangedAt: t.DefinitionChangedAt})
	}
	c.JSON(http.StatusOK, out)
}

// serverHealth godoc
//
//	@Summary		Get a server's health history
//	@Description	The server's stored health checks, newest first: every poller check and refresh whose result was stored (a check made stale by an edit or a toggle is not). The newest 200 are kept.
//	@ID				getServerHealth
//	@Tags			servers
//	@Security		BearerToken
//	@Security		SessionCookie
//	@Param			id		path	string	true	"Server id"	format(uuid)
//	@Param			limit	query	int		false	"How many checks, 1-200 (default 50)"	minimum(1)	maximum(200)
//	@Produce		json
//	@Success		200	{object}	HealthHistory
//	@Failure		400	{object}	ErrorResponse	"limit is not a number between 1 and 200"
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		404	{object}	ErrorResponse	"No such server, or not visible to the caller"
//	@Router			/api/servers/{id}/health [get]
func (s *server) serverHealth(c *gin.Context) {
	limit := 0 // the service's default
	if v, ok := c.GetQuery("limit"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(c, s.Log, registry.BadHealthHistoryLimit())
			return
		}
		limit = n
	}
	checks, err := s.Catalog.HealthHistory(c.Request.Context(), principalOf(c), c.Param("id"), limit)
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	out := HealthHistory{Items: make([]HealthCheck, 0, len(checks))}
	for _, h := range checks {
		out.Items = append(out.Items, HealthCheck{CheckedAt: h.CheckedAt, Status: h.Status, Error: h.Error,
			LatencyMS: h.LatencyMS, ToolCount: h.ToolCount})
	}
	c.JSON(http.StatusOK, out)
}

// etag renders a server version as an entity tag.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// ifMatch reads If-Match: absent or "*" means any version. A value that is
// not one of our entity tags cannot match, which is a 412 by definition.
func (s *server) ifMatch(c *gin.Context) (*int64, bool) {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if h == "" || h == "*" {
		return nil, true
	}
	// Clients send back the one ETag they hold; the first one counts. Weak
	// tags never match: If-Match compares strongly (RFC 9110).
	tag, _, _ := strings.Cut(h, ",")
	tag = strings.TrimSpace(tag)
	v, err := strconv.ParseInt(strings.Trim(tag, `"`), 10, 64)
	if err != nil || v <= 0 || strings.HasPrefix(tag, "W/") {
		writeError(c, s.Log, domain.Errorf(domain.EPRECONDITION, "If-Match must hold the server's ETag, e.g. \"3\""))
		return nil, false
	}
	return &v, true
}
