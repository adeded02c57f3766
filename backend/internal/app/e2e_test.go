package app_test

import (
	"context"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/oidc"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
	"github.com/mcpgw/mcpgw/backend/internal/registry"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
	"github.com/mcpgw/mcpgw/frontend"
)

// The identity provider the browser test signs in with: the in-process test
// provider, which approves every sign-in as this user at once.
const (
	e2eIdPID       = "corp"
	e2eIdPName     = "Corporate SSO"
	e2eIdPUsername = "dana"
)

// builtDashboard is the dashboard embedded in the test binary; the browser
// tests need it built (`make test` builds it, then sets MCPGW_E2E=1).
func builtDashboard(t *testing.T) fs.FS {
	t.Helper()
	if os.Getenv("MCPGW_E2E") == "" {
		t.Skip("browser test: set MCPGW_E2E=1 after building the dashboard (make test does both)")
	}
	dist := frontend.Dist()
	if _, err := fs.Stat(dist, "index.html"); err != nil {
		t.Fatal("the dashboard is not built into this test binary: run `npm run build` in frontend/ before `go test`")
	}
	return dist
}

// runE2E runs one browser test file of frontend/e2e (Vitest and
// Playwright, in the system's Chromium) against a, with env.
func runE2E(t *testing.T, a *testutil.TestApp, file string, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "run", "--silent", "test:e2e", "--", file)
	cmd.Dir = "../../../frontend"
	cmd.Env = append(append(os.Environ(), "BASE_URL="+a.URL), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("browser test %s failed: %v\n%s", file, err, out)
	}
	t.Logf("%s", out)
}

// TestBrowserSignIn signs in and out through the real dashboard in headless
// Chromium (frontend/e2e/signin.e2e.ts, Playwright) against this gateway,
// serving the dashboard embedded in the test binary: with the password, and
// with the "Sign in with ..." button of an identity provider. `make test`
// builds the dashboard first and sets MCPGW_E2E=1.
func TestBrowserSignIn(t *testing.T) {
	dist := builtDashboard(t)
	idp := testutil.NewOIDCProvider(t, testutil.OIDCProviderOptions{User: map[string]any{
		"sub": "00u-dana", "preferred_username": e2eIdPUsername, "email": "dana@example.com",
		"name": "Dana Example", "groups": []any{"mcp-user"},
	}})
	a := startWith(t, testutil.StartOptions{Frontend: dist},
		withIdP(t, idp, e2eIdPID, oidc.TypeGeneric, func(c *oidc.ProviderConfig) { c.DisplayName = e2eIdPName }), polling)
	// A polled server whose card the browser watches change live.
	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{})
	live := createServer(t, signedInAdmin(t, a), map[string]any{"path": "live", "display_name": "Live clock",
		"upstream_url": up.StreamableURL(), "transport": "streamable-http"})

	runE2E(t, a, "e2e/signin.e2e.ts", "E2E_USERNAME=admin", "E2E_PASSWORD="+testutil.AdminPassword,
		"E2E_IDP_NAME="+e2eIdPName, "E2E_IDP_USERNAME="+e2eIdPUsername,
		"E2E_LIVE_SERVER=live", "E2E_LIVE_SERVER_ID="+live.ID)

	// The browser's sign-ins reached the audit trail like any other.
	var ok, failed, viaIdP int
	for _, ev := range auditEvents(t, a, domain.ActionLogin) {
		switch ev.Outcome {
		case domain.OutcomeSuccess:
			ok++
			if ev.AuthMethod == "oidc" {
				viaIdP++
			}
		case domain.OutcomeFailure:
			failed++
		}
	}
	if ok == 0 || failed == 0 {
		t.Fatalf("audit: %d successful and %d failed sign-ins; the browser test makes both", ok, failed)
	}
	if viaIdP == 0 {
		t.Fatal("audit: no successful sign-in through the identity provider")
	}
	if n := len(auditEvents(t, a, domain.ActionLogout)); n < 2 {
		t.Fatalf("audit: %d sign-outs recorded; the browser signs out twice (password, then identity provider)", n)
	}
	// The provider's sign-in went through the browser all the way: the
	// gateway started it, and the user it vouched for was provisioned.
	if idp.AuthorizeRequests() == 0 || idp.TokenRequests() == 0 {
		t.Fatalf("identity provider: %d authorize and %d token requests", idp.AuthorizeRequests(), idp.TokenRequests())
	}
	u, err := postgres.Users{}.GetByUsername(context.Background(), a.DB.Pool, e2eIdPUsername)
	if err != nil || u.AuthSource != e2eIdPID || u.Subject != "00u-dana" {
		t.Fatalf("provisioned user: %+v, %v", u, err)
	}
}

// TestBrowserDashboard drives the dashboard's main flows in headless
// Chromium (frontend/e2e/dashboard.e2e.ts): the administrator registers a
// server pointing at a real MCP server and watches it turn healthy without
// reloading, toggles it off and on and edits it; a read-only user sees
// every server with no switch or edit button; a user of one server's group
// sees that server only. Every main page passes axe-core's WCAG checks.
func TestBrowserDashboard(t *testing.T) {
	dist := builtDashboard(t)
	a := startWith(t, testutil.StartOptions{Frontend: dist}, polling)
	admin := signedInAdmin(t, a)
	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{})
	other := testutil.NewMCPServer(t, testutil.MCPServerOptions{})
	createServer(t, admin, map[string]any{"path": "weather", "display_name": "Weather",
		"upstream_url": other.StreamableURL(), "transport": "streamable-http", "tags": []string{"demo"}})
	createServer(t, admin, map[string]any{"path": "ledger", "display_name": "Ledger",
		"upstream_url": other.StreamableURL(), "transport": "streamable-http"})
	const pw = "correct horse battery staple"
	createUser(t, admin, map[string]any{"username": "rita", "password": pw, "groups": []string{"mcp-user"}})
	createUser(t, admin, map[string]any{"username": "sam", "password": pw, "groups": []string{"mcp-server-weather"}})

	runE2E(t, a, "e2e/dashboard.e2e.ts", "E2E_PASSWORD="+testutil.AdminPassword, "E2E_UPSTREAM_URL="+up.StreamableURL(),
		"E2E_READER=rita", "E2E_READER_PASSWORD="+pw, "E2E_SCOPED=sam", "E2E_SCOPED_PASSWORD="+pw,
		"E2E_SCOPED_SERVER=weather")

	// What the browser did reached the registry and the audit trail.
	var list struct {
		Items []apiServer `json:"items"`
	}
	admin.Do(http.MethodGet, "/api/servers?q=e2e-clock", nil).JSON(t, &list)
	if len(list.Items) != 1 || !list.Items[0].Enabled {
		t.Fatalf("the server the browser registered: %+v", list.Items)
	}
	for _, action := range []string{registry.ActionServerCreate, registry.ActionServerToggle, registry.ActionServerUpdate} {
		if len(auditEvents(t, a, action)) == 0 {
			t.Errorf("audit: no %s event", action)
		}
	}
}
