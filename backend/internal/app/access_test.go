package app_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/oidc"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

// effective is the body of GET /api/access/effective.
type effective struct {
	Subject struct {
		Kind string `json:"kind"`
		Name string `json:"name"`
	} `json:"subject"`
	Disabled bool     `json:"disabled"`
	Groups   []string `json:"groups"`
	IsAdmin  bool     `json:"is_admin"`
	Scopes   []struct {
		Name   string `json:"name"`
		Group  string `json:"group"`
		Source string `json:"source"`
	} `json:"scopes"`
	Servers []struct {
		ID          string   `json:"id"`
		Path        string   `json:"path"`
		DisplayName string   `json:"display_name"`
		Permissions []string `json:"permissions"`
		Methods     []string `json:"methods"`
		Tools       []string `json:"tools"`
		GrantedBy   []string `json:"granted_by"`
	} `json:"servers"`
}

func effectiveAccess(t *testing.T, c *testutil.Client, query string) effective {
	t.Helper()
	r := c.Do(http.MethodGet, "/api/access/effective?"+query, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("effective access %s: %d %s", query, r.Status, r.Body)
	}
	var e effective
	r.JSON(t, &e)
	return e
}

func (e effective) scopes() []string {
	var out []string
	for _, s := range e.Scopes {
		out = append(out, s.Name+" "+s.Group+" "+s.Source)
	}
	return out
}

// TestEffectiveAccess: an administrator asks what a user or a group may
// do, and the answer is what the evaluator enforces.
func TestEffectiveAccess(t *testing.T) {
	t.Parallel()
	idp := testutil.NewOIDCProvider(t, testutil.OIDCProviderOptions{})
	a := start(t, withIdP(t, idp, "corp", oidc.TypeGeneric))
	admin := signedInAdmin(t, a)
	weather := createServer(t, admin, map[string]any{"path": "weather", "display_name": "Weather"})
	news := createServer(t, admin, map[string]any{"path": "news", "display_name": "News"})
	createServer(t, admin, map[string]any{"path": "files", "display_name": "Files"})
	alice := userIn(t, a, admin, "alice", "developers", "mcp-server-weather")

	t.Run("convention group", func(t *testing.T) {
		e := effectiveAccess(t, admin, "user=ALICE") // usernames ignore case
		if e.Subject.Kind != "user" || e.Subject.Name != "alice" || e.IsAdmin ||
			!slices.Equal(e.Groups, []string{"developers", "mcp-server-weather"}) {
			t.Fatalf("subject: %+v", e)
		}
		if want := []string{"mcp:server:weather:read mcp-server-weather convention", "mcp:server:weather:execute mcp-server-weather convention"}; !slices.Equal(e.scopes(), want) {
			t.Errorf("scopes = %q, want %q", e.scopes(), want)
		}
		if len(e.Servers) != 1 {
			t.Fatalf("servers: %+v", e.Servers)
		}
		s := e.Servers[0]
		if s.ID != weather.ID || s.Path != "weather" || s.DisplayName != "Weather" ||
			!slices.Equal(s.Permissions, []string{"read", "execute"}) || !slices.Equal(s.Methods, []string{"*"}) || !slices.Equal(s.Tools, []string{"*"}) ||
			!slices.Equal(s.GrantedBy, []string{"mcp:server:weather:execute", "mcp:server:weather:read"}) {
			t.Errorf("weather: %+v", s)
		}
	})

	t.Run("mapped custom scope", func(t *testing.T) {
		rule := map[string]any{"server": "News", "permissions": []string{"read", "execute"}, // by display name
			"methods": []string{"tools/list", "tools/call"}, "tools": []string{"search", "headlines"}}
		if r := admin.Do(http.MethodPut, "/api/scopes/news-readers", map[string]any{"rules": []any{rule}}); r.Status != http.StatusCreated {
			t.Fatalf("put scope: %d %s", r.Status, r.Body)
		}
		if r := admin.Do(http.MethodPut, "/api/mappings/analysts", map[string]any{"scopes": []string{"news-readers", "undefined-scope"}}); r.Status != http.StatusOK {
			t.Fatalf("put mapping: %d %s", r.Status, r.Body)
		}
		grantTools(t, admin, "analysts", "files", "read_file") // every method, one tool
		e := effectiveAccess(t, admin, "group=analysts")
		if e.Subject.Kind != "group" || e.Subject.Name != "analysts" || e.IsAdmin || !slices.Equal(e.Groups, []string{"analysts"}) {
			t.Fatalf("subject: %+v", e)
		}
		if want := []string{"news-readers analysts mapping", "undefined-scope analysts mapping", "analysts-on-files analysts mapping"}; !slices.Equal(e.scopes(), want) {
			t.Errorf("scopes = %q, want %q", e.scopes(), want)
		}
		if len(e.Servers) != 2 || e.Servers[0].Path != "files" || e.Servers[1].Path != "news" {
			t.Fatalf("servers: %+v", e.Servers)
		}
		f, n := e.Servers[0], e.Servers[1]
		if !slices.Equal(f.Permissions, []string{"read", "execute"}) || !slices.Equal(f.Methods, []string{"*"}) ||
			!slices.Equal(f.Tools, []string{"read_file"}) || !slices.Equal(f.GrantedBy, []string{"analysts-on-files"}) {
			t.Errorf("files: %+v", f)
		}
		if n.ID != news.ID || !slices.Equal(n.Permissions, []string{"read", "execute"}) ||
			!slices.Equal(n.Methods, []string{"initialize", "notifications/cancelled", "notifications/initialized", "ping", "tools/call", "tools/list"}) ||
			!slices.Equal(n.Tools, []string{"headlines", "search"}) || !slices.Equal(n.GrantedBy, []string{"news-readers"}) {
			t.Errorf("news: %+v", n)
		}
		// A user in the group and a convention group gets both, each server
		// naming only the scopes that grant something there.
		userIn(t, a, admin, "bob", "analysts", "mcp-server-news-toggle")
		e = effectiveAccess(t, admin, "user=bob")
		if len(e.Servers) != 2 || e.Servers[1].Path != "news" || !slices.Equal(e.Servers[1].Permissions, []string{"read", "execute", "toggle"}) ||
			!slices.Equal(e.Servers[1].GrantedBy, []string{"mcp:server:news:toggle", "news-readers"}) ||
			!slices.Equal(e.Servers[0].GrantedBy, []string{"analysts-on-files"}) {
			t.Errorf("bob: %+v", e.Servers)
		}
	})

	t.Run("registry admin", func(t *testing.T) {
		for _, q := range []string{"group=mcp-admin", "user=admin"} {
			e := effectiveAccess(t, admin, q)
			if !e.IsAdmin || len(e.Servers) != 3 {
				t.Fatalf("%s: %+v", q, e)
			}
			if !slices.Contains(e.scopes(), "mcp:registry:admin mcp-admin convention") {
				t.Errorf("%s: scopes = %q", q, e.scopes())
			}
			for _, s := range e.Servers {
				if !slices.Equal(s.Permissions, []string{"read", "execute", "toggle", "edit", "register", "health_check"}) ||
					!slices.Equal(s.Methods, []string{"*"}) || !slices.Equal(s.Tools, []string{"*"}) || !slices.Contains(s.GrantedBy, "mcp:registry:admin") {
					t.Errorf("%s: %+v", q, s)
				}
			}
		}
	})

	t.Run("a group known nowhere", func(t *testing.T) {
		e := effectiveAccess(t, admin, "group="+url.QueryEscape("/Corp/Nobody Here"))
		if e.Subject.Name != "/Corp/Nobody Here" || !slices.Equal(e.Groups, []string{"/Corp/Nobody Here"}) ||
			e.IsAdmin || len(e.Scopes) != 0 || len(e.Servers) != 0 || e.Scopes == nil || e.Servers == nil {
			t.Errorf("unknown group: %+v", e)
		}
	})

	t.Run("disabled user", func(t *testing.T) {
		dave := createUser(t, admin, map[string]any{"username": "dave", "password": "dave-password-1", "groups": []string{"mcp-server-weather"}})
		if e := effectiveAccess(t, admin, "user=dave"); e.Disabled {
			t.Fatalf("dave before he is disabled: %+v", e)
		}
		if r := admin.Do(http.MethodPatch, "/api/users/"+dave, map[string]any{"disabled": true}); r.Status != http.StatusOK {
			t.Fatalf("disable dave: %d %s", r.Status, r.Body)
		}
		// Said so, and the rest is what his groups would give.
		e := effectiveAccess(t, admin, "user=dave")
		if !e.Disabled || e.Subject.Name != "dave" || !slices.Equal(e.Groups, []string{"mcp-server-weather"}) ||
			len(e.Servers) != 1 || e.Servers[0].ID != weather.ID || !slices.Equal(e.Servers[0].Permissions, []string{"read", "execute"}) {
			t.Fatalf("disabled dave: %+v", e)
		}
		for _, q := range []string{"user=alice", "group=mcp-server-weather"} {
			if e := effectiveAccess(t, admin, q); e.Disabled {
				t.Errorf("%s: disabled", q)
			}
		}
	})

	t.Run("identity provider user", func(t *testing.T) {
		idp.SetUser(map[string]any{"sub": "00u-carol", "preferred_username": "carol", "groups": []any{"mcp-server-news", "mcp-user"}})
		b := newBrowser(t, a)
		if _, set := b.finish(t, b.start(t, a, "corp", "/")); !set {
			t.Fatal("carol did not sign in")
		}
		e := effectiveAccess(t, admin, "user=carol")
		if !slices.Equal(e.Groups, []string{"mcp-server-news", "mcp-user"}) || len(e.Servers) != 3 {
			t.Fatalf("carol: %+v", e)
		}
		for _, s := range e.Servers {
			want := []string{"read"}
			if s.Path == "news" {
				want = []string{"read", "execute"}
			}
			if !slices.Equal(s.Permissions, want) {
				t.Errorf("carol on %s: %+v", s.Path, s)
			}
		}
	})

	t.Run("refusals and bad queries", func(t *testing.T) {
		if r := alice.Do(http.MethodGet, "/api/access/effective?user=alice", nil); r.Status != http.StatusForbidden {
			t.Errorf("non-admin: %d %s", r.Status, r.Body)
		}
		if r := alice.Do(http.MethodGet, "/api/access/effective", nil); r.Status != http.StatusForbidden {
			t.Errorf("non-admin, no query: %d %s", r.Status, r.Body) // the refusal comes first
		}
		denied := 0
		for _, ev := range auditEvents(t, a, "access.effective") {
			if ev.Actor == "alice" && ev.Outcome == domain.OutcomeDenied {
				denied++
			}
		}
		if denied != 2 {
			t.Errorf("audited refusals: %d, want 2", denied)
		}
		if r := a.NewClient(t).Do(http.MethodGet, "/api/access/effective?user=alice", nil); r.Status != http.StatusUnauthorized {
			t.Errorf("anonymous: %d", r.Status)
		}
		for _, tc := range []struct{ query, field string }{
			{"", "user"},
			{"user=alice&group=developers", "group"},
			{"user=", "user"},
			{"group=", "group"},
		} {
			r := admin.Do(http.MethodGet, "/api/access/effective?"+tc.query, nil)
			var body struct {
				Error struct{ Code, Message, Field string } `json:"error"`
			}
			r.JSON(t, &body)
			if r.Status != http.StatusBadRequest || body.Error.Code != domain.EBADREQUEST || body.Error.Field != tc.field || body.Error.Message == "" {
				t.Errorf("%q: %d %s", tc.query, r.Status, r.Body)
			}
		}
		if r := admin.Do(http.MethodGet, "/api/access/effective?user=nobody", nil); r.Status != http.StatusNotFound {
			t.Errorf("unknown user: %d %s", r.Status, r.Body)
		}
	})
}
