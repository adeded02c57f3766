package app_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/mcpgw/mcpgw/backend/internal/config"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

// apiServer is the part of a server response the tests look at.
type apiServer struct {
	ID          string   `json:"id"`
	Path        string   `json:"path"`
	DisplayName string   `json:"display_name"`
	Description string   `json:"description"`
	UpstreamURL string   `json:"upstream_url"`
	Enabled     bool     `json:"enabled"`
	Tags        []string `json:"tags"`
	Version     int64    `json:"version"`
	Permissions []string `json:"permissions"`
	ToolCount   int      `json:"tool_count"`
	Egress      *struct {
		Type     string `json:"type"`
		TokenSet bool   `json:"token_set"`
		Headers  []struct {
			Name     string `json:"name"`
			ValueSet bool   `json:"value_set"`
		} `json:"headers"`
	} `json:"egress"`
	Health struct {
		Status string `json:"status"`
	} `json:"health"`
}

type serverList struct {
	Items      []apiServer `json:"items"`
	NextCursor string      `json:"next_cursor"`
}

// createServer registers a server through the API and returns it.
func createServer(t testing.TB, c *testutil.Client, body map[string]any) apiServer {
	t.Helper()
	if body["display_name"] == nil {
		body["display_name"] = "Server " + body["path"].(string)
	}
	if body["upstream_url"] == nil {
		body["upstream_url"] = "http://127.0.0.1:9/" + body["path"].(string) + "/mcp"
	}
	r := c.Do(http.MethodPost, "/api/servers", body)
	if r.Status != http.StatusCreated {
		t.Fatalf("create server %v: %d %s", body["path"], r.Status, r.Body)
	}
	var s apiServer
	r.JSON(t, &s)
	return s
}

func listServers(t *testing.T, c *testutil.Client, query string) serverList {
	t.Helper()
	r := c.Do(http.MethodGet, "/api/servers"+query, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("list servers %s: %d %s", query, r.Status, r.Body)
	}
	var l serverList
	r.JSON(t, &l)
	return l
}

// pagedPaths follows next_cursor from query to the last page (at most 20
// pages) and returns every path seen, in order.
func pagedPaths(t *testing.T, c *testutil.Client, query string) []string {
	t.Helper()
	var all []string
	cursor := ""
	for range 20 {
		l := listServers(t, c, query+cursor)
		all = append(all, paths(l)...)
		if l.NextCursor == "" {
			break
		}
		cursor = "&cursor=" + l.NextCursor
	}
	return all
}

func paths(l serverList) []string {
	out := make([]string, len(l.Items))
	for i, s := range l.Items {
		out[i] = s.Path
	}
	return out
}

// userIn creates a user in groups and returns a client signed in as them.
func userIn(t *testing.T, a *testutil.TestApp, admin *testutil.Client, name string, groups ...string) *testutil.Client {
	t.Helper()
	createUser(t, admin, map[string]any{"username": name, "password": "password-of-" + name, "groups": groups})
	c := a.NewClient(t)
	if r := c.Login(name, "password-of-"+name); r.Status != http.StatusOK {
		t.Fatalf("login %s: %d %s", name, r.Status, r.Body)
	}
	return c
}

func TestServerLifecycleAndOptimisticConcurrency(t *testing.T) {
	t.Parallel()
	a := start(t)
	admin := signedInAdmin(t, a)

	s := createServer(t, admin, map[string]any{"path": "currenttime", "display_name": "Current Time",
		"upstream_url": "http://10.0.0.5:8000/mcp", "tags": []string{"time"}})
	if s.Version != 1 || !s.Enabled || s.Health.Status != "unknown" || s.UpstreamURL != "http://10.0.0.5:8000/mcp" {
		t.Fatalf("created: %+v", s)
	}
	r := admin.Do(http.MethodGet, "/api/servers/"+s.ID, nil)
	if r.Status != 200 || r.Header.Get("ETag") != `"1"` {
		t.Fatalf("get: %d etag %q", r.Status, r.Header.Get("ETag"))
	}

	// A write based on the current version succeeds and bumps it.
	r = admin.Do(http.MethodPatch, "/api/servers/"+s.ID, map[string]any{"description": "Tells the time"}, "If-Match", `"1"`)
	if r.Status != 200 || r.Header.Get("ETag") != `"2"` {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	// One based on the old version is refused and changes nothing.
	r = admin.Do(http.MethodPatch, "/api/servers/"+s.ID, map[string]any{"description": "stale"}, "If-Match", `"1"`)
	if r.Status != http.StatusPreconditionFailed || r.ErrorCode() != domain.EPRECONDITION {
		t.Fatalf("stale patch: %d %s", r.Status, r.Body)
	}
	var got apiServer
	admin.Do(http.MethodGet, "/api/servers/"+s.ID, nil).JSON(t, &got)
	if got.Description != "Tells the time" || got.Version != 2 {
		t.Fatalf("after stale patch: %+v", got)
	}

	// Concurrent edits from the same version: exactly one wins.
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		statuses []int
	)
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := admin.Do(http.MethodPatch, "/api/servers/"+s.ID, map[string]any{"description": fmt.Sprint("writer ", i)}, "If-Match", `"2"`)
			mu.Lock()
			statuses = append(statuses, r.Status)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(statuses)
	if want := []int{200, 412, 412, 412, 412, 412}; !slices.Equal(statuses, want) {
		t.Fatalf("concurrent edits: %v, want %v", statuses, want)
	}

	// Toggle, then delete with a stale version (412), then for real.
	r = admin.Do(http.MethodPost, "/api/servers/"+s.ID+"/toggle", map[string]any{"enabled": false})
	admin.Do(http.MethodGet, "/api/servers/"+s.ID, nil).JSON(t, &got)
	if r.Status != 200 || got.Enabled || got.Health.Status != "disabled" || got.Version != 4 {
		t.Fatalf("toggle: %d %+v", r.Status, got)
	}
	if r := admin.Do(http.MethodDelete, "/api/servers/"+s.ID, nil, "If-Match", `"3"`); r.Status != 412 {
		t.Fatalf("stale delete: %d", r.Status)
	}
	if r := admin.Do(http.MethodDelete, "/api/servers/"+s.ID, nil, "If-Match", `"4"`); r.Status != 204 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if r := admin.Do(http.MethodGet, "/api/servers/"+s.ID, nil); r.Status != 404 {
		t.Fatalf("get deleted: %d", r.Status)
	}

	// Every write is in the audit trail with before and after.
	evs := auditEvents(t, a, "server.update")
	if len(evs) != 2 { // the first patch and the winning concurrent one
		t.Fatalf("server.update events: %d", len(evs))
	}
	before, _ := evs[1].Details["before"].(map[string]any)
	after, _ := evs[1].Details["after"].(map[string]any)
	if evs[1].Actor != "admin" || evs[1].Target != "currenttime" || before["version"] != float64(1) || after["version"] != float64(2) {
		t.Fatalf("audit: %+v", evs[1])
	}
	for _, action := range []string{"server.create", "server.toggle", "server.delete"} {
		if n := len(auditEvents(t, a, action)); n != 1 {
			t.Errorf("%s events: %d", action, n)
		}
	}
}

// TestPermissionMatrix drives every role through every registry endpoint
// and checks the status each gets.
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	a := start(t)
	admin := signedInAdmin(t, a)
	alpha := createServer(t, admin, map[string]any{"path": "alpha"})
	createServer(t, admin, map[string]any{"path": "beta"})
	gamma := createServer(t, admin, map[string]any{"path": "gamma"})

	roles := map[string]*testutil.Client{
		"admin":     admin,
		"reader":    userIn(t, a, admin, "reader", "mcp-user"),
		"alphauser": userIn(t, a, admin, "alphauser", "mcp-server-alpha"),
		"toggler":   userIn(t, a, admin, "toggler", "mcp-server-alpha-toggle"),
		"editor":    userIn(t, a, admin, "editor", "mcp-server-alpha-edit"),
		"anon":      a.NewClient(t),
	}
	order := []string{"reader", "alphauser", "toggler", "editor", "anon", "admin"}
	type call struct {
		name, method, path string
		body               any
		header             []string
	}
	calls := []call{
		{"list", "GET", "/api/servers", nil, nil},
		{"get alpha", "GET", "/api/servers/" + alpha.ID, nil, nil},
		{"tools alpha", "GET", "/api/servers/" + alpha.ID + "/tools", nil, nil},
		{"create", "POST", "/api/servers", map[string]any{"path": "newone", "display_name": "New", "upstream_url": "http://127.0.0.1:9/mcp"}, nil},
		{"edit alpha", "PATCH", "/api/servers/" + alpha.ID, map[string]any{"description": "edited"}, nil},
		{"toggle alpha", "POST", "/api/servers/" + alpha.ID + "/toggle", map[string]any{"enabled": false}, nil},
		{"delete gamma", "DELETE", "/api/servers/" + gamma.ID, nil, nil},
		{"list scopes", "GET", "/api/scopes", nil, nil},
		{"put scope", "PUT", "/api/scopes/custom/read", map[string]any{"rules": []any{map[string]any{"server": "alpha", "permissions": []string{"read"}}}}, nil},
		{"put mapping", "PUT", "/api/mappings/devs", map[string]any{"scopes": []string{"custom/read"}}, nil},
		{"export", "GET", "/api/scopes.yml", nil, nil},
		{"import", "POST", "/api/scopes.yml", "group_mappings:\n  devs: [custom/read]\n", []string{"Content-Type", "application/yaml"}},
		{"audit", "GET", "/api/audit", nil, nil},
		{"users", "GET", "/api/users", nil, nil},
	}
	want := map[string][]int{
		//           list get tools create edit toggle delete scopes put map export import audit users
		"reader":    {200, 200, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403},
		"alphauser": {200, 200, 200, 403, 403, 403, 404, 403, 403, 403, 403, 403, 403, 403},
		"toggler":   {200, 200, 200, 403, 403, 200, 404, 403, 403, 403, 403, 403, 403, 403},
		"editor":    {200, 200, 200, 403, 200, 403, 404, 403, 403, 403, 403, 403, 403, 403},
		"anon":      {401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401},
		"admin":     {200, 200, 200, 201, 200, 200, 204, 200, 201, 200, 200, 200, 200, 200},
	}
	visible := map[string][]string{
		"reader": {"alpha", "beta", "gamma"}, "alphauser": {"alpha"}, "toggler": {"alpha"}, "editor": {"alpha"},
		"admin": {"alpha", "beta", "gamma"},
	}
	for _, role := range order {
		c := roles[role]
		for i, cl := range calls {
			r := c.Do(cl.method, cl.path, cl.body, cl.header...)
			if r.Status != want[role][i] {
				t.Errorf("%s %s: %d, want %d (%s)", role, cl.name, r.Status, want[role][i], r.Body)
			}
			// A refusal names what is missing: a permission or the admin scope.
			if msg := errorMessage(t, r); r.Status == 403 && !namesMissing(msg) {
				t.Errorf("%s %s: 403 does not name what is missing: %s", role, cl.name, r.Body)
			}
			if cl.name == "list" && r.Status == 200 {
				var l serverList
				r.JSON(t, &l)
				if got := paths(l); !slices.Equal(got, visible[role]) {
					t.Errorf("%s sees %v, want %v", role, got, visible[role])
				}
			}
		}
	}
	// The writes that were allowed happened: the toggler disabled alpha, the
	// editor described it, and the admin deleted gamma.
	var got apiServer
	admin.Do(http.MethodGet, "/api/servers/"+alpha.ID, nil).JSON(t, &got)
	if got.Enabled || got.Description != "edited" {
		t.Errorf("alpha after the matrix: %+v", got)
	}
	if r := admin.Do(http.MethodGet, "/api/servers/"+gamma.ID, nil); r.Status != 404 {
		t.Errorf("gamma after the matrix: %d", r.Status)
	}
	// A 403 names the permission that was missing.
	r := roles["toggler"].Do("PATCH", "/api/servers/"+alpha.ID, map[string]any{"description": "x"})
	if !strings.Contains(errorMessage(t, r), `"edit"`) {
		t.Errorf("toggler edit: %s", r.Body)
	}
	// Every refusal is audited.
	a.Flush(t)
	denied, err := postgres.Audit{}.List(context.Background(), a.DB.Pool, postgres.AuditFilter{Outcome: domain.OutcomeDenied, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(denied) < 40 {
		t.Errorf("only %d denials audited", len(denied))
	}
}

// namesMissing reports whether a 403 message names a permission or the
// admin scope.
func namesMissing(msg string) bool {
	for _, p := range []string{`"read"`, `"execute"`, `"toggle"`, `"edit"`, `"register"`, `"health_check"`, "mcp:registry:admin"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// errorMessage returns the message of an error response, or "".
func errorMessage(t *testing.T, r *testutil.Response) string {
	if r.Status < 400 {
		return ""
	}
	var e apiError
	r.JSON(t, &e)
	return e.Error.Message
}

func TestServerInputErrorsChangeNothing(t *testing.T) {
	t.Parallel()
	resolver := fakeResolver{"metadata.attacker.example": "169.254.169.254", "internal.example": "10.1.2.3"}
	a := startWith(t, testutil.StartOptions{Resolver: resolver})
	admin := signedInAdmin(t, a)
	existing := createServer(t, admin, map[string]any{"path": "taken", "display_name": "Taken Name"})

	ok := func() map[string]any {
		return map[string]any{"path": "fresh", "display_name": "Fresh", "upstream_url": "http://127.0.0.1:9/mcp"}
	}
	with := func(k string, v any) map[string]any { m := ok(); m[k] = v; return m }
	cases := []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"unknown field", with("proxy_pass", "x"), 422, "proxy_pass"},
		{"missing path", map[string]any{"display_name": "x", "upstream_url": "http://127.0.0.1/"}, 422, "path"},
		{"uppercase path", with("path", "Fresh"), 422, "path"},
		{"path with slash", with("path", "a/b"), 422, "path"},
		{"reserved path api", with("path", "api"), 422, "path"},
		{"reserved path oauth2", with("path", "oauth2"), 422, "path"},
		{"reserved .well-known", with("path", ".well-known"), 422, "path"},
		{"duplicate path", with("path", "taken"), 409, "path"},
		{"duplicate display name", with("display_name", "taken name"), 409, "display_name"},
		{"no display name", with("display_name", "  "), 422, "display_name"},
		{"ftp URL", with("upstream_url", "ftp://10.0.0.1/mcp"), 422, "upstream_url"},
		{"userinfo", with("upstream_url", "http://user:pw@10.0.0.1/mcp"), 422, "upstream_url"},
		{"no host", with("upstream_url", "http:///mcp"), 422, "upstream_url"},
		{"metadata IP", with("upstream_url", "http://169.254.169.254/latest/meta-data"), 422, "upstream_url"},
		{"metadata IPv6", with("upstream_url", "http://[fd00:ec2::254]/"), 422, "upstream_url"},
		{"mapped metadata", with("upstream_url", "http://[::ffff:169.254.169.254]/"), 422, "upstream_url"},
		{"link-local", with("upstream_url", "http://169.254.10.10:8080/mcp"), 422, "upstream_url"},
		{"decimal IP", with("upstream_url", "http://2852039166/"), 422, "upstream_url"},
		{"GCP metadata name", with("upstream_url", "http://metadata.google.internal/computeMetadata/v1/"), 422, "upstream_url"},
		{"name resolving to metadata", with("upstream_url", "http://metadata.attacker.example/mcp"), 422, "upstream_url"},
		{"bad transport", with("transport", "websocket"), 422, "transport"},
		{"bearer without token", with("egress", map[string]any{"type": "bearer"}), 422, "egress.token"},
		{"header with CRLF", with("egress", map[string]any{"type": "headers", "headers": []any{map[string]any{"name": "X-Key", "value": "a\r\nb"}}}), 422, "egress.headers[0].value"},
		{"forbidden header", with("egress", map[string]any{"type": "headers", "headers": []any{map[string]any{"name": "Host", "value": "x"}}}), 422, "egress.headers[0].name"},
		{"unknown egress type", with("egress", map[string]any{"type": "oauth"}), 422, "egress.type"},
		{"tags not a list", with("tags", "a,b"), 422, "tags"},
		{"duplicate tag", with("tags", []string{"a", "a"}), 422, "tags[1]"},
	}
	for _, tc := range cases {
		r := admin.Do(http.MethodPost, "/api/servers", tc.body)
		var e apiError
		r.JSON(t, &e)
		if r.Status != tc.status || e.Error.Field != tc.field || e.Error.Message == "" {
			t.Errorf("%s: %d field %q (%s), want %d field %q", tc.name, r.Status, e.Error.Field, e.Error.Message, tc.status, tc.field)
		}
	}
	// Private networks are fine, by address or by name.
	createServer(t, admin, map[string]any{"path": "private", "upstream_url": "http://internal.example:8080/mcp"})

	// Updates are held to the same rules, and a refused update changes nothing.
	for _, body := range []map[string]any{
		{"upstream_url": "http://169.254.169.254/"}, {"path": "api"}, {"path": "private"}, {"bogus": 1}, {"transport": "x"},
	} {
		if r := admin.Do(http.MethodPatch, "/api/servers/"+existing.ID, body); r.Status < 400 || r.Status >= 500 {
			t.Errorf("patch %v: %d", body, r.Status)
		}
	}
	var got apiServer
	admin.Do(http.MethodGet, "/api/servers/"+existing.ID, nil).JSON(t, &got)
	if got.Version != 1 || got.Path != "taken" {
		t.Errorf("refused updates changed the server: %+v", got)
	}
	if l := listServers(t, admin, ""); !slices.Equal(paths(l), []string{"private", "taken"}) {
		t.Errorf("servers after bad input: %v", paths(l))
	}
	if n := len(auditEvents(t, a, "server.create")); n != 2 {
		t.Errorf("server.create events: %d", n)
	}
	// Operators may allow link-local upstreams explicitly.
	b := startWith(t, testutil.StartOptions{}, func(c *config.Config) { c.UpstreamAllowLinkLocal = true })
	createServer(t, signedInAdmin(t, b), map[string]any{"path": "imds", "upstream_url": "http://169.254.169.254/"})
}

// fakeResolver maps host names to one address each.
type fakeResolver map[string]string

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := f[host]; ok {
		return []netip.Addr{netip.MustParseAddr(a)}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestEgressSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	a := start(t)
	admin := signedInAdmin(t, a)
	const token, header, header2 = "tok-SECRET-7f3a9c", "hdr-SECRET-51e0b2", "hdr-SECRET-second-88"
	s := createServer(t, admin, map[string]any{"path": "vault", "upstream_url": "http://127.0.0.1:9/mcp?api_key=url-SECRET-q",
		"egress": map[string]any{"type": "bearer", "token": token}})
	if s.Egress == nil || s.Egress.Type != "bearer" || !s.Egress.TokenSet {
		t.Fatalf("egress view: %+v", s.Egress)
	}
	// Changing something else keeps the token.
	var got apiServer
	admin.Do(http.MethodPatch, "/api/servers/"+s.ID, map[string]any{"description": "d"}).JSON(t, &got)
	if !got.Egress.TokenSet {
		t.Fatal("token lost on unrelated update")
	}
	// Switch to headers, then rename nothing but keep the value by omitting it.
	admin.Do(http.MethodPatch, "/api/servers/"+s.ID, map[string]any{"egress": map[string]any{"type": "headers",
		"headers": []any{map[string]any{"name": "x-api-key", "value": header}}}}).JSON(t, &got)
	if got.Egress.Type != "headers" || got.Egress.TokenSet || len(got.Egress.Headers) != 1 || got.Egress.Headers[0].Name != "X-Api-Key" {
		t.Fatalf("headers: %+v", got.Egress)
	}
	r := admin.Do(http.MethodPatch, "/api/servers/"+s.ID, map[string]any{"egress": map[string]any{"type": "headers",
		"headers": []any{map[string]any{"name": "X-Api-Key"}, map[string]any{"name": "X-Other", "value": header2}}}})
	r.JSON(t, &got)
	if r.Status != 200 || len(got.Egress.Headers) != 2 || !got.Egress.Headers[0].ValueSet {
		t.Fatalf("keep header value: %d %s", r.Status, r.Body)
	}
	// A header value cannot be kept for a header that never had one.
	r = admin.Do(http.MethodPatch, "/api/servers/"+s.ID, map[string]any{"egress": map[string]any{"type": "headers",
		"headers": []any{map[string]any{"name": "X-New"}}}})
	if r.Status != 422 {
		t.Fatalf("keep missing header: %d %s", r.Status, r.Body)
	}

	// The stored values are sealed: neither the header values (base64 in
	// JSON) nor the earlier token appear in the row in any encoding.
	var rawToken []byte
	var rawHeaders []byte
	if err := a.DB.Pool.QueryRow(context.Background(), `SELECT coalesce(egress_token, ''), egress_headers FROM servers WHERE id = $1`, s.ID).Scan(&rawToken, &rawHeaders); err != nil {
		t.Fatal(err)
	}
	var stored []struct {
		Name  string `json:"name"`
		Value []byte `json:"value"`
	}
	if err := json.Unmarshal(rawHeaders, &stored); err != nil || len(stored) != 2 {
		t.Fatalf("stored headers %s: %v", rawHeaders, err)
	}
	for _, h := range stored {
		if len(h.Value) < 30 || strings.Contains(string(h.Value), "SECRET") {
			t.Fatalf("header %s is not sealed: %q", h.Name, h.Value)
		}
	}
	if len(rawToken) != 0 {
		t.Fatalf("the bearer token outlived the switch to headers")
	}
	var rows []byte
	if err := a.DB.Pool.QueryRow(context.Background(), `SELECT convert_to(row_to_json(s)::text, 'UTF8') FROM servers s`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{token, header, header2} {
		if strings.Contains(string(rows), secret) || strings.Contains(string(rows), base64.StdEncoding.EncodeToString([]byte(secret))[:16]) {
			t.Fatalf("%q is stored in the clear", secret)
		}
	}

	// Nothing the API, the audit trail or the logs say contains a secret;
	// the audit trail and logs do not even keep the upstream URL's query,
	// which editors see (it is theirs to change) but may hold an API key.
	var api, trail strings.Builder
	for _, p := range []string{"/api/servers", "/api/servers/" + s.ID} {
		api.Write(admin.Do(http.MethodGet, p, nil).Body)
	}
	for _, p := range []string{"/api/audit?limit=1000", "/api/audit?format=ndjson", "/api/audit?format=csv"} {
		trail.Write(admin.Do(http.MethodGet, p, nil).Body)
	}
	a.Flush(t)
	trail.WriteString(a.Log.String())
	for _, secret := range []string{token, header, header2, "url-SECRET-q"} {
		if strings.Contains(trail.String(), secret) {
			t.Errorf("%q is in the audit trail or the logs", secret)
		}
		if secret != "url-SECRET-q" && strings.Contains(api.String(), secret) {
			t.Errorf("%q is in an API response", secret)
		}
	}
	// Readers see neither the upstream URL nor the credential settings.
	reader := userIn(t, a, admin, "reader", "mcp-user")
	var seenByReader apiServer
	reader.Do(http.MethodGet, "/api/servers/"+s.ID, nil).JSON(t, &seenByReader)
	if seenByReader.UpstreamURL != "" || seenByReader.Egress != nil || seenByReader.Path != "vault" {
		t.Errorf("reader sees %+v", seenByReader)
	}
}

func TestServerListSearchFiltersSortAndPages(t *testing.T) {
	t.Parallel()
	a := start(t)
	admin := signedInAdmin(t, a)
	specs := []struct {
		path, name string
		tags       []string
		enabled    bool
	}{
		{"weather", "Weather", []string{"public", "geo"}, true},
		{"fininfo", "Financial Info", []string{"finance"}, true},
		{"currenttime", "Current Time", []string{"public"}, true},
		{"jira", "Atlassian Jira", []string{"work"}, false},
		{"maps", "Maps_100%", []string{"geo"}, true},
		{"search", "Search", nil, true},
		{"sql", "SQL Console", []string{"work", "db"}, false},
	}
	ids := map[string]string{}
	for _, sp := range specs {
		body := map[string]any{"path": sp.path, "display_name": sp.name, "enabled": sp.enabled}
		if sp.tags != nil {
			body["tags"] = sp.tags
		}
		ids[sp.path] = createServer(t, admin, body).ID
	}
	ctx := context.Background()
	if err := (postgres.Tools{}).Upsert(ctx, a.DB.Pool, ids["fininfo"], []domain.Tool{
		{Name: "get_stock_aggregates", Description: "Stock data", DefinitionHash: "h1"},
		{Name: "print_stock_data", DefinitionHash: "h2"},
	}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := a.DB.Pool.Exec(ctx, `UPDATE servers SET health_status = 'healthy' WHERE path IN ('weather', 'maps')`); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct{ query, want string }{
		{"", "jira currenttime fininfo maps search sql weather"}, // by display name
		{"?q=stock_agg", "fininfo"},                              // a tool name
		{"?q=GEO", "maps weather"},                               // a tag, any case
		{"?q=100%25", "maps"},                                    // % matches literally
		{"?q=_", "fininfo maps"},                                 // _ matches literally (a tool name, a display name)
		{"?tag=geo", "maps weather"},
		{"?tag=work&tag=db", "sql"},
		{"?enabled=false", "jira sql"},
		{"?health=healthy", "maps weather"},
		{"?sort=path&order=desc", "weather sql search maps jira fininfo currenttime"},
		{"?sort=created_at", "weather fininfo currenttime jira maps search sql"},
	} {
		if got := strings.Join(paths(listServers(t, admin, tc.query)), " "); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.query, got, tc.want)
		}
	}
	var tools struct {
		Items []struct {
			Name string `json:"name"`
		} `json:"items"`
	}
	admin.Do(http.MethodGet, "/api/servers/"+ids["fininfo"]+"/tools", nil).JSON(t, &tools)
	if len(tools.Items) != 2 || tools.Items[0].Name != "get_stock_aggregates" {
		t.Errorf("tools: %+v", tools)
	}

	// Paging visits every server once, in order, whatever the sort.
	for _, q := range []string{"sort=name", "sort=path&order=desc", "sort=created_at", "sort=updated_at&order=desc"} {
		all := pagedPaths(t, admin, "?limit=2&"+q)
		full := paths(listServers(t, admin, "?"+q))
		if !slices.Equal(all, full) {
			t.Errorf("%s pages: %v, want %v", q, all, full)
		}
	}
	// Cursors cannot be forged or reused with another order.
	l := listServers(t, admin, "?limit=2&sort=path")
	for _, q := range []string{"?cursor=garbage", "?sort=name&cursor=" + l.NextCursor, "?limit=0", "?limit=501", "?sort=evil", "?order=sideways", "?health=sick", "?enabled=maybe"} {
		if r := admin.Do(http.MethodGet, "/api/servers"+q, nil); r.Status != 422 {
			t.Errorf("%s: %d %s", q, r.Status, r.Body)
		}
	}
}

func TestMeIsSeedUserContext(t *testing.T) {
	t.Parallel()
	a := start(t)
	admin := signedInAdmin(t, a)
	createServer(t, admin, map[string]any{"path": "currenttime"})
	createServer(t, admin, map[string]any{"path": "fininfo"})
	u := userIn(t, a, admin, "tim", "mcp-server-currenttime", "mcp-server-currenttime-toggle")

	var me struct {
		Scopes            []string            `json:"scopes"`
		IsAdmin           bool                `json:"is_admin"`
		CanModifyServers  bool                `json:"can_modify_servers"`
		CanRegister       bool                `json:"can_register_servers"`
		AccessibleServers []string            `json:"accessible_servers"`
		ServerPermissions map[string][]string `json:"server_permissions"`
	}
	u.Do(http.MethodGet, "/api/auth/me", nil).JSON(t, &me)
	wantScopes := []string{"mcp:server:currenttime:execute", "mcp:server:currenttime:read", "mcp:server:currenttime:toggle"}
	if !slices.Equal(me.Scopes, wantScopes) || me.IsAdmin || !me.CanModifyServers || me.CanRegister ||
		!slices.Equal(me.AccessibleServers, []string{"currenttime"}) ||
		!slices.Equal(me.ServerPermissions["currenttime"], []string{"read", "execute", "toggle"}) {
		t.Fatalf("me: %+v", me)
	}
	admin.Do(http.MethodGet, "/api/auth/me", nil).JSON(t, &me)
	if !me.IsAdmin || !me.CanModifyServers || !me.CanRegister || len(me.AccessibleServers) != 2 || !slices.Contains(me.Scopes, "mcp:registry:admin") {
		t.Fatalf("admin me: %+v", me)
	}
}

// TestPermissionChangesApplyToLiveSessions: mappings and scopes are read
// per request, so a change applies without signing in again.
func TestPermissionChangesApplyToLiveSessions(t *testing.T) {
	t.Parallel()
	a := start(t)
	admin := signedInAdmin(t, a)
	alpha := createServer(t, admin, map[string]any{"path": "alpha"})
	dev := userIn(t, a, admin, "dev", "devs")
	if got := paths(listServers(t, dev, "")); len(got) != 0 {
		t.Fatalf("before mapping: %v", got)
	}
	if r := admin.Do(http.MethodPut, "/api/scopes/alpha-ops", map[string]any{"rules": []any{
		map[string]any{"server": "Server alpha", "permissions": []string{"read", "toggle"}}, // by display name
	}}); r.Status != 201 {
		t.Fatalf("put scope: %d %s", r.Status, r.Body)
	}
	if r := admin.Do(http.MethodPut, "/api/mappings/devs", map[string]any{"scopes": []string{"alpha-ops"}}); r.Status != 200 {
		t.Fatalf("put mapping: %d %s", r.Status, r.Body)
	}
	if got := paths(listServers(t, dev, "")); !slices.Equal(got, []string{"alpha"}) {
		t.Fatalf("after mapping: %v", got)
	}
	if r := dev.Do(http.MethodPost, "/api/servers/"+alpha.ID+"/toggle", map[string]any{"enabled": false}); r.Status != 200 {
		t.Fatalf("toggle: %d %s", r.Status, r.Body)
	}
	if r := admin.Do(http.MethodDelete, "/api/mappings/devs", nil); r.Status != 204 {
		t.Fatalf("delete mapping: %d", r.Status)
	}
	if r := dev.Do(http.MethodGet, "/api/servers/"+alpha.ID, nil); r.Status != 404 {
		t.Fatalf("after unmapping: %d", r.Status)
	}
}

// TestRegistryChangesReachOtherReplicas: two gateways on one database; a
// change made through one is enforced by the other within a second.
func TestRegistryChangesReachOtherReplicas(t *testing.T) {
	t.Parallel()
	cfg := testutil.Config(t)
	a := testutil.StartApp(t, cfg, testutil.StartOptions{})
	cfgB := *cfg
	b := testutil.StartApp(t, &cfgB, testutil.StartOptions{})
	adminA, adminB := signedInAdmin(t, a), signedInAdmin(t, b)
	createServer(t, adminA, map[string]any{"path": "alpha"})
	createUser(t, adminA, map[string]any{"username": "dev", "password": "password-of-dev", "groups": []string{"devs"}})
	dev := b.NewClient(t)
	dev.Login("dev", "password-of-dev")

	adminA.Do(http.MethodPut, "/api/mappings/devs", map[string]any{"scopes": []string{"mcp:server:alpha:read"}})
	start := time.Now()
	for len(listServers(t, dev, "").Items) == 0 {
		if time.Since(start) > time.Second {
			t.Fatal("replica B did not see the new mapping within a second")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// And back: a removal made on B is enforced by A.
	adminB.Do(http.MethodDelete, "/api/mappings/devs", nil)
	devA := a.NewClient(t)
	devA.Login("dev", "password-of-dev")
	start = time.Now()
	for len(listServers(t, devA, "").Items) != 0 {
		if time.Since(start) > time.Second {
			t.Fatal("replica A did not see the removal within a second")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestAuditAPIFiltersPagesAndExports(t *testing.T) {
	t.Parallel()
	a := start(t)
	admin := signedInAdmin(t, a)
	for _, p := range []string{"one", "two", "three"} {
		createServer(t, admin, map[string]any{"path": p, "display_name": "=HYPERLINK(\"http://evil\") " + p})
	}
	reader := userIn(t, a, admin, "reader", "mcp-user")
	reader.Do(http.MethodGet, "/api/audit", nil) // denied, and audited
	formula := userIn(t, a, admin, "=cmd|calc", "mcp-user")
	formula.Do(http.MethodGet, "/api/audit", nil)
	a.Flush(t)

	type page struct {
		Items []struct {
			ID      int64          `json:"id"`
			Action  string         `json:"action"`
			Outcome string         `json:"outcome"`
			Actor   string         `json:"actor"`
			Target  string         `json:"target"`
			Details map[string]any `json:"details"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	var p page
	admin.Do(http.MethodGet, "/api/audit?action=server.create&limit=2", nil).JSON(t, &p)
	if len(p.Items) != 2 || p.Items[0].Target != "three" || p.NextCursor == "" {
		t.Fatalf("page 1: %+v", p)
	}
	var p2 page
	admin.Do(http.MethodGet, "/api/audit?action=server.create&limit=2&cursor="+p.NextCursor, nil).JSON(t, &p2)
	if len(p2.Items) != 1 || p2.Items[0].Target != "one" {
		t.Fatalf("page 2: %+v", p2)
	}
	admin.Do(http.MethodGet, "/api/audit?action=server.&actor=admin&target_type=server&target=two", nil).JSON(t, &p)
	if len(p.Items) != 1 || p.Items[0].Action != "server.create" {
		t.Fatalf("filtered: %+v", p)
	}
	admin.Do(http.MethodGet, "/api/audit?outcome=denied&actor=reader", nil).JSON(t, &p)
	if len(p.Items) != 1 || p.Items[0].Details["reason"] == nil {
		t.Fatalf("denials: %+v", p)
	}
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	admin.Do(http.MethodGet, "/api/audit?since="+future, nil).JSON(t, &p)
	if len(p.Items) != 0 {
		t.Fatalf("since future: %d", len(p.Items))
	}
	for _, q := range []string{"?since=yesterday", "?limit=0", "?limit=1001", "?outcome=maybe", "?cursor=x", "?format=xml"} {
		if r := admin.Do(http.MethodGet, "/api/audit"+q, nil); r.Status != 422 {
			t.Errorf("%s: %d", q, r.Status)
		}
	}

	nd := admin.Do(http.MethodGet, "/api/audit?format=ndjson&action=server.create", nil)
	lines := strings.Split(strings.TrimSpace(string(nd.Body)), "\n")
	if nd.Header.Get("Content-Type") != "application/x-ndjson" || len(lines) != 3 {
		t.Fatalf("ndjson: %s %q", nd.Header.Get("Content-Type"), nd.Body)
	}
	for _, l := range lines {
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil || ev["action"] != "server.create" {
			t.Fatalf("ndjson line %q: %v", l, err)
		}
	}
	csv := admin.Do(http.MethodGet, "/api/audit?format=csv&action=server.create", nil)
	rows := strings.Split(strings.TrimSpace(string(csv.Body)), "\n")
	if !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") || len(rows) != 4 || !strings.HasPrefix(rows[0], "id,occurred_at,action") {
		t.Fatalf("csv: %q", csv.Body)
	}
	// Spreadsheet formulas are defused: the actor cell starts with an apostrophe.
	denials := string(admin.Do(http.MethodGet, "/api/audit?format=csv&outcome=denied", nil).Body)
	if !strings.Contains(denials, ",'=cmd|calc,") || strings.Contains(denials, ",=cmd") {
		t.Fatalf("csv formula not defused:\n%s", denials)
	}
	if r := reader.Do(http.MethodGet, "/api/audit?format=csv", nil); r.Status != 403 || r.ErrorCode() != domain.EFORBIDDEN {
		t.Fatalf("reader export: %d %s", r.Status, r.Body)
	}
}

func TestGroupsAndUserDeletion(t *testing.T) {
	t.Parallel()
	a := start(t)
	admin := signedInAdmin(t, a)
	if r := admin.Do(http.MethodPost, "/api/groups", map[string]any{"name": "ops", "description": "Operators"}); r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	for _, tc := range []struct {
		body   any
		status int
	}{
		{map[string]any{"name": "ops"}, 409},
		{map[string]any{"name": "o\u0007ps"}, 422},
		{map[string]any{"name": ""}, 422},
		{map[string]any{"name": "x", "members": []string{}}, 422},
	} {
		if r := admin.Do(http.MethodPost, "/api/groups", tc.body); r.Status != tc.status {
			t.Errorf("create %v: %d %s", tc.body, r.Status, r.Body)
		}
	}
	// Keycloak reports full group paths: names with slashes work.
	if r := admin.Do(http.MethodPost, "/api/groups", map[string]any{"name": "/keycloak/admins"}); r.Status != 201 {
		t.Fatalf("create slash group: %d %s", r.Status, r.Body)
	}
	if r := admin.Do(http.MethodGet, "/api/groups//keycloak/admins", nil); r.Status != 200 {
		t.Fatalf("get slash group: %d %s", r.Status, r.Body)
	}

	opID := createUser(t, admin, map[string]any{"username": "olga", "password": "password-of-olga", "groups": []string{"ops"}})
	olga := a.NewClient(t)
	olga.Login("olga", "password-of-olga")
	var g struct {
		Name        string   `json:"name"`
		Description string   `json:"description"`
		Members     int      `json:"members"`
		MemberNames []string `json:"member_names"`
	}
	admin.Do(http.MethodGet, "/api/groups/ops", nil).JSON(t, &g)
	if g.Members != 1 || !slices.Equal(g.MemberNames, []string{"olga"}) || g.Description != "Operators" {
		t.Fatalf("group: %+v", g)
	}
	admin.Do(http.MethodPatch, "/api/groups/ops", map[string]any{"description": "On call"}).JSON(t, &g)
	if g.Description != "On call" {
		t.Fatalf("patched: %+v", g)
	}
	// Deleting a group ends its members' sessions: what they hold changed.
	if r := admin.Do(http.MethodDelete, "/api/groups/ops", nil); r.Status != 204 {
		t.Fatalf("delete group: %d %s", r.Status, r.Body)
	}
	if r := olga.Do(http.MethodGet, "/api/auth/me", nil); r.Status != 401 {
		t.Fatalf("member's session after group deletion: %d", r.Status)
	}
	if r := admin.Do(http.MethodGet, "/api/groups/ops", nil); r.Status != 404 {
		t.Fatalf("deleted group: %d", r.Status)
	}
	if r := admin.Do(http.MethodDelete, "/api/groups/mcp-admin", nil); r.Status != 409 {
		t.Fatalf("delete mcp-admin: %d", r.Status)
	}
	if r := olga.Do(http.MethodPost, "/api/groups", map[string]any{"name": "sneaky"}); r.Status != 401 {
		t.Fatalf("signed-out user creates a group: %d", r.Status)
	}

	// Users can be deleted, but not by themselves.
	olga.Login("olga", "password-of-olga")
	if r := admin.Do(http.MethodDelete, "/api/users/"+opID, nil); r.Status != 204 {
		t.Fatalf("delete user: %d %s", r.Status, r.Body)
	}
	if r := olga.Do(http.MethodGet, "/api/auth/me", nil); r.Status != 401 {
		t.Fatalf("deleted user's session: %d", r.Status)
	}
	if r := login(a.NewClient(t), "olga", "password-of-olga"); r.Status != 401 {
		t.Fatalf("deleted user signs in: %d", r.Status)
	}
	if r := admin.Do(http.MethodDelete, "/api/users/1", nil); r.Status != 409 {
		t.Fatalf("delete self: %d %s", r.Status, r.Body)
	}
	for _, action := range []string{"group.create", "group.update", "group.delete", "user.delete"} {
		if len(auditEvents(t, a, action)) == 0 {
			t.Errorf("no %s event", action)
		}
	}
}

// TestScopesYmlThroughTheAPI: each of the seeds' scopes.yml examples goes
// in through POST /api/scopes.yml and comes back out of GET unchanged; a
// bad file changes nothing; the imported rules are enforced at once.
func TestScopesYmlThroughTheAPI(t *testing.T) {
	t.Parallel()
	a := start(t)
	admin := signedInAdmin(t, a)
	fixtures, err := filepath.Glob("../scopesyml/testdata/*.yml")
	if err != nil || len(fixtures) < 4 {
		t.Fatalf("fixtures: %v %v", fixtures, err)
	}
	yamlOf := func(b []byte) map[string]any {
		var v map[string]any
		if err := yaml.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, f := range fixtures {
		in, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r := admin.Do(http.MethodPost, "/api/scopes.yml?replace=true", in, "Content-Type", "application/yaml")
		if r.Status != 200 {
			t.Fatalf("import %s: %d %s", f, r.Status, r.Body)
		}
		out := admin.Do(http.MethodGet, "/api/scopes.yml", nil)
		if out.Status != 200 || !strings.HasPrefix(out.Header.Get("Content-Type"), "application/yaml") {
			t.Fatalf("export: %d %s", out.Status, out.Header.Get("Content-Type"))
		}
		if got, want := yamlOf(out.Body), yamlOf(in); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: round trip differs\nin:  %v\nout: %v", filepath.Base(f), want, got)
		}
	}
	before := admin.Do(http.MethodGet, "/api/scopes.yml", nil).Body
	for _, bad := range []string{
		"group_mappings:\n  devs: [\"has space\"]\n",
		"mcp-servers-x/read:\n- server: a\n  verbs: [x]\n",
		"UI-Scopes:\n  s:\n    fly_service: [all]\n",
		"mcp:registry:admin:\n- server: '*'\n", // built-in names cannot be redefined
		"a: &x [1]\nb: *x\n",
	} {
		r := admin.Do(http.MethodPost, "/api/scopes.yml?replace=true", bad, "Content-Type", "application/yaml")
		if r.Status != 422 && r.Status != 409 {
			t.Errorf("import %q: %d %s", bad, r.Status, r.Body)
		}
	}
	if r := admin.Do(http.MethodPost, "/api/scopes.yml", "{}", "Content-Type", "application/json"); r.Status != 415 {
		t.Errorf("JSON body: %d", r.Status)
	}
	if after := admin.Do(http.MethodGet, "/api/scopes.yml", nil).Body; string(after) != string(before) {
		t.Errorf("a refused import changed the scopes:\n%s\n---\n%s", before, after)
	}

	// Seed 002's example, imported, is what the evaluator enforces: the
	// restricted group sees fininfo (its rules grant read and execute).
	createServer(t, admin, map[string]any{"path": "fininfo"})
	createServer(t, admin, map[string]any{"path": "weather"})
	imp := "group_mappings:\n  finance-team: [mcp-servers-restricted/execute]\n" +
		"mcp-servers-restricted/execute:\n- server: fininfo\n  methods: [tools/list, tools/call]\n  tools: [get_stock_aggregates]\n"
	if r := admin.Do(http.MethodPost, "/api/scopes.yml", imp, "Content-Type", "application/yaml"); r.Status != 200 {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	fin := userIn(t, a, admin, "fin", "finance-team")
	if got := paths(listServers(t, fin, "")); !slices.Equal(got, []string{"fininfo"}) {
		t.Errorf("finance team sees %v", got)
	}
}

// TestRenamesCannotWidenPermissions: rules name servers by path or display
// name, so each name needs its own grant, and one server can never take a
// name another server answers to.
func TestRenamesCannotWidenPermissions(t *testing.T) {
	t.Parallel()
	a := start(t)
	admin := signedInAdmin(t, a)
	mine := createServer(t, admin, map[string]any{"path": "mine", "display_name": "Mine"})
	createServer(t, admin, map[string]any{"path": "finance", "display_name": "Finance Tools"})
	admin.Do(http.MethodPut, "/api/scopes/team", map[string]any{"rules": []any{
		map[string]any{"server": "mine", "permissions": []string{"read", "edit", "register"}}}})
	admin.Do(http.MethodPut, "/api/mappings/team", map[string]any{"scopes": []string{"team"}})
	eve := userIn(t, a, admin, "eve", "team")

	for _, tc := range []struct {
		name, method, path string
		body               map[string]any
		status             int
	}{
		{"move to a path without register", "PATCH", "/api/servers/" + mine.ID, map[string]any{"path": "newpath"}, 403},
		{"register a path vouched for by the display name", "POST", "/api/servers", map[string]any{"path": "payments", "display_name": "mine", "upstream_url": "http://127.0.0.1:9/"}, 403},
		{"take a name ruled elsewhere", "PATCH", "/api/servers/" + mine.ID, map[string]any{"display_name": "Payroll"}, 403},
		{"display name = another server's path", "PATCH", "/api/servers/" + mine.ID, map[string]any{"display_name": "FINANCE"}, 403},
	} {
		if r := eve.Do(tc.method, tc.path, tc.body); r.Status != tc.status {
			t.Errorf("%s: %d %s", tc.name, r.Status, r.Body)
		}
	}
	// Even an admin cannot make one server answer to another's name.
	if r := admin.Do(http.MethodPatch, "/api/servers/"+mine.ID, map[string]any{"display_name": "finance"}); r.Status != 409 {
		t.Errorf("display name = another path: %d %s", r.Status, r.Body)
	}
	if r := admin.Do(http.MethodPost, "/api/servers", map[string]any{"path": "finance-tools", "display_name": "x", "upstream_url": "http://127.0.0.1:9/"}); r.Status != 201 {
		t.Errorf("an unrelated path: %d %s", r.Status, r.Body)
	}
	if r := admin.Do(http.MethodPost, "/api/servers", map[string]any{"path": "mine2", "display_name": "Mine2", "upstream_url": "http://127.0.0.1:9/"}); r.Status != 201 {
		t.Errorf("create: %d %s", r.Status, r.Body)
	}
	var got apiServer
	admin.Do(http.MethodGet, "/api/servers/"+mine.ID, nil).JSON(t, &got)
	if got.Path != "mine" || got.DisplayName != "Mine" || got.Version != 1 {
		t.Errorf("refused renames changed the server: %+v", got)
	}
}

// TestCredentialsStayWithTheirUpstream: an editor cannot point a server at
// a host of their choosing and have the stored token sent there.
func TestCredentialsStayWithTheirUpstream(t *testing.T) {
	t.Parallel()
	a := start(t)
	admin := signedInAdmin(t, a)
	s := createServer(t, admin, map[string]any{"path": "vault", "upstream_url": "http://10.0.0.5:8000/mcp",
		"egress": map[string]any{"type": "bearer", "token": "tok-of-the-vault"}})
	editor := userIn(t, a, admin, "ed", "mcp-server-vault-edit")
	for _, tc := range []struct {
		body   map[string]any
		status int
	}{
		{map[string]any{"upstream_url": "http://10.66.66.66:8000/mcp"}, 422}, // another host
		{map[string]any{"upstream_url": "https://10.0.0.5:8000/mcp"}, 422},   // another scheme
		{map[string]any{"upstream_url": "http://10.0.0.5:9000/mcp"}, 422},    // another port
		{map[string]any{"upstream_url": "http://10.0.0.5:8000/v2/mcp"}, 200}, // same origin
		{map[string]any{"upstream_url": "http://10.66.66.66:8000/mcp", "egress": map[string]any{"type": "bearer", "token": "their-own"}}, 200},
	} {
		if r := editor.Do(http.MethodPatch, "/api/servers/"+s.ID, tc.body); r.Status != tc.status {
			t.Errorf("%v: %d %s", tc.body, r.Status, r.Body)
		}
	}
}

func TestHostileRequestTextIsRefusedNotFatal(t *testing.T) {
	t.Parallel()
	a := start(t)
	admin := signedInAdmin(t, a)
	for _, p := range []string{
		"/api/servers?q=%00", "/api/servers?q=%ff", "/api/servers?tag=%00", "/api/audit?actor=%00",
		"/api/audit?target=%ff", "/api/audit?action=%00.", "/api/scopes/a%00", "/api/mappings/%ff",
		"/api/groups/a%00", "/api/servers?cursor=" + "eyJrIjoiXHUwMDAwIiwiaWQiOiIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDAiLCJzIjoibmFtZSJ9",
	} {
		if r := admin.Do(http.MethodGet, p, nil); r.Status != 400 && r.Status != 422 {
			t.Errorf("GET %s: %d %s", p, r.Status, r.Body)
		}
	}
	if r := admin.Do(http.MethodPut, "/api/scopes/x", map[string]any{"description": "a\u0000b", "rules": []any{}}); r.Status != 422 {
		t.Errorf("NUL in a scope description: %d %s", r.Status, r.Body)
	}
	if r := admin.Do(http.MethodPut, "/api/scopes/x", map[string]any{"rules": []any{map[string]any{"server": "  "}}}); r.Status != 422 {
		t.Errorf("blank rule server: %d %s", r.Status, r.Body)
	}
}

// TestTimeCursorsIgnoreSessionSettings: the database's time zone and date
// style do not leak into cursors.
func TestTimeCursorsIgnoreSessionSettings(t *testing.T) {
	t.Parallel()
	cfg := testutil.Config(t)
	sep := "?"
	if strings.Contains(cfg.DatabaseURL, "?") {
		sep = "&"
	}
	cfg.DatabaseURL += sep + "timezone=Asia/Kolkata&DateStyle=SQL,%20DMY"
	a := testutil.StartApp(t, cfg, testutil.StartOptions{})
	admin := signedInAdmin(t, a)
	for _, p := range []string{"a1", "a2", "a3", "a4", "a5"} {
		createServer(t, admin, map[string]any{"path": p})
	}
	var tz string
	if err := a.DB.Pool.QueryRow(context.Background(), "SHOW TimeZone").Scan(&tz); err != nil || tz != "Asia/Kolkata" {
		t.Fatalf("session time zone %q %v", tz, err)
	}
	all := pagedPaths(t, admin, "?limit=2&sort=created_at&order=desc")
	if want := []string{"a5", "a4", "a3", "a2", "a1"}; !slices.Equal(all, want) {
		t.Fatalf("pages: %v, want %v", all, want)
	}
}

// TestRefusalsComeFirstAndAreAudited: a caller without the permission gets
// 403 (or 404 when they cannot see the server) before anything else, and
// the refusal is in the audit trail either way.
func TestRefusalsComeFirstAndAreAudited(t *testing.T) {
	t.Parallel()
	a := start(t)
	admin := signedInAdmin(t, a)
	vis := createServer(t, admin, map[string]any{"path": "visible"})
	hidden := createServer(t, admin, map[string]any{"path": "hidden"})
	reader := userIn(t, a, admin, "ray", "mcp-server-visible")
	if r := reader.Do(http.MethodPatch, "/api/servers/"+vis.ID, map[string]any{"description": "x"}, "If-Match", `"7"`); r.Status != 403 {
		t.Errorf("stale If-Match without permission: %d %s", r.Status, r.Body)
	}
	if r := reader.Do(http.MethodPatch, "/api/servers/"+hidden.ID, map[string]any{"description": "x"}); r.Status != 404 {
		t.Errorf("patch hidden: %d", r.Status)
	}
	if r := reader.Do(http.MethodPost, "/api/servers/"+hidden.ID+"/toggle", map[string]any{"enabled": false}); r.Status != 404 {
		t.Errorf("toggle hidden: %d", r.Status)
	}
	a.Flush(t)
	denied, err := postgres.Audit{}.List(context.Background(), a.DB.Pool, postgres.AuditFilter{Actor: "ray", Outcome: domain.OutcomeDenied})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range denied {
		got = append(got, e.Action+" "+e.Target)
	}
	slices.Sort(got)
	if want := []string{"server.toggle hidden", "server.update hidden", "server.update visible"}; !slices.Equal(got, want) {
		t.Errorf("denials audited: %v, want %v", got, want)
	}
}

// TestAdminsCannotRemoveTheirOwnAdmin: an admin by mapping cannot make a
// change to scopes or mappings that takes admin away from themselves.
func TestAdminsCannotRemoveTheirOwnAdmin(t *testing.T) {
	t.Parallel()
	a := start(t)
	root := signedInAdmin(t, a)
	root.Do(http.MethodPut, "/api/mappings/ops", map[string]any{"scopes": []string{"mcp:registry:admin"}})
	ops := userIn(t, a, root, "opal", "ops")
	for _, tc := range []struct {
		method, path string
		body         any
		header       []string
	}{
		{"DELETE", "/api/mappings/ops", nil, nil},
		{"PUT", "/api/mappings/ops", map[string]any{"scopes": []string{}}, nil},
		{"POST", "/api/scopes.yml?replace=true", "group_mappings:\n  other: [x]\n", []string{"Content-Type", "application/yaml"}},
	} {
		if r := ops.Do(tc.method, tc.path, tc.body, tc.header...); r.Status != 409 {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, r.Status, r.Body)
		}
	}
	// Nothing changed, and a member of mcp-admin can still make the change.
	if r := ops.Do(http.MethodGet, "/api/mappings/ops", nil); r.Status != 200 {
		t.Fatalf("mapping after refusals: %d", r.Status)
	}
	if r := root.Do(http.MethodDelete, "/api/mappings/ops", nil); r.Status != 204 {
		t.Fatalf("root removes the mapping: %d %s", r.Status, r.Body)
	}
	if r := ops.Do(http.MethodGet, "/api/scopes", nil); r.Status != 403 {
		t.Fatalf("ops after losing admin: %d", r.Status)
	}
}
