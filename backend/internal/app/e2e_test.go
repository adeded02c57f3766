package app_test

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
	"github.com/mcpgw/mcpgw/frontend"
)

// TestBrowserSignIn signs in and out through the real dashboard in headless
// Chromium (frontend/e2e/signin.e2e.ts, Playwright) against this gateway,
// serving the dashboard embedded in the test binary. `make test` builds the
// dashboard first and sets MCPGW_E2E=1.
func TestBrowserSignIn(t *testing.T) {
	if os.Getenv("MCPGW_E2E") == "" {
		t.Skip("browser test: set MCPGW_E2E=1 after building the dashboard (make test does both)")
	}
	dist := frontend.Dist()
	if _, err := fs.Stat(dist, "index.html"); err != nil {
		t.Fatal("the dashboard is not built into this test binary: run `npm run build` in frontend/ before `go test`")
	}
	a := startWith(t, testutil.StartOptions{Frontend: dist})

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "run", "--silent", "test:e2e")
	cmd.Dir = "../../../frontend"
	cmd.Env = append(os.Environ(), "BASE_URL="+a.URL, "E2E_USERNAME=admin", "E2E_PASSWORD="+testutil.AdminPassword)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("browser test failed: %v\n%s", err, out)
	}
	t.Logf("%s", out)

	// The browser's sign-ins reached the audit trail like any other.
	var ok, failed int
	for _, ev := range auditEvents(t, a, domain.ActionLogin) {
		switch ev.Outcome {
		case domain.OutcomeSuccess:
			ok++
		case domain.OutcomeFailure:
			failed++
		}
	}
	if ok == 0 || failed == 0 {
		t.Fatalf("audit: %d successful and %d failed sign-ins; the browser test makes both", ok, failed)
	}
	if len(auditEvents(t, a, domain.ActionLogout)) == 0 {
		t.Fatal("audit: the browser's sign-out was not recorded")
	}
}
