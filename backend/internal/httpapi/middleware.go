package httpapi

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/mcpgw/mcpgw/backend/internal/auth"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// Keys in gin's context: the authenticated principal, or why the presented
// credentials were refused.
const (
	principalKey = "mcpgw.principal"
	authErrorKey = "mcpgw.auth_error"
	// bearerKey marks a request that presented a bearer token, whose
	// refusal says so in WWW-Authenticate (RFC 6750).
	bearerKey = "mcpgw.bearer"
)

func principalOf(c *gin.Context) *domain.Principal {
	p, _ := c.Get(principalKey)
	pr, _ := p.(*domain.Principal)
	return pr
}

// recoverJSON turns a panic into a logged JSON 500.
func (s *server) recoverJSON(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v) // net/http's way to abort a response; let it through
			}
			s.Log.ErrorContext(c.Request.Context(), "panic serving request", "panic", v, "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				writeError(c, s.Log, errors.New("panic"))
			}
			c.Abort()
		}
	}()
	c.Next()
}

// requestID takes a well-formed X-Request-ID from the client or makes one,
// echoes it, and puts the request's details in the context for logs and
// audit events.
func (s *server) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if !domain.ValidRequestID(id) {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Header("X-Request-ID", id)
	ctx := domain.WithRequestInfo(c.Request.Context(), domain.RequestInfo{
		RequestID: id, ClientIP: c.ClientIP(), UserAgent: c.Request.UserAgent(),
	})
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcpgw_http_requests_total", Help: "HTTP requests by route template, method and status.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "mcpgw_http_request_duration_seconds", Help: "HTTP request latency by route template and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.duration)
	}
	return m
}

// observe logs and measures each request. It logs the path without its query
// string, and never headers: those carry cookies and tokens.
func (s *server) observe(m *httpMetrics) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		elapsed := time.Since(start)
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		status := c.Writer.Status()
		method := knownMethod(c.Request.Method)
		m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
		m.duration.WithLabelValues(route, method).Observe(elapsed.Seconds())

		level := slog.LevelInfo
		switch {
		case route == "/readyz" && status == http.StatusServiceUnavailable:
			// Not ready is a state the handler reports (draining at
			// shutdown, a dependency down), not a failed request: probes
			// ask every few seconds.
			level = slog.LevelWarn
		case status >= 500:
			level = slog.LevelError
		case route == "/healthz" || route == "/readyz" || route == "/metrics":
			level = slog.LevelDebug
		}
		if !s.Log.Enabled(c.Request.Context(), level) {
			return
		}
		attrs := []slog.Attr{
			slog.String("method", method),
			slog.String("path", c.Request.URL.Path),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
			slog.Int("bytes", c.Writer.Size()),
			slog.String("request_id", domain.RequestInfoFrom(c.Request.Context()).RequestID),
			slog.String("client_ip", c.ClientIP()),
		}
		if p := principalOf(c); p != nil {
			attrs = append(attrs, slog.String("user", p.Username))
		}
		s.Log.LogAttrs(c.Request.Context(), level, "http request", attrs...)
	}
}

// knownMethod bounds the method for labels and logs: net/http accepts any
// token as a method, and each new label value would be a new time series.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// contentSecurityPolicy allows the dashboard's own scripts, styles and
// images only; the built SPA has no inline scripts.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

func (s *server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	if s.Options.SecureCookies {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	c.Next()
}

// limitBody caps request bodies; decodeJSON turns the overflow into 413.
func (s *server) limitBody(c *gin.Context) {
	if c.Request.ContentLength > s.Options.MaxBodyBytes {
		writeError(c, s.Log, domain.Errorf(domain.ETOOLARGE, "the request body is larger than %d bytes", s.Options.MaxBodyBytes))
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.Options.MaxBodyBytes)
	c.Next()
}

func (s *server) noStore(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Next()
}

// textOnly refuses API requests whose path or query parameters are not
// text: invalid UTF-8 and control characters cannot name anything here,
// and Postgres refuses NUL outright, which would surface as a 500.
func (s *server) textOnly(c *gin.Context) {
	bad := func(v string) bool {
		return !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f })
	}
	if bad(c.Request.URL.Path) {
		writeError(c, s.Log, domain.Errorf(domain.EBADREQUEST, "the path must be text without control characters"))
		return
	}
	for k, vs := range c.Request.URL.Query() {
		if bad(k) || slices.ContainsFunc(vs, bad) {
			writeError(c, s.Log, domain.Invalid(domain.SafeText(k, 64), "must be text without control characters"))
			return
		}
	}
	c.Next()
}

// authenticate identifies the caller, when credentials are present:
//  1. a bearer token wins: X-Authorization when present (seed 002: then
//     Authorization is meant for the upstream server), else Authorization;
//     browsers never send one by themselves, so such requests need no CSRF
//     token. Seed 002's X-User-Pool-Id, X-Client-Id and X-Region, when
//     sent, must name the provider that issued it;
//  2. otherwise the session cookie.
//
// Absent credentials leave the request anonymous; requireAuth decides. Bad
// credentials are remembered for requireAuth, so a public endpoint still
// works with a stale cookie.
func (s *server) authenticate(c *gin.Context) {
	ctx := c.Request.Context()
	var (
		p   *domain.Principal
		err error
	)
	if token, presented := bearerToken(c.Request); presented {
		c.Set(bearerKey, true)
		switch {
		case token == "":
			err = domain.Errorf(domain.EUNAUTHORIZED, "X-Authorization must be \"Bearer <token>\"")
		case s.Bearer == nil:
			err = domain.Errorf(domain.EUNAUTHORIZED, "bearer tokens are not accepted here")
		default:
			p, err = s.Bearer.AuthenticateBearer(ctx, token, tokenHint(c.Request))
		}
	} else if cookie, cerr := c.Request.Cookie(s.Options.CookieName); cerr == nil && cookie.Value != "" {
		p, err = s.Auth.Authenticate(ctx, cookie.Value)
	}
	switch {
	case err != nil && domain.ErrorCode(err) == domain.EUNAVAILABLE:
		writeError(c, s.Log, err)
		return
	case err != nil:
		c.Set(authErrorKey, err)
	case p != nil:
		c.Set(principalKey, p)
		c.Request = c.Request.WithContext(auth.WithPrincipal(ctx, p))
	}
	c.Next()
}

// bearerToken returns the request's bearer token and whether it presented
// one. An X-Authorization header that is not "Bearer <token>" presents an
// empty (refused) token rather than falling back to other credentials; an
// Authorization header of another scheme presents nothing.
func bearerToken(r *http.Request) (token string, presented bool) {
	if h := r.Header.Get("X-Authorization"); h != "" {
		t, _ := parseBearer(h)
		return t, true
	}
	return parseBearer(r.Header.Get("Authorization"))
}

func parseBearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// tokenHint reads seed 002's provider headers.
func tokenHint(r *http.Request) domain.TokenHint {
	return domain.TokenHint{
		UserPoolID: r.Header.Get("X-User-Pool-Id"),
		ClientID:   r.Header.Get("X-Client-Id"),
		Region:     r.Header.Get("X-Region"),
	}
}

// requireAuth answers 401 unless authenticate identified the caller. A
// session cookie that no longer works is cleared.
func (s *server) requireAuth(c *gin.Context) {
	if principalOf(c) != nil {
		c.Next()
		return
	}
	if _, err := c.Request.Cookie(s.Options.CookieName); err == nil {
		s.clearSessionCookie(c)
	}
	var err error = domain.ErrUnauthorized
	if v, ok := c.Get(authErrorKey); ok {
		err = v.(error)
	}
	if c.GetBool(bearerKey) {
		c.Header("WWW-Authenticate", `Bearer realm="mcpgw", error="invalid_token"`)
	} else {
		c.Header("WWW-Authenticate", `Bearer realm="mcpgw"`)
	}
	writeError(c, s.Log, err)
}

// requireCSRF protects cookie-authenticated writes: the request must carry
// the session's CSRF token, and come from our own origin if it says where
// it comes from. Bearer-authenticated requests are exempt: a browser cannot
// be tricked into sending a bearer token.
func (s *server) requireCSRF(c *gin.Context) {
	p := principalOf(c)
	if p == nil || p.Session == nil || isSafeMethod(c.Request.Method) {
		c.Next()
		return
	}
	if !s.originAllowed(c.Request) {
		writeError(c, s.Log, domain.Errorf(domain.ECSRF, "cross-origin request refused"))
		return
	}
	got := c.GetHeader("X-CSRF-Token")
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.Session.CSRFToken)) != 1 {
		writeError(c, s.Log, domain.Errorf(domain.ECSRF, "missing or invalid X-CSRF-Token header; get the token from /api/auth/me"))
		return
	}
	c.Next()
}

// sameOrigin refuses browser requests that say they come from another
// origin; it guards sign-in, where there is no session yet (login CSRF).
func (s *server) sameOrigin(c *gin.Context) {
	if !s.originAllowed(c.Request) {
		writeError(c, s.Log, domain.Errorf(domain.ECSRF, "cross-origin request refused"))
		return
	}
	c.Next()
}

func (s *server) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	return origin == "" || strings.EqualFold(origin, s.Options.PublicOrigin)
}

func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func (s *server) requireAdmin(c *gin.Context) {
	if err := s.Catalog.RequireAdmin(c.Request.Context(), principalOf(c), c.Request.Method+" "+c.FullPath()); err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.Next()
}

func (s *server) setSessionCookie(c *gin.Context, id string) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: s.Options.CookieName, Value: id, Path: "/", MaxAge: s.Options.SessionMaxAge,
		HttpOnly: true, Secure: s.Options.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}

func (s *server) clearSessionCookie(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: s.Options.CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.Options.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}
