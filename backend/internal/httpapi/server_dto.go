package httpapi

import (
	"encoding/json"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/authz"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/registry"
)

// Server is a registered MCP server as the caller may see it.
type Server struct {
	ID string `json:"id" format:"uuid" example:"0b0f6a8e-6f4b-4a4e-9d51-3f0c2b8b1e10"`
	// The proxy path: agents reach the server at /{path}/...
	Path        string `json:"path" example:"currenttime"`
	DisplayName string `json:"display_name" example:"Current Time"`
	Description string `json:"description"`
	// Where the gateway forwards traffic; shown only to callers who may edit the server.
	UpstreamURL string `json:"upstream_url,omitempty" validate:"optional" example:"http://10.0.0.5:8000/mcp"`
	// streamable-http or sse.
	Transport string   `json:"transport" enums:"streamable-http,sse" example:"streamable-http"`
	Tags      []string `json:"tags"`
	Enabled   bool     `json:"enabled"`
	License   string   `json:"license"`
	// Egress credential settings (never their values); shown only to callers who may edit the server.
	Egress    *EgressView  `json:"egress,omitempty" validate:"optional"`
	Health    ServerHealth `json:"health"`
	ToolCount int          `json:"tool_count"`
	// Send it back in If-Match to update only the version you saw.
	Version int64 `json:"version" example:"3"`
	// What the caller may do with this server.
	Permissions []string  `json:"permissions" enums:"read,execute,toggle,edit,register,health_check"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at" format:"date-time"`
	UpdatedBy   string    `json:"updated_by"`
	UpdatedAt   time.Time `json:"updated_at" format:"date-time"`
} //	@name	Server

// EgressView is how the gateway authenticates to the upstream; secret values
// are write-only and shown only as set or unset.
type EgressView struct {
	// none, bearer (a stored token), headers (stored custom headers) or passthrough (the agent's Authorization header).
	Type     string             `json:"type" enums:"none,bearer,headers,passthrough" example:"bearer"`
	TokenSet bool               `json:"token_set"`
	Headers  []EgressHeaderView `json:"headers"`
} //	@name	EgressView

// EgressHeaderView is one custom egress header, without its value.
type EgressHeaderView struct {
	Name     string `json:"name" example:"X-Api-Key"`
	ValueSet bool   `json:"value_set"`
} //	@name	EgressHeaderView

// ServerHealth is what the health poller last saw.
type ServerHealth struct {
	Status        string     `json:"status" enums:"unknown,healthy,unhealthy,auth-required,disabled" example:"healthy"`
	Error         string     `json:"error,omitempty" validate:"optional"`
	LatencyMS     *int       `json:"latency_ms,omitempty" validate:"optional"`
	LastCheckedAt *time.Time `json:"last_checked_at,omitempty" format:"date-time" validate:"optional"`
	LastHealthyAt *time.Time `json:"last_healthy_at,omitempty" format:"date-time" validate:"optional"`
} //	@name	ServerHealth

func serverFrom(v *registry.ServerView) Server {
	s := v.Server
	out := Server{
		ID: s.ID, Path: s.Path, DisplayName: s.DisplayName, Description: s.Description, Transport: s.Transport,
		Tags: nonNil(s.Tags), Enabled: s.Enabled, License: s.License, ToolCount: s.ToolCount, Version: s.Version,
		Permissions: permissionNames(v.Permissions), CreatedBy: s.CreatedBy, CreatedAt: s.CreatedAt,
		UpdatedBy: s.UpdatedBy, UpdatedAt: s.UpdatedAt,
		Health: ServerHealth{Status: s.Health.Status, Error: s.Health.Error, LatencyMS: s.Health.LatencyMS,
			LastCheckedAt: s.Health.LastCheckedAt, LastHealthyAt: s.Health.LastHealthyAt},
	}
	// Upstream addresses and credential settings are operational detail:
	// only those who may change them see them.
	if v.Permissions.Has(authz.Edit) {
		out.UpstreamURL = s.UpstreamURL
		eg := &EgressView{Type: s.Egress.Type, TokenSet: s.Egress.TokenSet, Headers: []EgressHeaderView{}}
		for _, h := range s.Egress.Headers {
			eg.Headers = append(eg.Headers, EgressHeaderView{Name: h.Name, ValueSet: h.ValueSet})
		}
		out.Egress = eg
	}
	return out
}

func permissionNames(set authz.Set) []string {
	perms := set.Permissions()
	out := make([]string, len(perms))
	for i, p := range perms {
		out[i] = string(p)
	}
	return out
}

// ServerList is one page of servers.
type ServerList struct {
	Items []Server `json:"items"`
	// Pass as cursor to get the next page; absent on the last page.
	NextCursor string `json:"next_cursor,omitempty" validate:"optional"`
} //	@name	ServerList

// EgressInput sets how the gateway authenticates to the upstream. Leave a
// token or header value out to keep the stored one.
type EgressInput struct {
	Type string `json:"type" enums:"none,bearer,headers,passthrough" example:"bearer"`
	// For type bearer: the token sent as Authorization: Bearer <token>.
	Token string `json:"token,omitempty" validate:"optional"`
	// For type headers: the headers to send.
	Headers []EgressHeaderInput `json:"headers,omitempty" validate:"optional"`
} //	@name	EgressInput

// EgressHeaderInput is one custom header; leave value out to keep the stored one.
type EgressHeaderInput struct {
	Name  string `json:"name" example:"X-Api-Key"`
	Value string `json:"value,omitempty" validate:"optional"`
} //	@name	EgressHeaderInput

func (e *EgressInput) domain() *domain.Egress {
	if e == nil {
		return nil
	}
	out := &domain.Egress{Type: e.Type, Token: domain.Secret(e.Token)}
	for _, h := range e.Headers {
		out.Headers = append(out.Headers, domain.EgressHeader{Name: h.Name, Value: domain.Secret(h.Value)})
	}
	return out
}

// CreateServerRequest is the body of POST /api/servers.
type CreateServerRequest struct {
	Path        string `json:"path" example:"currenttime"`
	DisplayName string `json:"display_name" example:"Current Time"`
	UpstreamURL string `json:"upstream_url" example:"http://10.0.0.5:8000/mcp"`
	Description string `json:"description,omitempty" validate:"optional"`
	// Default streamable-http.
	Transport string   `json:"transport,omitempty" enums:"streamable-http,sse" validate:"optional"`
	Tags      []string `json:"tags,omitempty" validate:"optional"`
	// Default true.
	Enabled *bool        `json:"enabled,omitempty" validate:"optional"`
	License string       `json:"license,omitempty" validate:"optional"`
	Egress  *EgressInput `json:"egress,omitempty" validate:"optional"`
} //	@name	CreateServerRequest

func (r *CreateServerRequest) input() registry.ServerInput {
	in := registry.ServerInput{Path: &r.Path, DisplayName: &r.DisplayName, UpstreamURL: &r.UpstreamURL,
		Description: &r.Description, License: &r.License, Enabled: r.Enabled, Egress: r.Egress.domain()}
	if r.Transport != "" {
		in.Transport = &r.Transport
	}
	if r.Tags != nil {
		in.Tags = &r.Tags
	}
	return in
}

// UpdateServerRequest is the body of PATCH /api/servers/{id}; absent fields
// stay as they are.
type UpdateServerRequest struct {
	Path        *string      `json:"path,omitempty" validate:"optional"`
	DisplayName *string      `json:"display_name,omitempty" validate:"optional"`
	UpstreamURL *string      `json:"upstream_url,omitempty" validate:"optional"`
	Description *string      `json:"description,omitempty" validate:"optional"`
	Transport   *string      `json:"transport,omitempty" enums:"streamable-http,sse" validate:"optional"`
	Tags        *[]string    `json:"tags,omitempty" validate:"optional"`
	Enabled     *bool        `json:"enabled,omitempty" validate:"optional"`
	License     *string      `json:"license,omitempty" validate:"optional"`
	Egress      *EgressInput `json:"egress,omitempty" validate:"optional"`
} //	@name	UpdateServerRequest

func (r *UpdateServerRequest) input() registry.ServerInput {
	return registry.ServerInput{Path: r.Path, DisplayName: r.DisplayName, UpstreamURL: r.UpstreamURL,
		Description: r.Description, Transport: r.Transport, Tags: r.Tags, Enabled: r.Enabled, License: r.License,
		Egress: r.Egress.domain()}
}

// ToggleRequest is the body of POST /api/servers/{id}/toggle.
type ToggleRequest struct {
	Enabled bool `json:"enabled"`
} //	@name	ToggleRequest

// Tool is one tool a server offers.
type Tool struct {
	Name        string `json:"name" example:"current_time_by_timezone"`
	Description string `json:"description"`
	// The tool's JSON Schema for its arguments.
	InputSchema json.RawMessage `json:"input_schema" swaggertype:"object"`
	Annotations json.RawMessage `json:"annotations,omitempty" swaggertype:"object" validate:"optional"`
	// SHA-256 of the description and input schema.
	DefinitionHash string    `json:"definition_hash"`
	FirstSeenAt    time.Time `json:"first_seen_at" format:"date-time"`
	UpdatedAt      time.Time `json:"updated_at" format:"date-time"`
	// Set when the definition changed after the tool was first seen: review it.
	DefinitionChangedAt *time.Time `json:"definition_changed_at,omitempty" format:"date-time" validate:"optional"`
} //	@name	Tool

// ToolList is a server's tools.
type ToolList struct {
	Items []Tool `json:"items"`
} //	@name	ToolList

// HealthCheck is one stored health check of a server.
type HealthCheck struct {
	CheckedAt time.Time `json:"checked_at" format:"date-time"`
	Status    string    `json:"status" enums:"unknown,healthy,unhealthy,auth-required,disabled" example:"healthy"`
	// Why the check failed; absent when healthy.
	Error     string `json:"error,omitempty" validate:"optional" example:"connection refused"`
	LatencyMS *int   `json:"latency_ms,omitempty" validate:"optional" example:"42"`
	// The server's tool count after the check: the tools found when healthy, otherwise the count it kept.
	ToolCount int `json:"tool_count" example:"5"`
} //	@name	HealthCheck

// HealthHistory is a server's stored health checks, newest first.
type HealthHistory struct {
	Items []HealthCheck `json:"items"`
} //	@name	HealthHistory
