// Package config loads mcpgw's settings from environment variables into a
// typed struct, once, at start. Every setting is declared in one table
// (options) that also produces .env.example, so the two cannot drift.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/idna"

	"github.com/mcpgw/mcpgw/backend/internal/oidc"
	"github.com/mcpgw/mcpgw/backend/internal/secretbox"
	"github.com/mcpgw/mcpgw/backend/internal/tracing"
)

// Config is every setting of mcpgw.
type Config struct {
	// HTTP server
	ListenAddr         string
	MetricsAddr        string // "": /metrics is served on ListenAddr
	PublicURL          *url.URL
	TrustedProxies     []string
	ReadHeaderTimeout  time.Duration
	IdleTimeout        time.Duration
	ShutdownTimeout    time.Duration
	ShutdownDrainDelay time.Duration
	MaxHeaderBytes     int
	MaxBodyBytes       int64

	// Storage
	DatabaseURL      string
	DatabaseMaxConns int32
	MigrateOnStart   bool
	RedisURL         string
	RedisKeyPrefix   string

	// Identity
	SecretKey                 string
	AdminUser                 string
	AdminPassword             string
	SessionCookieName         string
	SessionMaxAge             time.Duration
	SessionIdleTimeout        time.Duration
	LoginMaxFailuresPerUser   int
	LoginMaxFailuresPerIP     int
	LoginThrottleWindow       time.Duration
	PasswordHashMemoryKiB     uint32
	PasswordHashIterations    uint32
	PasswordHashParallelism   uint8
	PasswordHashMaxConcurrent int
	TokenLifetime             time.Duration
	TokenStateCacheTTL        time.Duration
	ServiceAccountMaxFailures int

	// Identity providers (resolved; see providers.go)
	Providers           []oidc.ProviderConfig
	JWKSRefetchCooldown time.Duration
	TokenMaxBytes       int
	TokenClockSkew      time.Duration
	IdPHTTPTimeout      time.Duration
	OIDCLoginTimeout    time.Duration
	VerifiedTokenCache  int

	// Registry
	EncryptionKey          []byte   // nil: derived from SECRET_KEY
	EncryptionKeysPrevious [][]byte // older keys, still accepted for reading
	GroupConventions       bool
	UpstreamAllowLinkLocal bool
	RegistryResync         time.Duration
	SeedServersFile        string // "": no seed

	// MCP proxy
	ProxyMaxBodyBytes           int64
	ProxyConnectTimeout         time.Duration
	ProxyResponseHeaderTimeout  time.Duration
	ProxyStreamIdleTimeout      time.Duration
	ProxyBodyTimeout            time.Duration
	ProxyMaxStreamsPerPrincipal int

	// Health poller
	HealthCheckEnabled     bool
	HealthCheckInterval    time.Duration
	HealthCheckTimeout     time.Duration
	HealthCheckRetryMin    time.Duration
	HealthCheckConcurrency int
	LiveHeartbeat          time.Duration

	// Operations
	LogLevel  slog.Level
	LogFormat string

	// Tracing (OpenTelemetry over OTLP/HTTP)
	TracingEnabled     bool
	OTLPEndpoint       string
	OTLPTracesEndpoint string            // "": OTLPEndpoint + /v1/traces
	OTLPHeaders        map[string]string // secret
	OTLPProtocol       string
	TracingServiceName string
	TracingSampleRatio float64
}

// MinSecretKeyLength is the shortest SECRET_KEY accepted (bytes).
const MinSecretKeyLength = 32

// option is one environment variable.
type option struct {
	name   string
	def    string
	help   string
	secret bool // may come from NAME_FILE; never printed
	set    func(c *Config, v string) error
}

// options is the table of every setting, in .env.example order. Section
// headers are options with an empty name.
func options() []option {
	return []option{
		{help: "HTTP server"},
		{name: "LISTEN_ADDR", def: ":7860", help: "Address the HTTP server listens on (host:port; empty host means all interfaces).",
			set: func(c *Config, v string) error { return setListenAddr(&c.ListenAddr, v) }},
		{name: "METRICS_ADDR", def: "", help: "Address (host:port, a port other than LISTEN_ADDR's) of a separate listener serving only /metrics, /healthz and /readyz, over plain HTTP without authentication, e.g. :9090 or 127.0.0.1:9090; LISTEN_ADDR then answers /metrics with 404. Empty: /metrics is served on LISTEN_ADDR (also without authentication).",
			set: func(c *Config, v string) error {
				if v == "" {
					return nil
				}
				return setListenAddr(&c.MetricsAddr, v)
			}},
		{name: "PUBLIC_URL", def: "http://localhost:7860", help: "URL users and agents reach the gateway at; https here makes the session cookie Secure and is the only Origin accepted for browser writes.",
			set: func(c *Config, v string) error { return setPublicURL(&c.PublicURL, v) }},
		{name: "TRUSTED_PROXIES", def: "", help: "Comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For is believed; empty trusts none.",
			set: func(c *Config, v string) error { return setPrefixes(&c.TrustedProxies, v) }},
		{name: "HTTP_READ_HEADER_TIMEOUT", def: "10s", help: "How long a client may take to send request headers (Go duration, or seconds).",
			set: func(c *Config, v string) error { return setDuration(&c.ReadHeaderTimeout, v, time.Second, time.Hour) }},
		{name: "HTTP_IDLE_TIMEOUT", def: "120s", help: "How long an idle keep-alive connection is kept open.",
			set: func(c *Config, v string) error { return setDuration(&c.IdleTimeout, v, time.Second, 24*time.Hour) }},
		{name: "SHUTDOWN_TIMEOUT", def: "30s", help: "On SIGTERM, how long in-flight requests get to finish before connections are closed.",
			set: func(c *Config, v string) error { return setDuration(&c.ShutdownTimeout, v, 0, time.Hour) }},
		{name: "SHUTDOWN_DRAIN_DELAY", def: "0s", help: "On SIGTERM, how long to keep serving with /readyz failing, so load balancers stop sending first (a few seconds behind one).",
			set: func(c *Config, v string) error { return setDuration(&c.ShutdownDrainDelay, v, 0, 10*time.Minute) }},
		{name: "HTTP_MAX_HEADER_BYTES", def: "65536", help: "Largest request header block accepted, in bytes.",
			set: func(c *Config, v string) error { return setInt(&c.MaxHeaderBytes, v, 4096, 1<<24) }},
		{name: "HTTP_MAX_BODY_BYTES", def: "1048576", help: "Largest JSON API request body accepted, in bytes; larger bodies get 413.",
			set: func(c *Config, v string) error { return setIntAs(&c.MaxBodyBytes, v, 1024, 1<<30) }},

		{help: "Storage"},
		{name: "DATABASE_URL", def: "postgres://postgres@127.0.0.1:5432/mcpgw?sslmode=disable", secret: true, help: "PostgreSQL connection URL (servers, groups, scopes, users, audit).",
			set: func(c *Config, v string) error { return setConnURL(&c.DatabaseURL, v, "postgres", "postgresql") }},
		{name: "DATABASE_MAX_CONNS", def: "20", help: "Most connections the Postgres pool opens.",
			set: func(c *Config, v string) error { return setIntAs(&c.DatabaseMaxConns, v, 2, 1000) }},
		{name: "MIGRATE_ON_START", def: "true", help: "Apply pending database migrations when serve starts (false: run `mcpgw migrate up` yourself).",
			set: func(c *Config, v string) error { return setBool(&c.MigrateOnStart, v) }},
		{name: "REDIS_URL", def: "redis://127.0.0.1:6379/0", secret: true, help: "Redis connection URL (sessions, sign-in throttling, cross-replica events).",
			set: func(c *Config, v string) error { return setConnURL(&c.RedisURL, v, "redis", "rediss") }},
		{name: "REDIS_KEY_PREFIX", def: "mcpgw:", help: "Prefix of every Redis key, so several deployments can share one Redis.",
			set: func(c *Config, v string) error { c.RedisKeyPrefix = v; return nil }},

		{help: "Identity and sessions"},
		{name: "SECRET_KEY", def: "", secret: true, help: "Required by serve and admin: at least 32 bytes of random text, the same on every replica (e.g. `openssl rand -base64 48`). Keys the hashes under which sessions, personal access tokens and service-account secrets are stored: changing it signs everybody out and invalidates those tokens and secrets (see docs/operations.md).",
			set: func(c *Config, v string) error {
				if v != "" && len(v) < MinSecretKeyLength {
					return fmt.Errorf("must be at least %d bytes (generate one with: openssl rand -base64 48)", MinSecretKeyLength)
				}
				c.SecretKey = v
				return nil
			}},
		{name: "ADMIN_USER", def: "admin", help: "Username of the administrator created at the first start, when there are no users yet.",
			set: func(c *Config, v string) error {
				if v == "" {
					return errors.New("must not be empty")
				}
				c.AdminUser = v
				return nil
			}},
		{name: "ADMIN_PASSWORD", def: "", secret: true, help: "Password of that first administrator; when empty one is generated and printed once.",
			set: func(c *Config, v string) error { c.AdminPassword = v; return nil }},
		{name: "SESSION_COOKIE_NAME", def: "mcp_gateway_session", help: "Name of the browser session cookie.",
			set: func(c *Config, v string) error { return setCookieName(&c.SessionCookieName, v) }},
		{name: "SESSION_MAX_AGE_SECONDS", def: "28800", help: "Absolute lifetime of a browser session in seconds, however active it is (default 8 hours).",
			set: func(c *Config, v string) error { return setSeconds(&c.SessionMaxAge, v, 1, 90*24*3600) }},
		{name: "SESSION_IDLE_TIMEOUT_SECONDS", def: "1800", help: "A session unused for this many seconds ends (default 30 minutes).",
			set: func(c *Config, v string) error { return setSeconds(&c.SessionIdleTimeout, v, 1, 90*24*3600) }},
		{name: "LOGIN_MAX_FAILURES_PER_USER", def: "5", help: "Failed sign-ins allowed per username per throttle window before 429.",
			set: func(c *Config, v string) error { return setInt(&c.LoginMaxFailuresPerUser, v, 1, 1_000_000) }},
		{name: "LOGIN_MAX_FAILURES_PER_IP", def: "20", help: "Failed sign-ins allowed per client IP per throttle window before 429.",
			set: func(c *Config, v string) error { return setInt(&c.LoginMaxFailuresPerIP, v, 1, 1_000_000) }},
		{name: "LOGIN_THROTTLE_WINDOW_SECONDS", def: "900", help: "Length of the sign-in throttle window in seconds.",
			set: func(c *Config, v string) error { return setSeconds(&c.LoginThrottleWindow, v, 1, 7*24*3600) }},
		{name: "PASSWORD_HASH_MEMORY_KIB", def: "19456", help: "argon2id memory per password hash, in KiB (OWASP minimum 19456).",
			set: func(c *Config, v string) error { return setIntAs(&c.PasswordHashMemoryKiB, v, 1024, 4<<20) }},
		{name: "PASSWORD_HASH_ITERATIONS", def: "2", help: "argon2id passes over memory per password hash.",
			set: func(c *Config, v string) error { return setIntAs(&c.PasswordHashIterations, v, 1, 100) }},
		{name: "PASSWORD_HASH_PARALLELISM", def: "1", help: "argon2id lanes per password hash.",
			set: func(c *Config, v string) error { return setIntAs(&c.PasswordHashParallelism, v, 1, 64) }},
		{name: "PASSWORD_HASH_MAX_CONCURRENT", def: "4", help: "Most password hashes computed at once; bounds the memory a burst of sign-ins can take.",
			set: func(c *Config, v string) error { return setInt(&c.PasswordHashMaxConcurrent, v, 1, 1024) }},
		{name: "TOKEN_LIFETIME", def: "1h", help: "Lifetime of the access tokens the gateway issues to service accounts (POST /oauth2/token).",
			set: func(c *Config, v string) error { return setDuration(&c.TokenLifetime, v, time.Minute, 24*time.Hour) }},
		{name: "TOKEN_STATE_CACHE_TTL", def: "30s", help: "How long a replica trusts what it read about a service account, personal access token or signing key: the longest a revocation takes to reach every replica (at most 60s).",
			set: func(c *Config, v string) error {
				return setDuration(&c.TokenStateCacheTTL, v, 100*time.Millisecond, time.Minute)
			}},
		{name: "SERVICE_ACCOUNT_MAX_FAILURES", def: "10", help: "Failed client-credentials attempts allowed per client id and client IP per throttle window (LOGIN_THROTTLE_WINDOW_SECONDS) before 429; per client IP alone, LOGIN_MAX_FAILURES_PER_IP applies.",
			set: func(c *Config, v string) error { return setInt(&c.ServiceAccountMaxFailures, v, 1, 1_000_000) }},

		{help: "Identity providers (browser sign-in and bearer tokens; see README \"Identity providers\")"},
		{name: "OIDC_PROVIDERS", def: "", help: "Comma-separated ids of the identity providers to offer (e.g. cognito,okta,entra,keycloak,corp); each is configured by OIDC_<ID>_* variables, listed at the end of this file.",
			set: func(c *Config, v string) error { return nil }}, // read by loadProviders
		{name: "OIDC_PROVIDERS_FILE", def: "", help: "Optional YAML file with more providers (providers: [{id, type, client_id, client_secret_file, issuer, ...}]).",
			set: func(c *Config, v string) error { return nil }}, // read by loadProviders
		{name: "JWKS_REFETCH_COOLDOWN", def: "60s", help: "A token signed with an unknown key id refetches the provider's JWKS at most once per this interval.",
			set: func(c *Config, v string) error { return setDuration(&c.JWKSRefetchCooldown, v, time.Second, time.Hour) }},
		{name: "TOKEN_MAX_BYTES", def: "16384", help: "Longest bearer token accepted (at most 16384); longer ones are refused before any parsing.",
			set: func(c *Config, v string) error { return setInt(&c.TokenMaxBytes, v, 1024, 16384) }},
		{name: "TOKEN_CLOCK_SKEW", def: "30s", help: "Clock skew tolerated on exp and nbf of tokens (at most 60s).",
			set: func(c *Config, v string) error { return setDuration(&c.TokenClockSkew, v, time.Second, time.Minute) }},
		{name: "IDP_HTTP_TIMEOUT", def: "10s", help: "Timeout of each request to an identity provider (discovery, JWKS, token endpoint).",
			set: func(c *Config, v string) error { return setDuration(&c.IdPHTTPTimeout, v, time.Second, 5*time.Minute) }},
		{name: "OIDC_LOGIN_TIMEOUT", def: "10m", help: "How long a browser may take at the identity provider between leaving and coming back.",
			set: func(c *Config, v string) error { return setDuration(&c.OIDCLoginTimeout, v, 30*time.Second, time.Hour) }},
		{name: "VERIFIED_TOKEN_CACHE_SIZE", def: "10000", help: "Identity-provider tokens remembered as verified (until they expire, at most 5 minutes), so repeat requests skip the signature check; 0 disables.",
			set: func(c *Config, v string) error { return setInt(&c.VerifiedTokenCache, v, 0, 10_000_000) }},

		{help: "Registry and permissions"},
		{name: "ENCRYPTION_KEY", def: "", secret: true, help: "32-byte key (base64 or hex, e.g. `openssl rand -base64 32`) sealing stored egress credentials and token signing keys with AES-256-GCM; empty derives one from SECRET_KEY (which is then still accepted for reading once this is set). The same on every replica.",
			set: func(c *Config, v string) error { return setKey(&c.EncryptionKey, v) }},
		{name: "ENCRYPTION_KEYS_PREVIOUS", def: "", secret: true, help: "Comma-separated former ENCRYPTION_KEYs, still accepted for reading while credentials are re-sealed with the current key (key rotation).",
			set: func(c *Config, v string) error { return setKeys(&c.EncryptionKeysPrevious, v) }},
		{name: "GROUP_CONVENTIONS", def: "true", help: "Derive scopes from seed 004's group names (mcp-user, mcp-server-{name}, -toggle, -edit, -admin, -tool-{tool}); mcp-admin always means registry admin.",
			set: func(c *Config, v string) error { return setBool(&c.GroupConventions, v) }},
		{name: "UPSTREAM_ALLOW_LINK_LOCAL", def: "false", help: "Allow upstream URLs that point at link-local or cloud-metadata addresses (169.254.0.0/16, fd00:ec2::254, ...); private networks are always allowed.",
			set: func(c *Config, v string) error { return setBool(&c.UpstreamAllowLinkLocal, v) }},
		{name: "REGISTRY_RESYNC_INTERVAL", def: "5s", help: "How often each replica checks the registry version, as a safety net behind change notifications.",
			set: func(c *Config, v string) error {
				return setDuration(&c.RegistryResync, v, 100*time.Millisecond, time.Hour)
			}},
		{name: "SEED_SERVERS_FILE", def: "", help: "Optional YAML file of servers to register at start (servers: [{path, display_name, upstream_url, transport, ...}], the fields of POST /api/servers; secrets only as token_env/value_env). Each entry is registered once per database: a seeded server an administrator edits or deletes stays so. An invalid file stops the start.",
			set: func(c *Config, v string) error { c.SeedServersFile = v; return nil }},

		{help: "MCP proxy (/{server}/..., /api/streamable/{server}, /api/execute/{server})"},
		{name: "PROXY_MAX_BODY_BYTES", def: "4194304", help: "Largest JSON-RPC request body the proxy accepts, in bytes; larger ones get 413 and are never partly inspected.",
			set: func(c *Config, v string) error { return setIntAs(&c.ProxyMaxBodyBytes, v, 1024, 1<<30) }},
		{name: "PROXY_CONNECT_TIMEOUT", def: "10s", help: "How long connecting to an upstream MCP server may take before the client gets 502.",
			set: func(c *Config, v string) error {
				return setDuration(&c.ProxyConnectTimeout, v, 100*time.Millisecond, 5*time.Minute)
			}},
		{name: "PROXY_RESPONSE_HEADER_TIMEOUT", def: "60s", help: "How long an upstream may take to start answering before the client gets 504 (a tool answering as plain JSON must finish within it; streams need only start).",
			set: func(c *Config, v string) error {
				return setDuration(&c.ProxyResponseHeaderTimeout, v, 100*time.Millisecond, time.Hour)
			}},
		{name: "PROXY_STREAM_IDLE_TIMEOUT", def: "5m", help: "An event stream from an upstream that sends nothing for this long is closed.",
			set: func(c *Config, v string) error {
				return setDuration(&c.ProxyStreamIdleTimeout, v, time.Second, 24*time.Hour)
			}},
		{name: "PROXY_BODY_TIMEOUT", def: "30s", help: "How long a client may take to send a JSON-RPC request body.",
			set: func(c *Config, v string) error { return setDuration(&c.ProxyBodyTimeout, v, time.Second, time.Hour) }},
		{name: "PROXY_MAX_STREAMS_PER_PRINCIPAL", def: "64", help: "Concurrent proxied requests and streams allowed per caller on each replica; more get 429.",
			set: func(c *Config, v string) error { return setInt(&c.ProxyMaxStreamsPerPrincipal, v, 1, 1_000_000) }},

		{help: "Health poller: one replica at a time checks every enabled server with a real MCP exchange"},
		{name: "HEALTH_CHECK_ENABLED", def: "true", help: "Whether this replica takes part in health polling (one replica polls at a time; POST /api/servers/{id}/refresh works either way).",
			set: func(c *Config, v string) error { return setBool(&c.HealthCheckEnabled, v) }},
		{name: "HEALTH_CHECK_INTERVAL", def: "30s", help: "How often each healthy server is checked (spread by ±10% jitter).",
			set: func(c *Config, v string) error {
				return setDuration(&c.HealthCheckInterval, v, time.Second, 24*time.Hour)
			}},
		{name: "HEALTH_CHECK_TIMEOUT", def: "10s", help: "How long one check (initialize, every tools/list page, end of session) may take.",
			set: func(c *Config, v string) error {
				return setDuration(&c.HealthCheckTimeout, v, 100*time.Millisecond, 10*time.Minute)
			}},
		{name: "HEALTH_CHECK_RETRY_MIN", def: "5s", help: "First retry of a failing server; each further failure doubles it, up to HEALTH_CHECK_INTERVAL.",
			set: func(c *Config, v string) error {
				return setDuration(&c.HealthCheckRetryMin, v, 100*time.Millisecond, 24*time.Hour)
			}},
		{name: "HEALTH_CHECK_CONCURRENCY", def: "32", help: "Checks run at the same time; a slow server holds only its own.",
			set: func(c *Config, v string) error { return setInt(&c.HealthCheckConcurrency, v, 1, 1024) }},
		{name: "LIVE_HEARTBEAT_INTERVAL", def: "15s", help: "How often an idle /api/health/events stream gets a comment, so proxies in between keep it open.",
			set: func(c *Config, v string) error {
				return setDuration(&c.LiveHeartbeat, v, 100*time.Millisecond, 10*time.Minute)
			}},

		{help: "Operations"},
		{name: "LOG_LEVEL", def: "info", help: "Least severe log level written: debug, info, warn or error.",
			set: func(c *Config, v string) error { return c.LogLevel.UnmarshalText([]byte(v)) }},
		{name: "LOG_FORMAT", def: "json", help: "Log format: json (one object per line) or text.",
			set: func(c *Config, v string) error {
				if v != "json" && v != "text" {
					return errors.New("must be json or text")
				}
				c.LogFormat = v
				return nil
			}},

		{help: "Tracing: OpenTelemetry spans over OTLP/HTTP, one per proxied MCP call (see README \"Tracing\")"},
		{name: "OTEL_TRACING_ENABLED", def: "false", help: "Export a span for every proxied MCP call (JSON-RPC message) to an OTLP/HTTP collector. Off, no spans are made; a caller's W3C traceparent still reaches the upstream.",
			set: func(c *Config, v string) error { return setBool(&c.TracingEnabled, orDefault(v, "false")) }},
		{name: "OTEL_EXPORTER_OTLP_ENDPOINT", def: "http://localhost:4318", help: "Base URL of the OTLP/HTTP collector (port 4318); spans are posted to {this}/v1/traces. https uses TLS (OTEL_EXPORTER_OTLP_CERTIFICATE names a CA file).",
			set: func(c *Config, v string) error {
				return setEndpoint(&c.OTLPEndpoint, orDefault(v, "http://localhost:4318"))
			}},
		{name: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", def: "", help: "Full URL spans are posted to, used as is instead of OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces; empty uses that.",
			set: func(c *Config, v string) error {
				if v = strings.TrimSpace(v); v == "" {
					c.OTLPTracesEndpoint = ""
					return nil
				}
				return setEndpoint(&c.OTLPTracesEndpoint, v)
			}},
		{name: "OTEL_EXPORTER_OTLP_HEADERS", def: "", secret: true, help: "Headers sent with every export, as comma-separated key=value pairs with percent-encoded values (e.g. authorization=Bearer%20abc,x-tenant=ops); never logged.",
			set: func(c *Config, v string) error {
				h, err := tracing.ParseHeaders(v)
				c.OTLPHeaders = h
				return err
			}},
		{name: "OTEL_EXPORTER_OTLP_PROTOCOL", def: "http/protobuf", help: "OTLP protocol: http/protobuf or http/json; grpc is not built in (refused when tracing is on).",
			set: func(c *Config, v string) error {
				switch v = orDefault(v, "http/protobuf"); v {
				case "http/protobuf", "http/json", "grpc":
					c.OTLPProtocol = v
					return nil
				}
				return errors.New("must be http/protobuf or http/json")
			}},
		{name: "OTEL_SERVICE_NAME", def: "mcpgw", help: "service.name of the spans (the resource); OTEL_RESOURCE_ATTRIBUTES adds more.",
			set: func(c *Config, v string) error { c.TracingServiceName = orDefault(v, "mcpgw"); return nil }},
		{name: "OTEL_TRACES_SAMPLER_ARG", def: "1.0", help: "Share of new traces recorded, 0 to 1 (parent-based ratio sampling: a call that continues a caller's trace follows the caller's sampled flag).",
			set: func(c *Config, v string) error {
				f, err := strconv.ParseFloat(orDefault(v, "1.0"), 64)
				if err != nil || f < 0 || f > 1 {
					return fmt.Errorf("%q is not a ratio between 0 and 1", v)
				}
				c.TracingSampleRatio = f
				return nil
			}},
	}
}

// Load reads every setting through lookup (os.LookupEnv in production) and
// readFile (for NAME_FILE variants). It returns all problems at once, each
// naming its variable.
func Load(lookup func(string) (string, bool), readFile func(string) ([]byte, error)) (*Config, error) {
	c := &Config{}
	var errs []error
	for _, o := range options() {
		if o.name == "" {
			continue
		}
		v, err := value(o, lookup, readFile)
		if err == nil {
			err = o.set(c, v)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", o.name, err))
		}
	}
	if len(errs) == 0 && c.MetricsAddr != "" && sameListener(c.MetricsAddr, c.ListenAddr) {
		errs = append(errs, fmt.Errorf("METRICS_ADDR: %s would take LISTEN_ADDR's port (%s): give the metrics listener a port of its own, or leave it empty to serve /metrics on LISTEN_ADDR", c.MetricsAddr, c.ListenAddr))
	}
	if len(errs) == 0 && c.SessionIdleTimeout > c.SessionMaxAge {
		errs = append(errs, errors.New("SESSION_IDLE_TIMEOUT_SECONDS: must not exceed SESSION_MAX_AGE_SECONDS"))
	}
	if len(errs) == 0 {
		errs = append(errs, loadProviders(c, lookup, readFile)...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// FromEnv loads the configuration from the process environment.
func FromEnv() (*Config, error) { return Load(os.LookupEnv, os.ReadFile) }

func value(o option, lookup func(string) (string, bool), readFile func(string) ([]byte, error)) (string, error) {
	v, ok := lookup(o.name)
	if o.secret {
		if path, fok := lookup(o.name + "_FILE"); fok && path != "" {
			if ok && v != "" {
				return "", fmt.Errorf("set either %s or %s_FILE, not both", o.name, o.name)
			}
			b, err := readFile(path)
			if err != nil {
				return "", fmt.Errorf("reading %s_FILE: %w", o.name, err)
			}
			return strings.TrimRight(string(b), "\r\n"), nil
		}
	}
	if !ok {
		return o.def, nil
	}
	return v, nil
}

// RequireSecretKey reports an error when SECRET_KEY is unset; commands that
// create or end sessions need it.
func (c *Config) RequireSecretKey() error {
	if c.SecretKey == "" {
		return fmt.Errorf("SECRET_KEY: is required: set it (or SECRET_KEY_FILE) to at least %d bytes of random text, e.g. `openssl rand -base64 48`", MinSecretKeyLength)
	}
	return nil
}

// SecureCookies reports whether cookies must carry the Secure attribute.
func (c *Config) SecureCookies() bool { return c.PublicURL.Scheme == "https" }

// PublicOrigin is PUBLIC_URL's origin (scheme://host[:port]).
func (c *Config) PublicOrigin() string { return c.PublicURL.Scheme + "://" + c.PublicURL.Host }

// LogValue implements slog.LogValuer: the settings with secrets redacted.
func (c *Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("listen_addr", c.ListenAddr),
		slog.String("metrics_addr", c.MetricsAddr),
		slog.String("public_url", c.PublicURL.String()),
		slog.String("database", redactURL(c.DatabaseURL)),
		slog.String("redis", redactURL(c.RedisURL)),
		slog.String("redis_key_prefix", c.RedisKeyPrefix),
		slog.Bool("migrate_on_start", c.MigrateOnStart),
		slog.Bool("secret_key_set", c.SecretKey != ""),
		slog.String("session_cookie_name", c.SessionCookieName),
		slog.String("session_max_age", c.SessionMaxAge.String()),
		slog.String("session_idle_timeout", c.SessionIdleTimeout.String()),
		slog.Any("trusted_proxies", c.TrustedProxies),
		slog.Bool("encryption_key_set", c.EncryptionKey != nil),
		slog.Int("encryption_keys_previous", len(c.EncryptionKeysPrevious)),
		slog.Bool("group_conventions", c.GroupConventions),
		slog.Bool("upstream_allow_link_local", c.UpstreamAllowLinkLocal),
		slog.Any("identity_providers", providerIDs(c.Providers)),
		slog.Bool("tracing_enabled", c.TracingEnabled),
		slog.String("otlp_endpoint", redactURL(c.OTLPEndpoint)),
	)
}

// redactURL drops the password of a connection URL for logging.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable)"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// EnvExample renders .env.example: every variable with its comment and
// default.
func EnvExample() string {
	var b strings.Builder
	b.WriteString("# MCP Gateway Registry (mcpgw) configuration.\n")
	b.WriteString("# Every setting is an environment variable; the values below are the defaults.\n")
	b.WriteString("# Secrets (marked) may instead be read from a file named by NAME_FILE.\n")
	b.WriteString("# Generated by `mcpgw config example`; edit backend/internal/config/config.go, not this file.\n")
	for _, o := range options() {
		if o.name == "" {
			fmt.Fprintf(&b, "\n# --- %s ---\n", o.help)
			continue
		}
		help := o.help
		if o.secret {
			help += " [secret; or " + o.name + "_FILE]"
		}
		fmt.Fprintf(&b, "# %s\n%s=%s\n", help, o.name, o.def)
	}
	b.WriteString(providersExample())
	return b.String()
}

func setListenAddr(dst *string, v string) error {
	_, port, err := net.SplitHostPort(v)
	if err != nil || port == "" {
		return errors.New("must be host:port, e.g. :7860 or 127.0.0.1:7860")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("invalid port %q", port)
	}
	*dst = v
	return nil
}

// sameListener reports whether listeners on a and b (host:port, checked
// by setListenAddr) would want the same socket: the same port, other than
// 0 (which picks a free one), on the same host or where either host is
// every address (empty, 0.0.0.0, ::).
func sameListener(a, b string) bool {
	ah, ap, _ := net.SplitHostPort(a)
	bh, bp, _ := net.SplitHostPort(b)
	an, _ := strconv.Atoi(ap)
	bn, _ := strconv.Atoi(bp)
	if an == 0 || an != bn {
		return false
	}
	aip, aerr := netip.ParseAddr(ah)
	bip, berr := netip.ParseAddr(bh)
	switch {
	case ah == "" || bh == "" || (aerr == nil && aip.IsUnspecified()) || (berr == nil && bip.IsUnspecified()):
		return true
	case aerr == nil && berr == nil:
		return aip.Unmap() == bip.Unmap()
	}
	return strings.EqualFold(ah, bh)
}

func setPublicURL(dst **url.URL, v string) error {
	u, err := url.Parse(strings.TrimRight(v, "/"))
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("must start with http:// or https://")
	}
	if u.Host == "" {
		return errors.New("must include a host")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return errors.New("must not contain credentials, a query or a fragment")
	}
	if u.Path != "" {
		return errors.New("must not contain a path: mcpgw is served at the root of its host")
	}
	// Normalise to the origin browsers send: ASCII (punycode) host, no
	// default port. Otherwise every Origin check would fail.
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		host = ip.String()
		if ip.Is6() {
			host = "[" + host + "]"
		}
	} else if host, err = idna.Lookup.ToASCII(host); err != nil {
		return fmt.Errorf("invalid host %q: %w", u.Hostname(), err)
	}
	host = strings.ToLower(host)
	if port := u.Port(); port != "" && !(u.Scheme == "http" && port == "80") && !(u.Scheme == "https" && port == "443") {
		host += ":" + port
	}
	u.Host = host
	*dst = u
	return nil
}

// orDefault is v trimmed, or def when that is empty: the OTEL_ variables
// are shared with other software, whose deployments often set them empty.
func orDefault(v, def string) string {
	if v = strings.TrimSpace(v); v == "" {
		return def
	}
	return v
}

func setEndpoint(dst *string, v string) error {
	if err := tracing.CheckEndpoint(v); err != nil {
		return err
	}
	*dst = v
	return nil
}

func setConnURL(dst *string, v string, schemes ...string) error {
	u, err := url.Parse(v)
	if err != nil {
		return errors.New("not a valid URL")
	}
	for _, s := range schemes {
		if u.Scheme == s {
			*dst = v
			return nil
		}
	}
	return fmt.Errorf("must start with %s://", schemes[0])
}

func setPrefixes(dst *[]string, v string) error {
	var out []string
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if strings.Contains(item, "/") {
			if _, err := netip.ParsePrefix(item); err != nil {
				return fmt.Errorf("%q is not a CIDR", item)
			}
		} else if _, err := netip.ParseAddr(item); err != nil {
			return fmt.Errorf("%q is not an IP address", item)
		}
		out = append(out, item)
	}
	*dst = out
	return nil
}

func setCookieName(dst *string, v string) error {
	if v == "" || strings.ContainsAny(v, " \t\r\n;,=\"()<>@:\\/[]?{}") {
		return errors.New("must be a non-empty cookie name without separators")
	}
	*dst = v
	return nil
}

func setInt(dst *int, v string, lo, hi int) error {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return fmt.Errorf("%q is not an integer", v)
	}
	if n < lo || n > hi {
		return fmt.Errorf("must be between %d and %d", lo, hi)
	}
	*dst = n
	return nil
}

// setIntAs is setInt for the other integer types of Config.
func setIntAs[T ~int32 | ~int64 | ~uint8 | ~uint32](dst *T, v string, lo, hi int) error {
	var n int
	if err := setInt(&n, v, lo, hi); err != nil {
		return err
	}
	*dst = T(n)
	return nil
}

func setSeconds(dst *time.Duration, v string, lo, hi int) error {
	var n int
	if err := setInt(&n, v, lo, hi); err != nil {
		return err
	}
	*dst = time.Duration(n) * time.Second
	return nil
}

// setDuration accepts a Go duration ("30s", "1m") or a bare number of
// seconds.
func setDuration(dst *time.Duration, v string, lo, hi time.Duration) error {
	v = strings.TrimSpace(v)
	d, err := time.ParseDuration(v)
	if err != nil {
		n, nerr := strconv.Atoi(v)
		if nerr != nil {
			return fmt.Errorf("%q is not a duration (e.g. 30s, 2m) or a number of seconds", v)
		}
		d = time.Duration(n) * time.Second
	}
	if d < lo || d > hi {
		return fmt.Errorf("must be between %s and %s", lo, hi)
	}
	*dst = d
	return nil
}

func setKey(dst *[]byte, v string) error {
	if v == "" {
		*dst = nil
		return nil
	}
	k, err := secretbox.ParseKey(v)
	if err != nil {
		return err
	}
	*dst = k
	return nil
}

func setKeys(dst *[][]byte, v string) error {
	*dst = nil
	for i, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		k, err := secretbox.ParseKey(part)
		if err != nil {
			return fmt.Errorf("key %d: %w", i+1, err)
		}
		*dst = append(*dst, k)
	}
	return nil
}

func setBool(dst *bool, v string) error {
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return fmt.Errorf("%q is not a boolean (true or false)", v)
	}
	*dst = b
	return nil
}

func providerIDs(ps []oidc.ProviderConfig) []string {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return ids
}
