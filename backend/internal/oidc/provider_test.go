package oidc

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"
)

func TestResolveDefaults(t *testing.T) {
	cases := []struct {
		name string
		in   ProviderConfig
		want ProviderConfig // only the non-zero fields are compared
	}{
		{"cognito", ProviderConfig{ID: "aws", Type: "Cognito", ClientID: "cid", UserPoolID: "us-east-1_AbC123",
			Domain: "myapp.auth.us-east-1.amazoncognito.com/"},
			ProviderConfig{DisplayName: "AWS Cognito", Region: "us-east-1",
				Issuer:       "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123",
				Domain:       "https://myapp.auth.us-east-1.amazoncognito.com",
				AuthorizeURL: "https://myapp.auth.us-east-1.amazoncognito.com/oauth2/authorize",
				TokenURL:     "https://myapp.auth.us-east-1.amazoncognito.com/oauth2/token",
				JWKSURL:      "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123/.well-known/jwks.json",
				GroupsClaim:  "cognito:groups", Audiences: []string{"cid"}, Scopes: []string{"openid", "profile", "email"}}},
		{"cognito without domain uses discovery", ProviderConfig{ID: "aws", Type: "cognito", ClientID: "cid",
			Region: "eu-west-1", UserPoolID: "eu-west-1_X"},
			ProviderConfig{Issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X",
				DiscoveryURL: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X/.well-known/openid-configuration"}},
		{"okta default server", ProviderConfig{ID: "okta", Type: "okta", ClientID: "cid", TenantURL: "https://example.okta.com/"},
			ProviderConfig{DisplayName: "Okta", Issuer: "https://example.okta.com/oauth2/default",
				DiscoveryURL: "https://example.okta.com/oauth2/default/.well-known/openid-configuration",
				GroupsClaim:  "groups", Audiences: []string{"api://default", "cid"}}},
		{"okta org server", ProviderConfig{ID: "okta", Type: "okta", ClientID: "cid", TenantURL: "https://example.okta.com",
			AuthServerID: "org"},
			ProviderConfig{Issuer: "https://example.okta.com", Audiences: []string{"cid"}}},
		{"okta custom server", ProviderConfig{ID: "okta", Type: "okta", ClientID: "cid", TenantURL: "https://example.okta.com",
			AuthServerID: "aus123", Audiences: []string{"api://mcp"}},
			ProviderConfig{Issuer: "https://example.okta.com/oauth2/aus123", Audiences: []string{"api://mcp"}}},
		{"entra", ProviderConfig{ID: "corp", Type: "entra", ClientID: "11111111-2222", TenantID: "tid-guid"},
			ProviderConfig{DisplayName: "Microsoft Entra ID", Issuer: "https://login.microsoftonline.com/tid-guid/v2.0",
				DiscoveryURL: "https://login.microsoftonline.com/tid-guid/v2.0/.well-known/openid-configuration",
				GroupsClaim:  "roles", Audiences: []string{"11111111-2222", "api://11111111-2222"}}},
		{"keycloak", ProviderConfig{ID: "kc", Type: "keycloak", ClientID: "gw", BaseURL: "http://keycloak:8080/", Realm: "mcp",
			Scopes: []string{"groups"}},
			ProviderConfig{DisplayName: "Keycloak", Issuer: "http://keycloak:8080/realms/mcp", GroupsClaim: "groups",
				Scopes: []string{"openid", "groups"}}},
		{"generic with issuer", ProviderConfig{ID: "corp", Type: "generic", ClientID: "c", Issuer: "https://auth.example.com/",
			DisplayName: "Corp SSO", GroupsClaim: "memberOf", UsernameClaim: "uid"},
			ProviderConfig{DisplayName: "Corp SSO", Issuer: "https://auth.example.com/",
				DiscoveryURL: "https://auth.example.com/.well-known/openid-configuration", GroupsClaim: "memberOf",
				UsernameClaim: "uid"}},
		{"generic by discovery URL only", ProviderConfig{ID: "corp", Type: "generic", ClientID: "c",
			DiscoveryURL: "https://auth.example.com/.well-known/openid-configuration"},
			ProviderConfig{DisplayName: "corp", GroupsClaim: "groups"}},
		{"generic all explicit", ProviderConfig{ID: "g", Type: "generic", ClientID: "c", Issuer: "https://i.example",
			AuthorizeURL: "https://i.example/a", TokenURL: "https://i.example/t", JWKSURL: "https://i.example/k"},
			ProviderConfig{Issuer: "https://i.example"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.in.Resolve()
			if err != nil {
				t.Fatal(err)
			}
			check := func(name, got, want string) {
				if want != "" && got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			w := tc.want
			check("DisplayName", got.DisplayName, w.DisplayName)
			check("Issuer", got.Issuer, w.Issuer)
			check("DiscoveryURL", got.DiscoveryURL, w.DiscoveryURL)
			check("AuthorizeURL", got.AuthorizeURL, w.AuthorizeURL)
			check("TokenURL", got.TokenURL, w.TokenURL)
			check("JWKSURL", got.JWKSURL, w.JWKSURL)
			check("GroupsClaim", got.GroupsClaim, w.GroupsClaim)
			check("UsernameClaim", got.UsernameClaim, w.UsernameClaim)
			check("Region", got.Region, w.Region)
			check("Domain", got.Domain, w.Domain)
			if w.Audiences != nil && !slices.Equal(got.Audiences, w.Audiences) {
				t.Errorf("Audiences = %v, want %v", got.Audiences, w.Audiences)
			}
			if w.Scopes != nil && !slices.Equal(got.Scopes, w.Scopes) {
				t.Errorf("Scopes = %v, want %v", got.Scopes, w.Scopes)
			}
			if tc.in.Type == "generic" && tc.in.AuthorizeURL != "" && got.DiscoveryURL != "" {
				t.Errorf("DiscoveryURL = %q, want none when every URL is explicit", got.DiscoveryURL)
			}
		})
	}
}

func TestResolveErrorsNameTheField(t *testing.T) {
	base := func(over func(*ProviderConfig)) ProviderConfig {
		c := ProviderConfig{ID: "p", Type: "generic", ClientID: "c", Issuer: "https://i.example"}
		over(&c)
		return c
	}
	cases := map[string]ProviderConfig{
		"id":             base(func(c *ProviderConfig) { c.ID = "" }),
		"type":           base(func(c *ProviderConfig) { c.Type = "" }),
		"client_id":      base(func(c *ProviderConfig) { c.ClientID = "" }),
		"issuer":         base(func(c *ProviderConfig) { c.Issuer = "ftp://i.example" }),
		"jwks_url":       base(func(c *ProviderConfig) { c.JWKSURL = "https://user:pw@i.example/k" }),
		"user_pool_id":   {ID: "p", Type: "cognito", ClientID: "c", Region: "us-east-1"},
		"region":         {ID: "p", Type: "cognito", ClientID: "c", UserPoolID: "us-east-1_x", Region: "mars"},
		"tenant_url":     {ID: "p", Type: "okta", ClientID: "c"},
		"auth_server_id": {ID: "p", Type: "okta", ClientID: "c", TenantURL: "https://e.okta.com", AuthServerID: "../x"},
		"tenant_id":      {ID: "p", Type: "entra", ClientID: "c", TenantID: "common"},
		"base_url":       {ID: "p", Type: "keycloak", ClientID: "c", Realm: "r"},
		"realm":          {ID: "p", Type: "keycloak", ClientID: "c", BaseURL: "https://kc"},
	}
	for field, c := range cases {
		t.Run(field, func(t *testing.T) {
			_, err := c.Resolve()
			if err == nil || !strings.HasPrefix(err.Error(), field+": ") {
				t.Fatalf("err = %v, want it to start with %q", err, field+": ")
			}
		})
	}
	if _, err := (ProviderConfig{ID: "p", Type: "saml", ClientID: "c"}).Resolve(); err == nil ||
		!strings.HasPrefix(err.Error(), "type: ") {
		t.Fatalf("unknown type: err = %v", err)
	}
	if _, err := (ProviderConfig{ID: "p", Type: "generic", ClientID: "c"}).Resolve(); err == nil ||
		!strings.HasPrefix(err.Error(), "issuer: ") {
		t.Fatalf("generic without issuer: err = %v", err)
	}
}

// fakeOP is a minimal OpenID Provider: discovery, JWKS and a token
// endpoint that enforces PKCE and client authentication.
type fakeOP struct {
	*httptest.Server
	t         *testing.T
	key       testKey
	clientID  string
	secret    string
	issuer    atomic.Value // string, as discovery and tokens report it
	discovery atomic.Int64
	tokenDown atomic.Bool
	noIDToken atomic.Bool

	mu    sync.Mutex
	codes map[string]authzRequest
	// claims are added to the next ID token.
	claims map[string]any
}

type authzRequest struct {
	challenge, nonce, redirect string
}

func newFakeOP(t *testing.T) *fakeOP {
	op := &fakeOP{t: t, key: newKey(t, "ES256", "op-1"), clientID: "gateway", secret: "s3cret",
		codes: map[string]authzRequest{}}
	mux := http.NewServeMux()
	op.Server = httptest.NewServer(mux)
	t.Cleanup(op.Close)
	op.issuer.Store(op.URL)
	writeJSON := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		op.discovery.Add(1)
		writeJSON(w, 200, map[string]any{"issuer": op.issuer.Load(), "authorization_endpoint": op.URL + "/authorize",
			"token_endpoint": op.URL + "/token", "jwks_uri": op.URL + "/jwks"})
	})
	jwks := func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, JWKS{Keys: []JWK{op.key.jwk(t)}})
	}
	mux.HandleFunc("GET /jwks", jwks)
	mux.HandleFunc("GET /.well-known/jwks.json", jwks)
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		if op.tokenDown.Load() {
			writeJSON(w, 503, map[string]string{"error": "temporarily_unavailable"})
			return
		}
		id, secret, basic := r.BasicAuth()
		if !basic {
			id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
		}
		if id != op.clientID || secret != op.secret {
			writeJSON(w, 401, map[string]string{"error": "invalid_client"})
			return
		}
		op.mu.Lock()
		req, ok := op.codes[r.PostFormValue("code")]
		delete(op.codes, r.PostFormValue("code"))
		extra := maps.Clone(op.claims)
		op.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
		if !ok || r.PostFormValue("grant_type") != "authorization_code" ||
			r.PostFormValue("redirect_uri") != req.redirect ||
			base64.RawURLEncoding.EncodeToString(sum[:]) != req.challenge {
			writeJSON(w, 400, map[string]string{"error": "invalid_grant", "error_description": "bad code or verifier"})
			return
		}
		now := time.Now()
		c := jwt.MapClaims{"iss": op.issuer.Load(), "aud": op.clientID, "sub": "u-1", "nonce": req.nonce,
			"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "preferred_username": "alice",
			"groups": []string{"mcp-user"}}
		maps.Copy(c, extra)
		resp := map[string]any{"access_token": "opaque-at", "token_type": "Bearer", "expires_in": 300}
		if !op.noIDToken.Load() {
			resp["id_token"] = op.key.sign(t, c, nil)
		}
		writeJSON(w, 200, resp)
	})
	return op
}

// authorize plays the browser and the IdP's /authorize: it records the
// request of authURL and returns the code the IdP would redirect back with.
func (op *fakeOP) authorize(authURL string) string {
	op.t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		op.t.Fatal(err)
	}
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("response_type") != "code" || q.Get("client_id") != op.clientID {
		op.t.Fatalf("bad authorize request %s", authURL)
	}
	code := "code-" + q.Get("state")
	op.mu.Lock()
	op.codes[code] = authzRequest{challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), redirect: q.Get("redirect_uri")}
	op.mu.Unlock()
	return code
}

func (op *fakeOP) setClaims(c map[string]any) {
	op.mu.Lock()
	defer op.mu.Unlock()
	op.claims = c
}

func (op *fakeOP) provider(t *testing.T, over func(*ProviderConfig)) *Provider {
	t.Helper()
	c := ProviderConfig{ID: "corp", Type: "generic", ClientID: op.clientID, ClientSecret: op.secret, Issuer: op.URL}
	if over != nil {
		over(&c)
	}
	p, err := NewProvider(c, ProviderOptions{HTTPClient: op.Client(), RedirectURL: "https://gw.example/auth/callback"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProviderCodeFlow(t *testing.T) {
	op := newFakeOP(t)
	p := op.provider(t, nil)
	if op.discovery.Load() != 0 {
		t.Fatal("NewProvider did network I/O")
	}
	ctx := context.Background()
	verifier := oauth2.GenerateVerifier()
	authURL, err := p.AuthCodeURL(ctx, "st-1", "nonce-1", verifier)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(authURL)
	q := u.Query()
	sum := sha256.Sum256([]byte(verifier))
	for name, want := range map[string]string{"state": "st-1", "nonce": "nonce-1", "client_id": "gateway",
		"redirect_uri": "https://gw.example/auth/callback", "scope": "openid profile email",
		"code_challenge": base64.RawURLEncoding.EncodeToString(sum[:]), "code_challenge_method": "S256"} {
		if q.Get(name) != want {
			t.Errorf("authorize %s = %q, want %q", name, q.Get(name), want)
		}
	}
	if u.Scheme+"://"+u.Host+u.Path != op.URL+"/authorize" || q.Has("code_verifier") {
		t.Fatalf("authorize URL = %s", authURL)
	}
	code := op.authorize(authURL)
	toks, err := p.Exchange(ctx, code, verifier)
	if err != nil {
		t.Fatal(err)
	}
	if toks.AccessToken != "opaque-at" || toks.IDToken == "" {
		t.Fatalf("tokens = %+v", toks)
	}
	c, err := p.VerifyIDToken(ctx, toks.IDToken, "nonce-1")
	if err != nil {
		t.Fatal(err)
	}
	id, err := p.Identity(c)
	if err != nil {
		t.Fatal(err)
	}
	if id.Subject != "u-1" || id.Username != "alice" || !slices.Equal(id.Groups, []string{"mcp-user"}) {
		t.Fatalf("identity = %+v", id)
	}
	if _, err := p.VerifyIDToken(ctx, toks.IDToken, "nonce-2"); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("wrong nonce: err = %v", err)
	}
	if _, err := p.VerifyIDToken(ctx, toks.IDToken, ""); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("no nonce: err = %v", err)
	}
	// The code is single-use at the IdP, and the error is the OAuth code.
	if _, err := p.Exchange(ctx, code, verifier); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("reused code: err = %v", err)
	}
	if got := op.discovery.Load(); got != 1 {
		t.Fatalf("discovery fetched %d times, want 1", got)
	}
	if p.Issuer() != op.URL {
		t.Fatalf("Issuer() = %q", p.Issuer())
	}
	cfg := p.Config()
	if p.ID() != "corp" || p.Type() != TypeGeneric || p.DisplayName() != "corp" || cfg.ClientID != "gateway" {
		t.Fatalf("accessors: %s %s %s %+v", p.ID(), p.Type(), p.DisplayName(), cfg)
	}
	cfg.Scopes[0] = "mutated"
	if p.Config().Scopes[0] != "openid" {
		t.Fatal("Config shares its slices")
	}
}

func TestProviderExchangeFailures(t *testing.T) {
	op := newFakeOP(t)
	p := op.provider(t, nil)
	ctx := context.Background()
	verifier := oauth2.GenerateVerifier()
	authURL, err := p.AuthCodeURL(ctx, "s", "n", verifier)
	if err != nil {
		t.Fatal(err)
	}
	// Wrong verifier: the IdP refuses (PKCE binds the code to this browser).
	if _, err := p.Exchange(ctx, op.authorize(authURL), oauth2.GenerateVerifier()); err == nil {
		t.Fatal("wrong verifier accepted")
	}
	op.noIDToken.Store(true)
	if _, err := p.Exchange(ctx, op.authorize(authURL), verifier); err == nil || !strings.Contains(err.Error(), "id_token") {
		t.Fatalf("missing id_token: err = %v", err)
	}
	op.noIDToken.Store(false)
	op.tokenDown.Store(true)
	if _, err := p.Exchange(ctx, op.authorize(authURL), verifier); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("token endpoint down: err = %v", err)
	}
	if _, err := p.Exchange(ctx, "", verifier); err == nil {
		t.Fatal("empty code accepted")
	}
	if _, err := p.AuthCodeURL(ctx, "s", "n", "short"); err == nil {
		t.Fatal("short verifier accepted")
	}
	if _, err := p.AuthCodeURL(ctx, "", "n", verifier); err == nil {
		t.Fatal("empty state accepted")
	}
	op.tokenDown.Store(false)
	bad := op.provider(t, func(c *ProviderConfig) { c.ClientSecret = "wrong-secret" })
	authURL, _ = bad.AuthCodeURL(ctx, "s2", "n", verifier)
	_, err = bad.Exchange(ctx, op.authorize(authURL), verifier)
	if err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("bad client secret: err = %v", err)
	}
	if strings.Contains(err.Error(), "wrong-secret") {
		t.Fatal("error shows the client secret")
	}
	nr, _ := NewProvider(ProviderConfig{ID: "x", Type: "generic", ClientID: "c", Issuer: op.URL}, ProviderOptions{})
	if _, err := nr.AuthCodeURL(ctx, "s", "n", verifier); err == nil {
		t.Fatal("AuthCodeURL without a redirect URL")
	}
}

func TestProviderVerifyIDTokenRules(t *testing.T) {
	op := newFakeOP(t)
	ctx := context.Background()
	sign := func(over map[string]any) string {
		now := time.Now()
		c := jwt.MapClaims{"iss": op.URL, "aud": "gateway", "sub": "u", "nonce": "n",
			"iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}
		for k, v := range over {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		return op.key.sign(t, c, nil)
	}
	p := op.provider(t, nil)
	ok := []map[string]any{
		nil,
		{"aud": []string{"gateway", "other"}, "azp": "gateway"},
		{"azp": "gateway"},
	}
	for _, over := range ok {
		if _, err := p.VerifyIDToken(ctx, sign(over), "n"); err != nil {
			t.Errorf("%v: %v", over, err)
		}
	}
	bad := map[string]map[string]any{
		"aud is another client":          {"aud": "other"},
		"several aud without azp":        {"aud": []string{"gateway", "other"}},
		"azp is another client":          {"aud": []string{"gateway", "other"}, "azp": "other"},
		"single aud, azp another client": {"azp": "other"},
		"issuer differs":                 {"iss": op.URL + "/"},
	}
	for name, over := range bad {
		if _, err := p.VerifyIDToken(ctx, sign(over), "n"); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	// Cognito: an access token is no ID token, and vice versa.
	cg := op.provider(t, func(c *ProviderConfig) {
		c.Type, c.UserPoolID, c.Region = "cognito", "us-east-1_abc", "us-east-1"
		c.Domain = op.URL
	})
	if _, err := cg.VerifyIDToken(ctx, sign(map[string]any{"token_use": "id"}), "n"); err != nil {
		t.Fatal(err)
	}
	if _, err := cg.VerifyIDToken(ctx, sign(map[string]any{"token_use": "access"}), "n"); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("cognito access token as ID token: err = %v", err)
	}
	at := sign(map[string]any{"token_use": "access", "client_id": "gateway", "aud": nil, "nonce": nil,
		"username": "svc-user", "cognito:groups": []string{"ops"}})
	c, err := cg.VerifyAccessToken(ctx, at)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := cg.Identity(c); err != nil || id.Username != "svc-user" || !slices.Equal(id.Groups, []string{"ops"}) {
		t.Fatalf("identity = %+v, %v", id, err)
	}
	if _, err := cg.VerifyAccessToken(ctx, sign(map[string]any{"token_use": "id"})); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("cognito ID token as access token: err = %v", err)
	}
	// Every cognito URL was explicit or derived: no discovery.
	if op.discovery.Load() != 1 { // the generic provider above discovered once
		t.Fatalf("discovery = %d, want 1", op.discovery.Load())
	}
	// Access tokens of a generic provider: aud must be one of Audiences.
	ap := op.provider(t, func(c *ProviderConfig) { c.Audiences = []string{"api://mcp"} })
	if _, err := ap.VerifyAccessToken(ctx, sign(map[string]any{"aud": "api://mcp", "nonce": nil})); err != nil {
		t.Fatal(err)
	}
	// An ID token is not an access token, even where its audience (the
	// gateway's client id) is an accepted one.
	dp := op.provider(t, nil)
	if _, err := dp.VerifyAccessToken(ctx, sign(map[string]any{"nonce": nil})); err != nil {
		t.Fatalf("access token with the client id as audience: %v", err)
	}
	for name, claims := range map[string]map[string]any{
		"nonce":       {},
		"at_hash":     {"nonce": nil, "at_hash": "x"},
		"c_hash":      {"nonce": nil, "c_hash": "x"},
		"keycloak ID": {"nonce": nil, "typ": "ID"},
	} {
		if _, err := dp.VerifyAccessToken(ctx, sign(claims)); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("ID token (%s) as access token: err = %v", name, err)
		}
	}
	// With ClientIDs, only those clients' tokens (client_id, cid, azp or appid).
	cp := op.provider(t, func(c *ProviderConfig) { c.ClientIDs = []string{"agent-app"} })
	for _, claim := range []string{"client_id", "cid", "azp", "appid"} {
		if _, err := cp.VerifyAccessToken(ctx, sign(map[string]any{"nonce": nil, claim: "agent-app"})); err != nil {
			t.Errorf("%s of an accepted client: %v", claim, err)
		}
	}
	if _, err := cp.VerifyAccessToken(ctx, sign(map[string]any{"nonce": nil, "cid": "other-app"})); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("token of another client: err = %v", err)
	}
	if _, err := cp.VerifyAccessToken(ctx, sign(map[string]any{"nonce": nil})); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("token naming no client: err = %v", err)
	}
	if _, err := ap.VerifyAccessToken(ctx, sign(map[string]any{"aud": "gateway"})); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("ID-token audience on the API: err = %v", err)
	}
}

func TestProviderDiscoveryIssuerMismatch(t *testing.T) {
	op := newFakeOP(t)
	clk := newClock()
	op.issuer.Store(op.URL + "/")
	p, err := NewProvider(ProviderConfig{ID: "corp", Type: "generic", ClientID: "gateway", Issuer: op.URL},
		ProviderOptions{HTTPClient: op.Client(), RedirectURL: "https://gw/cb", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := p.Endpoints(ctx); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("err = %v", err)
	}
	// Failures are remembered for 10s rather than hammering the IdP.
	for range 5 {
		if _, err := p.Endpoints(ctx); err == nil {
			t.Fatal("mismatch accepted")
		}
	}
	if got := op.discovery.Load(); got != 1 {
		t.Fatalf("discovery = %d, want 1", got)
	}
	op.issuer.Store(op.URL)
	clk.Add(10 * time.Second)
	ep, err := p.Endpoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ep.JWKS != op.URL+"/jwks" || ep.Token != op.URL+"/token" || ep.Issuer != op.URL {
		t.Fatalf("endpoints = %+v", ep)
	}
	if got := op.discovery.Load(); got != 2 {
		t.Fatalf("discovery = %d, want 2", got)
	}
}

func TestProviderExplicitURLsWinAndIssuerFromDiscovery(t *testing.T) {
	op := newFakeOP(t)
	ctx := context.Background()
	p := op.provider(t, func(c *ProviderConfig) { c.AuthorizeURL = "https://login.example/authorize?p=b2c" })
	ep, err := p.Endpoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ep.Authorize != "https://login.example/authorize?p=b2c" || ep.Token != op.URL+"/token" {
		t.Fatalf("endpoints = %+v", ep)
	}
	// Only a discovery URL: the discovered issuer is then required on tokens.
	g := op.provider(t, func(c *ProviderConfig) {
		c.Issuer, c.DiscoveryURL = "", op.URL+"/.well-known/openid-configuration"
	})
	if g.Issuer() != "" {
		t.Fatalf("Issuer() before discovery = %q", g.Issuer())
	}
	now := time.Now()
	tok := op.key.sign(t, jwt.MapClaims{"iss": op.URL, "aud": "gateway", "sub": "u", "exp": now.Add(time.Minute).Unix()}, nil)
	if _, err := g.VerifyAccessToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if g.Issuer() != op.URL {
		t.Fatalf("Issuer() = %q, want %q", g.Issuer(), op.URL)
	}
	tok = op.key.sign(t, jwt.MapClaims{"iss": "https://other", "aud": "gateway", "sub": "u", "exp": now.Add(time.Minute).Unix()}, nil)
	if _, err := g.VerifyAccessToken(ctx, tok); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("other issuer: err = %v", err)
	}
	// Every URL explicit: no discovery at all.
	before := op.discovery.Load()
	e := op.provider(t, func(c *ProviderConfig) {
		c.AuthorizeURL, c.TokenURL, c.JWKSURL = op.URL+"/authorize", op.URL+"/token", op.URL+"/jwks"
	})
	if _, err := e.Endpoints(ctx); err != nil {
		t.Fatal(err)
	}
	if op.discovery.Load() != before {
		t.Fatal("discovery ran although every URL is explicit")
	}
}

func TestProviderDiscoveryDown(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusBadGateway)
	}))
	defer srv.Close()
	p, err := NewProvider(ProviderConfig{ID: "k", Type: "keycloak", ClientID: "c", BaseURL: srv.URL, Realm: "r"},
		ProviderOptions{HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.VerifyAccessToken(context.Background(), "a.b.c"); err == nil || errors.Is(err, ErrInvalidToken) {
		t.Fatalf("err = %v, want a discovery error, not an invalid token", err)
	}
}

func TestIdentity(t *testing.T) {
	mk := func(typ, usernameClaim string) *Provider {
		c := ProviderConfig{ID: "p", Type: typ, ClientID: "c", Issuer: "https://i.example", UsernameClaim: usernameClaim}
		p, err := NewProvider(c, ProviderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, typ, uclaim string
		claims            Claims
		want              Identity
	}{
		{"cognito id token", TypeCognito, "", Claims{"sub": "s", "cognito:username": "alice", "email": "a@x",
			"cognito:groups": []any{"g"}}, Identity{Subject: "s", Username: "alice", Email: "a@x", DisplayName: "alice", Groups: []string{"g"}}},
		{"entra upn", TypeEntra, "", Claims{"sub": "s", "upn": "bob@corp", "name": "Bob B", "roles": []any{"r"}},
			Identity{Subject: "s", Username: "bob@corp", DisplayName: "Bob B", Groups: []string{"r"}}},
		{"entra preferred_username first", TypeEntra, "", Claims{"sub": "s", "upn": "u", "preferred_username": "p"},
			Identity{Subject: "s", Username: "p", DisplayName: "p", Groups: []string{}}},
		{"keycloak email fallback", TypeKeycloak, "", Claims{"sub": "s", "email": "e@x", "given_name": "E", "family_name": "X"},
			Identity{Subject: "s", Username: "e@x", Email: "e@x", DisplayName: "E X", Groups: []string{}}},
		{"M2M client_id", TypeOkta, "", Claims{"sub": "0oa1", "client_id": "svc"},
			Identity{Subject: "0oa1", Username: "svc", DisplayName: "svc", Groups: []string{}}},
		{"sub fallback", TypeGeneric, "", Claims{"sub": "s"}, Identity{Subject: "s", Username: "s", DisplayName: "s", Groups: []string{}}},
		{"username claim override", TypeGeneric, "uid", Claims{"sub": "s", "uid": "u7", "preferred_username": "p"},
			Identity{Subject: "s", Username: "u7", DisplayName: "u7", Groups: []string{}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := mk(tc.typ, tc.uclaim).Identity(tc.claims)
			if err != nil {
				t.Fatal(err)
			}
			if got.Subject != tc.want.Subject || got.Username != tc.want.Username || got.Email != tc.want.Email ||
				got.DisplayName != tc.want.DisplayName || !slices.Equal(got.Groups, tc.want.Groups) {
				t.Fatalf("identity = %+v, want %+v", got, tc.want)
			}
		})
	}
	if _, err := mk(TypeGeneric, "").Identity(Claims{"preferred_username": "x"}); err == nil {
		t.Fatal("no sub accepted")
	}
	if _, err := mk(TypeEntra, "").Identity(Claims{"sub": "s", "hasgroups": true}); !errors.Is(err, ErrGroupsOverage) {
		t.Fatalf("overage: err = %v", err)
	}
}

func TestProviderCodeFlowGroupsOverage(t *testing.T) {
	op := newFakeOP(t)
	op.setClaims(map[string]any{"groups": nil, "_claim_names": map[string]any{"groups": "src1"},
		"_claim_sources": map[string]any{"src1": map[string]any{"endpoint": "https://graph.example/x"}}})
	p := op.provider(t, func(c *ProviderConfig) { c.Type = TypeEntra })
	ctx := context.Background()
	verifier := oauth2.GenerateVerifier()
	authURL, err := p.AuthCodeURL(ctx, "s", "n", verifier)
	if err != nil {
		t.Fatal(err)
	}
	toks, err := p.Exchange(ctx, op.authorize(authURL), verifier)
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.VerifyIDToken(ctx, toks.IDToken, "n")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Identity(c); !errors.Is(err, ErrGroupsOverage) {
		t.Fatalf("err = %v, want ErrGroupsOverage", err)
	}
}
