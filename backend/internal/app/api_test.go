package app_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/mcpgw/mcpgw/backend/internal/config"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

func TestBadInputGetsClearErrors(t *testing.T) {
	t.Parallel()
	a := start(t, func(c *config.Config) { c.MaxBodyBytes = 4096 })
	admin := signedInAdmin(t, a)

	cases := []struct {
		name   string
		client *testutil.Client
		method string
		path   string
		body   any
		header []string
		status int
		code   string
		field  string
	}{
		{"malformed JSON", a.NewClient(t), "POST", "/api/auth/login", `{"username": "admin",`, nil, 400, domain.EBADREQUEST, ""},
		{"not JSON at all", a.NewClient(t), "POST", "/api/auth/login", `username=admin`, nil, 400, domain.EBADREQUEST, ""},
		{"empty body", a.NewClient(t), "POST", "/api/auth/login", ``, nil, 400, domain.EBADREQUEST, ""},
		{"two JSON values", a.NewClient(t), "POST", "/api/auth/login", `{"username":"a","password":"b"} {}`, nil, 400, domain.EBADREQUEST, ""},
		{"JSON array", a.NewClient(t), "POST", "/api/auth/login", `[1,2]`, nil, 400, domain.EBADREQUEST, ""},
		{"form content type", a.NewClient(t), "POST", "/api/auth/login", `{}`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "unsupported_media_type", ""},
		{"missing username", a.NewClient(t), "POST", "/api/auth/login", `{"password":"x"}`, nil, 422, domain.EINVALID, "username"},
		{"missing password", a.NewClient(t), "POST", "/api/auth/login", `{"username":"admin"}`, nil, 422, domain.EINVALID, "password"},
		{"wrong type", a.NewClient(t), "POST", "/api/auth/login", `{"username":42,"password":"x"}`, nil, 422, domain.EINVALID, "username"},
		{"unknown field", a.NewClient(t), "POST", "/api/auth/login", `{"username":"a","password":"b","remember":true}`, nil, 422, domain.EINVALID, "remember"},
		{"oversized body", a.NewClient(t), "POST", "/api/auth/login", `{"username":"` + strings.Repeat("a", 5000) + `","password":"x"}`, nil, 413, domain.ETOOLARGE, ""},
		{"control character in username", a.NewClient(t), "POST", "/api/auth/login", `{"username":"ad\u0000min","password":"x"}`, nil, 401, domain.EINVALIDCREDENTIALS, ""},
		{"NUL in display name", admin, "POST", "/api/users", `{"username":"eve","password":"long-enough-pw","display_name":"E\u0000ve"}`, nil, 422, domain.EINVALID, "display_name"},
		{"short password", admin, "POST", "/api/users", `{"username":"eve","password":"short"}`, nil, 422, domain.EINVALID, "password"},
		{"username with space", admin, "POST", "/api/users", `{"username":"e ve","password":"long-enough-pw"}`, nil, 422, domain.EINVALID, "username"},
		{"bad email", admin, "POST", "/api/users", `{"username":"eve","password":"long-enough-pw","email":"nope"}`, nil, 422, domain.EINVALID, "email"},
		{"disabled not a bool", admin, "PATCH", "/api/users/1", `{"disabled":"yes"}`, nil, 422, domain.EINVALID, "disabled"},
		{"no such user", admin, "GET", "/api/users/999999", nil, nil, 404, domain.ENOTFOUND, ""},
		{"non-numeric id", admin, "GET", "/api/users/abc", nil, nil, 404, domain.ENOTFOUND, ""},
		{"unknown API path", admin, "GET", "/api/nope", nil, nil, 404, domain.ENOTFOUND, ""},
		{"wrong method", admin, "DELETE", "/api/auth/me", nil, nil, 405, "method_not_allowed", ""},
		{"anonymous me", a.NewClient(t), "GET", "/api/auth/me", nil, nil, 401, domain.EUNAUTHORIZED, ""},
		{"anonymous users", a.NewClient(t), "GET", "/api/users", nil, nil, 401, domain.EUNAUTHORIZED, ""},
		{"bearer not accepted yet", a.NewClient(t), "GET", "/api/auth/me", nil, []string{"Authorization", "Bearer abc"}, 401, domain.EUNAUTHORIZED, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if s, ok := tc.body.(string); ok {
				body = s
			}
			r := tc.client.Do(tc.method, tc.path, body, tc.header...)
			var e apiError
			r.JSON(t, &e)
			if r.Status != tc.status || e.Error.Code != tc.code || e.Error.Field != tc.field || e.Error.Message == "" {
				t.Fatalf("%d %s; want %d %s field=%q", r.Status, r.Body, tc.status, tc.code, tc.field)
			}
		})
	}
	// A body without Content-Length is cut off at the limit just the same.
	chunked := io.MultiReader(strings.NewReader(`{"username":"` + strings.Repeat("a", 5000) + `","password":"x"}`))
	if r := a.NewClient(t).Do(http.MethodPost, "/api/auth/login", chunked); r.Status != http.StatusRequestEntityTooLarge || r.ErrorCode() != domain.ETOOLARGE {
		t.Fatalf("oversized chunked body: %d %s", r.Status, r.Body)
	}

	// None of it changed anything.
	r := admin.Do(http.MethodGet, "/api/users", nil)
	if strings.Contains(string(r.Body), "eve") {
		t.Fatalf("bad input created a user: %s", r.Body)
	}
}

func TestUserAdministration(t *testing.T) {
	t.Parallel()
	a := start(t)
	admin := signedInAdmin(t, a)

	r := admin.Do(http.MethodPost, "/api/users", map[string]any{
		"username": "frank", "password": "frank-password-1", "display_name": "Frank", "email": "frank@example.com",
		"groups": []string{"mcp-user", "team-b", "team-b"},
	})
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	var frank struct {
		ID          int64    `json:"id"`
		Username    string   `json:"username"`
		DisplayName string   `json:"display_name"`
		Groups      []string `json:"groups"`
		IsAdmin     bool     `json:"is_admin"`
		AuthSource  string   `json:"auth_source"`
	}
	r.JSON(t, &frank)
	if frank.Username != "frank" || frank.DisplayName != "Frank" || frank.IsAdmin || frank.AuthSource != "local" ||
		strings.Join(frank.Groups, ",") != "mcp-user,team-b" {
		t.Fatalf("created = %+v", frank)
	}
	if strings.Contains(string(r.Body), "password") {
		t.Fatalf("the user resource mentions the password: %s", r.Body)
	}
	if r := admin.Do(http.MethodPost, "/api/users", map[string]any{"username": "FRANK", "password": "another-password"}); r.Status != http.StatusConflict {
		t.Fatalf("duplicate username (other case): %d %s", r.Status, r.Body)
	}

	// A non-administrator may not administer.
	f := a.NewClient(t)
	f.Login("frank", "frank-password-1")
	if r := f.Do(http.MethodGet, "/api/users", nil); r.Status != http.StatusForbidden || r.ErrorCode() != domain.EFORBIDDEN {
		t.Fatalf("frank lists users: %d %s", r.Status, r.Body)
	}

	id := strconv.FormatInt(frank.ID, 10)
	r = admin.Do(http.MethodPatch, "/api/users/"+id, map[string]any{"display_name": "Frank F.", "groups": []string{"mcp-admin"}})
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"is_admin":true`) || !strings.Contains(string(r.Body), "Frank F.") {
		t.Fatalf("promote frank: %d %s", r.Status, r.Body)
	}
	// A change of groups ends frank's sessions: the new groups apply at once.
	if r := f.Do(http.MethodGet, "/api/auth/me", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("frank's session after group change: %d", r.Status)
	}
	f.Login("frank", "frank-password-1")
	if r := f.Do(http.MethodGet, "/api/users", nil); r.Status != http.StatusOK {
		t.Fatalf("frank as admin: %d %s", r.Status, r.Body)
	}

	// Administrators cannot lock themselves out.
	var me struct {
		Items []struct {
			ID       int64  `json:"id"`
			Username string `json:"username"`
		} `json:"items"`
	}
	admin.Do(http.MethodGet, "/api/users", nil).JSON(t, &me)
	var adminID string
	for _, u := range me.Items {
		if u.Username == "admin" {
			adminID = strconv.FormatInt(u.ID, 10)
		}
	}
	if r := admin.Do(http.MethodPatch, "/api/users/"+adminID, map[string]any{"disabled": true}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("admin disables self: %d %s", r.Status, r.Body)
	}
	if r := admin.Do(http.MethodPatch, "/api/users/"+adminID, map[string]any{"groups": []string{}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("admin leaves mcp-admin: %d %s", r.Status, r.Body)
	}

	r = admin.Do(http.MethodGet, "/api/groups", nil)
	for _, g := range []string{`"name":"mcp-admin"`, `"name":"team-b"`, `"name":"mcp-user"`} {
		if !strings.Contains(string(r.Body), g) {
			t.Errorf("groups lack %s: %s", g, r.Body)
		}
	}
	if evs := auditEvents(t, a, domain.ActionUserCreate); len(evs) < 2 {
		t.Fatalf("user.create audit events = %d, want the bootstrap admin and frank", len(evs))
	}
}

func TestDashboardIsServedWithFallback(t *testing.T) {
	t.Parallel()
	a := start(t) // this binary's frontend is not needed: no Frontend given
	r := a.NewClient(t).Do(http.MethodGet, "/servers/anything", nil)
	if r.Status != http.StatusServiceUnavailable || !strings.Contains(string(r.Body), "make build") {
		t.Fatalf("unbuilt dashboard: %d %s", r.Status, r.Body)
	}
}
