package httpapi

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/proxy"
)

// MCPProxy is the MCP reverse proxy, as far as the API's routes reach it:
// seed 004's aliases and the protected-resource metadata.
type MCPProxy interface {
	ServeAlias(w http.ResponseWriter, r *http.Request, server, rest, transport string)
	Metadata(path string) (proxy.ResourceMetadata, bool)
}

// proxyRoutes registers the aliases and the metadata. The aliases carry
// MCP traffic: none of the API's middleware (body limit, JSON errors,
// authentication) applies, the proxy does its own.
func (s *server) proxyRoutes(r *gin.Engine) {
	r.GET("/api/streamable/*server", s.streamableGet)
	r.POST("/api/streamable/*server", s.streamablePost)
	r.DELETE("/api/streamable/*server", s.streamableDelete)
	r.GET("/api/execute/*server", s.executeGet)
	r.POST("/api/execute/*server", s.executePost)
	r.DELETE("/api/execute/*server", s.executeDelete)
	r.GET("/.well-known/oauth-protected-resource/*path", s.resourceMetadata)
}

// alias hands an alias request to the proxy: *server is "/{server}[/rest]".
func (s *server) alias(c *gin.Context, transport string) {
	if s.Proxy == nil {
		writeError(c, s.Log, domain.Errorf(domain.ENOTFOUND, "the MCP proxy is not enabled"))
		return
	}
	name, rest, found := strings.Cut(strings.TrimPrefix(c.Param("server"), "/"), "/")
	if found {
		rest = "/" + rest
	}
	s.Proxy.ServeAlias(c.Writer, c.Request, name, rest, transport)
}

// streamableGet godoc
//
//	@Summary		Streamable HTTP alias: open the server's stream
//	@Description	Seed 004's alias of /{server}: the MCP server's Streamable HTTP endpoint (its registered upstream URL, or /mcp beside it). GET opens the server-to-client event stream. Authentication, permission checks and errors are the proxy's: bearer token (Authorization or X-Authorization) or session cookie; JSON-RPC errors.
//	@ID				streamableGet
//	@Tags			mcp
//	@Security		BearerToken
//	@Security		SessionCookie
//	@Param			server	path	string	true	"Server path, optionally followed by a sub-path"
//	@Produce		text/event-stream
//	@Success		200
//	@Failure		401	"No or invalid credentials (WWW-Authenticate names the resource metadata)"
//	@Failure		403	"The caller may not use this server"
//	@Router			/api/streamable/{server} [get]
func (s *server) streamableGet(c *gin.Context) { s.alias(c, domain.TransportStreamableHTTP) }

// streamablePost godoc
//
//	@Summary		Streamable HTTP alias: send JSON-RPC
//	@Description	Seed 004's alias of /{server}. The body (one JSON-RPC message or a batch) is checked message by message (method, and tool for tools/call) before anything is forwarded; the answer is JSON or an event stream, tools/list results filtered to the tools the caller may call.
//	@ID				streamablePost
//	@Tags			mcp
//	@Security		BearerToken
//	@Security		SessionCookie
//	@Param			server	path	string	true	"Server path, optionally followed by a sub-path"
//	@Accept			json
//	@Produce		json
//	@Produce		text/event-stream
//	@Success		200
//	@Failure		400	"Not JSON-RPC, duplicate keys, trailing data"
//	@Failure		401	"No or invalid credentials"
//	@Failure		403	"A message was denied (JSON-RPC error with its id)"
//	@Failure		413	"Body too large"
//	@Failure		502	"Upstream unreachable"
//	@Failure		504	"Upstream too slow"
//	@Router			/api/streamable/{server} [post]
func (s *server) streamablePost(c *gin.Context) { s.alias(c, domain.TransportStreamableHTTP) }

// streamableDelete godoc
//
//	@Summary		Streamable HTTP alias: end the session
//	@Description	Seed 004's alias of /{server}: ends the MCP session named by Mcp-Session-Id.
//	@ID				streamableDelete
//	@Tags			mcp
//	@Security		BearerToken
//	@Security		SessionCookie
//	@Param			server	path	string	true	"Server path, optionally followed by a sub-path"
//	@Success		200
//	@Router			/api/streamable/{server} [delete]
func (s *server) streamableDelete(c *gin.Context) { s.alias(c, domain.TransportStreamableHTTP) }

// executeGet godoc
//
//	@Summary		SSE alias: open the event stream
//	@Description	Seed 004's alias for the legacy HTTP+SSE transport: the server's SSE endpoint (its registered upstream URL, or /sse beside it). The endpoint event is rewritten so messages are posted back through the gateway.
//	@ID				executeGet
//	@Tags			mcp
//	@Security		BearerToken
//	@Security		SessionCookie
//	@Param			server	path	string	true	"Server path, optionally followed by a sub-path"
//	@Produce		text/event-stream
//	@Success		200
//	@Failure		401	"No or invalid credentials"
//	@Failure		403	"The caller may not use this server"
//	@Router			/api/execute/{server} [get]
func (s *server) executeGet(c *gin.Context) { s.alias(c, domain.TransportSSE) }

// executePost godoc
//
//	@Summary		SSE alias: post a message
//	@Description	Seed 004's alias for the legacy HTTP+SSE transport; messages are checked as on /{server}.
//	@ID				executePost
//	@Tags			mcp
//	@Security		BearerToken
//	@Security		SessionCookie
//	@Param			server	path	string	true	"Server path, optionally followed by a sub-path"
//	@Accept			json
//	@Produce		json
//	@Success		202
//	@Failure		403	"A message was denied"
//	@Router			/api/execute/{server} [post]
func (s *server) executePost(c *gin.Context) { s.alias(c, domain.TransportSSE) }

// executeDelete godoc
//
//	@Summary		SSE alias: DELETE passes through
//	@Description	Seed 004's alias for the legacy HTTP+SSE transport.
//	@ID				executeDelete
//	@Tags			mcp
//	@Security		BearerToken
//	@Security		SessionCookie
//	@Param			server	path	string	true	"Server path, optionally followed by a sub-path"
//	@Success		200
//	@Router			/api/execute/{server} [delete]
func (s *server) executeDelete(c *gin.Context) { s.alias(c, domain.TransportSSE) }

// resourceMetadata godoc
//
//	@Summary		OAuth protected-resource metadata of a server (RFC 9728)
//	@Description	Where an MCP client gets a token for the server at /{path}: the authorization servers the gateway accepts tokens from. A 401 from the proxy points here in WWW-Authenticate's resource_metadata. Public.
//	@ID				getResourceMetadata
//	@Tags			mcp
//	@Param			path	path	string	true	"Server path"
//	@Produce		json
//	@Success		200	{object}	ResourceMetadata
//	@Failure		404	{object}	ErrorResponse	"No such server"
//	@Router			/.well-known/oauth-protected-resource/{path} [get]
func (s *server) resourceMetadata(c *gin.Context) {
	path := strings.Trim(c.Param("path"), "/")
	if s.Proxy != nil {
		if md, ok := s.Proxy.Metadata(path); ok {
			c.JSON(http.StatusOK, ResourceMetadata(md))
			return
		}
	}
	writeError(c, s.Log, domain.Errorf(domain.ENOTFOUND, "no MCP server is registered at /%s", domain.SafeText(path, 64)))
}

// ResourceMetadata is OAuth 2.0 Protected Resource Metadata (RFC 9728).
type ResourceMetadata struct {
	// Resource is the server's URL on the gateway.
	Resource string `json:"resource" example:"https://gateway.example.com/currenttime"`
	// AuthorizationServers issue tokens the gateway accepts: the identity
	// providers' issuers and the gateway itself (client credentials).
	AuthorizationServers   []string `json:"authorization_servers"`
	BearerMethodsSupported []string `json:"bearer_methods_supported" example:"header"`
	ResourceName           string   `json:"resource_name,omitempty" validate:"optional" example:"Current Time"`
} //	@name	ResourceMetadata
