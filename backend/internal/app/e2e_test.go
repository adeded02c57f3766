package app_test

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/oidc"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
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

// TestBrowserSignIn signs in and out through the real dashboard in headless
// Chromium (frontend/e2e/signin.e2e.ts, Playwright) against this gateway,
// serving the dashboard embedded in the test binary: with the password, and
// with the "Sign in with ..." button of an identity provider. `make test`
// builds the dashboard first and sets MCPGW_E2E=1.
func TestBrowserSignIn(t *testing.T) {
	if os.Getenv("MCPGW_E2E") == "" {
		t.Skip("browser test: set MCPGW_E2E=1 after building the dashboard (make test does both)")
	}
	dist := frontend.Dist()
	if _, err := fs.Stat(dist, "index.html"); err != nil {
		t.Fatal("the dashboard is not built into this test binary: run `npm run build` in frontend/ before `go test`")
	}
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

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "run", "--silent", "test:e2e")
	cmd.Dir = "../../../frontend"
	cmd.Env = append(os.Environ(), "BASE_URL="+a.URL, "E2E_USERNAME=admin", "E2E_PASSWORD="+testutil.AdminPassword,
		"E2E_IDP_NAME="+e2eIdPName, "E2E_IDP_USERNAME="+e2eIdPUsername,
		"E2E_LIVE_SERVER=live", "E2E_LIVE_SERVER_ID="+live.ID)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("browser test failed: %v\n%s", err, out)
	}
	t.Logf("%s", out)

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
