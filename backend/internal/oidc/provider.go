package oidc

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
)

// Provider types.
const (
	TypeCognito  = "cognito"
	TypeOkta     = "okta"
	TypeEntra    = "entra"
	TypeKeycloak = "keycloak"
	TypeGeneric  = "generic"
)

// discoveryRetry is the least time between two discovery attempts after a
// failure, so a down IdP is not hammered by every sign-in and bearer token.
const discoveryRetry = 10 * time.Second

// ProviderConfig describes one identity provider. Only the fields of its
// Type matter; Resolve derives the rest.
type ProviderConfig struct {
	ID            string
	Type          string // cognito, okta, entra, keycloak or generic
	DisplayName   string
	ClientID      string
	ClientSecret  string
	Issuer        string
	DiscoveryURL  string
	AuthorizeURL  string
	TokenURL      string
	JWKSURL       string
	Scopes        []string
	GroupsClaim   string
	UsernameClaim string
	Audiences     []string
	// ClientIDs, when set, are the only OAuth clients whose access tokens
	// are accepted (the client_id, cid, azp or appid claim): the audience
	// of an authorization server may be shared by every application of the
	// organisation (Okta's api://default).
	ClientIDs []string

	Region     string // cognito
	UserPoolID string // cognito
	// Domain is the Cognito hosted-UI domain, e.g.
	// https://myapp.auth.us-east-1.amazoncognito.com.
	Domain       string
	TenantURL    string // okta, e.g. https://example.okta.com
	AuthServerID string // okta: "" means "default"; "org" means the org server
	TenantID     string // entra: the directory (tenant) GUID
	BaseURL      string // keycloak, e.g. https://sso.example.com (with /auth for old versions)
	Realm        string // keycloak
}

var (
	providerIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	// cognitoPoolPattern is a user pool ID: region, underscore, id.
	cognitoPoolPattern = regexp.MustCompile(`^([a-z]{2}(?:-[a-z]+)+-\d+)_[A-Za-z0-9]+$`)
	regionPattern      = regexp.MustCompile(`^[a-z]{2}(?:-[a-z]+)+-\d+$`)
	// pathSegmentPattern keeps configured IDs from changing a URL's shape.
	pathSegmentPattern = regexp.MustCompile(`^[A-Za-z0-9._~-]+$`)
)

// Resolve validates c and fills in the defaults of its type. Errors start
// with the snake_case name of the offending field ("client_id: is required").
func (c ProviderConfig) Resolve() (ProviderConfig, error) {
	c.Type = strings.ToLower(strings.TrimSpace(c.Type))
	c.Scopes = slices.Clone(c.Scopes)
	c.Audiences = nonEmpty(c.Audiences)
	c.ClientIDs = nonEmpty(c.ClientIDs)
	if !providerIDPattern.MatchString(c.ID) {
		return c, errors.New("id: must be 1-64 letters, digits, '-' or '_'")
	}
	if c.ClientID == "" {
		return c, errors.New("client_id: is required")
	}
	for _, f := range []struct {
		name string
		val  *string
	}{{"issuer", &c.Issuer}, {"discovery_url", &c.DiscoveryURL}, {"authorize_url", &c.AuthorizeURL},
		{"token_url", &c.TokenURL}, {"jwks_url", &c.JWKSURL}, {"tenant_url", &c.TenantURL},
		{"base_url", &c.BaseURL}} {
		if *f.val == "" {
			continue
		}
		if err := checkURL(*f.val); err != nil {
			return c, fmt.Errorf("%s: %w", f.name, err)
		}
	}
	trim := func(s string) string { return strings.TrimRight(s, "/") }
	displayName := ""
	switch c.Type {
	case TypeCognito:
		displayName = "AWS Cognito"
		if c.Region == "" {
			if m := cognitoPoolPattern.FindStringSubmatch(c.UserPoolID); m != nil {
				c.Region = m[1]
			}
		}
		if c.Issuer == "" {
			if c.UserPoolID == "" {
				return c, errors.New("user_pool_id: is required")
			}
			if !cognitoPoolPattern.MatchString(c.UserPoolID) {
				return c, errors.New("user_pool_id: must look like us-east-1_AbC123")
			}
			if !regionPattern.MatchString(c.Region) {
				return c, errors.New("region: must look like us-east-1")
			}
			c.Issuer = "https://cognito-idp." + c.Region + ".amazonaws.com/" + c.UserPoolID
		}
		if c.Domain != "" {
			if !strings.Contains(c.Domain, "://") {
				c.Domain = "https://" + c.Domain
			}
			if err := checkURL(c.Domain); err != nil {
				return c, fmt.Errorf("domain: %w", err)
			}
			c.Domain = trim(c.Domain)
			c.AuthorizeURL = orDefault(c.AuthorizeURL, c.Domain+"/oauth2/authorize")
			c.TokenURL = orDefault(c.TokenURL, c.Domain+"/oauth2/token")
		}
		c.JWKSURL = orDefault(c.JWKSURL, trim(c.Issuer)+"/.well-known/jwks.json")
		c.GroupsClaim = orDefault(c.GroupsClaim, "cognito:groups")
	case TypeOkta:
		displayName = "Okta"
		isDefault := c.AuthServerID == "" || c.AuthServerID == "default"
		if c.Issuer == "" {
			if c.TenantURL == "" {
				return c, errors.New("tenant_url: is required")
			}
			switch {
			case isDefault:
				c.Issuer = trim(c.TenantURL) + "/oauth2/default"
			case c.AuthServerID == "org":
				c.Issuer = trim(c.TenantURL)
			case pathSegmentPattern.MatchString(c.AuthServerID):
				c.Issuer = trim(c.TenantURL) + "/oauth2/" + c.AuthServerID
			default:
				return c, errors.New("auth_server_id: is not a valid authorization server ID")
			}
		}
		c.GroupsClaim = orDefault(c.GroupsClaim, "groups")
		if len(c.Audiences) == 0 && isDefault && c.AuthServerID != "org" {
			c.Audiences = []string{"api://default", c.ClientID}
			// api://default is every application's audience on the default
			// server: accept only this client's tokens unless told more.
			if len(c.ClientIDs) == 0 {
				c.ClientIDs = []string{c.ClientID}
			}
		}
	case TypeEntra:
		displayName = "Microsoft Entra ID"
		if c.Issuer == "" {
			switch strings.ToLower(c.TenantID) {
			case "":
				return c, errors.New("tenant_id: is required")
			case "common", "organizations", "consumers":
				// Their tokens carry each tenant's own issuer: accepting
				// them would let any Microsoft tenant sign in.
				return c, errors.New("tenant_id: must be the directory (tenant) ID, not a multi-tenant alias")
			}
			if !pathSegmentPattern.MatchString(c.TenantID) {
				return c, errors.New("tenant_id: is not a valid tenant ID")
			}
			c.Issuer = "https://login.microsoftonline.com/" + c.TenantID + "/v2.0"
		}
		c.GroupsClaim = orDefault(c.GroupsClaim, "roles")
		if len(c.Audiences) == 0 {
			c.Audiences = []string{c.ClientID, "api://" + c.ClientID}
		}
	case TypeKeycloak:
		displayName = "Keycloak"
		if c.Issuer == "" {
			if c.BaseURL == "" {
				return c, errors.New("base_url: is required")
			}
			if c.Realm == "" {
				return c, errors.New("realm: is required")
			}
			if !pathSegmentPattern.MatchString(c.Realm) {
				return c, errors.New("realm: is not a valid realm name")
			}
			c.Issuer = trim(c.BaseURL) + "/realms/" + c.Realm
		}
		c.GroupsClaim = orDefault(c.GroupsClaim, "groups")
	case TypeGeneric:
		displayName = c.ID
		if c.Issuer == "" && c.DiscoveryURL == "" {
			return c, errors.New("issuer: is required (or discovery_url)")
		}
		c.GroupsClaim = orDefault(c.GroupsClaim, "groups")
	case "":
		return c, errors.New("type: is required")
	default:
		return c, fmt.Errorf("type: must be one of cognito, okta, entra, keycloak, generic")
	}
	if c.DiscoveryURL == "" && (c.AuthorizeURL == "" || c.TokenURL == "" || c.JWKSURL == "") {
		c.DiscoveryURL = trim(c.Issuer) + "/.well-known/openid-configuration"
	}
	c.DisplayName = orDefault(c.DisplayName, displayName)
	if len(c.Scopes) == 0 {
		c.Scopes = []string{"openid", "profile", "email"}
	} else if !slices.Contains(c.Scopes, "openid") {
		c.Scopes = append([]string{"openid"}, c.Scopes...)
	}
	if len(c.Audiences) == 0 {
		c.Audiences = []string{c.ClientID}
	}
	return c, nil
}

// orDefault returns v, or def when v is empty.
func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// checkURL accepts absolute http(s) URLs without credentials or fragments.
// Plain http is allowed for IdPs on a private network (a dev Keycloak).
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("is not a valid URL")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return errors.New("must be an http(s) URL")
	}
	if u.Host == "" || u.User != nil || u.Fragment != "" {
		return errors.New("must be an absolute URL without credentials or fragment")
	}
	return nil
}

// ProviderOptions are a Provider's runtime knobs.
type ProviderOptions struct {
	HTTPClient *http.Client
	// RedirectURL is the gateway's callback URL registered at the IdP.
	RedirectURL     string
	RefetchCooldown time.Duration // JWKS refetch cooldown
	Leeway          time.Duration
	Now             func() time.Time
}

// Endpoints are a provider's resolved URLs.
type Endpoints struct {
	Issuer    string
	Authorize string
	Token     string
	JWKS      string
}

// Tokens are what the token endpoint returned for an authorization code.
type Tokens struct {
	IDToken     string
	AccessToken string
}

// Identity is who a verified token says the user is.
type Identity struct {
	Subject     string
	Username    string
	Email       string
	DisplayName string
	Groups      []string
}

// resolved is everything that depends on discovery, built once.
type resolved struct {
	ep     Endpoints
	keys   *KeySet
	id     *Verifier
	access *Verifier
	oauth  oauth2.Config
}

// Provider is one configured identity provider. Discovery happens on first
// use, not at construction, so the gateway starts while an IdP is down.
// It is safe for concurrent use.
type Provider struct {
	cfg    ProviderConfig
	o      ProviderOptions
	client *http.Client

	ready atomic.Pointer[resolved]

	mu          sync.Mutex // serialises discovery
	lastAttempt time.Time
	lastErr     error
}

// NewProvider resolves c and returns its Provider; it does no network I/O.
func NewProvider(c ProviderConfig, o ProviderOptions) (*Provider, error) {
	rc, err := c.Resolve()
	if err != nil {
		return nil, err
	}
	if o.RedirectURL != "" {
		if err := checkURL(o.RedirectURL); err != nil {
			return nil, fmt.Errorf("redirect_url: %w", err)
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	p := &Provider{cfg: rc, o: o, client: o.HTTPClient}
	if p.client == nil {
		p.client = &http.Client{Timeout: fetchTimeout}
	}
	return p, nil
}

// ID is the provider's configured identifier.
func (p *Provider) ID() string { return p.cfg.ID }

// DisplayName is the name shown on the sign-in button.
func (p *Provider) DisplayName() string { return p.cfg.DisplayName }

// Type is the provider type (TypeCognito, ...).
func (p *Provider) Type() string { return p.cfg.Type }

// Config returns a copy of the resolved configuration, client secret
// included: never log it whole.
func (p *Provider) Config() ProviderConfig {
	c := p.cfg
	c.Scopes = slices.Clone(c.Scopes)
	c.Audiences = slices.Clone(c.Audiences)
	c.ClientIDs = slices.Clone(c.ClientIDs)
	return c
}

// Issuer is the issuer tokens must carry: the configured one, or for a
// generic provider configured by discovery URL alone the discovered one
// ("" until discovery has succeeded).
func (p *Provider) Issuer() string {
	if r := p.ready.Load(); r != nil {
		return r.ep.Issuer
	}
	return p.cfg.Issuer
}

// Endpoints returns the provider's URLs, running discovery on first use.
// A success is cached for the Provider's life; after a failure discovery is
// retried at most once per 10 seconds.
func (p *Provider) Endpoints(ctx context.Context) (Endpoints, error) {
	r, err := p.resolve(ctx)
	if err != nil {
		return Endpoints{}, err
	}
	return r.ep, nil
}

// Ping reports whether the provider answers: its signing keys (the JWKS
// document) can be fetched, after discovery when that is how its URLs are
// known. Nothing is cached from it; readiness reports use it.
func (p *Provider) Ping(ctx context.Context) error {
	ep, err := p.Endpoints(ctx)
	if err != nil {
		return err
	}
	if _, err := getJSON(ctx, p.client, ep.JWKS, DefaultJWKSMaxBytes); err != nil {
		return fmt.Errorf("provider %s: %w: %w", p.cfg.ID, ErrProviderUnavailable, err)
	}
	return nil
}

func (p *Provider) resolve(ctx context.Context) (*resolved, error) {
	if r := p.ready.Load(); r != nil {
		return r, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if r := p.ready.Load(); r != nil {
		return r, nil
	}
	now := p.o.Now()
	if p.lastErr != nil && now.Sub(p.lastAttempt) < discoveryRetry {
		return nil, p.lastErr
	}
	p.lastAttempt = now
	r, err := p.build(ctx)
	if err != nil {
		p.lastErr = fmt.Errorf("provider %s: %w: %w", p.cfg.ID, ErrProviderUnavailable, err)
		return nil, p.lastErr
	}
	p.lastErr = nil
	p.ready.Store(r)
	return r, nil
}

// build runs discovery when needed and assembles the verifiers.
func (p *Provider) build(ctx context.Context) (*resolved, error) {
	c := p.cfg
	ep := Endpoints{Issuer: c.Issuer, Authorize: c.AuthorizeURL, Token: c.TokenURL, JWKS: c.JWKSURL}
	if ep.Issuer == "" || ep.Authorize == "" || ep.Token == "" || ep.JWKS == "" {
		d, err := p.discover(ctx)
		if err != nil {
			return nil, err
		}
		// The discovered issuer must be the configured one exactly: the
		// document could otherwise point the gateway at another issuer's keys.
		if ep.Issuer != "" && d.Issuer != ep.Issuer {
			return nil, fmt.Errorf("discovery: issuer %q does not match the configured issuer %q",
				clip(d.Issuer), ep.Issuer)
		}
		ep.Issuer = orDefault(ep.Issuer, d.Issuer)
		ep.Authorize = orDefault(ep.Authorize, d.Authorize)
		ep.Token = orDefault(ep.Token, d.Token)
		ep.JWKS = orDefault(ep.JWKS, d.JWKS)
	}
	for _, f := range []struct{ name, val string }{{"issuer", ep.Issuer}, {"authorization_endpoint", ep.Authorize},
		{"token_endpoint", ep.Token}, {"jwks_uri", ep.JWKS}} {
		if f.val == "" {
			return nil, fmt.Errorf("discovery: %s is missing", f.name)
		}
		if err := checkURL(f.val); err != nil {
			return nil, fmt.Errorf("discovery: %s %w", f.name, err)
		}
	}
	keys := NewKeySet(ep.JWKS, KeySetOptions{HTTPClient: p.client, RefetchCooldown: p.o.RefetchCooldown, Now: p.o.Now})
	id, err := NewVerifier(keys, VerifyOptions{Issuer: ep.Issuer, Audiences: []string{c.ClientID},
		Leeway: p.o.Leeway, Now: p.o.Now})
	if err != nil {
		return nil, err
	}
	ao := VerifyOptions{Issuer: ep.Issuer, Audiences: c.Audiences, Leeway: p.o.Leeway, Now: p.o.Now}
	if c.Type == TypeCognito {
		// Cognito access tokens have no aud; Audiences name extra app clients.
		ao.CognitoClientIDs = nonEmpty(append(append([]string{c.ClientID}, c.Audiences...), c.ClientIDs...))
	}
	access, err := NewVerifier(keys, ao)
	if err != nil {
		return nil, err
	}
	style := oauth2.AuthStyleAutoDetect
	if c.ClientSecret == "" {
		style = oauth2.AuthStyleInParams // a public client: only client_id is sent
	}
	return &resolved{ep: ep, keys: keys, id: id, access: access, oauth: oauth2.Config{
		ClientID: c.ClientID, ClientSecret: c.ClientSecret, RedirectURL: p.o.RedirectURL,
		Scopes:   slices.Clone(c.Scopes),
		Endpoint: oauth2.Endpoint{AuthURL: ep.Authorize, TokenURL: ep.Token, AuthStyle: style},
	}}, nil
}

// discover fetches the OpenID Provider metadata document. It runs detached
// from the caller's cancellation: a failure is remembered for everyone for
// 10 seconds, so one client hanging up must not count as the IdP failing.
func (p *Provider) discover(ctx context.Context) (Endpoints, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
	defer cancel()
	body, err := getJSON(ctx, p.client, p.cfg.DiscoveryURL, DefaultJWKSMaxBytes)
	if err != nil {
		return Endpoints{}, fmt.Errorf("discovery: %w", err)
	}
	var d struct {
		Issuer    string `json:"issuer"`
		Authorize string `json:"authorization_endpoint"`
		Token     string `json:"token_endpoint"`
		JWKS      string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		return Endpoints{}, fmt.Errorf("discovery: decode: %w", err)
	}
	return Endpoints{Issuer: d.Issuer, Authorize: d.Authorize, Token: d.Token, JWKS: d.JWKS}, nil
}

// AuthCodeURL is where to send the browser to sign in: the authorization
// code flow with PKCE (S256 only) and an OIDC nonce. state, nonce and the
// PKCE verifier are the caller's to generate and keep.
func (p *Provider) AuthCodeURL(ctx context.Context, state, nonce, verifier string) (string, error) {
	if p.o.RedirectURL == "" {
		return "", errors.New("redirect_url: is required for sign-in")
	}
	if state == "" || nonce == "" {
		return "", errors.New("state and nonce are required")
	}
	if err := checkVerifier(verifier); err != nil {
		return "", err
	}
	r, err := p.resolve(ctx)
	if err != nil {
		return "", err
	}
	return r.oauth.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("nonce", nonce)), nil
}

// checkVerifier enforces RFC 7636's verifier syntax: 43-128 unreserved
// characters (oauth2.GenerateVerifier makes such).
func checkVerifier(v string) error {
	if len(v) < 43 || len(v) > 128 || !pathSegmentPattern.MatchString(v) {
		return errors.New("PKCE verifier must be 43-128 unreserved characters")
	}
	return nil
}

// Exchange redeems an authorization code at the token endpoint, proving
// possession of the PKCE verifier. The ID token is returned unverified:
// pass it to VerifyIDToken.
func (p *Provider) Exchange(ctx context.Context, code, verifier string) (Tokens, error) {
	if code == "" {
		return Tokens{}, errors.New("authorization code is missing")
	}
	if err := checkVerifier(verifier); err != nil {
		return Tokens{}, err
	}
	r, err := p.resolve(ctx)
	if err != nil {
		return Tokens{}, err
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, p.client)
	tok, err := r.oauth.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			// Only the OAuth error code and description: the raw body is
			// the IdP's to word and need not be safe to log.
			status := 0
			if re.Response != nil {
				status = re.Response.StatusCode
			}
			return Tokens{}, fmt.Errorf("token endpoint answered %d: %s %s", status, clip(re.ErrorCode),
				clip(re.ErrorDescription))
		}
		return Tokens{}, fmt.Errorf("token exchange: %w", err)
	}
	idt, _ := tok.Extra("id_token").(string)
	if idt == "" {
		return Tokens{}, errors.New("token endpoint returned no id_token")
	}
	return Tokens{IDToken: idt, AccessToken: tok.AccessToken}, nil
}

// VerifyIDToken verifies an ID token from the code flow: aud must contain
// the client ID, azp (when present, and required with several audiences)
// must be the client ID, nonce must match, and Cognito's token_use must be
// "id".
func (p *Provider) VerifyIDToken(ctx context.Context, raw, nonce string) (Claims, error) {
	if nonce == "" {
		return nil, invalid("nonce is required to verify an ID token")
	}
	r, err := p.resolve(ctx)
	if err != nil {
		return nil, err
	}
	c, err := r.id.Verify(ctx, raw, nonce)
	if err != nil {
		return nil, err
	}
	azp := c.String("azp")
	if len(c.Strings("aud")) > 1 && azp == "" {
		return nil, invalid("azp is required when aud has several values")
	}
	if azp != "" && subtle.ConstantTimeCompare([]byte(azp), []byte(p.cfg.ClientID)) != 1 {
		return nil, invalid("azp is not this client")
	}
	if p.cfg.Type == TypeCognito && c.String("token_use") != "id" {
		return nil, invalid("token_use is %q, want \"id\"", clip(c.String("token_use")))
	}
	return c, nil
}

// VerifyAccessToken verifies an access token sent as a bearer token: aud
// must be one of the configured Audiences (Cognito: token_use "access" and
// client_id one of the client IDs).
func (p *Provider) VerifyAccessToken(ctx context.Context, raw string) (Claims, error) {
	r, err := p.resolve(ctx)
	if err != nil {
		return nil, err
	}
	c, err := r.access.Verify(ctx, raw, "")
	if err != nil {
		return nil, err
	}
	if err := p.accessTokenShape(c); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	return c, nil
}

// accessTokenShape refuses tokens that verify but are not access tokens
// for this gateway. An ID token has the gateway's client id as audience,
// which is also an accepted access-token audience for most providers, so it
// is told apart by the claims only ID tokens carry (every ID token the
// gateway's own sign-ins obtain has a nonce). Keycloak marks its tokens
// with a typ claim. With ClientIDs set, the token must have been issued to
// one of those clients.
func (p *Provider) accessTokenShape(c Claims) error {
	for _, k := range []string{"nonce", "at_hash", "c_hash"} {
		if _, ok := c[k]; ok {
			return fmt.Errorf("an ID token (it has %s), not an access token", k)
		}
	}
	if typ := c.String("typ"); strings.EqualFold(typ, "ID") || strings.EqualFold(typ, "id_token") {
		return errors.New("an ID token (typ " + typ + "), not an access token")
	}
	if len(p.cfg.ClientIDs) > 0 && p.cfg.Type != TypeCognito {
		client := c.FirstString("client_id", "cid", "azp", "appid")
		if !slices.Contains(p.cfg.ClientIDs, client) {
			return fmt.Errorf("issued to client %q, which is not accepted", clip(client))
		}
	}
	return nil
}

// Identity extracts who the verified claims c describe. Groups come from
// Groups, so errors.Is(err, ErrGroupsOverage) when the IdP left them out.
func (p *Provider) Identity(c Claims) (Identity, error) {
	id := Identity{Subject: c.String("sub"), Email: c.String("email")}
	if id.Subject == "" {
		return Identity{}, errors.New("token has no sub")
	}
	if p.cfg.UsernameClaim != "" {
		id.Username = c.String(p.cfg.UsernameClaim)
	}
	if id.Username == "" {
		switch p.cfg.Type {
		case TypeCognito:
			id.Username = c.FirstString("cognito:username", "username")
		case TypeEntra:
			id.Username = c.FirstString("preferred_username", "upn", "email")
		default:
			id.Username = c.FirstString("preferred_username", "email")
		}
	}
	// Machine-to-machine tokens name the client, not a user.
	id.Username = orDefault(orDefault(id.Username, c.String("client_id")), id.Subject)
	id.DisplayName = c.String("name")
	if id.DisplayName == "" {
		id.DisplayName = strings.TrimSpace(c.String("given_name") + " " + c.String("family_name"))
	}
	id.DisplayName = orDefault(id.DisplayName, id.Username)
	groups, err := Groups(c, p.cfg.Type, p.cfg.GroupsClaim)
	if err != nil {
		return Identity{}, err
	}
	id.Groups = groups
	return id, nil
}
