package testutil

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"maps"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// OIDCProviderOptions configure NewOIDCProvider. Every field is optional.
type OIDCProviderOptions struct {
	// ClientID and ClientSecret are the one registered confidential client
	// (defaults "mcpgw-test-client" / "mcpgw-test-secret"); AddClient
	// registers more.
	ClientID     string
	ClientSecret string
	// RedirectURIs, when set, are the only redirect_uri values /authorize
	// accepts (exact match); empty accepts any absolute URL.
	RedirectURIs []string
	// Alg is the signing algorithm: RS256 (default), PS256, ES256 or EdDSA.
	Alg string
	// IssuerPath is appended to the server URL to form the issuer, e.g.
	// "/oauth2/default" (Okta) or "/realms/mcp" (Keycloak); all endpoints
	// live under it. Empty means issuer == server URL.
	IssuerPath string
	// User is the initial claim set of the signed-in user (see SetUser).
	// Default: sub "user-1", preferred_username "alice", email, name.
	User map[string]any
	// AccessTokenAudience is the aud of issued access tokens; default the
	// requesting client's id. One value is written as a string, several as
	// an array.
	AccessTokenAudience []string
	// TokenLifetime is the lifetime of issued tokens (default 5 minutes).
	TokenLifetime time.Duration
	// TLS serves over HTTPS (use HTTPClient to talk to it).
	TLS bool
	// Now is the provider's clock (default time.Now); pass a Clock's Now
	// for expiry tests.
	Now func() time.Time
}

// OIDCProvider is a real OpenID Provider over real HTTP for tests: the
// authorization code flow with PKCE (the user is always already signed in,
// so /authorize redirects straight back), client credentials, discovery,
// JWKS with key rotation, and switches to make it misbehave. All methods
// are safe for concurrent use.
type OIDCProvider struct {
	// URL is the server's base URL, without a trailing slash.
	URL string

	t    testing.TB
	srv  *httptest.Server
	opts OIDCProviderOptions
	now  func() time.Time

	mu            sync.Mutex
	clients       map[string]string
	key           *oidcKey
	oldKeys       []*oidcKey
	user          map[string]any
	accessClaims  map[string]any
	codes         map[string]*oidcCode
	accessTokens  map[string]map[string]any
	lastAuthorize url.Values
	lastNonce     string

	tokenDown      bool
	jwksDown       bool
	discoveryDown  bool
	omitIDToken    bool
	nonceOverride  string
	authorizeError string
	issuerOverride string

	discoveryRequests int
	authorizeRequests int
	tokenRequests     int
	jwksFetches       int
	userinfoRequests  int
}

// oidcKey is one signing key with its kid.
type oidcKey struct {
	kid    string
	alg    string
	priv   crypto.Signer
	method jwt.SigningMethod
}

// oidcCode is an issued authorization code with what the token endpoint
// must check and what it will put in the tokens.
type oidcCode struct {
	clientID    string
	redirectURI string
	challenge   string
	nonce       string
	scope       string
	user        map[string]any
	authTime    time.Time
	expires     time.Time
	used        bool
}

// codeLifetime is how long an authorization code may wait for redemption.
const codeLifetime = time.Minute

// NewOIDCProvider starts a provider that is shut down when the test ends.
func NewOIDCProvider(t testing.TB, o OIDCProviderOptions) *OIDCProvider {
	t.Helper()
	if o.ClientID == "" {
		o.ClientID = "mcpgw-test-client"
	}
	if o.ClientSecret == "" {
		o.ClientSecret = "mcpgw-test-secret"
	}
	if o.Alg == "" {
		o.Alg = "RS256"
	}
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = 5 * time.Minute
	}
	o.IssuerPath = strings.TrimRight(o.IssuerPath, "/")
	if o.IssuerPath != "" && !strings.HasPrefix(o.IssuerPath, "/") {
		o.IssuerPath = "/" + o.IssuerPath
	}
	user := o.User
	if user == nil {
		user = map[string]any{
			"sub":                "user-1",
			"preferred_username": "alice",
			"email":              "alice@example.com",
			"name":               "Alice Example",
		}
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	key, err := newOIDCKey(o.Alg)
	if err != nil {
		t.Fatalf("oidc provider: %v", err)
	}
	p := &OIDCProvider{
		t:            t,
		opts:         o,
		now:          now,
		clients:      map[string]string{o.ClientID: o.ClientSecret},
		key:          key,
		user:         maps.Clone(user),
		codes:        map[string]*oidcCode{},
		accessTokens: map[string]map[string]any{},
	}

	mux := http.NewServeMux()
	routes := map[string]http.HandlerFunc{
		o.IssuerPath + "/.well-known/openid-configuration": p.handleDiscovery,
		o.IssuerPath + "/authorize":                        p.handleAuthorize,
		o.IssuerPath + "/token":                            p.handleToken,
		o.IssuerPath + "/jwks":                             p.handleJWKS,
		o.IssuerPath + "/userinfo":                         p.handleUserinfo,
	}
	// Cognito's hosted UI serves /oauth2/{authorize,token} at the domain
	// root and the JWKS at {issuer}/.well-known/jwks.json; tests configuring
	// a Cognito provider with explicit URLs can point at these.
	for path, h := range map[string]http.HandlerFunc{
		"/oauth2/authorize":                     p.handleAuthorize,
		"/oauth2/token":                         p.handleToken,
		o.IssuerPath + "/.well-known/jwks.json": p.handleJWKS,
	} {
		if _, dup := routes[path]; !dup {
			routes[path] = h
		}
	}
	for path, h := range routes {
		mux.HandleFunc(path, h)
	}
	if o.TLS {
		p.srv = httptest.NewTLSServer(mux)
	} else {
		p.srv = httptest.NewServer(mux)
	}
	p.URL = p.srv.URL
	t.Cleanup(p.srv.Close)
	return p
}

// Issuer is the provider's real issuer (URL + IssuerPath); tokens carry it
// unless SetIssuerOverride says otherwise.
func (p *OIDCProvider) Issuer() string { return p.URL + p.opts.IssuerPath }

// DiscoveryURL is the OpenID configuration document's URL.
func (p *OIDCProvider) DiscoveryURL() string {
	return p.Issuer() + "/.well-known/openid-configuration"
}

// AuthorizeURL is the authorization endpoint.
func (p *OIDCProvider) AuthorizeURL() string { return p.Issuer() + "/authorize" }

// TokenURL is the token endpoint.
func (p *OIDCProvider) TokenURL() string { return p.Issuer() + "/token" }

// JWKSURL is the key set endpoint.
func (p *OIDCProvider) JWKSURL() string { return p.Issuer() + "/jwks" }

// UserinfoURL is the userinfo endpoint.
func (p *OIDCProvider) UserinfoURL() string { return p.Issuer() + "/userinfo" }

// ClientID is the default client's id.
func (p *OIDCProvider) ClientID() string { return p.opts.ClientID }

// ClientSecret is the default client's secret.
func (p *OIDCProvider) ClientSecret() string { return p.opts.ClientSecret }

// HTTPClient is a client that trusts the server (needed with TLS).
func (p *OIDCProvider) HTTPClient() *http.Client { return p.srv.Client() }

// AddClient registers another confidential client, e.g. an M2M one.
func (p *OIDCProvider) AddClient(id, secret string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clients[id] = secret
}

// SetUser replaces the claims of the signed-in user. Authorizations started
// afterwards put them in the ID token (over the defaults iss, aud, iat,
// exp, auth_time, nonce) and, except aud, nonce, azp, auth_time and
// token_use, in the access token (see SetAccessTokenClaims). Any shape is allowed (cognito:groups, roles, appRoles
// objects, _claim_names...); a nil value removes a default claim.
func (p *OIDCProvider) SetUser(claims map[string]any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.user = maps.Clone(claims)
}

// SetAccessTokenClaims merges claims into every access token issued from
// now on, after all others; a nil value removes a claim (e.g. "aud": nil
// and "token_use": "access" for Cognito-shaped access tokens).
func (p *OIDCProvider) SetAccessTokenClaims(claims map[string]any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.accessClaims = maps.Clone(claims)
}

// RotateKey replaces the signing key with a new one of the same algorithm
// and returns its kid. With keepOld the previous keys stay in the JWKS
// (the usual overlap); without, only the new key is published.
func (p *OIDCProvider) RotateKey(keepOld bool) string {
	p.t.Helper()
	key, err := newOIDCKey(p.opts.Alg)
	if err != nil {
		p.t.Errorf("oidc provider: rotate key: %v", err)
		return ""
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if keepOld {
		p.oldKeys = append(p.oldKeys, p.key)
	} else {
		p.oldKeys = nil
	}
	p.key = key
	return key.kid
}

// KeyID is the current signing key's kid.
func (p *OIDCProvider) KeyID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.key.kid
}

// Alg is the signing algorithm.
func (p *OIDCProvider) Alg() string { return p.opts.Alg }

// PrivateKey is the current signing key (*rsa.PrivateKey,
// *ecdsa.PrivateKey or ed25519.PrivateKey).
func (p *OIDCProvider) PrivateKey() crypto.Signer {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.key.priv
}

// PublicKey is the current signing key's public half.
func (p *OIDCProvider) PublicKey() crypto.PublicKey { return p.PrivateKey().Public() }

// PublicKeyPEM is the current public key as PKIX "PUBLIC KEY" PEM — the
// bytes an algorithm-confusion attacker uses as an HS256 secret:
// p.SignWith(jwt.SigningMethodHS256, p.PublicKeyPEM(), nil, claims).
func (p *OIDCProvider) PublicKeyPEM() []byte {
	der, err := x509.MarshalPKIXPublicKey(p.PublicKey())
	if err != nil {
		p.t.Errorf("oidc provider: marshal public key: %v", err)
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// SignToken signs claims with the current key (header alg, typ JWT, kid),
// adding iss, iat and exp (now + TokenLifetime) unless given; a nil value
// removes one of those.
func (p *OIDCProvider) SignToken(claims map[string]any) string {
	p.t.Helper()
	p.mu.Lock()
	key := p.key
	p.mu.Unlock()
	return p.SignWith(key.method, key.priv, nil, claims)
}

// SignWith signs claims with any method and key, for crafting bad tokens:
// the header starts as {alg: method, typ: JWT, kid: current kid} and header
// is merged over it (a nil value removes a field, so {"alg": "RS256"} with
// HS256 lies about the algorithm and {"kid": nil} drops the kid). Claims
// get the same defaults as SignToken. For alg none pass
// jwt.SigningMethodNone and jwt.UnsafeAllowNoneSignatureType.
func (p *OIDCProvider) SignWith(method jwt.SigningMethod, key any, header, claims map[string]any) string {
	p.t.Helper()
	now := p.now()
	all := map[string]any{
		"iss": p.effectiveIssuer(),
		"iat": now.Unix(),
		"exp": now.Add(p.opts.TokenLifetime).Unix(),
	}
	mergeClaims(all, claims)
	tok := jwt.NewWithClaims(method, jwt.MapClaims(all))
	tok.Header["kid"] = p.KeyID()
	mergeClaims(tok.Header, header)
	s, err := tok.SignedString(key)
	if err != nil {
		p.t.Errorf("oidc provider: sign token: %v", err)
		return ""
	}
	return s
}

// SetTokenEndpointDown makes the token endpoint answer 503.
func (p *OIDCProvider) SetTokenEndpointDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tokenDown = down
}

// SetJWKSDown makes the JWKS endpoint answer 503.
func (p *OIDCProvider) SetJWKSDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.jwksDown = down
}

// SetDiscoveryDown makes the discovery document answer 503.
func (p *OIDCProvider) SetDiscoveryDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.discoveryDown = down
}

// SetOmitIDToken makes code exchanges answer without an id_token.
func (p *OIDCProvider) SetOmitIDToken(omit bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.omitIDToken = omit
}

// SetNonceOverride makes ID tokens carry this nonce instead of the one
// requested ("" restores honest behaviour).
func (p *OIDCProvider) SetNonceOverride(nonce string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nonceOverride = nonce
}

// SetAuthorizeError makes /authorize redirect back with ?error=code&state=…
// instead of a code ("" restores honest behaviour).
func (p *OIDCProvider) SetAuthorizeError(code string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.authorizeError = code
}

// SetIssuerOverride makes the discovery document and every token claim
// this issuer instead of Issuer() ("" restores honest behaviour).
func (p *OIDCProvider) SetIssuerOverride(issuer string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.issuerOverride = issuer
}

// LastAuthorizeQuery is the parameters of the latest /authorize request.
func (p *OIDCProvider) LastAuthorizeQuery() url.Values {
	p.mu.Lock()
	defer p.mu.Unlock()
	return cloneValues(p.lastAuthorize)
}

// LastNonce is the nonce of the latest /authorize request.
func (p *OIDCProvider) LastNonce() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastNonce
}

// DiscoveryRequests counts requests for the discovery document.
func (p *OIDCProvider) DiscoveryRequests() int { return p.count(&p.discoveryRequests) }

// AuthorizeRequests counts /authorize requests.
func (p *OIDCProvider) AuthorizeRequests() int { return p.count(&p.authorizeRequests) }

// TokenRequests counts token endpoint requests.
func (p *OIDCProvider) TokenRequests() int { return p.count(&p.tokenRequests) }

// JWKSFetches counts JWKS requests.
func (p *OIDCProvider) JWKSFetches() int { return p.count(&p.jwksFetches) }

// UserinfoRequests counts userinfo requests.
func (p *OIDCProvider) UserinfoRequests() int { return p.count(&p.userinfoRequests) }

func (p *OIDCProvider) count(n *int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return *n
}

func (p *OIDCProvider) effectiveIssuer() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.issuerLocked()
}

func (p *OIDCProvider) issuerLocked() string {
	if p.issuerOverride != "" {
		return p.issuerOverride
	}
	return p.Issuer()
}

func (p *OIDCProvider) handleDiscovery(w http.ResponseWriter, _ *http.Request) {
	p.mu.Lock()
	p.discoveryRequests++
	down, issuer := p.discoveryDown, p.issuerLocked()
	p.mu.Unlock()
	if down {
		oauthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "discovery is down")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                issuer,
		"authorization_endpoint":                p.AuthorizeURL(),
		"token_endpoint":                        p.TokenURL(),
		"jwks_uri":                              p.JWKSURL(),
		"userinfo_endpoint":                     p.UserinfoURL(),
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"grant_types_supported":                 []string{"authorization_code", "client_credentials"},
		"scopes_supported":                      []string{"openid", "profile", "email"},
		"id_token_signing_alg_values_supported": []string{p.opts.Alg},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}

// handleAuthorize approves at once: the user is "already signed in". Errors
// about the client or redirect_uri are shown, not redirected (RFC 6749
// 4.1.2.1), so a bad redirect_uri never receives anything.
func (p *OIDCProvider) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	q := r.Form
	p.mu.Lock()
	defer p.mu.Unlock()
	p.authorizeRequests++
	p.lastAuthorize = cloneValues(q)
	p.lastNonce = q.Get("nonce")

	clientID := q.Get("client_id")
	if _, ok := p.clients[clientID]; !ok {
		p.t.Logf("oidc provider: /authorize: unknown client_id %q", clientID)
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	}
	redirectURI := q.Get("redirect_uri")
	back, err := url.Parse(redirectURI)
	if redirectURI == "" || err != nil || !back.IsAbs() ||
		(len(p.opts.RedirectURIs) > 0 && !slices.Contains(p.opts.RedirectURIs, redirectURI)) {
		p.t.Logf("oidc provider: /authorize: bad redirect_uri %q", redirectURI)
		http.Error(w, "invalid redirect_uri", http.StatusBadRequest)
		return
	}
	redirect := func(params url.Values) {
		if state := q.Get("state"); state != "" {
			params.Set("state", state)
		}
		v := back.Query()
		for k, vs := range params {
			v[k] = vs
		}
		u := *back
		u.RawQuery = v.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
	fail := func(code, desc string) {
		p.t.Logf("oidc provider: /authorize: %s: %s", code, desc)
		redirect(url.Values{"error": {code}, "error_description": {desc}})
	}
	challenge := q.Get("code_challenge")
	switch {
	case p.authorizeError != "":
		fail(p.authorizeError, "injected by the test")
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "only response_type=code is supported")
	case !slices.Contains(strings.Fields(q.Get("scope")), "openid"):
		fail("invalid_scope", "scope must include openid")
	case q.Get("code_challenge_method") != "S256":
		fail("invalid_request", "PKCE with code_challenge_method=S256 is required")
	case len(challenge) != 43 || !isBase64URL(challenge):
		fail("invalid_request", "code_challenge must be BASE64URL(SHA256(verifier))")
	default:
		code := randomToken()
		now := p.now()
		p.codes[code] = &oidcCode{
			clientID:    clientID,
			redirectURI: redirectURI,
			challenge:   challenge,
			nonce:       q.Get("nonce"),
			scope:       q.Get("scope"),
			user:        maps.Clone(p.user),
			authTime:    now,
			expires:     now.Add(codeLifetime),
		}
		redirect(url.Values{"code": {code}})
	}
}

func (p *OIDCProvider) handleToken(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tokenRequests++
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	if p.tokenDown {
		oauthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "token endpoint is down")
		return
	}
	if r.Method != http.MethodPost {
		oauthError(w, http.StatusMethodNotAllowed, "invalid_request", "POST required")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "unreadable form")
		return
	}
	form := r.PostForm

	// Client authentication: exactly one of client_secret_basic (whose
	// parts are form-encoded, RFC 6749 2.3.1) or client_secret_post.
	basicID, basicSecret, hasBasic := r.BasicAuth()
	if hasBasic {
		basicID, _ = url.QueryUnescape(basicID)
		basicSecret, _ = url.QueryUnescape(basicSecret)
	}
	var clientID, secret string
	switch {
	case hasBasic && form.Get("client_secret") != "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "more than one client authentication method")
		return
	case hasBasic:
		if id := form.Get("client_id"); id != "" && id != basicID {
			oauthError(w, http.StatusBadRequest, "invalid_request", "client_id does not match the credentials")
			return
		}
		clientID, secret = basicID, basicSecret
	case form.Get("client_secret") != "":
		clientID, secret = form.Get("client_id"), form.Get("client_secret")
	}
	want, known := p.clients[clientID]
	if clientID == "" || !known || subtle.ConstantTimeCompare([]byte(secret), []byte(want)) != 1 {
		if hasBasic {
			w.Header().Set("WWW-Authenticate", `Basic realm="oidc-test"`)
		}
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}

	switch form.Get("grant_type") {
	case "authorization_code":
		p.exchangeCode(w, clientID, form)
	case "client_credentials":
		now := p.now()
		claims := map[string]any{
			"iss":       p.issuerLocked(),
			"sub":       clientID,
			"client_id": clientID,
			"aud":       p.accessAudience(clientID),
			"iat":       now.Unix(),
			"exp":       now.Add(p.opts.TokenLifetime).Unix(),
			"jti":       randomHex(8),
		}
		if s := form.Get("scope"); s != "" {
			claims["scope"] = s
		}
		p.issue(w, claims, nil, "")
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type not supported")
	}
}

// exchangeCode redeems an authorization code. Any redemption attempt by
// the right client consumes the code, so a failed PKCE check cannot be
// retried with another verifier.
func (p *OIDCProvider) exchangeCode(w http.ResponseWriter, clientID string, form url.Values) {
	c := p.codes[form.Get("code")]
	switch {
	case c == nil:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown code")
		return
	case c.clientID != clientID:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "code was issued to another client")
		return
	case c.used:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "code already used")
		return
	}
	c.used = true
	verifier := form.Get("code_verifier")
	sum := sha256.Sum256([]byte(verifier))
	switch {
	case p.now().After(c.expires):
		oauthError(w, http.StatusBadRequest, "invalid_grant", "code expired")
	case form.Get("redirect_uri") != c.redirectURI:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match")
	case verifier != "" && (len(verifier) < 43 || len(verifier) > 128 || !isPKCEVerifier(verifier)):
		oauthError(w, http.StatusBadRequest, "invalid_request", "malformed code_verifier")
	case verifier == "" || base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
	default:
		now := p.now()
		exp := now.Add(p.opts.TokenLifetime).Unix()
		id := map[string]any{
			"iss":       p.issuerLocked(),
			"aud":       clientID,
			"iat":       now.Unix(),
			"exp":       exp,
			"auth_time": c.authTime.Unix(),
		}
		if c.nonce != "" {
			id["nonce"] = c.nonce
		}
		mergeClaims(id, c.user)
		if p.nonceOverride != "" {
			id["nonce"] = p.nonceOverride
		}
		access := map[string]any{
			"iss":       p.issuerLocked(),
			"client_id": clientID,
			"aud":       p.accessAudience(clientID),
			"scope":     c.scope,
			"iat":       now.Unix(),
			"exp":       exp,
			"jti":       randomHex(8),
		}
		user := maps.Clone(c.user)
		for _, k := range []string{"aud", "nonce", "azp", "auth_time", "token_use"} {
			delete(user, k)
		}
		mergeClaims(access, user)
		p.issue(w, access, id, c.scope)
	}
}

// issue signs and answers the tokens; called with p.mu held.
func (p *OIDCProvider) issue(w http.ResponseWriter, access, id map[string]any, scope string) {
	mergeClaims(access, p.accessClaims)
	at, err := p.signLocked(access)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	p.accessTokens[at] = access
	resp := map[string]any{
		"access_token": at,
		"token_type":   "Bearer",
		"expires_in":   int(p.opts.TokenLifetime.Seconds()),
	}
	if scope != "" {
		resp["scope"] = scope
	}
	if id != nil && !p.omitIDToken {
		idt, err := p.signLocked(id)
		if err != nil {
			oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
			return
		}
		resp["id_token"] = idt
	}
	writeJSON(w, http.StatusOK, resp)
}

// signLocked signs exactly these claims with the current key.
func (p *OIDCProvider) signLocked(claims map[string]any) (string, error) {
	tok := jwt.NewWithClaims(p.key.method, jwt.MapClaims(claims))
	tok.Header["kid"] = p.key.kid
	return tok.SignedString(p.key.priv)
}

func (p *OIDCProvider) accessAudience(clientID string) any {
	switch aud := p.opts.AccessTokenAudience; len(aud) {
	case 0:
		return clientID
	case 1:
		return aud[0]
	default:
		return slices.Clone(aud)
	}
}

func (p *OIDCProvider) handleJWKS(w http.ResponseWriter, _ *http.Request) {
	p.mu.Lock()
	p.jwksFetches++
	down := p.jwksDown
	keys := append([]*oidcKey{p.key}, p.oldKeys...)
	p.mu.Unlock()
	if down {
		oauthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "jwks is down")
		return
	}
	set := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		jwk, err := JWKFor(k.kid, k.alg, k.priv.Public())
		if err != nil {
			oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
			return
		}
		set = append(set, jwk)
	}
	w.Header().Set("Cache-Control", "max-age=300")
	writeJSON(w, http.StatusOK, map[string]any{"keys": set})
}

func (p *OIDCProvider) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.userinfoRequests++
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	claims := p.accessTokens[raw]
	if !ok || claims == nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		oauthError(w, http.StatusUnauthorized, "invalid_token", "unknown access token")
		return
	}
	if exp, _ := claims["exp"].(int64); exp != 0 && p.now().Unix() > exp {
		oauthError(w, http.StatusUnauthorized, "invalid_token", "access token expired")
		return
	}
	info := maps.Clone(claims)
	for _, k := range []string{"iss", "aud", "exp", "iat", "jti", "scope", "client_id", "token_use"} {
		delete(info, k)
	}
	writeJSON(w, http.StatusOK, info)
}

// NewSigningKey generates a key for alg (RS256, PS256, ES256, EdDSA), e.g.
// an attacker's key for "signed by the wrong key" tests.
func NewSigningKey(t testing.TB, alg string) crypto.Signer {
	t.Helper()
	k, err := newOIDCKey(alg)
	if err != nil {
		t.Fatalf("oidc provider: %v", err)
	}
	return k.priv
}

// SigningMethod is the golang-jwt method for alg, nil if unsupported.
func SigningMethod(alg string) jwt.SigningMethod {
	switch alg {
	case "RS256", "PS256", "ES256", "EdDSA":
		return jwt.GetSigningMethod(alg)
	}
	return nil
}

func newOIDCKey(alg string) (*oidcKey, error) {
	var (
		priv crypto.Signer
		err  error
	)
	switch alg {
	case "RS256", "PS256":
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case "ES256":
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "EdDSA":
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		return nil, fmt.Errorf("unsupported alg %q", alg)
	}
	if err != nil {
		return nil, err
	}
	return &oidcKey{kid: randomHex(8), alg: alg, priv: priv, method: SigningMethod(alg)}, nil
}

// JWKFor is the public JWK (kty, kid, alg, use sig and the key's
// parameters) of an RSA, P-256 or Ed25519 public key, e.g. to embed an
// attacker's key in a "jwk" header.
func JWKFor(kid, alg string, pub crypto.PublicKey) (map[string]any, error) {
	b64 := base64.RawURLEncoding.EncodeToString
	jwk := map[string]any{"kid": kid, "alg": alg, "use": "sig"}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		jwk["kty"] = "RSA"
		jwk["n"] = b64(k.N.Bytes())
		jwk["e"] = b64(big.NewInt(int64(k.E)).Bytes())
	case *ecdsa.PublicKey:
		ek, err := k.ECDH()
		if err != nil || k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("only P-256 EC keys are supported")
		}
		raw := ek.Bytes() // 0x04 || X || Y, 32 bytes each
		jwk["kty"] = "EC"
		jwk["crv"] = "P-256"
		jwk["x"] = b64(raw[1:33])
		jwk["y"] = b64(raw[33:])
	case ed25519.PublicKey:
		jwk["kty"] = "OKP"
		jwk["crv"] = "Ed25519"
		jwk["x"] = b64(k)
	default:
		return nil, fmt.Errorf("unsupported public key type %T", pub)
	}
	return jwk, nil
}

// mergeClaims copies src over dst; a nil value deletes the key.
func mergeClaims(dst, src map[string]any) {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
		} else {
			dst[k] = v
		}
	}
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func isBase64URL(s string) bool {
	return strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == ""
}

// isPKCEVerifier checks RFC 7636's unreserved alphabet.
func isPKCEVerifier(s string) bool {
	return strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") == ""
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
