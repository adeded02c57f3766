package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mcpgw/mcpgw/backend/internal/auth"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
	"github.com/mcpgw/mcpgw/backend/internal/secretbox"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

// serviceAccountToken starts an app, creates a service account and returns
// the app's token service, the account and a valid token for it.
func serviceAccountToken(t *testing.T) (*testutil.TestApp, *domain.ServiceAccount, string) {
	t.Helper()
	a := testutil.StartApp(t, testutil.Config(t), testutil.StartOptions{})
	ctx := context.Background()
	sa, secret, err := a.Tokens.CreateServiceAccount(ctx, nil, auth.NewServiceAccount{Name: "robot", Groups: []string{"team", "mcp-user"}})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := a.Tokens.ClientCredentials(ctx, sa.ClientID, secret)
	if err != nil {
		t.Fatal(err)
	}
	return a, sa, tok.AccessToken
}

func TestGatewayTokenRefusals(t *testing.T) {
	t.Parallel()
	a, sa, good := serviceAccountToken(t)
	ctx := context.Background()
	p, err := a.Tokens.AuthenticateGatewayJWT(ctx, good)
	if err != nil || p.Username != "robot" || p.ServiceAccountID != sa.ID || p.AuthMethod != domain.AuthMethodServiceAccount ||
		p.UserID != 0 || strings.Join(p.Groups, ",") != "mcp-user,team" {
		t.Fatalf("valid token: %+v, %v", p, err)
	}

	iss := a.Tokens.Issuer()
	now := time.Now()
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"iss": iss, "aud": iss, "sub": "sa:" + sa.ClientID, "client_id": sa.ClientID,
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": "x"}
		if edit != nil {
			edit(c)
		}
		return c
	}
	foreign, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pkix, _ := x509.MarshalPKIXPublicKey(auth.ActivePublicKey(a.Tokens))

	cases := []struct {
		name   string
		method jwt.SigningMethod
		header map[string]any
		claims jwt.MapClaims
		key    any
	}{
		{"control: valid", jwt.SigningMethodES256, nil, claims(nil), nil},
		{"alg none", jwt.SigningMethodNone, nil, claims(nil), nil},
		{"HS256 keyed with the public key", jwt.SigningMethodHS256, nil, claims(nil), pkix},
		{"jku header", jwt.SigningMethodES256, map[string]any{"jku": "https://evil.example/jwks"}, claims(nil), nil},
		{"x5u header", jwt.SigningMethodES256, map[string]any{"x5u": "https://evil.example/cert"}, claims(nil), nil},
		{"jwk header", jwt.SigningMethodES256, map[string]any{"jwk": map[string]any{"kty": "EC"}}, claims(nil), nil},
		{"x5c header", jwt.SigningMethodES256, map[string]any{"x5c": []string{"MII"}}, claims(nil), nil},
		{"crit header", jwt.SigningMethodES256, map[string]any{"crit": []string{"exp"}}, claims(nil), nil},
		{"typ JWT", jwt.SigningMethodES256, map[string]any{"typ": "JWT"}, claims(nil), nil},
		{"no kid", jwt.SigningMethodES256, map[string]any{"kid": nil}, claims(nil), nil},
		{"unknown kid", jwt.SigningMethodES256, map[string]any{"kid": "made-up"}, claims(nil), foreign},
		{"known kid, foreign key", jwt.SigningMethodES256, nil, claims(nil), foreign},
		{"wrong issuer", jwt.SigningMethodES256, nil, claims(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }), nil},
		{"issuer with trailing slash", jwt.SigningMethodES256, nil, claims(func(c jwt.MapClaims) { c["iss"] = iss + "/" }), nil},
		{"wrong audience", jwt.SigningMethodES256, nil, claims(func(c jwt.MapClaims) { c["aud"] = "someone-else" }), nil},
		{"no exp", jwt.SigningMethodES256, nil, claims(func(c jwt.MapClaims) { delete(c, "exp") }), nil},
		{"expired beyond leeway", jwt.SigningMethodES256, nil, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-2 * time.Minute).Unix() }), nil},
		{"nbf in the future", jwt.SigningMethodES256, nil, claims(func(c jwt.MapClaims) { c["nbf"] = now.Add(10 * time.Minute).Unix() }), nil},
		{"iat in the future", jwt.SigningMethodES256, nil, claims(func(c jwt.MapClaims) { c["iat"] = now.Add(10 * time.Minute).Unix() }), nil},
		{"no iat", jwt.SigningMethodES256, nil, claims(func(c jwt.MapClaims) { delete(c, "iat") }), nil},
		{"subject of another client", jwt.SigningMethodES256, nil, claims(func(c jwt.MapClaims) { c["sub"] = "sa:mcpgw-sa-other" }), nil},
		{"unknown client", jwt.SigningMethodES256, nil, claims(func(c jwt.MapClaims) {
			c["sub"], c["client_id"] = "sa:mcpgw-sa-gone", "mcpgw-sa-gone"
		}), nil},
		{"oversized", jwt.SigningMethodES256, nil, claims(func(c jwt.MapClaims) { c["pad"] = strings.Repeat("x", 9000) }), nil},
	}
	for _, tc := range cases {
		raw, err := auth.SignGatewayToken(a.Tokens, tc.method, tc.header, tc.claims, tc.key)
		if err != nil {
			t.Fatalf("%s: signing: %v", tc.name, err)
		}
		_, err = a.Tokens.AuthenticateGatewayJWT(ctx, raw)
		if tc.name == "control: valid" {
			if err != nil {
				t.Fatalf("control token refused: %v", err)
			}
			continue
		}
		if !errors.Is(err, domain.ErrUnauthorized) {
			t.Fatalf("%s: accepted or wrong error: %v", tc.name, err)
		}
		if strings.Contains(err.Error(), raw) {
			t.Fatalf("%s: the error repeats the token", tc.name)
		}
	}
	for _, raw := range []string{"", "a.b", "a.b.c", "....", good + "x", strings.Replace(good, ".", "..", 1)} {
		if _, err := a.Tokens.AuthenticateGatewayJWT(ctx, raw); !errors.Is(err, domain.ErrUnauthorized) {
			t.Fatalf("malformed %q: %v", raw, err)
		}
	}
}

// Many unknown kids make at most one reload from Postgres per interval.
func TestUnknownKidsDoNotFloodPostgres(t *testing.T) {
	t.Parallel()
	a, sa, _ := serviceAccountToken(t)
	foreign, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			raw, _ := auth.SignGatewayToken(a.Tokens, jwt.SigningMethodES256, map[string]any{"kid": "kid-" + string(rune('a'+i%26))},
				jwt.MapClaims{"iss": a.Tokens.Issuer(), "aud": a.Tokens.Issuer(), "sub": "sa:" + sa.ClientID, "client_id": sa.ClientID,
					"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}, foreign)
			if _, err := a.Tokens.AuthenticateGatewayJWT(context.Background(), raw); !errors.Is(err, domain.ErrUnauthorized) {
				t.Errorf("unknown kid: %v", err)
			}
		})
	}
	wg.Wait()
	if n := auth.KeyReloads(a.Tokens); n > 2 { // the start-up load, and one for the misses
		t.Fatalf("%d key reloads for 50 unknown kids", n)
	}
}

// Replicas starting together on an empty database create exactly one
// signing key.
func TestReplicasCreateOneSigningKey(t *testing.T) {
	t.Parallel()
	cfg := testutil.Config(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, cfg.DatabaseURL, 10)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	box, err := secretbox.New(secretbox.DeriveKey([]byte(cfg.SecretKey), "egress credentials"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			_, err := auth.NewTokenService(ctx, db, box, nil, []byte(cfg.SecretKey), discardAudit{}, slog.New(slog.DiscardHandler),
				auth.TokenOptions{Issuer: "http://gateway.test"})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	keys, err := postgres.SigningKeys{}.List(ctx, db.Pool)
	if err != nil || len(keys) != 1 || !keys[0].Active {
		t.Fatalf("signing keys = %d (%v)", len(keys), err)
	}
}

type discardAudit struct{}

func (discardAudit) Record(context.Context, domain.AuditEvent) {}
