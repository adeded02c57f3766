package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mcpgw/mcpgw/backend/internal/config"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/oidc"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

// withIdP configures the test provider idp as provider id of type typ.
func withIdP(t *testing.T, idp *testutil.OIDCProvider, id, typ string, tune ...func(*oidc.ProviderConfig)) func(*config.Config) {
	t.Helper()
	pc := oidc.ProviderConfig{
		ID: id, Type: typ, ClientID: idp.ClientID(), ClientSecret: idp.ClientSecret(), Issuer: idp.Issuer(),
		DiscoveryURL: idp.DiscoveryURL(),
	}
	for _, f := range tune {
		f(&pc)
	}
	r, err := pc.Resolve()
	if err != nil {
		t.Fatalf("provider %s: %v", id, err)
	}
	return func(c *config.Config) {
		c.Providers = append(c.Providers, r)
		c.JWKSRefetchCooldown = time.Minute
	}
}

// browser is a client that does not follow redirects, so each hop of a
// sign-in can be looked at (and tampered with).
type browser struct {
	*testutil.Client
	raw *http.Client
}

func newBrowser(t *testing.T, a *testutil.TestApp) *browser {
	c := a.NewClient(t)
	raw := *c.HTTP
	raw.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{Client: c, raw: &raw}
}

func (b *browser) get(t *testing.T, u string) *http.Response {
	t.Helper()
	resp, err := b.raw.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	_ = resp.Body.Close()
	return resp
}

// start begins a sign-in at the gateway and follows it through the
// provider, returning the callback URL the provider sent the browser to.
func (b *browser) start(t *testing.T, a *testutil.TestApp, provider, next string) *url.URL {
	t.Helper()
	resp := b.get(t, a.URL+"/oauth2/login/"+provider+"?next="+url.QueryEscape(next))
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	at, _ := resp.Location()
	resp = b.get(t, at.String())
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("provider authorize: %d", resp.StatusCode)
	}
	cb, _ := resp.Location()
	if !strings.HasPrefix(cb.String(), a.URL+"/oauth2/callback/"+provider) {
		t.Fatalf("provider sent the browser to %s", cb)
	}
	return cb
}

// finish returns the gateway's answer to the callback: where it sends the
// browser, and whether it set a session cookie.
func (b *browser) finish(t *testing.T, cb *url.URL) (location string, sessionSet bool) {
	t.Helper()
	resp := b.get(t, cb.String())
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("callback: %d", resp.StatusCode)
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == cookieName && ck.Value != "" && ck.MaxAge >= 0 {
			sessionSet = true
		}
	}
	return resp.Header.Get("Location"), sessionSet
}

func (b *browser) me(t *testing.T) (int, map[string]any) {
	t.Helper()
	r := b.Do(http.MethodGet, "/api/auth/me", nil)
	var m map[string]any
	_ = json.Unmarshal(r.Body, &m)
	return r.Status, m
}

func TestProvidersAreListedForTheSignInPage(t *testing.T) {
	t.Parallel()
	okta := testutil.NewOIDCProvider(t, testutil.OIDCProviderOptions{})
	corp := testutil.NewOIDCProvider(t, testutil.OIDCProviderOptions{})
	a := start(t, withIdP(t, okta, "okta", oidc.TypeGeneric, func(c *oidc.ProviderConfig) { c.DisplayName = "Okta" }),
		withIdP(t, corp, "corp", oidc.TypeGeneric))
	r := a.NewClient(t).Do(http.MethodGet, "/api/auth/providers", nil)
	var got struct {
		Providers []struct{ ID, DisplayName, Type, LoginURL string } `json:"providers"`
	}
	if err := json.Unmarshal(r.Body, &got); err != nil || r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	var m []map[string]string
	raw := struct {
		Providers []map[string]string `json:"providers"`
	}{}
	r.JSON(t, &raw)
	m = raw.Providers
	if len(m) != 2 || m[0]["id"] != "okta" || m[0]["display_name"] != "Okta" || m[0]["login_url"] != "/oauth2/login/okta" || m[1]["id"] != "corp" {
		t.Fatalf("providers = %v", m)
	}
	// Without providers the list is empty, not null.
	r = start(t).NewClient(t).Do(http.MethodGet, "/api/auth/providers", nil)
	if string(r.Body) != `{"providers":[]}` {
		t.Fatalf("no providers: %s", r.Body)
	}
}

func TestIdPSignInProvisionsUserWithGroups(t *testing.T) {
	t.Parallel()
	idp := testutil.NewOIDCProvider(t, testutil.OIDCProviderOptions{})
	idp.SetUser(map[string]any{"sub": "00u-alice", "preferred_username": "alice", "email": "alice@example.com",
		"name": "Alice A.", "groups": []any{"mcp-user", "mcp-server-alpha"}})
	a := start(t, withIdP(t, idp, "corp", oidc.TypeGeneric))

	b := newBrowser(t, a)
	// A pre-sign-in cookie must not survive.
	b.SetCookie(cookieName, "planted-session-value-planted-session-value")
	cb := b.start(t, a, "corp", "/servers?tag=a")
	q := idp.LastAuthorizeQuery()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
		t.Fatalf("authorize request lacks PKCE, nonce or state: %v", q)
	}
	if q.Get("redirect_uri") != a.URL+"/oauth2/callback/corp" {
		t.Fatalf("redirect_uri = %s", q.Get("redirect_uri"))
	}
	loc, set := b.finish(t, cb)
	if loc != "/servers?tag=a" || !set {
		t.Fatalf("after sign-in: location %q, cookie set %v", loc, set)
	}
	status, me := b.me(t)
	if status != 200 || me["username"] != "alice" || me["auth_method"] != "oidc" || me["provider"] != "corp" {
		t.Fatalf("me: %d %v", status, me)
	}
	if g := fmt.Sprint(me["groups"]); g != "[mcp-server-alpha mcp-user]" {
		t.Fatalf("groups = %s", g)
	}
	u, err := postgres.Users{}.GetByUsername(context.Background(), a.DB.Pool, "alice")
	if err != nil || u.AuthSource != "corp" || u.Subject != "00u-alice" || u.Email != "alice@example.com" || u.PasswordHash != "" {
		t.Fatalf("provisioned user: %+v, %v", u, err)
	}
	if ev := auditEvents(t, a, domain.ActionLogin); len(ev) == 0 || ev[0].Outcome != domain.OutcomeSuccess || ev[0].AuthMethod != "oidc" {
		t.Fatalf("login audit: %+v", ev)
	}

	// The next sign-in brings other groups: the same user has exactly those.
	idp.SetUser(map[string]any{"sub": "00u-alice", "preferred_username": "alice", "groups": []any{"mcp-admin"}})
	b2 := newBrowser(t, a)
	if loc, set := b2.finish(t, b2.start(t, a, "corp", "/")); loc != "/" || !set {
		t.Fatalf("second sign-in: %q %v", loc, set)
	}
	_, me = b2.me(t)
	if fmt.Sprint(me["groups"]) != "[mcp-admin]" || me["is_admin"] != true {
		t.Fatalf("second sign-in groups: %v", me)
	}
	u2, _ := postgres.Users{}.GetByUsername(context.Background(), a.DB.Pool, "alice")
	if u2.ID != u.ID || !slices.Equal(u2.Groups, []string{"mcp-admin"}) {
		t.Fatalf("second sign-in user: %+v", u2)
	}
	// The first browser's session held the old groups: it ended.
	if status, _ := b.me(t); status != http.StatusUnauthorized {
		t.Fatalf("session with stale groups: %d", status)
	}
}

func TestIdPUserNeverTakesOverALocalAccount(t *testing.T) {
	t.Parallel()
	idp := testutil.NewOIDCProvider(t, testutil.OIDCProviderOptions{})
	idp.SetUser(map[string]any{"sub": "evil", "preferred_username": "admin", "groups": []any{"mcp-user"}})
	a := start(t, withIdP(t, idp, "corp", oidc.TypeGeneric))
	b := newBrowser(t, a)
	b.finish(t, b.start(t, a, "corp", "/"))
	_, me := b.me(t)
	if me["username"] != "corp:admin" || me["is_admin"] == true {
		t.Fatalf("IdP user named admin became %v", me)
	}
}

func TestDisabledIdPUserCannotSignIn(t *testing.T) {
	t.Parallel()
	idp := testutil.NewOIDCProvider(t, testutil.OIDCProviderOptions{})
	a := start(t, withIdP(t, idp, "corp", oidc.TypeGeneric))
	b := newBrowser(t, a)
	b.finish(t, b.start(t, a, "corp", "/"))
	u, err := postgres.Users{}.GetByUsername(context.Background(), a.DB.Pool, "alice")
	if err != nil {
		t.Fatal(err)
	}
	admin := signedInAdmin(t, a)
	if r := admin.Do(http.MethodPatch, fmt.Sprintf("/api/users/%d", u.ID), map[string]any{"disabled": true}); r.Status != 200 {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	b2 := newBrowser(t, a)
	if loc, set := b2.finish(t, b2.start(t, a, "corp", "/")); loc != "/login?error=account_disabled" || set {
		t.Fatalf("disabled user: %q %v", loc, set)
	}
}

// TestTamperedSignInsCreateNoSession drives each way a sign-in can be
// broken or attacked; none may set a session cookie, each lands on the
// sign-in page with its error and is audited.
func TestTamperedSignInsCreateNoSession(t *testing.T) {
	t.Parallel()
	idp := testutil.NewOIDCProvider(t, testutil.OIDCProviderOptions{})
	a := start(t, withIdP(t, idp, "corp", oidc.TypeGeneric), withIdP(t, testutil.NewOIDCProvider(t, testutil.OIDCProviderOptions{}), "other", oidc.TypeGeneric))

	withQuery := func(u *url.URL, k, v string) *url.URL {
		cp := *u
		q := cp.Query()
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
		cp.RawQuery = q.Encode()
		return &cp
	}
	cases := []struct {
		name string
		run  func(t *testing.T, b *browser) *url.URL
		want string
	}{
		{"missing state", func(t *testing.T, b *browser) *url.URL {
			return withQuery(b.start(t, a, "corp", "/"), "state", "")
		}, "state"},
		{"made-up state", func(t *testing.T, b *browser) *url.URL {
			return withQuery(b.start(t, a, "corp", "/"), "state", "bm90LWEtcmVhbC1zdGF0ZS1ub3QtYS1yZWFsLXN0YXRl")
		}, "state"},
		{"replayed state", func(t *testing.T, b *browser) *url.URL {
			cb := b.start(t, a, "corp", "/")
			if _, set := b.finish(t, cb); !set {
				t.Fatal("first use should sign in")
			}
			b.SetCookie(cookieName, "") // sign out locally: the replay must not sign in again
			return cb
		}, "state"},
		{"state of another provider", func(t *testing.T, b *browser) *url.URL {
			cb := b.start(t, a, "corp", "/")
			cp := *cb
			cp.Path = "/oauth2/callback/other"
			return &cp
		}, "state"},
		{"state started in another browser (login CSRF)", func(t *testing.T, b *browser) *url.URL {
			attacker := newBrowser(t, a)
			return attacker.start(t, a, "corp", "/") // the victim's browser b completes it
		}, "state"},
		{"code of one flow with the state (and PKCE verifier) of another", func(t *testing.T, b *browser) *url.URL {
			first := b.start(t, a, "corp", "/")
			second := b.start(t, a, "corp", "/")
			return withQuery(second, "code", first.Query().Get("code"))
		}, "token_exchange"},
		{"made-up code", func(t *testing.T, b *browser) *url.URL {
			return withQuery(b.start(t, a, "corp", "/"), "code", "forged")
		}, "token_exchange"},
		{"wrong nonce in the ID token", func(t *testing.T, b *browser) *url.URL {
			idp.SetNonceOverride("attacker-nonce")
			t.Cleanup(func() { idp.SetNonceOverride("") })
			return b.start(t, a, "corp", "/")
		}, "invalid_token"},
		{"provider answers with an error", func(t *testing.T, b *browser) *url.URL {
			idp.SetAuthorizeError("access_denied")
			t.Cleanup(func() { idp.SetAuthorizeError("") })
			return b.start(t, a, "corp", "/")
		}, "idp_error"},
		{"token endpoint down", func(t *testing.T, b *browser) *url.URL {
			idp.SetTokenEndpointDown(true)
			t.Cleanup(func() { idp.SetTokenEndpointDown(false) })
			return b.start(t, a, "corp", "/")
		}, "token_exchange"},
		{"ID token from another issuer", func(t *testing.T, b *browser) *url.URL {
			idp.SetIssuerOverride("https://evil.example")
			t.Cleanup(func() { idp.SetIssuerOverride("") })
			return b.start(t, a, "corp", "/")
		}, "invalid_token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t, a)
			before := len(auditEvents(t, a, domain.ActionLogin))
			cb := tc.run(t, b)
			loc, set := b.finish(t, cb)
			if set || loc != "/login?error="+tc.want {
				t.Fatalf("location %q, session cookie set %v; want /login?error=%s and no cookie", loc, set, tc.want)
			}
			if status, _ := b.me(t); status != http.StatusUnauthorized {
				t.Fatalf("signed in after a tampered flow: %d", status)
			}
			evs := auditEvents(t, a, domain.ActionLogin)
			if len(evs) <= before || evs[0].Outcome != domain.OutcomeFailure || evs[0].Details["reason"] != tc.want {
				t.Fatalf("not audited as %s: %+v", tc.want, evs[:min(len(evs), 2)])
			}
		})
	}
}

func TestSignInGoesOnlyToSameOriginPaths(t *testing.T) {
	t.Parallel()
	idp := testutil.NewOIDCProvider(t, testutil.OIDCProviderOptions{})
	a := start(t, withIdP(t, idp, "corp", oidc.TypeGeneric))
	for _, next := range []string{
		"//evil.example", "https://evil.example", "/\\evil.example", "\\\\evil.example", "/%2F/evil.example",
		"%2F%2Fevil.example", "/%5Cevil.example", "/%252F%252Fevil.example", "http:/evil.example", "javascript:alert(1)",
		"/\t/evil.example", " //evil.example", "", "evil.example",
	} {
		b := newBrowser(t, a)
		loc, set := b.finish(t, b.start(t, a, "corp", next))
		if loc != "/" || !set {
			t.Errorf("next=%q: sent to %q (signed in %v), want /", next, loc, set)
		}
	}
}

func TestEntraAndCognitoClaimShapes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, typ string
		claims    map[string]any
		want      string // groups, or "error=<reason>"
	}{
		{"entra roles", oidc.TypeEntra, map[string]any{"roles": []any{"mcp-admin"}}, "[mcp-admin]"},
		{"entra single-string role", oidc.TypeEntra, map[string]any{"roles": "mcp-user"}, "[mcp-user]"},
		{"entra appRoles objects", oidc.TypeEntra, map[string]any{"appRoles": []any{map[string]any{"value": "mcp-server-alpha"}}}, "[mcp-server-alpha]"},
		{"entra app_roles and groups", oidc.TypeEntra, map[string]any{"app_roles": []any{"mcp-user"}, "groups": []any{"7f1c2e90-0000-4000-8000-000000000001"}},
			"[7f1c2e90-0000-4000-8000-000000000001 mcp-user]"},
		{"entra groups overage", oidc.TypeEntra, map[string]any{"_claim_names": map[string]any{"groups": "src1"},
			"_claim_sources": map[string]any{"src1": map[string]any{"endpoint": "https://graph.microsoft.com/v1.0/users/x/getMemberObjects"}}}, "error=groups_overage"},
		{"entra hasgroups", oidc.TypeEntra, map[string]any{"hasgroups": true}, "error=groups_overage"},
		{"cognito groups", oidc.TypeCognito, map[string]any{"cognito:username": "bob", "cognito:groups": []any{"mcp-user"}, "token_use": "id"}, "[mcp-user]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			idp := testutil.NewOIDCProvider(t, testutil.OIDCProviderOptions{})
			claims := map[string]any{"sub": "s-" + tc.name, "preferred_username": "bob", "email": "bob@example.com"}
			for k, v := range tc.claims {
				claims[k] = v
			}
			idp.SetUser(claims)
			a := start(t, withIdP(t, idp, tc.typ, tc.typ, func(c *oidc.ProviderConfig) {
				c.TenantID, c.Region, c.UserPoolID = "tenant", "us-east-1", "us-east-1_pool"
			}))
			b := newBrowser(t, a)
			loc, set := b.finish(t, b.start(t, a, tc.typ, "/"))
			if after, ok := strings.CutPrefix(tc.want, "error="); ok {
				if loc != "/login?error="+after || set {
					t.Fatalf("location %q, cookie %v", loc, set)
				}
				return
			}
			_, me := b.me(t)
			if !set || fmt.Sprint(me["groups"]) != tc.want || me["username"] != "bob" {
				t.Fatalf("cookie %v, me %v; want groups %s", set, me, tc.want)
			}
		})
	}
}

// TestBearerTokenVectors sends the provider's access tokens, good and bad,
// to the API.
func TestBearerTokenVectors(t *testing.T) {
	t.Parallel()
	idp := testutil.NewOIDCProvider(t, testutil.OIDCProviderOptions{})
	a := start(t, withIdP(t, idp, "corp", oidc.TypeGeneric))
	c := a.NewClient(t)
	now := time.Now()
	good := map[string]any{"sub": "agent-1", "aud": idp.ClientID(), "client_id": "agent-1", "groups": []any{"mcp-user"},
		"exp": now.Add(5 * time.Minute).Unix()}
	with := func(over map[string]any) map[string]any {
		m := map[string]any{}
		for k, v := range good {
			m[k] = v
		}
		for k, v := range over {
			m[k] = v
		}
		return m
	}
	attacker := testutil.NewSigningKey(t, "RS256")
	hs := jwt.SigningMethodHS256
	cases := []struct {
		name  string
		token string
		ok    bool
	}{
		{"valid", idp.SignToken(good), true},
		{"alg none", idp.SignWith(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil, good), false},
		{"HS256 keyed with the public key", idp.SignWith(hs, idp.PublicKeyPEM(), map[string]any{"kid": idp.KeyID()}, good), false},
		{"jku header", idp.SignWith(testutil.SigningMethod("RS256"), attacker, map[string]any{"jku": "https://evil.example/jwks", "kid": "evil"}, good), false},
		{"jwk header", idp.SignWith(testutil.SigningMethod("RS256"), idp.PrivateKey(), map[string]any{"jwk": map[string]any{"kty": "RSA"}}, good), false},
		{"x5u header", idp.SignWith(testutil.SigningMethod("RS256"), idp.PrivateKey(), map[string]any{"x5u": "https://evil.example/cert"}, good), false},
		{"signed by another key", idp.SignWith(testutil.SigningMethod("RS256"), attacker, nil, good), false},
		{"wrong issuer", idp.SignToken(with(map[string]any{"iss": idp.Issuer() + "/"})), false},
		{"wrong audience", idp.SignToken(with(map[string]any{"aud": "someone-else"})), false},
		{"no exp", idp.SignToken(with(map[string]any{"exp": nil})), false},
		{"expired beyond skew", idp.SignToken(with(map[string]any{"exp": now.Add(-2 * time.Minute).Unix()})), false},
		{"not yet valid", idp.SignToken(with(map[string]any{"nbf": now.Add(5 * time.Minute).Unix()})), false},
		{"unknown kid", idp.SignWith(testutil.SigningMethod("RS256"), attacker, map[string]any{"kid": "no-such-key"}, good), false},
		{"oversized", idp.SignToken(with(map[string]any{"pad": strings.Repeat("x", 20000)})), false},
		{"garbage", "not.a.jwt", false},
		{"ID token of the gateway's own sign-ins", idp.SignToken(with(map[string]any{"nonce": "n0nce", "auth_time": now.Unix()})), false},
		{"ID token with at_hash", idp.SignToken(with(map[string]any{"at_hash": "x"})), false},
	}
	for _, tc := range cases {
		for _, header := range []string{"Authorization", "X-Authorization"} {
			r := c.Do(http.MethodGet, "/api/auth/me", nil, header, "Bearer "+tc.token)
			if tc.ok {
				var me map[string]any
				r.JSON(t, &me)
				if r.Status != 200 || me["auth_method"] != domain.AuthMethodIdPToken || me["provider"] != "corp" || fmt.Sprint(me["groups"]) != "[mcp-user]" {
					t.Errorf("%s via %s: %d %s", tc.name, header, r.Status, r.Body)
				}
				continue
			}
			if r.Status != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") != `Bearer realm="mcpgw", error="invalid_token"` {
				t.Errorf("%s via %s: %d %q %s", tc.name, header, r.Status, r.Header.Get("WWW-Authenticate"), r.Body)
			}
			if strings.Contains(string(r.Body), "kid") || strings.Contains(string(r.Body), "issuer") {
				t.Errorf("%s: the refusal explains too much: %s", tc.name, r.Body)
			}
		}
	}
	evs := auditEvents(t, a, domain.ActionTokenRefused)
	if len(evs) < 2*(len(cases)-1) {
		t.Fatalf("refusals audited: %d, want %d", len(evs), 2*(len(cases)-1))
	}
	for _, ev := range evs {
		if b, _ := json.Marshal(ev.Details); strings.Contains(string(b), "eyJ") {
			t.Fatalf("a token reached the audit trail: %s", b)
		}
	}
	// X-Authorization is the gateway token even when Authorization (meant
	// for an upstream) holds a valid one.
	r := c.Do(http.MethodGet, "/api/auth/me", nil, "X-Authorization", "Bearer not.a.jwt", "Authorization", "Bearer "+idp.SignToken(good))
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("X-Authorization must win: %d", r.Status)
	}
}

func TestCognitoTokensAndProviderHeaders(t *testing.T) {
	t.Parallel()
	idp := testutil.NewOIDCProvider(t, testutil.OIDCProviderOptions{})
	a := start(t, withIdP(t, idp, "cognito", oidc.TypeCognito, func(c *oidc.ProviderConfig) {
		c.Region, c.UserPoolID = "us-east-1", "us-east-1_Pool1"
	}))
	c := a.NewClient(t)
	exp := time.Now().Add(5 * time.Minute).Unix()
	access := idp.SignToken(map[string]any{"sub": "m2m", "client_id": idp.ClientID(), "token_use": "access", "exp": exp,
		"cognito:groups": []any{"mcp-user"}, "username": "robot"})
	idToken := idp.SignToken(map[string]any{"sub": "u", "aud": idp.ClientID(), "token_use": "id", "exp": exp})
	otherClient := idp.SignToken(map[string]any{"sub": "m2m", "client_id": "another-app", "token_use": "access", "exp": exp})

	check := func(name, token string, want int, header ...string) {
		t.Helper()
		r := c.Do(http.MethodGet, "/api/auth/me", nil, append([]string{"Authorization", "Bearer " + token}, header...)...)
		if r.Status != want {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	check("access token", access, 200)
	check("ID token used as access token", idToken, 401)
	check("access token of another app client", otherClient, 401)
	check("matching seed 002 headers", access, 200, "X-User-Pool-Id", "us-east-1_Pool1", "X-Client-Id", idp.ClientID(), "X-Region", "us-east-1")
	check("headers naming another pool", access, 401, "X-User-Pool-Id", "us-east-1_Other")
	check("headers naming another region", access, 401, "X-Region", "eu-west-1")
	check("headers naming another client", access, 401, "X-Client-Id", "another-app")
}

func TestJWKSRotationAndUnknownKidRefetchLimit(t *testing.T) {
	t.Parallel()
	clock := testutil.NewClock()
	idp := testutil.NewOIDCProvider(t, testutil.OIDCProviderOptions{Now: clock.Now})
	a := startWith(t, testutil.StartOptions{Now: clock.Now}, withIdP(t, idp, "corp", oidc.TypeGeneric))
	c := a.NewClient(t)
	status := func(tok string) int {
		return c.Do(http.MethodGet, "/api/auth/me", nil, "Authorization", "Bearer "+tok).Status
	}
	claims := func() map[string]any {
		return map[string]any{"sub": "agent", "aud": idp.ClientID(), "exp": clock.Now().Add(5 * time.Minute).Unix()}
	}
	if s := status(idp.SignToken(claims())); s != 200 {
		t.Fatalf("first token: %d", s)
	}
	fetches := func() int { return idp.JWKSFetches() }
	if fetches() != 1 {
		t.Fatalf("JWKS fetched %d times for one token", fetches())
	}

	// The provider rotates its key. Within the cooldown of the last fetch
	// a new kid causes no fetch; once it has passed, one refetch picks the
	// new key up, with no restart.
	idp.RotateKey(true)
	rotated := idp.SignToken(claims())
	if s := status(rotated); s != 401 || fetches() != 1 {
		t.Fatalf("new kid within the cooldown: %d after %d fetches", s, fetches())
	}
	clock.Advance(61 * time.Second)
	if s := status(idp.SignToken(claims())); s != 200 || fetches() != 2 {
		t.Fatalf("new kid after the cooldown: %d after %d fetches", s, fetches())
	}

	// A flood of tokens with unknown kids refetches at most once per
	// cooldown: not at all right after a fetch, once after the cooldown.
	attacker := testutil.NewSigningKey(t, "RS256")
	flood := func() {
		for i := range 50 {
			tok := idp.SignWith(testutil.SigningMethod("RS256"), attacker, map[string]any{"kid": fmt.Sprintf("kid-%d", i)}, claims())
			if s := status(tok); s != 401 {
				t.Fatalf("unknown kid %d: %d", i, s)
			}
		}
	}
	flood()
	if fetches() != 2 {
		t.Fatalf("a flood right after a fetch fetched again: %d", fetches())
	}
	clock.Advance(61 * time.Second)
	flood()
	if fetches() != 3 {
		t.Fatalf("a flood after the cooldown: %d fetches, want 3", fetches())
	}
	// The old key still works (it is still published): no fetch needed.
	if s := status(idp.SignToken(claims())); s != 200 || fetches() != 3 {
		t.Fatalf("current key after the flood: %d, %d fetches", s, fetches())
	}
}

// TestVerifiedTokenCacheHonoursExpiry: a token remembered as verified is
// refused once it expires, without a new signature check making it so.
func TestVerifiedTokenCacheHonoursExpiry(t *testing.T) {
	t.Parallel()
	clock := testutil.NewClock()
	idp := testutil.NewOIDCProvider(t, testutil.OIDCProviderOptions{Now: clock.Now})
	a := startWith(t, testutil.StartOptions{Now: clock.Now}, withIdP(t, idp, "corp", oidc.TypeGeneric))
	c := a.NewClient(t)
	tok := idp.SignToken(map[string]any{"sub": "agent", "aud": idp.ClientID(), "exp": clock.Now().Add(2 * time.Minute).Unix()})
	for range 3 {
		if r := c.Do(http.MethodGet, "/api/auth/me", nil, "Authorization", "Bearer "+tok); r.Status != 200 {
			t.Fatalf("fresh token: %d", r.Status)
		}
	}
	clock.Advance(2*time.Minute + 31*time.Second) // past exp and the 30 s skew
	if r := c.Do(http.MethodGet, "/api/auth/me", nil, "Authorization", "Bearer "+tok); r.Status != 401 {
		t.Fatalf("expired but cached token: %d", r.Status)
	}
}

// TestOktaAcceptsOnlyItsClientsAccessTokens: on Okta's default server every
// application's access tokens have the audience api://default, so only the
// configured clients' tokens are accepted.
func TestOktaAcceptsOnlyItsClientsAccessTokens(t *testing.T) {
	t.Parallel()
	idp := testutil.NewOIDCProvider(t, testutil.OIDCProviderOptions{})
	a := start(t, withIdP(t, idp, "okta", oidc.TypeOkta, func(c *oidc.ProviderConfig) { c.TenantURL = "https://example.okta.com" }))
	c := a.NewClient(t)
	exp := time.Now().Add(5 * time.Minute).Unix()
	for _, tc := range []struct {
		name   string
		claims map[string]any
		want   int
	}{
		{"this gateway's client", map[string]any{"sub": "u", "aud": "api://default", "cid": idp.ClientID(), "exp": exp}, 200},
		{"another application of the org", map[string]any{"sub": "u", "aud": "api://default", "cid": "0oa-other-app", "exp": exp}, 401},
		{"no client named", map[string]any{"sub": "u", "aud": "api://default", "exp": exp}, 401},
	} {
		if r := c.Do(http.MethodGet, "/api/auth/me", nil, "Authorization", "Bearer "+idp.SignToken(tc.claims)); r.Status != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, r.Status, tc.want)
		}
	}
}

// TestIdPTokensOfKnownUsers: a provider's token for a subject that signed in
// here acts as that user (named as this gateway knows them) and stops
// working when the user is disabled; unknown subjects are named with the
// provider's prefix, so no token passes for a local user.
func TestIdPTokensOfKnownUsers(t *testing.T) {
	t.Parallel()
	idp := testutil.NewOIDCProvider(t, testutil.OIDCProviderOptions{})
	idp.SetUser(map[string]any{"sub": "00u-bob", "preferred_username": "bob", "groups": []any{"mcp-user"}})
	a := start(t, withIdP(t, idp, "corp", oidc.TypeGeneric))
	b := newBrowser(t, a)
	b.finish(t, b.start(t, a, "corp", "/"))
	exp := time.Now().Add(5 * time.Minute).Unix()
	bobToken := idp.SignToken(map[string]any{"sub": "00u-bob", "aud": idp.ClientID(), "preferred_username": "admin", "groups": []any{"mcp-user"}, "exp": exp})
	strangerToken := idp.SignToken(map[string]any{"sub": "svc-1", "aud": idp.ClientID(), "preferred_username": "admin", "exp": exp})
	c := a.NewClient(t)
	me := func(tok string) (int, map[string]any) {
		r := c.Do(http.MethodGet, "/api/auth/me", nil, "Authorization", "Bearer "+tok)
		var m map[string]any
		_ = json.Unmarshal(r.Body, &m)
		return r.Status, m
	}
	if s, m := me(bobToken); s != 200 || m["username"] != "bob" {
		t.Fatalf("known subject: %d %v", s, m)
	}
	if s, m := me(strangerToken); s != 200 || m["username"] != "corp:admin" || m["is_admin"] == true {
		t.Fatalf("unknown subject: %d %v", s, m)
	}
	u, err := postgres.Users{}.GetByUsername(context.Background(), a.DB.Pool, "bob")
	if err != nil {
		t.Fatal(err)
	}
	admin := signedInAdmin(t, a)
	if r := admin.Do(http.MethodPatch, fmt.Sprintf("/api/users/%d", u.ID), map[string]any{"disabled": true}); r.Status != 200 {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	// At once on this replica, though the token is cached as verified.
	if s, _ := me(bobToken); s != 401 {
		t.Fatalf("disabled user's token: %d", s)
	}
}

// TestUnreachableProviderIs503: a good token of a provider whose keys or
// discovery cannot be fetched is not refused as invalid.
func TestUnreachableProviderIs503(t *testing.T) {
	t.Parallel()
	for _, down := range []string{"jwks", "discovery"} {
		t.Run(down, func(t *testing.T) {
			t.Parallel()
			idp := testutil.NewOIDCProvider(t, testutil.OIDCProviderOptions{})
			a := start(t, withIdP(t, idp, "corp", oidc.TypeGeneric))
			if down == "jwks" {
				idp.SetJWKSDown(true)
			} else {
				idp.SetDiscoveryDown(true)
			}
			tok := idp.SignToken(map[string]any{"sub": "u", "aud": idp.ClientID(), "exp": time.Now().Add(5 * time.Minute).Unix()})
			r := a.NewClient(t).Do(http.MethodGet, "/api/auth/me", nil, "Authorization", "Bearer "+tok)
			if r.Status != http.StatusServiceUnavailable || strings.Contains(r.Header.Get("WWW-Authenticate"), "invalid_token") {
				t.Fatalf("%s down: %d %q %s", down, r.Status, r.Header.Get("WWW-Authenticate"), r.Body)
			}
		})
	}
}

// TestDiscoveryOnlyProviderAcceptsBearerTokens: a provider configured by
// its discovery URL alone learns its issuer on the first token, not only
// at the first browser sign-in.
func TestDiscoveryOnlyProviderAcceptsBearerTokens(t *testing.T) {
	t.Parallel()
	idp := testutil.NewOIDCProvider(t, testutil.OIDCProviderOptions{})
	a := start(t, withIdP(t, idp, "corp", oidc.TypeGeneric, func(c *oidc.ProviderConfig) { c.Issuer = "" }))
	tok := idp.SignToken(map[string]any{"sub": "u", "aud": idp.ClientID(), "exp": time.Now().Add(5 * time.Minute).Unix()})
	if r := a.NewClient(t).Do(http.MethodGet, "/api/auth/me", nil, "Authorization", "Bearer "+tok); r.Status != 200 {
		t.Fatalf("first token of a discovery-only provider: %d %s", r.Status, r.Body)
	}
}

// TestParallelFirstSignInsMakeOneUser: several callbacks of one new subject
// at once (tabs, double clicks) all succeed and provision one user.
func TestParallelFirstSignInsMakeOneUser(t *testing.T) {
	t.Parallel()
	idp := testutil.NewOIDCProvider(t, testutil.OIDCProviderOptions{})
	idp.SetUser(map[string]any{"sub": "00u-new", "preferred_username": "newcomer", "groups": []any{"mcp-user"}})
	a := start(t, withIdP(t, idp, "corp", oidc.TypeGeneric))
	const n = 4
	browsers := make([]*browser, n)
	callbacks := make([]*url.URL, n)
	for i := range n {
		browsers[i] = newBrowser(t, a)
		callbacks[i] = browsers[i].start(t, a, "corp", "/")
	}
	locs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			resp, err := browsers[i].raw.Get(callbacks[i].String())
			if err == nil {
				locs[i] = resp.Header.Get("Location")
				_ = resp.Body.Close()
			}
		})
	}
	wg.Wait()
	for i, loc := range locs {
		if loc != "/" {
			t.Errorf("sign-in %d ended at %q", i, loc)
		}
	}
	var count int
	if err := a.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM users WHERE subject = '00u-new'`).Scan(&count); err != nil || count != 1 {
		t.Fatalf("users for the subject: %d, %v", count, err)
	}
}
