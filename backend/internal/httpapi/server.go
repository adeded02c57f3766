package httpapi

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/mcpgw/mcpgw/backend/internal/auth"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/health"
	"github.com/mcpgw/mcpgw/backend/internal/registry"
	"github.com/mcpgw/mcpgw/backend/internal/scopesyml"
)

// AuthService signs users in and out and resolves session cookies.
type AuthService interface {
	Login(ctx context.Context, username, password string, previous *domain.Session) (*domain.Session, error)
	Authenticate(ctx context.Context, sessionID string) (*domain.Principal, error)
	Logout(ctx context.Context, p *domain.Principal) error
}

// BearerAuthenticator resolves a bearer token (and what the request says
// about its provider) to a principal. A refused token is an EUNAUTHORIZED
// error.
type BearerAuthenticator interface {
	AuthenticateBearer(ctx context.Context, token string, hint domain.TokenHint) (*domain.Principal, error)
}

// UserService manages users and groups.
type UserService interface {
	CreateUser(ctx context.Context, actor *domain.Principal, in auth.NewUser) (*domain.User, error)
	ListUsers(ctx context.Context) ([]*domain.User, error)
	GetUser(ctx context.Context, id int64) (*domain.User, error)
	UpdateUser(ctx context.Context, actor *domain.Principal, id int64, patch auth.UserPatch) (*domain.User, error)
	DeleteUser(ctx context.Context, actor *domain.Principal, id int64) error
	ListGroups(ctx context.Context) ([]domain.Group, error)
	GetGroup(ctx context.Context, name string) (*auth.GroupDetail, error)
	CreateGroup(ctx context.Context, actor *domain.Principal, name, description string) (*domain.Group, error)
	UpdateGroup(ctx context.Context, actor *domain.Principal, name, description string) (*domain.Group, error)
	DeleteGroup(ctx context.Context, actor *domain.Principal, name string) error
	// ListSessions returns a user's live browser sessions, most recently
	// used first; RevokeSession and RevokeSessions end one or all of them.
	ListSessions(ctx context.Context, userID int64) ([]domain.SessionInfo, error)
	RevokeSession(ctx context.Context, actor *domain.Principal, userID int64, handle string) error
	RevokeSessions(ctx context.Context, actor *domain.Principal, userID int64) (int, error)
	// RequireUser refuses, audited, a caller that is not a user (a service
	// account): only users have sessions.
	RequireUser(ctx context.Context, p *domain.Principal, action, route string) error
}

// RegistryService is the catalog of servers, scopes and mappings, the
// permission decisions over it, and the audit trail.
type RegistryService interface {
	RequireAdmin(ctx context.Context, p *domain.Principal, action string) error
	UserContextOf(p *domain.Principal) *registry.UserContext
	ListServers(ctx context.Context, p *domain.Principal, q registry.ListQuery) (*registry.ServerPage, error)
	GetServer(ctx context.Context, p *domain.Principal, id string) (*registry.ServerView, error)
	CreateServer(ctx context.Context, p *domain.Principal, in registry.ServerInput) (*registry.ServerView, error)
	UpdateServer(ctx context.Context, p *domain.Principal, id string, in registry.ServerInput, ifVersion *int64) (*registry.ServerView, error)
	ToggleServer(ctx context.Context, p *domain.Principal, id string, enabled bool, ifVersion *int64) (*registry.ServerView, error)
	RefreshServer(ctx context.Context, p *domain.Principal, id string, check func(context.Context, *domain.Server) error) (*registry.ServerView, error)
	DeleteServer(ctx context.Context, p *domain.Principal, id string, ifVersion *int64) error
	VisibleServers(ctx context.Context, p *domain.Principal) ([]*domain.Server, error)
	CanSee(p *domain.Principal, path, displayName string) bool
	VisibleIDs(p *domain.Principal) ([]string, int64)
	ListTools(ctx context.Context, p *domain.Principal, id string) ([]domain.Tool, error)
	HealthHistory(ctx context.Context, p *domain.Principal, id string, limit int) ([]domain.HealthCheck, error)
	ListScopes(ctx context.Context, p *domain.Principal) ([]domain.Scope, error)
	GetScope(ctx context.Context, p *domain.Principal, name string) (domain.Scope, error)
	PutScope(ctx context.Context, p *domain.Principal, sc domain.Scope) (domain.Scope, bool, error)
	DeleteScope(ctx context.Context, p *domain.Principal, name string) error
	ListMappings(ctx context.Context, p *domain.Principal) ([]domain.GroupMapping, error)
	GetMapping(ctx context.Context, p *domain.Principal, group string) (domain.GroupMapping, error)
	PutMapping(ctx context.Context, p *domain.Principal, m domain.GroupMapping) error
	DeleteMapping(ctx context.Context, p *domain.Principal, group string) error
	Import(ctx context.Context, p *domain.Principal, f *scopesyml.File, replace bool) (*registry.ImportResult, error)
	Export(ctx context.Context, p *domain.Principal) (*scopesyml.File, error)
	EffectiveAccess(ctx context.Context, p *domain.Principal, q registry.AccessQuery) (*registry.EffectiveAccess, error)
	ListAudit(ctx context.Context, p *domain.Principal, q registry.AuditQuery) (*registry.AuditPage, error)
}

// Check is one dependency /readyz verifies.
type Check struct {
	Name string
	Ping func(ctx context.Context) error
	// Advisory checks are reported but do not make the replica unready:
	// an identity provider being down does not stop local sign-ins,
	// gateway tokens or agents' traffic, and every replica would be taken
	// out of rotation at once.
	Advisory bool
}

// Options are the HTTP-level settings.
type Options struct {
	CookieName     string
	SecureCookies  bool
	PublicOrigin   string // the only Origin accepted on browser writes
	SessionMaxAge  int    // seconds; the cookie's Max-Age
	MaxBodyBytes   int64
	TrustedProxies []string
	// OIDCLoginTimeout is how long a browser may stay at an identity
	// provider during sign-in.
	OIDCLoginTimeout time.Duration
	// LiveHeartbeat is how often an idle /api/health/events stream gets a
	// comment, so proxies keep it open (default 15s).
	LiveHeartbeat time.Duration
	// Stopping, when it closes, ends /api/health/events streams cleanly
	// (the replica is shutting down; browsers reconnect elsewhere and
	// resume from Last-Event-ID).
	Stopping <-chan struct{}
	// SeparateMetrics takes /metrics off the main handler, which then
	// answers it 404: Handlers.Metrics serves it on METRICS_ADDR.
	SeparateMetrics bool
}

// Deps is everything the HTTP layer calls.
type Deps struct {
	Auth   AuthService
	Bearer BearerAuthenticator // nil: bearer tokens are refused
	// IdP signs browsers in through identity providers; nil: none.
	IdP IdentityProviders
	// Proxy carries MCP traffic for seed 004\'s aliases; nil: they 404.
	Proxy MCPProxy
	Users UserService
	// Catalog is the registry: servers, scopes, mappings, audit.
	Catalog RegistryService
	// Health checks a server now (refresh); nil: refresh answers 503.
	Health HealthChecker
	// Live is the feed of server changes behind /api/health/events; nil:
	// that endpoint answers 503.
	Live LiveFeed
	// Tokens is the gateway's own credentials: service accounts, personal
	// access tokens, signing keys.
	Tokens TokenService
	Checks []Check
	// Frontend is the built dashboard (index.html and assets/).
	Frontend fs.FS
	Log      *slog.Logger
	Registry *prometheus.Registry
	Options  Options
}

// HealthChecker checks one server now and stores the result;
// health.Poller does.
type HealthChecker interface {
	CheckNow(ctx context.Context, srv *domain.Server) (health.Result, error)
}

// LiveFeed delivers server changes from every replica; health.Hub does.
type LiveFeed interface {
	Subscribe(after int64) (sub *health.Subscription, missed []health.Event, resumed bool, last int64)
}

// server holds the handlers' dependencies.
type server struct {
	Deps
	spa            *spa
	metricsHandler http.Handler
}

// Handlers are the gateway's HTTP handlers.
type Handlers struct {
	// Main is the whole gateway, for LISTEN_ADDR: the API, the dashboard,
	// /healthz, /readyz and (unless Options.SeparateMetrics) /metrics.
	Main http.Handler
	// Metrics is for METRICS_ADDR: /metrics, /healthz and /readyz only,
	// without authentication, and nothing else.
	Metrics http.Handler
}

// New returns the HTTP handlers. They share one registry and count their
// requests in the same mcpgw_http_* series.
func New(d Deps) (*Handlers, error) {
	s := newServer(d)
	m := newHTTPMetrics(d.Registry)
	r, err := s.router(m)
	if err != nil {
		return nil, err
	}
	return &Handlers{Main: r, Metrics: s.metricsRouter(m)}, nil
}

// newRouter is the main handler alone (tests).
func newRouter(d Deps) (*gin.Engine, error) {
	return newServer(d).router(newHTTPMetrics(d.Registry))
}

func newServer(d Deps) *server {
	gin.SetMode(gin.ReleaseMode)
	return &server{
		Deps:           d,
		spa:            newSPA(d.Frontend),
		metricsHandler: promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{}),
	}
}

// router is the main handler.
func (s *server) router(metrics *httpMetrics) (*gin.Engine, error) {
	d := s.Deps
	r := gin.New()
	// Only listed proxies may set the client address (X-Forwarded-For).
	if err := r.SetTrustedProxies(d.Options.TrustedProxies); err != nil {
		return nil, err
	}
	// ...and only through X-Forwarded-For: a proxy that does not set
	// X-Real-IP would pass a client's own X-Real-IP through.
	r.RemoteIPHeaders = []string{"X-Forwarded-For"}
	// API clients get exact paths: redirects would turn a POST into a GET.
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleMethodNotAllowed = true

	// Every request: recover from panics as JSON 500 → assign a request id
	// → log and measure it → set security headers.
	r.Use(s.recoverJSON, s.requestID, s.observe(metrics), s.securityHeaders)

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	if !d.Options.SeparateMetrics {
		r.GET("/metrics", s.metrics)
	}

	// The JSON API: bounded bodies, never cached, paths and queries that
	// are text, and the caller identified
	// (session cookie or bearer token) when credentials are present.
	api := r.Group("/api", s.limitBody, s.noStore, s.textOnly, s.authenticate)
	{
		api.POST("/auth/login", s.sameOrigin, s.login)
		api.POST("/auth/logout", s.requireAuth, s.requireCSRF, s.logout)
		api.GET("/auth/me", s.requireAuth, s.me)
		api.GET("/auth/providers", s.listProviders)
		// The caller's own browser sessions.
		api.GET("/auth/sessions", s.requireAuth, s.listMySessions)
		api.DELETE("/auth/sessions/:session", s.requireAuth, s.requireCSRF, s.revokeMySession)

		// The registry: authenticated → CSRF-checked; each operation then
		// asks the evaluator about the server it touches, so lists show
		// only what the caller may see and writes answer 403 naming the
		// missing permission.
		reg := api.Group("", s.requireAuth, s.requireCSRF)
		reg.GET("/servers", s.listServers)
		reg.POST("/servers", s.createServer)
		reg.GET("/servers/:id", s.getServer)
		reg.PATCH("/servers/:id", s.updateServer)
		reg.DELETE("/servers/:id", s.deleteServer)
		reg.POST("/servers/:id/toggle", s.toggleServer)
		reg.POST("/servers/:id/refresh", s.refreshServer)
		reg.GET("/servers/:id/tools", s.listTools)
		reg.GET("/servers/:id/health", s.serverHealth)
		reg.GET("/health/events", s.healthEvents)
		// Scopes, mappings, effective access and the audit trail check for
		// registry admin in the service, which audits refusals. Names may
		// contain slashes.
		reg.GET("/scopes", s.listScopes)
		reg.GET("/scopes/*name", s.getScope)
		reg.PUT("/scopes/*name", s.putScope)
		reg.DELETE("/scopes/*name", s.deleteScope)
		reg.GET("/scopes.yml", s.exportScopes)
		reg.POST("/scopes.yml", s.importScopes)
		reg.GET("/mappings", s.listMappings)
		reg.GET("/mappings/*group", s.getMapping)
		reg.PUT("/mappings/*group", s.putMapping)
		reg.DELETE("/mappings/*group", s.deleteMapping)
		reg.GET("/access/effective", s.effectiveAccess)
		reg.GET("/audit", s.listAudit)

		// Administration: authenticated → CSRF-checked → administrator.
		admin := api.Group("", s.requireAuth, s.requireCSRF, s.requireAdmin)
		admin.GET("/users", s.listUsers)
		admin.POST("/users", s.createUser)
		admin.GET("/users/:id", s.getUser)
		admin.PATCH("/users/:id", s.updateUser)
		admin.DELETE("/users/:id", s.deleteUser)
		admin.GET("/users/:id/sessions", s.listUserSessions)
		admin.DELETE("/users/:id/sessions", s.revokeUserSessions)
		admin.DELETE("/users/:id/sessions/:session", s.revokeUserSession)
		admin.GET("/groups", s.listGroups)
		admin.POST("/groups", s.createGroup)
		admin.GET("/groups/*name", s.getGroup)
		admin.PATCH("/groups/*name", s.updateGroup)
		admin.DELETE("/groups/*name", s.deleteGroup)
	}
	s.tokenRoutes(r, api)
	s.proxyRoutes(r)

	// Browser sign-in through identity providers: never cached, and the
	// caller identified, so a sign-in ends the session the browser had.
	// Failures redirect to the sign-in page rather than answer JSON.
	idp := r.Group("/oauth2", s.noStore, s.authenticate)
	idp.GET("/login/:provider", s.oidcLogin)
	idp.GET("/callback/:provider", s.oidcCallback)

	r.NoMethod(s.noMethod)
	r.NoRoute(s.noRoute)
	return r, nil
}

// metricsRouter is the handler for METRICS_ADDR: what Prometheus and the
// kubelet ask for, on a port that is not published. It has the main
// handler's middleware but no authentication, API or dashboard.
func (s *server) metricsRouter(metrics *httpMetrics) *gin.Engine {
	r := gin.New()
	// Nothing stands in front of this listener: the peer is the client.
	_ = r.SetTrustedProxies(nil)
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleMethodNotAllowed = true
	// Every request: recover from panics as JSON 500 → assign a request id
	// → log and measure it → set security headers.
	r.Use(s.recoverJSON, s.requestID, s.observe(metrics), s.securityHeaders)
	r.GET("/metrics", s.metrics)
	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.NoMethod(s.noMethod)
	r.NoRoute(s.notFound)
	return r
}

func (s *server) noMethod(c *gin.Context) {
	writeError(c, s.Log, domain.Errorf("method_not_allowed", "%s is not allowed on %s", c.Request.Method, c.Request.URL.Path))
}

// noRoute answers API paths with a JSON 404 and everything else with the
// dashboard, whose client-side router handles the path. /metrics, when
// served on METRICS_ADDR instead, is a JSON 404 too: a scraper pointed at
// the wrong port must not get the dashboard's HTML with status 200.
func (s *server) noRoute(c *gin.Context) {
	p := c.Request.URL.Path
	if p == "/api" || strings.HasPrefix(p, "/api/") || p == "/metrics" || (c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead) {
		s.notFound(c)
		return
	}
	s.spa.serve(c)
}

func (s *server) notFound(c *gin.Context) {
	writeError(c, s.Log, domain.Errorf(domain.ENOTFOUND, "no such endpoint: %s %s", c.Request.Method, c.Request.URL.Path))
}
