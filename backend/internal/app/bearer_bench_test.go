package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/oidc"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

// benchIdPApp starts a gateway trusting one in-process provider and returns
// it with a valid access token of that provider.
func benchIdPApp(b *testing.B, alg string, cacheSize int) (*testutil.TestApp, string) {
	idp := testutil.NewOIDCProvider(b, testutil.OIDCProviderOptions{Alg: alg})
	pc, err := oidc.ProviderConfig{ID: "corp", Type: oidc.TypeGeneric, ClientID: idp.ClientID(), Issuer: idp.Issuer(),
		DiscoveryURL: idp.DiscoveryURL()}.Resolve()
	if err != nil {
		b.Fatal(err)
	}
	cfg := testutil.Config(b)
	cfg.Providers = []oidc.ProviderConfig{pc}
	cfg.VerifiedTokenCache = cacheSize
	a := testutil.StartApp(b, cfg, testutil.StartOptions{})
	tok := idp.SignToken(map[string]any{"sub": "agent", "aud": idp.ClientID(), "groups": []any{"mcp-user"},
		"exp": time.Now().Add(time.Hour).Unix()})
	// The first use fetches discovery and keys: keep that out of the loop.
	if _, err := a.Bearer.AuthenticateBearer(context.Background(), tok, domain.TokenHint{}); err != nil {
		b.Fatal(err)
	}
	return a, tok
}

// BenchmarkBearerIdPToken is the cost of an identity provider's access
// token once its key is cached: signature verified on every request
// (cache off), or the token remembered as verified (default).
func BenchmarkBearerIdPToken(b *testing.B) {
	for _, bc := range []struct {
		name  string
		alg   string
		cache int
	}{
		{"RS256/verify", "RS256", 0}, {"ES256/verify", "ES256", 0}, {"EdDSA/verify", "EdDSA", 0},
		{"RS256/cached", "RS256", 10000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			a, tok := benchIdPApp(b, bc.alg, bc.cache)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Bearer.AuthenticateBearer(ctx, tok, domain.TokenHint{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMeEndpointBearer is a whole API request authenticated by an
// identity provider's token (verified-token cache on).
func BenchmarkMeEndpointBearer(b *testing.B) {
	a, tok := benchIdPApp(b, "RS256", 10000)
	h := a.Handler()
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/api/auth/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkBearerGatewayTokens is the cost of the gateway's own
// credentials once their state is cached on this replica: a service
// account's JWT from client credentials (ES256 signature check plus the
// account's state), and a personal access token (keyed hash and lookup).
func BenchmarkBearerGatewayTokens(b *testing.B) {
	a := testutil.StartApp(b, testutil.Config(b), testutil.StartOptions{})
	admin := a.NewClient(b)
	admin.Login("admin", testutil.AdminPassword)
	sa := createServiceAccount(b, admin, "bench", "mcp-user")
	pat := createPAT(b, admin, map[string]any{"name": "bench"})
	for _, bc := range []struct{ name, token string }{
		{"service-account-jwt", clientToken(b, a.URL, sa)},
		{"pat", pat.Token},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			if _, err := a.Bearer.AuthenticateBearer(ctx, bc.token, domain.TokenHint{}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Bearer.AuthenticateBearer(ctx, bc.token, domain.TokenHint{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
