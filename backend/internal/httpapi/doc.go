// Package httpapi is the HTTP face of mcpgw and the only package that
// imports gin: the router, the middleware chain, the JSON API handlers (with
// the swag annotations openapi.yaml is generated from) and the embedded
// dashboard.
//
// This file holds only the API's general information for swag; handlers
// live elsewhere. Note on swag v2.0.0-rc5: "@Security A || B" puts A and B in
// one security requirement, which OpenAPI reads as "both A and B" (the
// session cookie AND the CSRF header); separate @Security lines are
// alternatives.
package httpapi

// @title          MCP Gateway Registry API
// @version        0.1.0
// @description    Register MCP servers, decide who may use which server, method and tool, and operate the gateway that carries every agent's MCP traffic.
// @description    Errors are JSON objects {"error":{"code","message"}}. Browser sessions use the HttpOnly session cookie; every cookie-authenticated POST, PUT, PATCH or DELETE must also send the session's CSRF token (from /api/auth/login or /api/auth/me) in X-CSRF-Token.
// @license.name   Apache-2.0

// @securityDefinitions.apikey SessionCookie
// @in                         cookie
// @name                       mcp_gateway_session
// @description                The browser session cookie set by POST /api/auth/login.

// @securityDefinitions.apikey CSRFToken
// @in                         header
// @name                       X-CSRF-Token
// @description                The session's CSRF token; required with the session cookie on POST, PUT, PATCH and DELETE.

// @securityDefinitions.bearerauth BearerToken
// @description                    A bearer token in Authorization (or X-Authorization, seed 002): a gateway token from POST /oauth2/token, a personal access token (mcpgw_pat_...), or an access token of a configured identity provider. Bearer requests need no CSRF token.
