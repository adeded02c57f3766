package app_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mcpgw/mcpgw/backend/internal/config"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

type saCredentials struct {
	ServiceAccount struct {
		ID       int64    `json:"id"`
		Name     string   `json:"name"`
		ClientID string   `json:"client_id"`
		Groups   []string `json:"groups"`
	} `json:"service_account"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// createServiceAccount creates a service account through the API.
func createServiceAccount(t testing.TB, admin *testutil.Client, name string, groups ...string) saCredentials {
	t.Helper()
	r := admin.Do(http.MethodPost, "/api/service-accounts", map[string]any{"name": name, "groups": groups, "description": "for tests"})
	if r.Status != http.StatusCreated {
		t.Fatalf("create service account: %d %s", r.Status, r.Body)
	}
	var c saCredentials
	r.JSON(t, &c)
	if c.ClientID == "" || c.ClientSecret == "" || c.ClientID != c.ServiceAccount.ClientID {
		t.Fatalf("credentials = %s", r.Body)
	}
	return c
}

type tokenAnswer struct {
	Status int
	Header http.Header
	Body   []byte
	Token  struct {
		AccessToken      string `json:"access_token"`
		TokenType        string `json:"token_type"`
		ExpiresIn        int    `json:"expires_in"`
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
}

// tokenRequest posts a form to /oauth2/token; basic, when not nil, holds
// the client id and secret for HTTP Basic.
func tokenRequest(t testing.TB, baseURL string, form url.Values, basic []string, header ...string) *tokenAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, baseURL+"/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic != nil {
		req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	a := &tokenAnswer{Status: resp.StatusCode, Header: resp.Header, Body: b}
	if err := json.Unmarshal(b, &a.Token); err != nil {
		t.Fatalf("token endpoint answered %d %q", resp.StatusCode, b)
	}
	return a
}

// clientToken gets an access token with client_secret_basic.
func clientToken(t testing.TB, baseURL string, c saCredentials) string {
	t.Helper()
	a := tokenRequest(t, baseURL, url.Values{"grant_type": {"client_credentials"}}, []string{c.ClientID, c.ClientSecret})
	if a.Status != http.StatusOK || a.Token.AccessToken == "" {
		t.Fatalf("token: %d %s", a.Status, a.Body)
	}
	return a.Token.AccessToken
}

// bearer returns a client of app that authenticates with token.
func bearer(t *testing.T, a *testutil.TestApp, token string) *testutil.Client {
	c := a.NewClient(t)
	c.Header.Set("Authorization", "Bearer "+token)
	return c
}

// jwtHeader decodes a JWT's header.
func jwtHeader(t *testing.T, raw string) map[string]any {
	t.Helper()
	seg, _, _ := strings.Cut(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

type jwksDoc struct {
	Keys []struct {
		Kty, Crv, X, Y, Kid, Alg, Use string
	} `json:"keys"`
}

func fetchJWKS(t *testing.T, a *testutil.TestApp) jwksDoc {
	t.Helper()
	r := a.NewClient(t).Do(http.MethodGet, "/.well-known/jwks.json", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("jwks: %d %s", r.Status, r.Body)
	}
	var d jwksDoc
	r.JSON(t, &d)
	return d
}

// verifyWithJWKS checks raw the way a relying party would: with a key
// from the published JWKS only.
func verifyWithJWKS(t *testing.T, d jwksDoc, issuer, raw string) jwt.MapClaims {
	t.Helper()
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(tok *jwt.Token) (any, error) {
		for _, k := range d.Keys {
			if k.Kid != tok.Header["kid"] {
				continue
			}
			if k.Kty != "EC" || k.Crv != "P-256" || k.Alg != "ES256" || k.Use != "sig" {
				return nil, fmt.Errorf("unexpected JWK %+v", k)
			}
			x, _ := base64.RawURLEncoding.DecodeString(k.X)
			y, _ := base64.RawURLEncoding.DecodeString(k.Y)
			return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		}
		return nil, fmt.Errorf("kid %v not in JWKS", tok.Header["kid"])
	}, jwt.WithValidMethods([]string{"ES256"}), jwt.WithIssuer(issuer), jwt.WithAudience(issuer), jwt.WithExpirationRequired())
	if err != nil {
		t.Fatalf("verifying with the JWKS: %v", err)
	}
	return claims
}

func TestClientCredentialsTokenWorksOnTheAPI(t *testing.T) {
	t.Parallel()
	a := start(t)
	admin := signedInAdmin(t, a)
	creds := createServiceAccount(t, admin, "ci-deployer", "mcp-admin")

	// client_secret_basic
	ans := tokenRequest(t, a.URL, url.Values{"grant_type": {"client_credentials"}}, []string{creds.ClientID, creds.ClientSecret})
	if ans.Status != http.StatusOK || ans.Token.TokenType != "Bearer" || ans.Token.ExpiresIn < 3590 || ans.Token.ExpiresIn > 3600 {
		t.Fatalf("token: %d %s", ans.Status, ans.Body)
	}
	if cc := ans.Header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("Cache-Control = %q", cc)
	}
	tok := ans.Token.AccessToken
	if h := jwtHeader(t, tok); h["typ"] != "at+jwt" || h["alg"] != "ES256" || h["kid"] == "" {
		t.Fatalf("header = %v", h)
	}
	// client_secret_post
	post := tokenRequest(t, a.URL, url.Values{"grant_type": {"client_credentials"}, "client_id": {creds.ClientID}, "client_secret": {creds.ClientSecret}}, nil)
	if post.Status != http.StatusOK || post.Token.AccessToken == "" {
		t.Fatalf("client_secret_post: %d %s", post.Status, post.Body)
	}

	// The published keys verify it, with the claims the plan promises.
	claims := verifyWithJWKS(t, fetchJWKS(t, a), a.Config.PublicURL.String(), tok)
	if claims["sub"] != "sa:"+creds.ClientID || claims["client_id"] != creds.ClientID || claims["jti"] == "" ||
		fmt.Sprint(claims["groups"]) != "[mcp-admin]" {
		t.Fatalf("claims = %v", claims)
	}

	sa := bearer(t, a, tok)
	r := sa.Do(http.MethodGet, "/api/auth/me", nil)
	var me struct {
		Username   string   `json:"username"`
		AuthMethod string   `json:"auth_method"`
		Groups     []string `json:"groups"`
		IsAdmin    bool     `json:"is_admin"`
	}
	r.JSON(t, &me)
	if r.Status != http.StatusOK || me.Username != "ci-deployer" || me.AuthMethod != domain.AuthMethodServiceAccount || !me.IsAdmin {
		t.Fatalf("me: %d %s", r.Status, r.Body)
	}
	if r := sa.Do(http.MethodGet, "/api/servers", nil); r.Status != http.StatusOK {
		t.Fatalf("list servers with a service account token: %d %s", r.Status, r.Body)
	}
	// A write needs no CSRF token with a bearer token.
	s := createServer(t, sa, map[string]any{"path": "from-ci"})
	if s.Path != "from-ci" {
		t.Fatalf("created %+v", s)
	}
	// A service account cannot mint personal access tokens.
	if r := sa.Do(http.MethodPost, "/api/tokens", map[string]any{"name": "x"}); r.Status != http.StatusForbidden {
		t.Fatalf("service account created a PAT: %d %s", r.Status, r.Body)
	}

	// Groups are the account's current ones, not the token's.
	r = admin.Do(http.MethodPatch, "/api/service-accounts/"+strconv.FormatInt(creds.ServiceAccount.ID, 10), map[string]any{"groups": []string{"mcp-user"}})
	if r.Status != http.StatusOK {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	if r := sa.Do(http.MethodPost, "/api/servers", map[string]any{"path": "second", "display_name": "Second", "upstream_url": "http://127.0.0.1:9/mcp"}); r.Status != http.StatusForbidden {
		t.Fatalf("demoted service account still registers servers: %d %s", r.Status, r.Body)
	}

	// The secret is never shown again, nor written to the audit trail or
	// the logs; neither is the token.
	for _, path := range []string{"/api/service-accounts", "/api/service-accounts/" + strconv.FormatInt(creds.ServiceAccount.ID, 10)} {
		r := admin.Do(http.MethodGet, path, nil)
		if r.Status != http.StatusOK || strings.Contains(string(r.Body), creds.ClientSecret) || strings.Contains(string(r.Body), "secret") {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
	}
	if evs := auditEvents(t, a, domain.ActionTokenIssue); len(evs) < 2 || evs[0].Outcome != domain.OutcomeSuccess || evs[0].Actor != "ci-deployer" {
		t.Fatalf("token.issue events = %+v", evs)
	}
	if evs := auditEvents(t, a, domain.ActionServiceAccountCreate); len(evs) != 1 || evs[0].Target != "ci-deployer" {
		t.Fatalf("service_account.create events = %+v", evs)
	}
	assertNowhere(t, a, creds.ClientSecret, tok, post.Token.AccessToken)
}

// assertNowhere fails if any secret appears in the audit trail or the logs.
func assertNowhere(t *testing.T, a *testutil.TestApp, secrets ...string) {
	t.Helper()
	trail, err := json.Marshal(auditEvents(t, a, ""))
	if err != nil {
		t.Fatal(err)
	}
	logs := a.Log.String()
	for _, s := range secrets {
		if strings.Contains(string(trail), s) {
			t.Fatalf("the audit trail contains a secret")
		}
		if strings.Contains(logs, s) {
			t.Fatalf("the logs contain a secret")
		}
	}
}

func TestClientCredentialsRefusals(t *testing.T) {
	t.Parallel()
	a := start(t, func(c *config.Config) {
		c.ServiceAccountMaxFailures = 3
		c.LoginMaxFailuresPerIP = 1000
		c.TrustedProxies = []string{"127.0.0.1"}
	})
	admin := signedInAdmin(t, a)
	creds := createServiceAccount(t, admin, "robot", "mcp-user")
	other := createServiceAccount(t, admin, "other-robot", "mcp-user")
	grant := url.Values{"grant_type": {"client_credentials"}}

	cases := []struct {
		name   string
		form   url.Values
		basic  []string
		header []string
		status int
		code   string
		www    bool
	}{
		{"no credentials", grant, nil, nil, 401, "invalid_client", true},
		{"unknown client", grant, []string{"mcpgw-sa-nope", "x"}, nil, 401, "invalid_client", true},
		{"wrong secret, post", url.Values{"grant_type": {"client_credentials"}, "client_id": {other.ClientID}, "client_secret": {"wrong"}}, nil, nil, 401, "invalid_client", false},
		{"both methods", url.Values{"grant_type": {"client_credentials"}, "client_secret": {creds.ClientSecret}}, []string{creds.ClientID, creds.ClientSecret}, nil, 400, "invalid_request", false},
		{"unsupported grant", url.Values{"grant_type": {"password"}}, []string{creds.ClientID, creds.ClientSecret}, nil, 400, "unsupported_grant_type", false},
		{"missing grant", url.Values{}, []string{creds.ClientID, creds.ClientSecret}, nil, 400, "invalid_request", false},
		{"repeated parameter", url.Values{"grant_type": {"client_credentials", "client_credentials"}}, []string{creds.ClientID, creds.ClientSecret}, nil, 400, "invalid_request", false},
		{"JSON body", grant, []string{creds.ClientID, creds.ClientSecret}, []string{"Content-Type", "application/json"}, 400, "invalid_request", false},
	}
	for _, tc := range cases {
		ans := tokenRequest(t, a.URL, tc.form, tc.basic, tc.header...)
		if ans.Status != tc.status || ans.Token.Error != tc.code || ans.Token.AccessToken != "" {
			t.Fatalf("%s: %d %s; want %d %s", tc.name, ans.Status, ans.Body, tc.status, tc.code)
		}
		if got := ans.Header.Get("WWW-Authenticate") != ""; got != tc.www {
			t.Fatalf("%s: WWW-Authenticate = %q", tc.name, ans.Header.Get("WWW-Authenticate"))
		}
	}

	// Wrong secrets for one client are throttled; the right secret then
	// waits too, while other clients are unaffected.
	for i := range 3 {
		ans := tokenRequest(t, a.URL, grant, []string{creds.ClientID, "wrong-" + strconv.Itoa(i)})
		if ans.Status != http.StatusUnauthorized || ans.Token.Error != "invalid_client" {
			t.Fatalf("wrong secret %d: %d %s", i, ans.Status, ans.Body)
		}
	}
	for _, secret := range []string{"wrong-again", creds.ClientSecret} {
		ans := tokenRequest(t, a.URL, grant, []string{creds.ClientID, secret})
		if ans.Status != http.StatusTooManyRequests || ans.Header.Get("Retry-After") == "" || ans.Token.AccessToken != "" {
			t.Fatalf("after the limit: %d %s %v", ans.Status, ans.Body, ans.Header)
		}
	}
	clientToken(t, a.URL, other)
	// ...and so is the same client from elsewhere: a client id is public,
	// so failures from one address must not lock the account out.
	if ans := tokenRequest(t, a.URL, grant, []string{creds.ClientID, creds.ClientSecret}, "X-Forwarded-For", "203.0.113.9"); ans.Status != http.StatusOK {
		t.Fatalf("the right secret from another address: %d %s", ans.Status, ans.Body)
	}

	// A disabled or expired account gets nothing; enabling it again works.
	id := strconv.FormatInt(other.ServiceAccount.ID, 10)
	if r := admin.Do(http.MethodPatch, "/api/service-accounts/"+id, map[string]any{"disabled": true}); r.Status != http.StatusOK {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	if ans := tokenRequest(t, a.URL, grant, []string{other.ClientID, other.ClientSecret}); ans.Status != http.StatusUnauthorized || ans.Token.Error != "invalid_client" {
		t.Fatalf("disabled account: %d %s", ans.Status, ans.Body)
	}
	if r := admin.Do(http.MethodPatch, "/api/service-accounts/"+id, map[string]any{"disabled": false, "expires_at": time.Now().Add(-time.Hour)}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("expiry in the past: %d %s", r.Status, r.Body)
	}
	if r := admin.Do(http.MethodPatch, "/api/service-accounts/"+id, map[string]any{"disabled": false, "expires_at": nil}); r.Status != http.StatusOK {
		t.Fatalf("enable: %d %s", r.Status, r.Body)
	}
	clientToken(t, a.URL, other)

	// A rotated secret replaces the old one at once.
	r := admin.Do(http.MethodPost, "/api/service-accounts/"+id+"/secret", nil)
	var rotated saCredentials
	r.JSON(t, &rotated)
	if r.Status != http.StatusOK || rotated.ClientSecret == "" || rotated.ClientSecret == other.ClientSecret || rotated.ClientID != other.ClientID {
		t.Fatalf("rotate secret: %d %s", r.Status, r.Body)
	}
	if ans := tokenRequest(t, a.URL, grant, []string{other.ClientID, other.ClientSecret}); ans.Status != http.StatusUnauthorized {
		t.Fatalf("old secret after rotation: %d %s", ans.Status, ans.Body)
	}
	rotated.ServiceAccount.ID = other.ServiceAccount.ID
	clientToken(t, a.URL, rotated)

	// Deleting the account ends it.
	if r := admin.Do(http.MethodDelete, "/api/service-accounts/"+id, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if ans := tokenRequest(t, a.URL, grant, []string{rotated.ClientID, rotated.ClientSecret}); ans.Status != http.StatusUnauthorized {
		t.Fatalf("deleted account: %d %s", ans.Status, ans.Body)
	}

	// Only administrators manage service accounts.
	bob := userIn(t, a, admin, "bob", "mcp-user")
	if r := bob.Do(http.MethodGet, "/api/service-accounts", nil); r.Status != http.StatusForbidden {
		t.Fatalf("non-admin lists service accounts: %d %s", r.Status, r.Body)
	}
	if r := admin.Do(http.MethodPost, "/api/service-accounts", map[string]any{"name": "ROBOT"}); r.Status != http.StatusConflict {
		t.Fatalf("duplicate name (other case): %d %s", r.Status, r.Body)
	}

	failures := 0
	for _, ev := range auditEvents(t, a, domain.ActionTokenIssue) {
		if ev.Outcome == domain.OutcomeFailure {
			failures++
		}
	}
	if failures < 5 {
		t.Fatalf("%d failed grants audited", failures)
	}
	assertNowhere(t, a, creds.ClientSecret, other.ClientSecret, rotated.ClientSecret)
}

// twoReplicas starts two gateways on one database and Redis, behind one
// public URL, with a short token state cache.
func twoReplicas(t *testing.T, ttl time.Duration) (*testutil.TestApp, *testutil.TestApp) {
	t.Helper()
	cfg := testutil.Config(t)
	cfg.TokenStateCacheTTL = ttl
	cfgB := *cfg
	opts := testutil.StartOptions{PublicURL: "http://gateway.test"}
	return testutil.StartApp(t, cfg, opts), testutil.StartApp(t, &cfgB, opts)
}

// eventually polls f until it returns true or within passes, and reports
// how long that took.
func eventually(t *testing.T, within time.Duration, what string, f func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !f() {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}

func TestDisablingAServiceAccountReachesEveryReplica(t *testing.T) {
	t.Parallel()
	const ttl = time.Second
	a, b := twoReplicas(t, ttl)
	admin := signedInAdmin(t, a)
	creds := createServiceAccount(t, admin, "robot", "mcp-user")
	tok := clientToken(t, a.URL, creds)

	onA, onB := bearer(t, a, tok), bearer(t, b, tok)
	for _, c := range []*testutil.Client{onA, onB} {
		if r := c.Do(http.MethodGet, "/api/servers", nil); r.Status != http.StatusOK {
			t.Fatalf("token before disable: %d %s", r.Status, r.Body)
		}
	}
	id := strconv.FormatInt(creds.ServiceAccount.ID, 10)
	if r := admin.Do(http.MethodPatch, "/api/service-accounts/"+id, map[string]any{"disabled": true}); r.Status != http.StatusOK {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	// At once on the replica that made the change...
	if r := onA.Do(http.MethodGet, "/api/servers", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("disabled account's token on A: %d %s", r.Status, r.Body)
	}
	// ...and within the TTL on the other.
	eventually(t, ttl+time.Second, "disabled account's token refused on B", func() bool {
		return onB.Do(http.MethodGet, "/api/servers", nil).Status == http.StatusUnauthorized
	})

	// Revoking tokens: old tokens fail on both replicas, new ones work.
	if r := admin.Do(http.MethodPatch, "/api/service-accounts/"+id, map[string]any{"disabled": false}); r.Status != http.StatusOK {
		t.Fatalf("enable: %d %s", r.Status, r.Body)
	}
	old := clientToken(t, a.URL, creds)
	oldA, oldB := bearer(t, a, old), bearer(t, b, old)
	eventually(t, ttl+time.Second, "re-enabled account's token accepted on B", func() bool {
		return oldB.Do(http.MethodGet, "/api/servers", nil).Status == http.StatusOK
	})
	if r := admin.Do(http.MethodPost, "/api/service-accounts/"+id+"/revoke-tokens", nil); r.Status != http.StatusOK {
		t.Fatalf("revoke tokens: %d %s", r.Status, r.Body)
	}
	if r := oldA.Do(http.MethodGet, "/api/servers", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("revoked token on A: %d %s", r.Status, r.Body)
	}
	eventually(t, ttl+time.Second, "revoked token refused on B", func() bool {
		return oldB.Do(http.MethodGet, "/api/servers", nil).Status == http.StatusUnauthorized
	})
	fresh := clientToken(t, b.URL, creds)
	for _, c := range []*testutil.Client{bearer(t, a, fresh), bearer(t, b, fresh)} {
		if r := c.Do(http.MethodGet, "/api/servers", nil); r.Status != http.StatusOK {
			t.Fatalf("token issued after the revocation: %d %s", r.Status, r.Body)
		}
	}
	if evs := auditEvents(t, a, domain.ActionServiceAccountRevokeTokens); len(evs) != 1 {
		t.Fatalf("revoke_tokens events = %+v", evs)
	}
}

func TestSigningKeyRotation(t *testing.T) {
	t.Parallel()
	a, b := twoReplicas(t, time.Second)
	admin := signedInAdmin(t, a)
	creds := createServiceAccount(t, admin, "robot", "mcp-user")
	before := clientToken(t, a.URL, creds)
	// B knows the first key too: both replicas started on one database
	// and exactly one key was created.
	if d := fetchJWKS(t, b); len(d.Keys) != 1 || d.Keys[0].Kid != jwtHeader(t, before)["kid"] {
		t.Fatalf("JWKS on B before rotation = %+v", d)
	}

	r := admin.Do(http.MethodPost, "/api/signing-keys/rotate", nil)
	var rotated struct {
		Kid    string `json:"kid"`
		Active bool   `json:"active"`
	}
	r.JSON(t, &rotated)
	if r.Status != http.StatusOK || !rotated.Active || rotated.Kid == jwtHeader(t, before)["kid"] {
		t.Fatalf("rotate: %d %s", r.Status, r.Body)
	}
	after := clientToken(t, a.URL, creds)
	if kid := jwtHeader(t, after)["kid"]; kid != rotated.Kid {
		t.Fatalf("new token signed with %v, want %s", kid, rotated.Kid)
	}
	// Both verify on both replicas; B learns the new key without a restart.
	for _, tok := range []string{before, after} {
		for _, app := range []*testutil.TestApp{a, b} {
			if r := bearer(t, app, tok).Do(http.MethodGet, "/api/servers", nil); r.Status != http.StatusOK {
				t.Fatalf("token with kid %v: %d %s", jwtHeader(t, tok)["kid"], r.Status, r.Body)
			}
		}
	}
	for _, app := range []*testutil.TestApp{a, b} {
		d := fetchJWKS(t, app)
		if len(d.Keys) != 2 {
			t.Fatalf("JWKS after rotation = %+v", d)
		}
		verifyWithJWKS(t, d, "http://gateway.test", before)
		verifyWithJWKS(t, d, "http://gateway.test", after)
	}
	// B signs with the new key once its ring is refreshed.
	eventually(t, 3*time.Second, "B signs with the new key", func() bool {
		return jwtHeader(t, clientToken(t, b.URL, creds))["kid"] == rotated.Kid
	})

	r = admin.Do(http.MethodGet, "/api/signing-keys", nil)
	var keys struct {
		Items []struct {
			Kid       string     `json:"kid"`
			Alg       string     `json:"alg"`
			Active    bool       `json:"active"`
			RetiredAt *time.Time `json:"retired_at"`
		} `json:"items"`
	}
	r.JSON(t, &keys)
	if r.Status != http.StatusOK || len(keys.Items) != 2 || !keys.Items[0].Active || keys.Items[0].Kid != rotated.Kid ||
		keys.Items[1].Active || keys.Items[1].RetiredAt == nil || !keys.Items[1].RetiredAt.After(time.Now().Add(time.Hour)) ||
		strings.Contains(string(r.Body), "private") {
		t.Fatalf("signing keys: %d %s", r.Status, r.Body)
	}
	if bob := userIn(t, a, admin, "bob", "mcp-user"); bob.Do(http.MethodPost, "/api/signing-keys/rotate", nil).Status != http.StatusForbidden {
		t.Fatal("a non-admin rotated the signing key")
	}
}

type patCreated struct {
	AccessToken struct {
		ID       int64  `json:"id"`
		Name     string `json:"name"`
		Prefix   string `json:"prefix"`
		Username string `json:"username"`
	} `json:"access_token"`
	Token string `json:"token"`
}

func createPAT(t testing.TB, c *testutil.Client, body map[string]any) patCreated {
	t.Helper()
	r := c.Do(http.MethodPost, "/api/tokens", body)
	if r.Status != http.StatusCreated {
		t.Fatalf("create PAT: %d %s", r.Status, r.Body)
	}
	var p patCreated
	r.JSON(t, &p)
	if !strings.HasPrefix(p.Token, domain.PATPrefix) || !strings.HasPrefix(p.Token, p.AccessToken.Prefix) {
		t.Fatalf("created PAT = %s", r.Body)
	}
	return p
}

func TestPATCreatesAServerThroughTheAPI(t *testing.T) {
	t.Parallel()
	a := start(t)
	admin := signedInAdmin(t, a)
	pat := createPAT(t, admin, map[string]any{"name": "laptop CLI", "expires_in_days": 30})
	cli := bearer(t, a, pat.Token)

	s := createServer(t, cli, map[string]any{"path": "via-pat"})
	if s.Path != "via-pat" {
		t.Fatalf("created %+v", s)
	}
	r := cli.Do(http.MethodGet, "/api/auth/me", nil)
	var me struct {
		Username   string `json:"username"`
		AuthMethod string `json:"auth_method"`
	}
	r.JSON(t, &me)
	if me.Username != "admin" || me.AuthMethod != domain.AuthMethodPAT {
		t.Fatalf("me with a PAT: %s", r.Body)
	}
	// A PAT cannot mint PATs.
	if r := cli.Do(http.MethodPost, "/api/tokens", map[string]any{"name": "child"}); r.Status != http.StatusForbidden {
		t.Fatalf("a PAT created a PAT: %d %s", r.Status, r.Body)
	}

	// The list shows the token without the token.
	r = cli.Do(http.MethodGet, "/api/tokens", nil)
	var list struct {
		Items []struct {
			ID         int64      `json:"id"`
			Name       string     `json:"name"`
			ExpiresAt  *time.Time `json:"expires_at"`
			LastUsedAt *time.Time `json:"last_used_at"`
			RevokedAt  *time.Time `json:"revoked_at"`
		} `json:"items"`
	}
	r.JSON(t, &list)
	if r.Status != http.StatusOK || len(list.Items) != 1 || list.Items[0].Name != "laptop CLI" || list.Items[0].ExpiresAt == nil ||
		list.Items[0].LastUsedAt == nil || strings.Contains(string(r.Body), pat.Token) {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}

	// Other users see only their own, and cannot revoke others'.
	bob := userIn(t, a, admin, "bob", "mcp-user")
	bobPAT := createPAT(t, bob, map[string]any{"name": "bob's"})
	id := strconv.FormatInt(pat.AccessToken.ID, 10)
	if r := bob.Do(http.MethodDelete, "/api/tokens/"+id, nil); r.Status != http.StatusNotFound {
		t.Fatalf("bob revoked admin's token: %d %s", r.Status, r.Body)
	}
	if r := bob.Do(http.MethodGet, "/api/tokens?all=true", nil); r.Status != http.StatusForbidden {
		t.Fatalf("bob listed everyone's tokens: %d %s", r.Status, r.Body)
	}
	if r := bob.Do(http.MethodGet, "/api/tokens", nil); !strings.Contains(string(r.Body), "bob's") || strings.Contains(string(r.Body), "laptop") {
		t.Fatalf("bob's list: %s", r.Body)
	}
	if r := admin.Do(http.MethodGet, "/api/tokens?all=true", nil); !strings.Contains(string(r.Body), "bob's") || !strings.Contains(string(r.Body), "laptop") {
		t.Fatalf("admin's list of all: %s", r.Body)
	}
	// bob's token has bob's permissions only.
	if r := bearer(t, a, bobPAT.Token).Do(http.MethodGet, "/api/users", nil); r.Status != http.StatusForbidden {
		t.Fatalf("bob's PAT lists users: %d %s", r.Status, r.Body)
	}

	// Revoked: refused at once.
	if r := admin.Do(http.MethodDelete, "/api/tokens/"+id, nil); r.Status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	if r := cli.Do(http.MethodPost, "/api/servers", map[string]any{"path": "after-revoke", "display_name": "After", "upstream_url": "http://127.0.0.1:9/mcp"}); r.Status != http.StatusUnauthorized {
		t.Fatalf("revoked PAT: %d %s", r.Status, r.Body)
	}
	// Malformed and unknown tokens are refused too.
	for _, tok := range []string{domain.PATPrefix + "short", domain.PATPrefix + strings.Repeat("A", 43)} {
		if r := bearer(t, a, tok).Do(http.MethodGet, "/api/servers", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("PAT %q: %d %s", tok, r.Status, r.Body)
		}
	}

	for _, action := range []string{domain.ActionPATCreate, domain.ActionPATRevoke} {
		if evs := auditEvents(t, a, action); len(evs) == 0 {
			t.Fatalf("no %s events", action)
		}
	}
	assertNowhere(t, a, pat.Token, bobPAT.Token)
}

func TestPATOfADisabledUserIsRefused(t *testing.T) {
	t.Parallel()
	const ttl = time.Second
	a := start(t, func(c *config.Config) { c.TokenStateCacheTTL = ttl })
	admin := signedInAdmin(t, a)
	bobID := createUser(t, admin, map[string]any{"username": "bob", "password": "password-of-bob", "groups": []string{"mcp-user"}})
	bob := a.NewClient(t)
	bob.Login("bob", "password-of-bob")
	pat := bearer(t, a, createPAT(t, bob, map[string]any{"name": "bob's"}).Token)

	// The owner's current groups apply (within the TTL).
	if r := pat.Do(http.MethodGet, "/api/users", nil); r.Status != http.StatusForbidden {
		t.Fatalf("before promotion: %d %s", r.Status, r.Body)
	}
	if r := admin.Do(http.MethodPatch, "/api/users/"+bobID, map[string]any{"groups": []string{"mcp-admin"}}); r.Status != http.StatusOK {
		t.Fatalf("promote: %d %s", r.Status, r.Body)
	}
	eventually(t, ttl+time.Second, "promotion reaches the PAT", func() bool {
		return pat.Do(http.MethodGet, "/api/users", nil).Status == http.StatusOK
	})

	if r := admin.Do(http.MethodPatch, "/api/users/"+bobID, map[string]any{"disabled": true}); r.Status != http.StatusOK {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	eventually(t, ttl+time.Second, "disabled owner's PAT refused", func() bool {
		return pat.Do(http.MethodGet, "/api/servers", nil).Status == http.StatusUnauthorized
	})
}

func TestExpiredPATIsRefused(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	a := startWith(t, testutil.StartOptions{Now: now})
	admin := signedInAdmin(t, a)

	if r := admin.Do(http.MethodPost, "/api/tokens", map[string]any{"name": "x", "expires_at": time.Now().Add(-time.Minute)}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("expiry in the past: %d %s", r.Status, r.Body)
	}
	if r := admin.Do(http.MethodPost, "/api/tokens", map[string]any{"name": "x", "expires_in_days": 1, "expires_at": time.Now().Add(time.Hour)}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("both expiries: %d %s", r.Status, r.Body)
	}
	if r := admin.Do(http.MethodPost, "/api/tokens", map[string]any{"name": " "}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("blank name: %d %s", r.Status, r.Body)
	}
	pat := bearer(t, a, createPAT(t, admin, map[string]any{"name": "short-lived", "expires_in_days": 1}).Token)
	forever := bearer(t, a, createPAT(t, admin, map[string]any{"name": "forever"}).Token)
	if r := pat.Do(http.MethodGet, "/api/servers", nil); r.Status != http.StatusOK {
		t.Fatalf("fresh PAT: %d %s", r.Status, r.Body)
	}
	offset.Store(int64(25 * time.Hour))
	if r := pat.Do(http.MethodGet, "/api/servers", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("expired PAT: %d %s", r.Status, r.Body)
	}
	if r := forever.Do(http.MethodGet, "/api/servers", nil); r.Status != http.StatusOK {
		t.Fatalf("PAT without expiry: %d %s", r.Status, r.Body)
	}
}
