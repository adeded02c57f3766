package httpapi

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mcpgw/mcpgw/backend/internal/auth"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/registry"
)

func testRouter(t *testing.T, d Deps) http.Handler {
	t.Helper()
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	if d.Catalog == nil {
		d.Catalog = groupAdmins{}
	}
	d.Options = Options{CookieName: "mcp_gateway_session", PublicOrigin: "http://gw.test", SessionMaxAge: 60, MaxBodyBytes: 1 << 20}
	r, err := newRouter(d)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// stubBearer stands in for token validation (auth.Bearer, tested with
// real tokens in the app package): it knows one token.
type stubBearer struct{}

func (stubBearer) AuthenticateBearer(_ context.Context, token string, _ domain.TokenHint) (*domain.Principal, error) {
	if token != "good-token" {
		return nil, domain.Errorf(domain.EUNAUTHORIZED, "invalid bearer token")
	}
	return &domain.Principal{UserID: 7, Username: "robot", Groups: []string{domain.AdminGroup}, AuthMethod: "token"}, nil
}

// groupAdmins stands in for the registry: members of mcp-admin are
// administrators, nobody else is anything.
type groupAdmins struct{ RegistryService }

func (groupAdmins) RequireAdmin(_ context.Context, p *domain.Principal, _ string) error {
	if p == nil || !p.IsAdmin() {
		return domain.Errorf(domain.EFORBIDDEN, "requires registry admin")
	}
	return nil
}

func (groupAdmins) UserContextOf(p *domain.Principal) *registry.UserContext {
	return &registry.UserContext{IsAdmin: p.IsAdmin()}
}

// recordingUsers answers the user endpoints without a database.
type recordingUsers struct {
	UserService
	created []string
}

func (u *recordingUsers) CreateUser(_ context.Context, _ *domain.Principal, in auth.NewUser) (*domain.User, error) {
	u.created = append(u.created, in.Username)
	return &domain.User{ID: 1, Username: in.Username, AuthSource: domain.AuthSourceLocal}, nil
}

func TestBearerRequestsNeedNoCSRFToken(t *testing.T) {
	users := &recordingUsers{}
	h := testRouter(t, Deps{Bearer: stubBearer{}, Users: users})

	do := func(header, value string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/api/users", strings.NewReader(`{"username":"x","password":"long-enough"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", "https://elsewhere.example") // irrelevant without a cookie
		if header != "" {
			req.Header.Set(header, value)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := do("Authorization", "Bearer good-token"); rec.Code != http.StatusCreated {
		t.Fatalf("bearer without CSRF token: %d %s", rec.Code, rec.Body)
	}
	// Seed 002's header: X-Authorization carries the gateway token.
	if rec := do("X-Authorization", "Bearer good-token"); rec.Code != http.StatusCreated {
		t.Fatalf("X-Authorization bearer: %d %s", rec.Code, rec.Body)
	}
	if rec := do("Authorization", "Bearer bad-token"); rec.Code != http.StatusUnauthorized {
		t.Fatalf("bad bearer: %d %s", rec.Code, rec.Body)
	}
	if rec := do("", ""); rec.Code != http.StatusUnauthorized {
		t.Fatalf("no credentials: %d %s", rec.Code, rec.Body)
	}
	if len(users.created) != 2 {
		t.Fatalf("created %v, want two users", users.created)
	}
}

func dashboardFS() fs.FS {
	return fstest.MapFS{
		"index.html":             {Data: []byte(`<!doctype html><div id="root"></div><script type="module" src="/assets/index-abc123.js"></script>`)},
		"assets/index-abc123.js": {Data: []byte(`console.log("app")`)},
		"favicon.svg":            {Data: []byte(`<svg/>`)},
	}
}

func TestDashboardServing(t *testing.T) {
	h := testRouter(t, Deps{Frontend: dashboardFS()})
	get := func(method, path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
		return rec
	}
	for _, path := range []string{"/", "/login", "/servers/currenttime", "/users?tab=sessions", "/index.html"} {
		rec := get(http.MethodGet, path)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `id="root"`) || rec.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("GET %s: %d %q cache=%q", path, rec.Code, rec.Body, rec.Header().Get("Cache-Control"))
		}
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			t.Errorf("GET %s: Content-Type %q", path, rec.Header().Get("Content-Type"))
		}
	}
	rec := get(http.MethodGet, "/assets/index-abc123.js")
	if rec.Code != http.StatusOK || rec.Body.String() != `console.log("app")` || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
		t.Errorf("asset: %d %q cache=%q", rec.Code, rec.Body, rec.Header().Get("Cache-Control"))
	}
	if rec := get(http.MethodGet, "/assets/missing.js"); rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "root") {
		t.Errorf("missing asset: %d %q", rec.Code, rec.Body)
	}
	if rec := get(http.MethodHead, "/login"); rec.Code != http.StatusOK {
		t.Errorf("HEAD /login: %d", rec.Code)
	}
	if rec := get(http.MethodPost, "/login"); rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `"code":"not_found"`) {
		t.Errorf("POST /login: %d %q", rec.Code, rec.Body)
	}
	if rec := get(http.MethodGet, "/api/unknown"); rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `"code":"not_found"`) {
		t.Errorf("unknown API path: %d %q", rec.Code, rec.Body)
	}
	if rec := get(http.MethodGet, "/../../etc/passwd"); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "root") {
		t.Errorf("traversal: %d %q", rec.Code, rec.Body)
	}
}

func TestPanicsBecomeJSON500(t *testing.T) {
	users := &panickyUsers{}
	h := testRouter(t, Deps{Bearer: stubBearer{}, Users: users})
	req := httptest.NewRequest(http.MethodGet, "/api/users", nil)
	req.Header.Set("Authorization", "Bearer good-token")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), `"message":"internal error"`) {
		t.Fatalf("panic: %d %s", rec.Code, rec.Body)
	}
}

type panickyUsers struct{ UserService }

func (panickyUsers) ListUsers(context.Context) ([]*domain.User, error) { panic("boom") }

func TestArbitraryMethodsDoNotGrowMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := testRouter(t, Deps{Registry: reg})
	for _, m := range []string{"FOO", "BAR" + strings.Repeat("X", 1000), "get"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(m, "/api/auth/me", nil))
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "mcpgw_http_requests_total" {
			continue
		}
		if n := len(mf.GetMetric()); n != 1 {
			t.Fatalf("%d series for three unknown methods, want 1", n)
		}
		for _, l := range mf.GetMetric()[0].GetLabel() {
			if l.GetName() == "method" && l.GetValue() != "OTHER" {
				t.Fatalf("method label = %q", l.GetValue())
			}
		}
	}
}
