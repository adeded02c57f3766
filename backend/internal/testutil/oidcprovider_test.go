package testutil

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const testRedirect = "https://gateway.example/auth/callback/corp"

// noRedirects is a client that shows the provider's redirects instead of
// following them, as a browser's network log would.
func noRedirects(p *OIDCProvider) *http.Client {
	c := *p.HTTPClient()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func pkcePair() (verifier, challenge string) {
	verifier = randomToken() // 43 unreserved characters
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

func authParams(p *OIDCProvider, challenge string) url.Values {
	return url.Values{
		"client_id":             {p.ClientID()},
		"redirect_uri":          {testRedirect},
		"response_type":         {"code"},
		"scope":                 {"openid profile email"},
		"state":                 {"state-123"},
		"nonce":                 {"nonce-456"},
		"code_challenge":        {challenge},
		"code_challenge_method": {"S256"},
	}
}

// authorize runs /authorize and returns the redirect's query.
func authorize(t *testing.T, p *OIDCProvider, params url.Values) url.Values {
	t.Helper()
	resp, err := noRedirects(p).Get(p.AuthorizeURL() + "?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: status %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != testRedirect {
		t.Fatalf("redirected to %q, want %q", got, testRedirect)
	}
	return loc.Query()
}

// code runs /authorize successfully and returns the code and its verifier.
func code(t *testing.T, p *OIDCProvider) (string, string) {
	t.Helper()
	verifier, challenge := pkcePair()
	q := authorize(t, p, authParams(p, challenge))
	if q.Get("code") == "" || q.Get("state") != "state-123" {
		t.Fatalf("authorize redirect query %v: want code and state", q)
	}
	return q.Get("code"), verifier
}

// tokenRequest posts form to the token endpoint; basic selects
// client_secret_basic, else the credentials must be in form.
func tokenRequest(t *testing.T, p *OIDCProvider, form url.Values, basicID, basicSecret string) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, p.TokenURL(), strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicID != "" {
		req.SetBasicAuth(url.QueryEscape(basicID), url.QueryEscape(basicSecret))
	}
	resp, err := p.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("token response: %v", err)
	}
	return resp.StatusCode, body, resp.Header
}

func exchange(t *testing.T, p *OIDCProvider, code, verifier string) (int, map[string]any) {
	t.Helper()
	status, body, _ := tokenRequest(t, p, url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {testRedirect},
		"code_verifier": {verifier},
	}, p.ClientID(), p.ClientSecret())
	return status, body
}

func wantOAuthError(t *testing.T, status int, body map[string]any, wantStatus int, wantCode string) {
	t.Helper()
	if status != wantStatus || body["error"] != wantCode {
		t.Fatalf("got %d %v, want %d %s", status, body, wantStatus, wantCode)
	}
}

func getJSON(t *testing.T, p *OIDCProvider, rawURL string, v any) int {
	t.Helper()
	resp, err := p.HTTPClient().Get(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("%s: %v", rawURL, err)
		}
	}
	return resp.StatusCode
}

type testJWKS struct {
	Keys []map[string]string `json:"keys"`
}

func fetchJWKS(t *testing.T, p *OIDCProvider) testJWKS {
	t.Helper()
	var set testJWKS
	if status := getJSON(t, p, p.JWKSURL(), &set); status != http.StatusOK {
		t.Fatalf("jwks: status %d", status)
	}
	return set
}

func (s testJWKS) kids() []string {
	var kids []string
	for _, k := range s.Keys {
		kids = append(kids, k["kid"])
	}
	slices.Sort(kids)
	return kids
}

// publicKey decodes a JWK independently of the provider's encoder, so the
// test checks the wire format rather than round-tripping the same code.
func (s testJWKS) publicKey(kid string) (crypto.PublicKey, error) {
	for _, k := range s.Keys {
		if k["kid"] != kid {
			continue
		}
		dec := func(name string) []byte {
			b, _ := base64.RawURLEncoding.DecodeString(k[name])
			return b
		}
		switch k["kty"] {
		case "RSA":
			return &rsa.PublicKey{N: new(big.Int).SetBytes(dec("n")), E: int(new(big.Int).SetBytes(dec("e")).Int64())}, nil
		case "EC":
			raw := append(append([]byte{4}, dec("x")...), dec("y")...)
			return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
		case "OKP":
			return ed25519.PublicKey(dec("x")), nil
		}
		return nil, fmt.Errorf("kty %q", k["kty"])
	}
	return nil, fmt.Errorf("kid %q not in JWKS", kid)
}

// verify checks raw against the provider's published JWKS the way a
// relying party would and returns its claims.
func verify(t *testing.T, p *OIDCProvider, raw, aud string) jwt.MapClaims {
	t.Helper()
	set := fetchJWKS(t, p)
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		return set.publicKey(kid)
	}, jwt.WithValidMethods([]string{p.Alg()}), jwt.WithIssuer(p.Issuer()),
		jwt.WithAudience(aud), jwt.WithExpirationRequired())
	if err != nil {
		t.Fatalf("verify token: %v", err)
	}
	return claims
}

func TestOIDCProviderCodeFlowAllAlgorithms(t *testing.T) {
	for _, alg := range []string{"RS256", "PS256", "ES256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			p := NewOIDCProvider(t, OIDCProviderOptions{Alg: alg, RedirectURIs: []string{testRedirect}})

			var doc map[string]any
			if status := getJSON(t, p, p.DiscoveryURL(), &doc); status != http.StatusOK {
				t.Fatalf("discovery: %d", status)
			}
			if doc["issuer"] != p.Issuer() || doc["token_endpoint"] != p.TokenURL() ||
				doc["authorization_endpoint"] != p.AuthorizeURL() || doc["jwks_uri"] != p.JWKSURL() {
				t.Fatalf("discovery document %v", doc)
			}
			if fmt.Sprint(doc["code_challenge_methods_supported"]) != "[S256]" ||
				fmt.Sprint(doc["id_token_signing_alg_values_supported"]) != "["+alg+"]" {
				t.Fatalf("discovery document %v", doc)
			}
			if strings.HasSuffix(p.Issuer(), "/") {
				t.Fatalf("issuer %q has a trailing slash", p.Issuer())
			}

			c, verifier := code(t, p)
			if p.LastNonce() != "nonce-456" || p.LastAuthorizeQuery().Get("code_challenge_method") != "S256" {
				t.Fatalf("recorded nonce %q query %v", p.LastNonce(), p.LastAuthorizeQuery())
			}
			status, body := exchange(t, p, c, verifier)
			if status != http.StatusOK || body["token_type"] != "Bearer" || body["expires_in"] != float64(300) {
				t.Fatalf("exchange: %d %v", status, body)
			}
			id := verify(t, p, body["id_token"].(string), p.ClientID())
			if id["nonce"] != "nonce-456" || id["sub"] != "user-1" || id["preferred_username"] != "alice" || id["auth_time"] == nil {
				t.Fatalf("id token claims %v", id)
			}
			at := verify(t, p, body["access_token"].(string), p.ClientID())
			if at["sub"] != "user-1" || at["client_id"] != p.ClientID() || at["nonce"] != nil || at["scope"] != "openid profile email" {
				t.Fatalf("access token claims %v", at)
			}

			req, _ := http.NewRequest(http.MethodGet, p.UserinfoURL(), nil)
			req.Header.Set("Authorization", "Bearer "+body["access_token"].(string))
			resp, err := p.HTTPClient().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var info map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&info)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || info["email"] != "alice@example.com" {
				t.Fatalf("userinfo %d %v", resp.StatusCode, info)
			}

			if p.DiscoveryRequests() != 1 || p.AuthorizeRequests() != 1 || p.TokenRequests() != 1 ||
				p.JWKSFetches() != 2 || p.UserinfoRequests() != 1 {
				t.Fatalf("counters discovery=%d authorize=%d token=%d jwks=%d userinfo=%d", p.DiscoveryRequests(),
					p.AuthorizeRequests(), p.TokenRequests(), p.JWKSFetches(), p.UserinfoRequests())
			}
		})
	}
}

func TestOIDCProviderPKCE(t *testing.T) {
	p := NewOIDCProvider(t, OIDCProviderOptions{Alg: "ES256"})
	_, challenge := pkcePair()

	t.Run("authorize refuses missing or non-S256 PKCE", func(t *testing.T) {
		for name, edit := range map[string]func(url.Values){
			"no challenge":      func(v url.Values) { v.Del("code_challenge") },
			"no method":         func(v url.Values) { v.Del("code_challenge_method") },
			"plain":             func(v url.Values) { v.Set("code_challenge_method", "plain") },
			"short challenge":   func(v url.Values) { v.Set("code_challenge", "abc") },
			"token flow":        func(v url.Values) { v.Set("response_type", "token") },
			"no openid scope":   func(v url.Values) { v.Set("scope", "profile") },
			"challenge padding": func(v url.Values) { v.Set("code_challenge", challenge[:42]+"=") },
		} {
			params := authParams(p, challenge)
			edit(params)
			q := authorize(t, p, params)
			if q.Get("error") == "" || q.Get("code") != "" || q.Get("state") != "state-123" {
				t.Errorf("%s: redirect query %v, want error and state without code", name, q)
			}
		}
	})

	t.Run("wrong verifier is invalid_grant and consumes the code", func(t *testing.T) {
		c, verifier := code(t, p)
		other, _ := pkcePair()
		status, body := exchange(t, p, c, other)
		wantOAuthError(t, status, body, http.StatusBadRequest, "invalid_grant")
		status, body = exchange(t, p, c, verifier)
		wantOAuthError(t, status, body, http.StatusBadRequest, "invalid_grant")
	})

	t.Run("missing verifier", func(t *testing.T) {
		c, _ := code(t, p)
		status, body := exchange(t, p, c, "")
		wantOAuthError(t, status, body, http.StatusBadRequest, "invalid_grant")
	})

	t.Run("malformed verifier", func(t *testing.T) {
		c, _ := code(t, p)
		status, body := exchange(t, p, c, "short")
		wantOAuthError(t, status, body, http.StatusBadRequest, "invalid_request")
	})

	t.Run("challenge sent as the verifier", func(t *testing.T) {
		_, challenge := pkcePair()
		q := authorize(t, p, authParams(p, challenge))
		status, body := exchange(t, p, q.Get("code"), challenge)
		wantOAuthError(t, status, body, http.StatusBadRequest, "invalid_grant")
	})
}

func TestOIDCProviderCodeRules(t *testing.T) {
	clock := NewClock()
	p := NewOIDCProvider(t, OIDCProviderOptions{Now: clock.Now, RedirectURIs: []string{testRedirect}})
	p.AddClient("other-client", "other-secret")

	t.Run("single use", func(t *testing.T) {
		c, verifier := code(t, p)
		if status, body := exchange(t, p, c, verifier); status != http.StatusOK {
			t.Fatalf("first exchange: %d %v", status, body)
		}
		status, body := exchange(t, p, c, verifier)
		wantOAuthError(t, status, body, http.StatusBadRequest, "invalid_grant")
	})

	t.Run("redirect_uri must match", func(t *testing.T) {
		c, verifier := code(t, p)
		status, body, _ := tokenRequest(t, p, url.Values{
			"grant_type": {"authorization_code"}, "code": {c}, "code_verifier": {verifier},
			"redirect_uri": {testRedirect + "x"},
		}, p.ClientID(), p.ClientSecret())
		wantOAuthError(t, status, body, http.StatusBadRequest, "invalid_grant")
	})

	t.Run("code bound to its client", func(t *testing.T) {
		c, verifier := code(t, p)
		status, body, _ := tokenRequest(t, p, url.Values{
			"grant_type": {"authorization_code"}, "code": {c}, "code_verifier": {verifier},
			"redirect_uri": {testRedirect},
		}, "other-client", "other-secret")
		wantOAuthError(t, status, body, http.StatusBadRequest, "invalid_grant")
		// The other client's attempt did not burn the code.
		if status, body := exchange(t, p, c, verifier); status != http.StatusOK {
			t.Fatalf("exchange by the right client: %d %v", status, body)
		}
	})

	t.Run("expired code", func(t *testing.T) {
		c, verifier := code(t, p)
		clock.Advance(2 * time.Minute)
		status, body := exchange(t, p, c, verifier)
		wantOAuthError(t, status, body, http.StatusBadRequest, "invalid_grant")
	})

	t.Run("unknown code", func(t *testing.T) {
		_, verifier := pkcePair()
		status, body := exchange(t, p, "nope", verifier)
		wantOAuthError(t, status, body, http.StatusBadRequest, "invalid_grant")
	})

	t.Run("authorize shows, not redirects, client and redirect_uri errors", func(t *testing.T) {
		_, challenge := pkcePair()
		for name, edit := range map[string]func(url.Values){
			"unknown client":           func(v url.Values) { v.Set("client_id", "evil") },
			"unregistered redirect":    func(v url.Values) { v.Set("redirect_uri", "https://evil.example/cb") },
			"missing redirect":         func(v url.Values) { v.Del("redirect_uri") },
			"relative redirect":        func(v url.Values) { v.Set("redirect_uri", "/cb") },
			"redirect with extra tail": func(v url.Values) { v.Set("redirect_uri", testRedirect+"/../x") },
		} {
			params := authParams(p, challenge)
			edit(params)
			resp, err := noRedirects(p).Get(p.AuthorizeURL() + "?" + params.Encode())
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Errorf("%s: status %d location %q, want 400 without redirect", name, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
	})
}

func TestOIDCProviderClientAuthentication(t *testing.T) {
	p := NewOIDCProvider(t, OIDCProviderOptions{ClientSecret: "s3cr:et/+&"})
	cc := url.Values{"grant_type": {"client_credentials"}}
	with := func(extra url.Values) url.Values {
		v := cloneValues(cc)
		for k, vs := range extra {
			v[k] = vs
		}
		return v
	}

	if status, body, _ := tokenRequest(t, p, cc, p.ClientID(), p.ClientSecret()); status != http.StatusOK {
		t.Fatalf("client_secret_basic (with form-encoded special characters): %d %v", status, body)
	}
	if status, body, _ := tokenRequest(t, p, with(url.Values{"client_id": {p.ClientID()}, "client_secret": {p.ClientSecret()}}), "", ""); status != http.StatusOK {
		t.Fatalf("client_secret_post: %d %v", status, body)
	}

	status, body, _ := tokenRequest(t, p, with(url.Values{"client_id": {p.ClientID()}, "client_secret": {p.ClientSecret()}}), p.ClientID(), p.ClientSecret())
	wantOAuthError(t, status, body, http.StatusBadRequest, "invalid_request")

	status, body, hdr := tokenRequest(t, p, cc, p.ClientID(), "wrong")
	wantOAuthError(t, status, body, http.StatusUnauthorized, "invalid_client")
	if hdr.Get("WWW-Authenticate") == "" || hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("headers %v", hdr)
	}
	status, body, _ = tokenRequest(t, p, with(url.Values{"client_id": {p.ClientID()}, "client_secret": {"wrong"}}), "", "")
	wantOAuthError(t, status, body, http.StatusUnauthorized, "invalid_client")
	status, body, _ = tokenRequest(t, p, with(url.Values{"client_id": {p.ClientID()}}), "", "")
	wantOAuthError(t, status, body, http.StatusUnauthorized, "invalid_client")
	status, body, _ = tokenRequest(t, p, with(url.Values{"client_id": {"other"}}), p.ClientID(), p.ClientSecret())
	wantOAuthError(t, status, body, http.StatusBadRequest, "invalid_request")

	status, body, _ = tokenRequest(t, p, url.Values{"grant_type": {"password"}}, p.ClientID(), p.ClientSecret())
	wantOAuthError(t, status, body, http.StatusBadRequest, "unsupported_grant_type")

	resp, err := p.HTTPClient().Get(p.TokenURL())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET /token: %d", resp.StatusCode)
	}
}

func TestOIDCProviderClientCredentials(t *testing.T) {
	p := NewOIDCProvider(t, OIDCProviderOptions{Alg: "EdDSA", AccessTokenAudience: []string{"api://mcpgw"}})
	p.AddClient("m2m", "m2m-secret")

	status, body, _ := tokenRequest(t, p, url.Values{"grant_type": {"client_credentials"}, "scope": {"mcp/read"}}, "m2m", "m2m-secret")
	if status != http.StatusOK || body["id_token"] != nil || body["scope"] != nil {
		t.Fatalf("client credentials: %d %v", status, body)
	}
	at := verify(t, p, body["access_token"].(string), "api://mcpgw")
	if at["sub"] != "m2m" || at["client_id"] != "m2m" || at["scope"] != "mcp/read" || at["jti"] == nil {
		t.Fatalf("claims %v", at)
	}

	// Cognito-shaped M2M access token: no aud, token_use access.
	p.SetAccessTokenClaims(map[string]any{"aud": nil, "token_use": "access", "cognito:groups": []string{"ops"}})
	_, body, _ = tokenRequest(t, p, url.Values{"grant_type": {"client_credentials"}}, "m2m", "m2m-secret")
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(body["access_token"].(string), claims); err != nil {
		t.Fatal(err)
	}
	if _, hasAud := claims["aud"]; hasAud || claims["token_use"] != "access" || fmt.Sprint(claims["cognito:groups"]) != "[ops]" {
		t.Fatalf("claims %v", claims)
	}
}

func TestOIDCProviderKeyRotation(t *testing.T) {
	p := NewOIDCProvider(t, OIDCProviderOptions{Alg: "PS256"})
	kid1 := p.KeyID()
	old := p.SignToken(map[string]any{"sub": "a", "aud": "x"})
	if got := fetchJWKS(t, p).kids(); !slices.Equal(got, []string{kid1}) {
		t.Fatalf("jwks kids %v, want [%s]", got, kid1)
	}

	kid2 := p.RotateKey(true)
	if kid2 == kid1 || p.KeyID() != kid2 {
		t.Fatalf("kid after rotation %q (was %q)", p.KeyID(), kid1)
	}
	want := []string{kid1, kid2}
	slices.Sort(want)
	if got := fetchJWKS(t, p).kids(); !slices.Equal(got, want) {
		t.Fatalf("jwks kids %v, want %v", got, want)
	}
	verify(t, p, old, "x") // the old key still verifies during the overlap
	c, verifier := code(t, p)
	_, body := exchange(t, p, c, verifier)
	tok, _, err := jwt.NewParser().ParseUnverified(body["id_token"].(string), jwt.MapClaims{})
	if err != nil || tok.Header["kid"] != kid2 {
		t.Fatalf("new id token kid %v (%v), want %s", tok.Header["kid"], err, kid2)
	}
	verify(t, p, body["id_token"].(string), p.ClientID())

	kid3 := p.RotateKey(false)
	if got := fetchJWKS(t, p).kids(); !slices.Equal(got, []string{kid3}) {
		t.Fatalf("jwks kids %v, want only [%s]", got, kid3)
	}
	if p.JWKSFetches() != 5 {
		t.Fatalf("JWKSFetches = %d, want 5", p.JWKSFetches())
	}
}

func TestOIDCProviderFaultInjection(t *testing.T) {
	p := NewOIDCProvider(t, OIDCProviderOptions{})

	t.Run("token endpoint down", func(t *testing.T) {
		c, verifier := code(t, p)
		p.SetTokenEndpointDown(true)
		status, body := exchange(t, p, c, verifier)
		wantOAuthError(t, status, body, http.StatusServiceUnavailable, "temporarily_unavailable")
		p.SetTokenEndpointDown(false)
		if status, body := exchange(t, p, c, verifier); status != http.StatusOK {
			t.Fatalf("after recovery: %d %v", status, body)
		}
	})

	t.Run("wrong nonce", func(t *testing.T) {
		p.SetNonceOverride("attacker-nonce")
		defer p.SetNonceOverride("")
		c, verifier := code(t, p)
		_, body := exchange(t, p, c, verifier)
		if id := verify(t, p, body["id_token"].(string), p.ClientID()); id["nonce"] != "attacker-nonce" {
			t.Fatalf("nonce %v", id["nonce"])
		}
	})

	t.Run("authorize error", func(t *testing.T) {
		p.SetAuthorizeError("access_denied")
		defer p.SetAuthorizeError("")
		_, challenge := pkcePair()
		q := authorize(t, p, authParams(p, challenge))
		if q.Get("error") != "access_denied" || q.Get("state") != "state-123" || q.Get("code") != "" {
			t.Fatalf("redirect query %v", q)
		}
	})

	t.Run("issuer override", func(t *testing.T) {
		p.SetIssuerOverride("https://evil.example")
		defer p.SetIssuerOverride("")
		var doc map[string]any
		getJSON(t, p, p.DiscoveryURL(), &doc)
		c, verifier := code(t, p)
		_, body := exchange(t, p, c, verifier)
		claims := jwt.MapClaims{}
		if _, _, err := jwt.NewParser().ParseUnverified(body["id_token"].(string), claims); err != nil {
			t.Fatal(err)
		}
		iss, _ := claims.GetIssuer()
		if doc["issuer"] != "https://evil.example" || iss != "https://evil.example" || doc["jwks_uri"] != p.JWKSURL() {
			t.Fatalf("discovery %v, token iss %q", doc, iss)
		}
	})

	t.Run("missing id_token", func(t *testing.T) {
		p.SetOmitIDToken(true)
		defer p.SetOmitIDToken(false)
		c, verifier := code(t, p)
		status, body := exchange(t, p, c, verifier)
		if status != http.StatusOK || body["id_token"] != nil || body["access_token"] == nil {
			t.Fatalf("%d %v", status, body)
		}
	})

	t.Run("jwks and discovery down", func(t *testing.T) {
		p.SetJWKSDown(true)
		p.SetDiscoveryDown(true)
		if status := getJSON(t, p, p.JWKSURL(), nil); status != http.StatusServiceUnavailable {
			t.Fatalf("jwks: %d", status)
		}
		if status := getJSON(t, p, p.DiscoveryURL(), nil); status != http.StatusServiceUnavailable {
			t.Fatalf("discovery: %d", status)
		}
		p.SetJWKSDown(false)
		p.SetDiscoveryDown(false)
		if status := getJSON(t, p, p.JWKSURL(), nil); status != http.StatusOK {
			t.Fatalf("jwks after recovery: %d", status)
		}
	})
}

func TestOIDCProviderUserClaimShapes(t *testing.T) {
	p := NewOIDCProvider(t, OIDCProviderOptions{})
	for name, user := range map[string]map[string]any{
		"cognito": {"sub": "c-1", "cognito:username": "bob", "cognito:groups": []string{"mcp-admins", "ops"}, "token_use": "id"},
		"entra": {
			"sub": "e-1", "preferred_username": "carol@corp.example",
			"roles":    "Admin", // a single string, not an array
			"appRoles": []map[string]any{{"value": "Reader", "displayName": "Reader role"}},
			"groups":   []string{"6c2e0f5c-0000-4000-8000-000000000001"},
		},
		"entra overage": {
			"sub":            "e-2",
			"_claim_names":   map[string]any{"groups": "src1"},
			"_claim_sources": map[string]any{"src1": map[string]any{"endpoint": "https://graph.microsoft.com/v1.0/users/e-2/getMemberObjects"}},
			"hasgroups":      true,
		},
		"keycloak":  {"sub": "k-1", "realm_access": map[string]any{"roles": []string{"mcp-user"}}},
		"no exp":    {"sub": "x", "exp": nil, "auth_time": nil},
		"multi aud": {"sub": "m", "aud": []string{"mcpgw-test-client", "other"}, "azp": "other"},
	} {
		t.Run(name, func(t *testing.T) {
			p.SetUser(user)
			c, verifier := code(t, p)
			_, body := exchange(t, p, c, verifier)
			for _, field := range []string{"id_token", "access_token"} {
				claims := jwt.MapClaims{}
				if _, _, err := jwt.NewParser().ParseUnverified(body[field].(string), claims); err != nil {
					t.Fatal(err)
				}
				for k, v := range user {
					excluded := field == "access_token" && slices.Contains([]string{"aud", "azp", "auth_time", "token_use"}, k)
					got, present := claims[k]
					switch {
					case v == nil && present:
						t.Errorf("%s: claim %q should have been removed", field, k)
					case v != nil && !excluded && mustJSON(t, got) != mustJSON(t, v):
						t.Errorf("%s: claim %q = %s, want %s", field, k, mustJSON(t, got), mustJSON(t, v))
					}
				}
				if field == "id_token" && claims["nonce"] != "nonce-456" {
					t.Errorf("id token nonce %v", claims["nonce"])
				}
				if field == "access_token" && claims["aud"] != p.ClientID() {
					t.Errorf("access token aud %v", claims["aud"])
				}
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestOIDCProviderSignWith(t *testing.T) {
	p := NewOIDCProvider(t, OIDCProviderOptions{})

	claims := verify(t, p, p.SignToken(map[string]any{"sub": "s", "aud": "a"}), "a")
	if claims["iss"] != p.Issuer() || claims["iat"] == nil || claims["exp"] == nil {
		t.Fatalf("SignToken defaults: %v", claims)
	}
	noExp := p.SignToken(map[string]any{"exp": nil})
	if _, err := jwt.Parse(noExp, func(*jwt.Token) (any, error) { return p.PublicKey(), nil }, jwt.WithExpirationRequired()); !errors.Is(err, jwt.ErrTokenRequiredClaimMissing) {
		t.Fatalf("token without exp: %v", err)
	}

	// Algorithm confusion: HS256 with the PEM public key as the secret,
	// which a verifier that trusts the header would accept.
	hs := p.SignWith(jwt.SigningMethodHS256, p.PublicKeyPEM(), nil, map[string]any{"sub": "s"})
	if _, err := jwt.Parse(hs, func(*jwt.Token) (any, error) { return p.PublicKeyPEM(), nil }); err != nil {
		t.Fatalf("HS256 token does not verify with the PEM bytes as the HMAC key: %v", err)
	}
	if _, err := x509.ParsePKIXPublicKey(mustPEMBlock(t, p.PublicKeyPEM())); err != nil {
		t.Fatalf("PublicKeyPEM: %v", err)
	}

	attacker := NewSigningKey(t, "RS256")
	jwk, err := JWKFor("evil", "RS256", attacker.Public())
	if err != nil {
		t.Fatal(err)
	}
	forged := p.SignWith(jwt.SigningMethodRS256, attacker, map[string]any{
		"jku": "https://evil.example/jwks", "jwk": jwk, "kid": nil, "typ": "at+jwt",
	}, map[string]any{"sub": "s"})
	tok, _, err := jwt.NewParser().ParseUnverified(forged, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	if _, hasKid := tok.Header["kid"]; hasKid || tok.Header["jku"] != "https://evil.example/jwks" || tok.Header["typ"] != "at+jwt" || tok.Header["jwk"] == nil {
		t.Fatalf("header %v", tok.Header)
	}
	if _, err := jwt.Parse(forged, func(*jwt.Token) (any, error) { return p.PublicKey(), nil }); !errors.Is(err, jwt.ErrTokenSignatureInvalid) {
		t.Fatalf("token signed by another key verified against the provider's: %v", err)
	}

	none := p.SignWith(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil, map[string]any{"sub": "s"})
	if !strings.HasSuffix(none, ".") || !strings.Contains(mustJSON(t, decodeHeader(t, none)), `"alg":"none"`) {
		t.Fatalf("alg none token %q", none)
	}

	lie := p.SignWith(jwt.SigningMethodHS256, []byte("k"), map[string]any{"alg": "RS256"}, nil)
	if decodeHeader(t, lie)["alg"] != "RS256" {
		t.Fatalf("header alg override lost: %v", decodeHeader(t, lie))
	}

	for _, alg := range []string{"ES256", "EdDSA", "PS256"} {
		k := NewSigningKey(t, alg)
		raw := p.SignWith(SigningMethod(alg), k, nil, map[string]any{"sub": "s"})
		if _, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return k.Public(), nil }, jwt.WithValidMethods([]string{alg})); err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
	}
	if SigningMethod("HS256") != nil {
		t.Fatal("SigningMethod must only know the asymmetric algorithms")
	}
}

func mustPEMBlock(t *testing.T, b []byte) []byte {
	t.Helper()
	s := strings.TrimSpace(string(b))
	s = strings.TrimPrefix(s, "-----BEGIN PUBLIC KEY-----")
	s = strings.TrimSuffix(s, "-----END PUBLIC KEY-----")
	der, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(s, "\n", ""))
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func decodeHeader(t *testing.T, raw string) map[string]any {
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

func TestOIDCProviderIssuerPathTLSAndCognitoRoutes(t *testing.T) {
	p := NewOIDCProvider(t, OIDCProviderOptions{IssuerPath: "/realms/mcp/", TLS: true})
	if p.Issuer() != p.URL+"/realms/mcp" || !strings.HasPrefix(p.URL, "https://") {
		t.Fatalf("issuer %q url %q", p.Issuer(), p.URL)
	}
	var doc map[string]any
	if status := getJSON(t, p, p.DiscoveryURL(), &doc); status != http.StatusOK || doc["issuer"] != p.Issuer() {
		t.Fatalf("discovery %d %v", status, doc)
	}
	if status := getJSON(t, p, p.Issuer()+"/.well-known/jwks.json", nil); status != http.StatusOK {
		t.Fatalf("cognito-style jwks path: %d", status)
	}
	if status := getJSON(t, p, p.URL+"/.well-known/openid-configuration", nil); status != http.StatusNotFound {
		t.Fatalf("discovery outside the issuer path: %d", status)
	}
	c, verifier := code(t, p)
	req, _ := http.NewRequest(http.MethodPost, p.URL+"/oauth2/token", strings.NewReader(url.Values{
		"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {testRedirect}, "code_verifier": {verifier},
		"client_id": {p.ClientID()}, "client_secret": {p.ClientSecret()},
	}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/oauth2/token: %d %v", resp.StatusCode, body)
	}
	verify(t, p, body["id_token"].(string), p.ClientID())
}
