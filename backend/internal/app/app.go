// Package app wires mcpgw together: configuration → pools → stores →
// services → HTTP server, and takes it all down gracefully.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/mcpgw/mcpgw/backend/internal/audit"
	"github.com/mcpgw/mcpgw/backend/internal/auth"
	"github.com/mcpgw/mcpgw/backend/internal/config"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/health"
	"github.com/mcpgw/mcpgw/backend/internal/httpapi"
	"github.com/mcpgw/mcpgw/backend/internal/netguard"
	"github.com/mcpgw/mcpgw/backend/internal/oidc"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
	"github.com/mcpgw/mcpgw/backend/internal/proxy"
	"github.com/mcpgw/mcpgw/backend/internal/redisstore"
	"github.com/mcpgw/mcpgw/backend/internal/registry"
	"github.com/mcpgw/mcpgw/backend/internal/tracing"
)

// Options are what the environment does not configure: where output goes,
// the dashboard files, and (for tests) the clock.
type Options struct {
	Log *slog.Logger
	// Console receives the one-time banner with a generated admin password
	// (stdout; logs go to stderr). It is never a log record, but where
	// stdout is collected too, set ADMIN_PASSWORD or ADMIN_PASSWORD_FILE.
	Console  io.Writer
	Frontend fs.FS
	Now      func() time.Time
	Audit    audit.Options
	// Resolver resolves upstream host names for the SSRF guard; nil is the
	// system resolver (tests map names to forbidden addresses).
	Resolver netguard.Resolver
}

// tracingFlushTimeout bounds exporting the last spans at shutdown.
const tracingFlushTimeout = 5 * time.Second

// metricsShutdownTimeout bounds the metrics listener's shutdown, which
// comes after the main server's: a scrape or probe in flight finishes,
// none takes longer.
const metricsShutdownTimeout = 5 * time.Second

// App is a running mcpgw instance.
type App struct {
	cfg    *config.Config
	log    *slog.Logger
	DB     *postgres.DB
	Redis  *redis.Client
	Audit  *audit.Writer
	Auth   *auth.Service
	Users  *auth.UserService
	Tokens *auth.TokenService
	// Bearer resolves bearer tokens: the gateway's own and identity
	// providers'.
	Bearer *auth.Bearer
	// OIDC signs browsers in through identity providers.
	OIDC     *auth.OIDCLogin
	Registry *registry.Service
	// Proxy carries agents' MCP traffic to registered servers.
	Proxy *proxy.Proxy
	// Health checks registered servers (on one replica at a time).
	Health *health.Poller
	// Live carries server changes to /api/health/events on every replica.
	Live *health.Hub
	// Tracing exports the proxy's spans (OTEL_TRACING_ENABLED).
	Tracing *tracing.Tracing
	handler http.Handler
	// metricsHandler serves METRICS_ADDR (/metrics, /healthz, /readyz).
	metricsHandler http.Handler
	draining       atomic.Bool
	// stopping closes when the HTTP server starts shutting down: open event
	// streams (the proxy's GET streams, /api/health/events) end cleanly
	// then, so clients reconnect to another replica instead of being cut
	// at SHUTDOWN_TIMEOUT.
	stopping    chan struct{}
	stopStreams sync.Once
	// stopBackground ends background work (the registry watcher); bgDone
	// closes when it has.
	stopBackground context.CancelFunc
	bgDone         chan struct{}
}

// New connects to Postgres and Redis, applies migrations (unless
// MIGRATE_ON_START is false), creates the first administrator when there
// are no users, and builds the HTTP handler.
func New(ctx context.Context, cfg *config.Config, opts Options) (_ *App, err error) {
	if err := cfg.RequireSecretKey(); err != nil {
		return nil, err
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Console == nil {
		opts.Console = io.Discard
	}
	a := &App{cfg: cfg, log: opts.Log, stopping: make(chan struct{})}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	// The seed file is read and checked before anything is written, so a
	// bad one changes nothing.
	seeds, err := loadSeeds(ctx, cfg, opts.Resolver)
	if err != nil {
		return nil, err
	}

	if a.DB, err = postgres.Open(ctx, cfg.DatabaseURL, cfg.DatabaseMaxConns); err != nil {
		return nil, err
	}
	if err := a.prepareSchema(cfg.MigrateOnStart); err != nil {
		return nil, err
	}
	if a.Redis, err = redisstore.Open(ctx, cfg.RedisURL); err != nil {
		return nil, err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	a.Audit = audit.NewWriter(a.DB, a.log, reg, opts.Audit)
	hasher, err := auth.NewHasher(auth.HashParams{
		MemoryKiB: cfg.PasswordHashMemoryKiB, Iterations: cfg.PasswordHashIterations, Parallelism: cfg.PasswordHashParallelism,
	}, cfg.PasswordHashMaxConcurrent)
	if err != nil {
		return nil, err
	}
	secret := []byte(cfg.SecretKey)
	sessions := redisstore.NewSessions(a.Redis, cfg.RedisKeyPrefix, secret)
	throttle := redisstore.NewThrottle(a.Redis, cfg.RedisKeyPrefix, secret)
	a.Auth = auth.NewService(a.DB, sessions, throttle, hasher, a.Audit, a.log, reg, auth.SessionPolicy{
		MaxAge:      cfg.SessionMaxAge,
		IdleTimeout: cfg.SessionIdleTimeout,
		Throttle: redisstore.ThrottleLimits{
			PerUser: cfg.LoginMaxFailuresPerUser, PerIP: cfg.LoginMaxFailuresPerIP, Window: cfg.LoginThrottleWindow,
		},
	}, opts.Now)
	a.Users = auth.NewUserService(a.DB, sessions, hasher, a.Audit, a.log)

	if err := a.bootstrapAdmin(ctx, opts.Console); err != nil {
		return nil, err
	}

	box, err := SecretBox(cfg)
	if err != nil {
		return nil, err
	}
	holder, err := registry.NewHolder(ctx, a.DB, cfg.GroupConventions, a.log)
	if err != nil {
		return nil, err
	}
	// Client secrets get their own throttle key space: failures must not
	// count against (or for) password sign-ins.
	clientThrottle := redisstore.NewThrottle(a.Redis, cfg.RedisKeyPrefix+"client:", secret)
	if a.Tokens, err = auth.NewTokenService(ctx, a.DB, box, clientThrottle, secret, a.Audit, a.log, auth.TokenOptions{
		Issuer: cfg.PublicURL.String(), Lifetime: cfg.TokenLifetime, StateCacheTTL: cfg.TokenStateCacheTTL, Leeway: cfg.TokenClockSkew, Now: opts.Now,
		Throttle: redisstore.ThrottleLimits{
			PerUser: cfg.ServiceAccountMaxFailures, PerIP: cfg.LoginMaxFailuresPerIP, Window: cfg.LoginThrottleWindow,
		},
	}); err != nil {
		return nil, err
	}
	providers, err := newProviders(cfg, opts.Now)
	if err != nil {
		return nil, err
	}
	a.OIDC = auth.NewOIDCLogin(a.Auth, providers, redisstore.NewOIDCFlows(a.Redis, cfg.RedisKeyPrefix, secret), cfg.OIDCLoginTimeout)
	a.Bearer = auth.NewBearer(a.Tokens, providers, a.DB, a.Audit, a.log, reg, auth.BearerOptions{
		MaxTokenBytes: cfg.TokenMaxBytes, CacheSize: cfg.VerifiedTokenCache, StateTTL: cfg.TokenStateCacheTTL, Now: opts.Now,
	})
	// A disable or deletion reaches the user's tokens at once on this
	// replica (others: within TOKEN_STATE_CACHE_TTL).
	a.Users.ForgetTokensWith(func(id int64) { a.Tokens.ForgetUser(id); a.Bearer.ForgetUser(id) })
	guard := netguard.Options{AllowLinkLocal: cfg.UpstreamAllowLinkLocal, Resolver: opts.Resolver}
	// Live updates: changes seen on any replica (the poller's, the
	// registry's) reach every replica's /api/health/events subscribers.
	a.Live = health.NewHub(a.Redis, cfg.RedisKeyPrefix, a.log, health.HubOptions{})
	a.Registry = registry.New(registry.Options{DB: a.DB, Holder: holder, Box: box, Guard: guard, Audit: a.Audit, Log: a.log,
		Changed: func(ctx context.Context, srv *domain.Server, removed bool) {
			typ := health.EventServer
			if removed {
				typ = health.EventRemoved
			}
			a.Live.Publish(ctx, typ, health.StateOf(srv))
		}})
	if _, err := a.Registry.ApplySeeds(ctx, &auth.SystemActor, cfg.SeedServersFile, seeds); err != nil {
		return nil, fmt.Errorf("SEED_SERVERS_FILE %s: %w", cfg.SeedServersFile, err)
	}
	a.Health = health.NewPoller(a.DB, health.NewChecker(health.CheckerOptions{Timeout: cfg.HealthCheckTimeout, Guard: guard}),
		holder, a.Registry, a.Audit, a.log, func(ch health.Change) {
			srv := *ch.Server
			srv.Health, srv.ToolCount = ch.Health, ch.ToolCount
			a.Live.Publish(context.Background(), health.EventServer, health.StateOf(&srv))
		}, health.PollerOptions{
			Interval: cfg.HealthCheckInterval, RetryMin: cfg.HealthCheckRetryMin, Concurrency: cfg.HealthCheckConcurrency,
			Metrics: health.NewMetrics(reg, a.Live),
		})
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	a.stopBackground, a.bgDone = stop, make(chan struct{})
	var background sync.WaitGroup
	background.Go(func() { holder.Watch(bg, cfg.RegistryResync) })
	background.Go(func() { a.Live.Run(bg) })
	// Legacy SSE sessions: a post landing on this replica for a stream
	// another one holds is known from Redis; refusals travel back there.
	legacy := redisstore.NewLegacySessions(a.Redis, cfg.RedisKeyPrefix, secret, a.log)
	var proxyRef atomic.Pointer[proxy.Proxy]
	background.Go(func() {
		legacy.Run(bg, func(id string, msg []byte) {
			if p := proxyRef.Load(); p != nil {
				p.DeliverLegacy(id, msg)
			}
		})
	})
	if cfg.HealthCheckEnabled {
		background.Go(func() { a.Health.Run(bg) })
	}
	go func() {
		background.Wait()
		close(a.bgDone)
	}()

	if a.Tracing, err = tracing.New(ctx, tracing.Options{
		Enabled: cfg.TracingEnabled, Endpoint: cfg.OTLPEndpoint, TracesEndpoint: cfg.OTLPTracesEndpoint,
		Headers: cfg.OTLPHeaders, Protocol: cfg.OTLPProtocol, ServiceName: cfg.TracingServiceName,
		SampleRatio: cfg.TracingSampleRatio, Log: a.log,
	}); err != nil {
		return nil, err
	}
	a.Proxy = proxy.New(proxy.Deps{
		Registry: holder, Egress: a.Registry, Bearer: a.Bearer, Sessions: a.Auth, Audit: a.Audit, Log: a.log,
		Metrics: proxy.NewMetrics(reg), Tracer: a.Tracing.Tracer("github.com/mcpgw/mcpgw/backend/internal/proxy"),
		Legacy: legacy,
	}, proxy.Options{
		PublicURL: cfg.PublicURL, CookieName: cfg.SessionCookieName,
		MaxBodyBytes: cfg.ProxyMaxBodyBytes, ConnectTimeout: cfg.ProxyConnectTimeout,
		ResponseHeaderTimeout: cfg.ProxyResponseHeaderTimeout, StreamIdleTimeout: cfg.ProxyStreamIdleTimeout,
		BodyReadTimeout:        cfg.ProxyBodyTimeout,
		MaxStreamsPerPrincipal: cfg.ProxyMaxStreamsPerPrincipal, TrustedProxies: trustedPrefixes(cfg.TrustedProxies),
		Guard: guard, Issuers: authorizationServers(cfg, providers), Stopping: a.stopping,
	})
	proxyRef.Store(a.Proxy)
	checks := []httpapi.Check{
		{Name: "postgres", Ping: a.DB.Ping},
		{Name: "redis", Ping: func(ctx context.Context) error { return a.Redis.Ping(ctx).Err() }},
		{Name: "shutdown", Ping: func(context.Context) error {
			if a.draining.Load() {
				return domain.Errorf(domain.EUNAVAILABLE, "shutting down")
			}
			return nil
		}},
	}
	// Seed 001's auth health check: each identity provider's reachability.
	for _, pr := range providers.List() {
		checks = append(checks, httpapi.Check{Name: "idp:" + pr.ID(), Advisory: true, Ping: func(ctx context.Context) error {
			if err := pr.Ping(ctx); err != nil {
				a.log.WarnContext(ctx, "readiness: identity provider unreachable", "provider", pr.ID(), "error", err)
				return domain.Errorf(domain.EUNAVAILABLE, "unreachable")
			}
			return nil
		}})
	}
	handlers, err := httpapi.New(httpapi.Deps{
		Auth:     a.Auth,
		Users:    a.Users,
		Catalog:  a.Registry,
		Health:   a.Health,
		Live:     a.Live,
		Proxy:    a.Proxy,
		Tokens:   a.Tokens,
		Bearer:   a.Bearer,
		IdP:      a.OIDC,
		Checks:   checks,
		Frontend: opts.Frontend,
		Log:      a.log,
		Registry: reg,
		Options: httpapi.Options{
			CookieName:       cfg.SessionCookieName,
			SecureCookies:    cfg.SecureCookies(),
			PublicOrigin:     cfg.PublicOrigin(),
			SessionMaxAge:    int(cfg.SessionMaxAge.Seconds()),
			MaxBodyBytes:     cfg.MaxBodyBytes,
			TrustedProxies:   cfg.TrustedProxies,
			OIDCLoginTimeout: cfg.OIDCLoginTimeout,
			LiveHeartbeat:    cfg.LiveHeartbeat,
			Stopping:         a.stopping,
			SeparateMetrics:  cfg.MetricsAddr != "",
		},
	})
	if err != nil {
		return nil, err
	}
	// MCP traffic goes straight to the proxy: it does its own
	// authentication, limits and errors (JSON-RPC), and none of the API's
	// per-request work belongs on its hot path.
	a.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if proxy.Owns(r.URL.Path) {
			a.Proxy.ServeHTTP(w, r)
			return
		}
		handlers.Main.ServeHTTP(w, r)
	})
	a.metricsHandler = handlers.Metrics
	return a, nil
}

// trustedPrefixes turns TRUSTED_PROXIES (validated addresses and CIDRs)
// into prefixes.
func trustedPrefixes(list []string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range list {
		if pf, err := netip.ParsePrefix(s); err == nil {
			out = append(out, pf.Masked())
		} else if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		}
	}
	return out
}

// authorizationServers lists, for protected-resource metadata, where an
// MCP client can get a token the gateway accepts: each identity provider's
// issuer and the gateway itself (client credentials).
func authorizationServers(cfg *config.Config, providers *auth.Providers) func() []string {
	return func() []string {
		out := []string{}
		for _, p := range providers.List() {
			if iss := p.Issuer(); iss != "" {
				out = append(out, iss)
			}
		}
		return append(out, cfg.PublicURL.String())
	}
}

// newProviders builds the configured identity providers. Nothing is fetched
// from them here: an unreachable provider must not stop the gateway, so
// discovery and keys are fetched on first use.
func newProviders(cfg *config.Config, now func() time.Time) (*auth.Providers, error) {
	client := &http.Client{Timeout: cfg.IdPHTTPTimeout}
	ps := make([]*oidc.Provider, 0, len(cfg.Providers))
	for _, pc := range cfg.Providers {
		p, err := oidc.NewProvider(pc, oidc.ProviderOptions{
			HTTPClient: client, RedirectURL: cfg.PublicURL.String() + "/oauth2/callback/" + pc.ID,
			RefetchCooldown: cfg.JWKSRefetchCooldown, Leeway: cfg.TokenClockSkew, Now: now,
		})
		if err != nil {
			return nil, fmt.Errorf("identity provider %s: %w", pc.ID, err)
		}
		ps = append(ps, p)
	}
	return auth.NewProviders(ps), nil
}

// prepareSchema migrates, or checks that someone else did.
func (a *App) prepareSchema(migrate bool) error {
	m, err := postgres.NewMigrator(a.DB, a.log)
	if err != nil {
		return err
	}
	defer func() { _ = m.Close() }()
	if migrate {
		err := m.Up()
		var newer *postgres.SchemaNewerError
		if errors.As(err, &newer) {
			// An old replica restarting while a newer version rolls out:
			// it serves, as it would with MIGRATE_ON_START=false.
			a.log.Warn("the database schema is newer than this mcpgw: starting without migrating", "schema_version", newer.Have, "known_version", newer.Know)
			return nil
		}
		return err
	}
	if err := m.Behind(); err != nil {
		return fmt.Errorf("%w: run `mcpgw migrate up`, or set MIGRATE_ON_START=true", err)
	}
	return nil
}

// loadSeeds reads and checks SEED_SERVERS_FILE, when set, with the
// upstream checks of servers registered through the API.
func loadSeeds(ctx context.Context, cfg *config.Config, resolver netguard.Resolver) ([]registry.Seed, error) {
	if cfg.SeedServersFile == "" {
		return nil, nil
	}
	seeds, err := registry.LoadSeedFile(ctx, cfg.SeedServersFile, registry.SeedOptions{
		Guard: netguard.Options{AllowLinkLocal: cfg.UpstreamAllowLinkLocal, Resolver: resolver},
	})
	if err != nil {
		return nil, fmt.Errorf("SEED_SERVERS_FILE %s: %w", cfg.SeedServersFile, err)
	}
	return seeds, nil
}

func (a *App) bootstrapAdmin(ctx context.Context, console io.Writer) error {
	created, generated, err := a.Users.EnsureBootstrapAdmin(ctx, a.cfg.AdminUser, a.cfg.AdminPassword)
	if err != nil {
		return fmt.Errorf("creating the first administrator: %w", err)
	}
	if !created {
		return nil
	}
	a.log.Info("created the first administrator", "username", a.cfg.AdminUser, "password_generated", generated != "")
	if generated != "" {
		fmt.Fprintf(console, "\n  First administrator created.\n    username: %s\n    password: %s\n  This password is shown only once: sign in and change it.\n\n",
			a.cfg.AdminUser, generated)
	}
	return nil
}

// Handler is the HTTP handler, for tests and embedding.
func (a *App) Handler() http.Handler { return a.handler }

// Serve answers HTTP on ln until ctx is cancelled, then shuts down
// gracefully: /readyz turns 503 at once, requests are still served for
// SHUTDOWN_DRAIN_DELAY, then new connections are refused and in-flight
// requests get SHUTDOWN_TIMEOUT to finish. With METRICS_ADDR set, use
// ServeWithMetrics: /metrics is not on ln then.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	return a.ServeWithMetrics(ctx, ln, nil)
}

// ServeWithMetrics is Serve with the metrics listener, which METRICS_ADDR
// calls for (and only then): it answers /metrics, /healthz and /readyz
// until the main server has shut down, so the last scrape sees the end of
// the drain, then stops within metricsShutdownTimeout.
func (a *App) ServeWithMetrics(ctx context.Context, ln, metricsLn net.Listener) error {
	if (metricsLn != nil) != (a.cfg.MetricsAddr != "") {
		_ = ln.Close()
		if metricsLn != nil {
			_ = metricsLn.Close()
			return errors.New("a metrics listener without METRICS_ADDR: /metrics would be served twice")
		}
		return errors.New("METRICS_ADDR is set but no metrics listener was given: /metrics would be served nowhere")
	}
	srv := a.httpServer(a.handler)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.log.Info("mcpgw listening", "addr", ln.Addr().String(), "public_url", a.cfg.PublicURL.String())
	var msrv *http.Server
	merrc := make(chan error, 1)
	if metricsLn != nil {
		msrv = a.httpServer(a.metricsHandler)
		go func() { merrc <- msrv.Serve(metricsLn) }()
		a.log.Info("metrics listening", "addr", metricsLn.Addr().String(), "paths", "/metrics /healthz /readyz")
	}

	select {
	case err := <-errc:
		// The listener failed: nothing to drain.
		if msrv != nil {
			_ = msrv.Close()
		}
		return err
	case err := <-merrc:
		// Without its metrics the replica would run unobserved: stop, as
		// on a failed main listener.
		_ = srv.Close()
		return fmt.Errorf("metrics listener: %w", err)
	case <-ctx.Done():
	}
	a.draining.Store(true)
	if d := a.cfg.ShutdownDrainDelay; d > 0 {
		// Keep serving while load balancers notice /readyz failing.
		a.log.Info("draining before shutdown", "delay", d.String())
		time.Sleep(d)
	}
	a.log.Info("shutting down", "timeout", a.cfg.ShutdownTimeout.String())
	// Requests in flight finish; event streams, which would not, end now.
	a.stopStreams.Do(func() { close(a.stopping) })
	sctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		a.log.Warn("shutdown timeout reached: closing remaining connections")
		err = srv.Close()
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = serr
	}
	if msrv != nil {
		mctx, mcancel := context.WithTimeout(context.Background(), metricsShutdownTimeout)
		defer mcancel()
		merr := msrv.Shutdown(mctx)
		if errors.Is(merr, context.DeadlineExceeded) {
			merr = msrv.Close()
		}
		if serr := <-merrc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && merr == nil {
			merr = serr
		}
		if merr != nil && err == nil {
			err = fmt.Errorf("metrics listener: %w", merr)
		}
	}
	return err
}

// httpServer is an http.Server with the gateway's settings.
func (a *App) httpServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: a.cfg.ReadHeaderTimeout,
		IdleTimeout:       a.cfg.IdleTimeout,
		MaxHeaderBytes:    a.cfg.MaxHeaderBytes,
		// No ReadTimeout or WriteTimeout: MCP streams may live for hours;
		// bodies are bounded by size instead.
		ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
}

// Run listens on LISTEN_ADDR (and METRICS_ADDR, when set) and serves
// until ctx is cancelled.
func (a *App) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("LISTEN_ADDR: %w", err)
	}
	var metricsLn net.Listener
	if a.cfg.MetricsAddr != "" {
		if metricsLn, err = net.Listen("tcp", a.cfg.MetricsAddr); err != nil {
			_ = ln.Close()
			return fmt.Errorf("METRICS_ADDR: %w", err)
		}
	}
	return a.ServeWithMetrics(ctx, ln, metricsLn)
}

// Close stops background work, flushes the audit trail and the last spans,
// and closes the pools.
func (a *App) Close() {
	if a.stopBackground != nil {
		a.stopBackground()
		<-a.bgDone
	}
	if a.Proxy != nil {
		a.Proxy.Close()
	}
	if a.Tracing != nil {
		// The server has stopped, so every span has ended: export what is
		// queued, but never hold the exit for long on a missing collector.
		ctx, cancel := context.WithTimeout(context.Background(), tracingFlushTimeout)
		if err := a.Tracing.Shutdown(ctx); err != nil {
			a.log.Warn("tracing: flushing spans at shutdown failed", "error", err)
		}
		cancel()
	}
	if a.Audit != nil {
		a.Audit.Close()
	}
	if a.Redis != nil {
		_ = a.Redis.Close()
	}
	if a.DB != nil {
		a.DB.Close()
	}
}
