package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mcpgw/mcpgw/backend/internal/auth"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/oidc"
)

// TokenService is the gateway's own credentials: signing keys, service
// accounts with the client-credentials grant, and personal access tokens.
type TokenService interface {
	JWKS(ctx context.Context) (oidc.JWKS, error)
	ClientCredentials(ctx context.Context, clientID, secret string) (*auth.IssuedToken, error)
	ListServiceAccounts(ctx context.Context) ([]*domain.ServiceAccount, error)
	CreateServiceAccount(ctx context.Context, actor *domain.Principal, in auth.NewServiceAccount) (*domain.ServiceAccount, string, error)
	GetServiceAccount(ctx context.Context, id int64) (*domain.ServiceAccount, error)
	UpdateServiceAccount(ctx context.Context, actor *domain.Principal, id int64, patch auth.ServiceAccountPatch) (*domain.ServiceAccount, error)
	DeleteServiceAccount(ctx context.Context, actor *domain.Principal, id int64) error
	RotateServiceAccountSecret(ctx context.Context, actor *domain.Principal, id int64) (*domain.ServiceAccount, string, error)
	RevokeServiceAccountTokens(ctx context.Context, actor *domain.Principal, id int64) (*domain.ServiceAccount, error)
	CreatePAT(ctx context.Context, actor *domain.Principal, in auth.NewPAT) (*domain.AccessToken, string, error)
	ListPATs(ctx context.Context, actor *domain.Principal, f auth.PATFilter, admin bool) ([]*domain.AccessToken, error)
	RevokePAT(ctx context.Context, actor *domain.Principal, id int64, admin bool) error
	ListSigningKeys(ctx context.Context) ([]*domain.SigningKey, error)
	RotateSigningKey(ctx context.Context, actor *domain.Principal) (*domain.SigningKey, error)
}

// tokenRoutes serves the token endpoint, the public keys, and the APIs
// that manage service accounts, personal access tokens and signing keys.
func (s *server) tokenRoutes(r *gin.Engine, api *gin.RouterGroup) {
	// Public: relying parties verify gateway tokens with these keys.
	r.GET("/.well-known/jwks.json", s.jwks)
	// OAuth 2 token endpoint: the client authenticates in the request
	// itself, so there is no session, cookie or CSRF check.
	r.POST("/oauth2/token", s.oauthToken)

	// Personal access tokens: authenticated → CSRF-checked; the service
	// decides whose tokens the caller may see and revoke.
	pat := api.Group("", s.requireAuth, s.requireCSRF)
	pat.GET("/tokens", s.listPATs)
	pat.POST("/tokens", s.createPAT)
	pat.DELETE("/tokens/:id", s.revokePAT)

	// Service accounts and signing keys: authenticated → CSRF-checked →
	// administrator.
	admin := api.Group("", s.requireAuth, s.requireCSRF, s.requireAdmin)
	admin.GET("/service-accounts", s.listServiceAccounts)
	admin.POST("/service-accounts", s.createServiceAccount)
	admin.GET("/service-accounts/:id", s.getServiceAccount)
	admin.PATCH("/service-accounts/:id", s.updateServiceAccount)
	admin.DELETE("/service-accounts/:id", s.deleteServiceAccount)
	admin.POST("/service-accounts/:id/secret", s.rotateServiceAccountSecret)
	admin.POST("/service-accounts/:id/revoke-tokens", s.revokeServiceAccountTokens)
	admin.GET("/signing-keys", s.listSigningKeys)
	admin.POST("/signing-keys/rotate", s.rotateSigningKey)
}

// --- DTOs ---

// JWKS is the gateway's JSON Web Key Set.
type JWKS struct {
	Keys []JWK `json:"keys"`
} //	@name	JWKS

// JWK is one public signing key (RFC 7517).
type JWK struct {
	Kty string `json:"kty" example:"EC"`
	Crv string `json:"crv" example:"P-256"`
	X   string `json:"x"`
	Y   string `json:"y"`
	Kid string `json:"kid"`
	Alg string `json:"alg" example:"ES256"`
	Use string `json:"use" example:"sig"`
} //	@name	JWK

// TokenResponse is a successful answer of the token endpoint (RFC 6749 §5.1).
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type" example:"Bearer"`
	// Seconds until the token expires.
	ExpiresIn int `json:"expires_in" example:"3600"`
} //	@name	TokenResponse

// OAuthError is a refusal of the token endpoint (RFC 6749 §5.2).
type OAuthError struct {
	Error            string `json:"error" enums:"invalid_request,invalid_client,unsupported_grant_type,temporarily_unavailable,server_error" example:"invalid_client"`
	ErrorDescription string `json:"error_description,omitempty" validate:"optional"`
} //	@name	OAuthError

// ServiceAccount is a non-human client of the gateway.
type ServiceAccount struct {
	ID          int64  `json:"id" example:"1"`
	Name        string `json:"name" example:"ci-deployer"`
	Description string `json:"description"`
	// The client_id of the client-credentials grant.
	ClientID string `json:"client_id" example:"mcpgw-sa-3f2a9c0d1e4b5a6f7e8d"`
	// Groups decide what the account may do, as for users.
	Groups    []string   `json:"groups"`
	Disabled  bool       `json:"disabled"`
	ExpiresAt *time.Time `json:"expires_at,omitempty" format:"date-time" validate:"optional"`
	// Tokens issued before this instant are refused.
	TokensNotBefore *time.Time `json:"tokens_not_before,omitempty" format:"date-time" validate:"optional"`
	CreatedBy       string     `json:"created_by"`
	CreatedAt       time.Time  `json:"created_at" format:"date-time"`
	UpdatedAt       time.Time  `json:"updated_at" format:"date-time"`
	LastUsedAt      *time.Time `json:"last_used_at,omitempty" format:"date-time" validate:"optional"`
} //	@name	ServiceAccount

func serviceAccountFrom(a *domain.ServiceAccount) ServiceAccount {
	return ServiceAccount{ID: a.ID, Name: a.Name, Description: a.Description, ClientID: a.ClientID, Groups: nonNil(a.Groups),
		Disabled: a.Disabled, ExpiresAt: utcPtr(a.ExpiresAt), TokensNotBefore: utcPtr(a.TokensNotBefore),
		CreatedBy: a.CreatedBy, CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC(), LastUsedAt: utcPtr(a.LastUsedAt)}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// ServiceAccountList is every service account.
type ServiceAccountList struct {
	Items []ServiceAccount `json:"items"`
} //	@name	ServiceAccountList

// ServiceAccountCredentials is a service account with its client secret,
// returned only when the secret is created: it is not stored and cannot be
// shown again.
type ServiceAccountCredentials struct {
	ServiceAccount ServiceAccount `json:"service_account"`
	ClientID       string         `json:"client_id" example:"mcpgw-sa-3f2a9c0d1e4b5a6f7e8d"`
	ClientSecret   string         `json:"client_secret"`
} //	@name	ServiceAccountCredentials

// CreateServiceAccountRequest is the body of POST /api/service-accounts.
type CreateServiceAccountRequest struct {
	Name        string     `json:"name" example:"ci-deployer"`
	Description string     `json:"description,omitempty" validate:"optional"`
	Groups      []string   `json:"groups,omitempty" validate:"optional"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty" format:"date-time" validate:"optional"`
} //	@name	CreateServiceAccountRequest

// UpdateServiceAccountRequest is the body of PATCH
// /api/service-accounts/{id}; absent fields stay as they are, and
// expires_at null removes the expiry.
type UpdateServiceAccountRequest struct {
	Description *string   `json:"description,omitempty" validate:"optional"`
	Groups      *[]string `json:"groups,omitempty" validate:"optional"`
	Disabled    *bool     `json:"disabled,omitempty" validate:"optional"`
	// An RFC 3339 time, or null for no expiry.
	ExpiresAt json.RawMessage `json:"expires_at,omitempty" swaggertype:"string" format:"date-time" extensions:"x-nullable" validate:"optional"`
} //	@name	UpdateServiceAccountRequest

// AccessToken is a personal access token, without the token itself.
type AccessToken struct {
	ID       int64  `json:"id" example:"1"`
	UserID   int64  `json:"user_id" example:"1"`
	Username string `json:"username" example:"alice"`
	Name     string `json:"name" example:"laptop CLI"`
	// The token's first characters, to tell tokens apart.
	Prefix     string     `json:"prefix" example:"mcpgw_pat_Ab3dEf"`
	CreatedAt  time.Time  `json:"created_at" format:"date-time"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty" format:"date-time" validate:"optional"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty" format:"date-time" validate:"optional"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty" format:"date-time" validate:"optional"`
} //	@name	AccessToken

func accessTokenFrom(t *domain.AccessToken) AccessToken {
	return AccessToken{ID: t.ID, UserID: t.UserID, Username: t.Username, Name: t.Name, Prefix: t.Prefix,
		CreatedAt: t.CreatedAt.UTC(), ExpiresAt: utcPtr(t.ExpiresAt), LastUsedAt: utcPtr(t.LastUsedAt), RevokedAt: utcPtr(t.RevokedAt)}
}

// AccessTokenList is a list of personal access tokens, newest first.
type AccessTokenList struct {
	Items []AccessToken `json:"items"`
} //	@name	AccessTokenList

// CreatedAccessToken is a new personal access token with the token itself,
// shown only this once.
type CreatedAccessToken struct {
	AccessToken AccessToken `json:"access_token"`
	// Send as "Authorization: Bearer <token>".
	Token string `json:"token" example:"mcpgw_pat_Ab3dEf..."`
} //	@name	CreatedAccessToken

// CreateAccessTokenRequest is the body of POST /api/tokens. Give at most
// one of expires_in_days and expires_at; neither means no expiry.
type CreateAccessTokenRequest struct {
	Name          string     `json:"name" example:"laptop CLI"`
	ExpiresInDays int        `json:"expires_in_days,omitempty" validate:"optional" example:"90"`
	ExpiresAt     *time.Time `json:"expires_at,omitempty" format:"date-time" validate:"optional"`
} //	@name	CreateAccessTokenRequest

// SigningKey is a key the gateway signs its access tokens with.
type SigningKey struct {
	Kid string `json:"kid"`
	Alg string `json:"alg" example:"ES256"`
	// The key new tokens are signed with.
	Active      bool       `json:"active"`
	CreatedAt   time.Time  `json:"created_at" format:"date-time"`
	ActivatedAt *time.Time `json:"activated_at,omitempty" format:"date-time" validate:"optional"`
	// When a replaced key stops being published and accepted.
	RetiredAt *time.Time `json:"retired_at,omitempty" format:"date-time" validate:"optional"`
} //	@name	SigningKey

func signingKeyFrom(k *domain.SigningKey) SigningKey {
	return SigningKey{Kid: k.KID, Alg: k.Alg, Active: k.Active, CreatedAt: k.CreatedAt.UTC(),
		ActivatedAt: utcPtr(k.ActivatedAt), RetiredAt: utcPtr(k.RetiredAt)}
}

// SigningKeyList is every signing key, newest first.
type SigningKeyList struct {
	Items []SigningKey `json:"items"`
} //	@name	SigningKeyList

// --- handlers ---

// jwks godoc
//
//	@Summary		The gateway's public signing keys
//	@Description	JSON Web Key Set with the keys gateway-issued access tokens may be signed with: the active key and replaced keys whose tokens may still be alive.
//	@ID				getJWKS
//	@Tags			tokens
//	@Produce		json
//	@Success		200	{object}	JWKS
//	@Failure		503	{object}	ErrorResponse	"Postgres is unavailable"
//	@Router			/.well-known/jwks.json [get]
func (s *server) jwks(c *gin.Context) {
	set, err := s.Tokens.JWKS(c.Request.Context())
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	out := JWKS{Keys: make([]JWK, 0, len(set.Keys))}
	for _, k := range set.Keys {
		out.Keys = append(out.Keys, JWK{Kty: k.Kty, Crv: k.Crv, X: k.X, Y: k.Y, Kid: k.Kid, Alg: k.Alg, Use: k.Use})
	}
	// Short: a relying party that meets a new kid refetches anyway.
	c.Header("Cache-Control", "public, max-age=60")
	c.JSON(http.StatusOK, out)
}

// maxTokenRequestBytes bounds a token request: a few short parameters.
const maxTokenRequestBytes = 16 << 10

// oauthToken godoc
//
//	@Summary		Get an access token (client credentials)
//	@Description	OAuth 2 client-credentials grant for service accounts. Authenticate with HTTP Basic (client_secret_basic) or with client_id and client_secret in the body (client_secret_post), not both. The token is a JWT (ES256, typ at+jwt) whose issuer and audience are the gateway's public URL; send it as "Authorization: Bearer <token>". Failed attempts are throttled per client id and client IP together, and per client IP.
//	@ID				issueToken
//	@Tags			tokens
//	@Param			grant_type		formData	string	true	"Must be client_credentials"	Enums(client_credentials)
//	@Param			client_id		formData	string	false	"For client_secret_post"
//	@Param			client_secret	formData	string	false	"For client_secret_post"
//	@Accept			x-www-form-urlencoded
//	@Produce		json
//	@Success		200	{object}	TokenResponse
//	@Failure		400	{object}	OAuthError	"invalid_request or unsupported_grant_type"
//	@Failure		401	{object}	OAuthError	"invalid_client: unknown client, wrong secret, or a disabled or expired account"
//	@Failure		429	{object}	OAuthError	"Too many failed attempts; see Retry-After"
//	@Failure		503	{object}	OAuthError	"A dependency is unavailable"
//	@Router			/oauth2/token [post]
func (s *server) oauthToken(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Header("Pragma", "no-cache")
	if mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		oauthFail(c, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded", false)
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxTokenRequestBytes)
	if err := c.Request.ParseForm(); err != nil {
		oauthFail(c, http.StatusBadRequest, "invalid_request", "the body is not a valid form or is too large", false)
		return
	}
	form := c.Request.PostForm
	for k, v := range form {
		if len(v) > 1 {
			oauthFail(c, http.StatusBadRequest, "invalid_request", "parameter "+strconv.Quote(domain.SafeText(k, 64))+" is repeated", false)
			return
		}
	}
	switch grant := form.Get("grant_type"); grant {
	case "":
		oauthFail(c, http.StatusBadRequest, "invalid_request", "grant_type is required", false)
		return
	case "client_credentials":
	default:
		oauthFail(c, http.StatusBadRequest, "unsupported_grant_type", "only client_credentials is supported", false)
		return
	}

	clientID, secret := form.Get("client_id"), form.Get("client_secret")
	basicID, basicSecret, basic := c.Request.BasicAuth()
	if basic {
		if secret != "" || (clientID != "" && clientID != basicID) {
			oauthFail(c, http.StatusBadRequest, "invalid_request", "authenticate with HTTP Basic or with client_id and client_secret in the body, not both", false)
			return
		}
		// RFC 6749 §2.3.1: both parts are form-encoded before Basic.
		var err1, err2 error
		clientID, err1 = url.QueryUnescape(basicID)
		secret, err2 = url.QueryUnescape(basicSecret)
		if err1 != nil || err2 != nil {
			oauthFail(c, http.StatusUnauthorized, "invalid_client", "malformed Basic credentials", true)
			return
		}
	} else if clientID == "" || secret == "" {
		oauthFail(c, http.StatusUnauthorized, "invalid_client", "client authentication is required", true)
		return
	}

	tok, err := s.Tokens.ClientCredentials(c.Request.Context(), clientID, secret)
	if err != nil {
		var retry time.Duration
		if e := (*domain.Error)(nil); errors.As(err, &e) {
			retry = e.RetryAfter
		}
		switch domain.ErrorCode(err) {
		case domain.EUNAUTHORIZED:
			oauthFail(c, http.StatusUnauthorized, "invalid_client", "client authentication failed", basic)
		case domain.ERATELIMITED:
			c.Header("Retry-After", strconv.Itoa(int(math.Ceil(retry.Seconds()))))
			oauthFail(c, http.StatusTooManyRequests, "temporarily_unavailable", "too many failed attempts; try again later", false)
		case domain.EUNAVAILABLE:
			s.Log.WarnContext(c.Request.Context(), "dependency unavailable", "error", err)
			oauthFail(c, http.StatusServiceUnavailable, "temporarily_unavailable", "try again later", false)
		default:
			s.Log.ErrorContext(c.Request.Context(), "internal error", "error", err,
				"request_id", domain.RequestInfoFrom(c.Request.Context()).RequestID)
			oauthFail(c, http.StatusInternalServerError, "server_error", "internal error", false)
		}
		return
	}
	c.JSON(http.StatusOK, TokenResponse{AccessToken: tok.AccessToken, TokenType: "Bearer",
		ExpiresIn: int(math.Round(tok.ExpiresIn.Seconds()))})
}

// oauthFail answers with an RFC 6749 error; basic asks the client for HTTP
// Basic credentials, as §5.2 requires after a failed Basic authentication.
func oauthFail(c *gin.Context, status int, code, description string, basic bool) {
	if basic {
		c.Header("WWW-Authenticate", `Basic realm="mcpgw"`)
	}
	c.AbortWithStatusJSON(status, OAuthError{Error: code, ErrorDescription: description})
}

// idParam reads the :id path parameter; anything but a positive number
// names nothing.
func (s *server) idParam(c *gin.Context, what string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(c, s.Log, &domain.Error{Code: domain.ENOTFOUND, Message: what + " not found"})
		return 0, false
	}
	return id, true
}

// isAdmin reports whether the caller holds registry admin, without
// auditing a refusal: used where admins merely see more.
func (s *server) isAdmin(p *domain.Principal) bool {
	return p != nil && s.Catalog.UserContextOf(p).IsAdmin
}

// listPATs godoc
//
//	@Summary		List personal access tokens
//	@Description	The caller's own tokens, newest first, revoked and expired ones included. Administrators may pass user_id, or all=true for everyone's. The tokens themselves are never returned.
//	@ID				listAccessTokens
//	@Tags			tokens
//	@Security		BearerToken
//	@Security		SessionCookie
//	@Param			user_id	query	int		false	"Another user's tokens (administrators)"
//	@Param			all		query	bool	false	"Every user's tokens (administrators)"
//	@Produce		json
//	@Success		200	{object}	AccessTokenList
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not an administrator"
//	@Failure		422	{object}	ErrorResponse	"A query parameter is invalid"
//	@Router			/api/tokens [get]
func (s *server) listPATs(c *gin.Context) {
	var f auth.PATFilter
	if v, ok := c.GetQuery("user_id"); ok {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			writeError(c, s.Log, domain.Invalid("user_id", "must be a user id"))
			return
		}
		f.UserID = id
	}
	if v, ok := c.GetQuery("all"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			writeError(c, s.Log, domain.Invalid("all", "must be true or false"))
			return
		}
		f.All = b
	}
	p := principalOf(c)
	list, err := s.Tokens.ListPATs(c.Request.Context(), p, f, s.isAdmin(p))
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	out := AccessTokenList{Items: make([]AccessToken, 0, len(list))}
	for _, t := range list {
		out.Items = append(out.Items, accessTokenFrom(t))
	}
	c.JSON(http.StatusOK, out)
}

// createPAT godoc
//
//	@Summary		Create a personal access token
//	@Description	Creates a token that acts as the caller, with the caller's permissions at the time of each request. The token is in this answer only: it is stored hashed and cannot be shown again. Only a user signed in to the dashboard may create tokens (not a token or a service account).
//	@ID				createAccessToken
//	@Tags			tokens
//	@Security		SessionCookie || CSRFToken
//	@Param			body	body	CreateAccessTokenRequest	true	"The new token"
//	@Accept			json
//	@Produce		json
//	@Success		201	{object}	CreatedAccessToken
//	@Failure		400	{object}	ErrorResponse	"Malformed JSON"
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not a dashboard session, or CSRF check failed"
//	@Failure		415	{object}	ErrorResponse	"Body is not JSON"
//	@Failure		422	{object}	ErrorResponse	"A field is missing or invalid"
//	@Router			/api/tokens [post]
func (s *server) createPAT(c *gin.Context) {
	var req CreateAccessTokenRequest
	if err := decodeJSON(c, &req); err != nil {
		writeError(c, s.Log, err)
		return
	}
	t, raw, err := s.Tokens.CreatePAT(c.Request.Context(), principalOf(c), auth.NewPAT{
		Name: req.Name, ExpiresInDays: req.ExpiresInDays, ExpiresAt: req.ExpiresAt,
	})
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.JSON(http.StatusCreated, CreatedAccessToken{AccessToken: accessTokenFrom(t), Token: raw})
}

// revokePAT godoc
//
//	@Summary		Revoke a personal access token
//	@Description	The owner or an administrator may revoke a token; it stops working within TOKEN_STATE_CACHE_TTL on every replica.
//	@ID				revokeAccessToken
//	@Tags			tokens
//	@Security		BearerToken
//	@Security		SessionCookie || CSRFToken
//	@Param			id	path	int	true	"Token id"
//	@Success		204
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"CSRF check failed"
//	@Failure		404	{object}	ErrorResponse	"No such token of yours"
//	@Router			/api/tokens/{id} [delete]
func (s *server) revokePAT(c *gin.Context) {
	id, ok := s.idParam(c, "access token")
	if !ok {
		return
	}
	p := principalOf(c)
	if err := s.Tokens.RevokePAT(c.Request.Context(), p, id, s.isAdmin(p)); err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// listServiceAccounts godoc
//
//	@Summary	List service accounts
//	@ID			listServiceAccounts
//	@Tags		service-accounts
//	@Security	BearerToken
//	@Security	SessionCookie
//	@Produce	json
//	@Success	200	{object}	ServiceAccountList
//	@Failure	401	{object}	ErrorResponse	"Not signed in"
//	@Failure	403	{object}	ErrorResponse	"Not an administrator"
//	@Router		/api/service-accounts [get]
func (s *server) listServiceAccounts(c *gin.Context) {
	list, err := s.Tokens.ListServiceAccounts(c.Request.Context())
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	out := ServiceAccountList{Items: make([]ServiceAccount, 0, len(list))}
	for _, a := range list {
		out.Items = append(out.Items, serviceAccountFrom(a))
	}
	c.JSON(http.StatusOK, out)
}

// createServiceAccount godoc
//
//	@Summary		Create a service account
//	@Description	Creates an account for the client-credentials grant at POST /oauth2/token. The client secret is in this answer only: it is stored hashed and cannot be shown again (rotate it to get a new one).
//	@ID				createServiceAccount
//	@Tags			service-accounts
//	@Security		BearerToken
//	@Security		SessionCookie || CSRFToken
//	@Param			body	body	CreateServiceAccountRequest	true	"The new account"
//	@Accept			json
//	@Produce		json
//	@Success		201	{object}	ServiceAccountCredentials
//	@Failure		400	{object}	ErrorResponse	"Malformed JSON"
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not an administrator, or CSRF check failed"
//	@Failure		409	{object}	ErrorResponse	"Name taken"
//	@Failure		415	{object}	ErrorResponse	"Body is not JSON"
//	@Failure		422	{object}	ErrorResponse	"A field is missing or invalid"
//	@Router			/api/service-accounts [post]
func (s *server) createServiceAccount(c *gin.Context) {
	var req CreateServiceAccountRequest
	if err := decodeJSON(c, &req); err != nil {
		writeError(c, s.Log, err)
		return
	}
	a, secret, err := s.Tokens.CreateServiceAccount(c.Request.Context(), principalOf(c), auth.NewServiceAccount{
		Name: req.Name, Description: req.Description, Groups: req.Groups, ExpiresAt: req.ExpiresAt,
	})
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.JSON(http.StatusCreated, ServiceAccountCredentials{ServiceAccount: serviceAccountFrom(a), ClientID: a.ClientID, ClientSecret: secret})
}

// getServiceAccount godoc
//
//	@Summary	Get a service account
//	@ID			getServiceAccount
//	@Tags		service-accounts
//	@Security	BearerToken
//	@Security	SessionCookie
//	@Param		id	path	int	true	"Service account id"
//	@Produce	json
//	@Success	200	{object}	ServiceAccount
//	@Failure	401	{object}	ErrorResponse	"Not signed in"
//	@Failure	403	{object}	ErrorResponse	"Not an administrator"
//	@Failure	404	{object}	ErrorResponse	"No such service account"
//	@Router		/api/service-accounts/{id} [get]
func (s *server) getServiceAccount(c *gin.Context) {
	id, ok := s.idParam(c, "service account")
	if !ok {
		return
	}
	a, err := s.Tokens.GetServiceAccount(c.Request.Context(), id)
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.JSON(http.StatusOK, serviceAccountFrom(a))
}

// updateServiceAccount godoc
//
//	@Summary		Update a service account
//	@Description	Changes the fields present in the body. Disabling the account, expiring it or changing its groups applies to tokens already issued, within TOKEN_STATE_CACHE_TTL on every replica.
//	@ID				updateServiceAccount
//	@Tags			service-accounts
//	@Security		BearerToken
//	@Security		SessionCookie || CSRFToken
//	@Param			id		path	int							true	"Service account id"
//	@Param			body	body	UpdateServiceAccountRequest	true	"Fields to change"
//	@Accept			json
//	@Produce		json
//	@Success		200	{object}	ServiceAccount
//	@Failure		400	{object}	ErrorResponse	"Malformed JSON"
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not an administrator, or CSRF check failed"
//	@Failure		404	{object}	ErrorResponse	"No such service account"
//	@Failure		415	{object}	ErrorResponse	"Body is not JSON"
//	@Failure		422	{object}	ErrorResponse	"A field is invalid"
//	@Router			/api/service-accounts/{id} [patch]
func (s *server) updateServiceAccount(c *gin.Context) {
	id, ok := s.idParam(c, "service account")
	if !ok {
		return
	}
	var req UpdateServiceAccountRequest
	if err := decodeJSON(c, &req); err != nil {
		writeError(c, s.Log, err)
		return
	}
	patch := auth.ServiceAccountPatch{Description: req.Description, Groups: req.Groups, Disabled: req.Disabled}
	if len(req.ExpiresAt) > 0 {
		patch.SetExpiresAt = true
		if string(req.ExpiresAt) != "null" {
			var t time.Time
			if err := json.Unmarshal(req.ExpiresAt, &t); err != nil {
				writeError(c, s.Log, domain.Invalid("expires_at", "must be an RFC 3339 time or null"))
				return
			}
			patch.ExpiresAt = &t
		}
	}
	a, err := s.Tokens.UpdateServiceAccount(c.Request.Context(), principalOf(c), id, patch)
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.JSON(http.StatusOK, serviceAccountFrom(a))
}

// deleteServiceAccount godoc
//
//	@Summary		Delete a service account
//	@Description	Its tokens stop working within TOKEN_STATE_CACHE_TTL on every replica.
//	@ID				deleteServiceAccount
//	@Tags			service-accounts
//	@Security		BearerToken
//	@Security		SessionCookie || CSRFToken
//	@Param			id	path	int	true	"Service account id"
//	@Success		204
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not an administrator, or CSRF check failed"
//	@Failure		404	{object}	ErrorResponse	"No such service account"
//	@Router			/api/service-accounts/{id} [delete]
func (s *server) deleteServiceAccount(c *gin.Context) {
	id, ok := s.idParam(c, "service account")
	if !ok {
		return
	}
	if err := s.Tokens.DeleteServiceAccount(c.Request.Context(), principalOf(c), id); err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// rotateServiceAccountSecret godoc
//
//	@Summary		Rotate a service account's client secret
//	@Description	The old secret stops working at once; the new one is in this answer only. Tokens already issued stay valid until they expire or are revoked.
//	@ID				rotateServiceAccountSecret
//	@Tags			service-accounts
//	@Security		BearerToken
//	@Security		SessionCookie || CSRFToken
//	@Param			id	path	int	true	"Service account id"
//	@Produce		json
//	@Success		200	{object}	ServiceAccountCredentials
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not an administrator, or CSRF check failed"
//	@Failure		404	{object}	ErrorResponse	"No such service account"
//	@Router			/api/service-accounts/{id}/secret [post]
func (s *server) rotateServiceAccountSecret(c *gin.Context) {
	id, ok := s.idParam(c, "service account")
	if !ok {
		return
	}
	a, secret, err := s.Tokens.RotateServiceAccountSecret(c.Request.Context(), principalOf(c), id)
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.JSON(http.StatusOK, ServiceAccountCredentials{ServiceAccount: serviceAccountFrom(a), ClientID: a.ClientID, ClientSecret: secret})
}

// revokeServiceAccountTokens godoc
//
//	@Summary		Revoke a service account's tokens
//	@Description	Every token issued to the account so far stops working, within TOKEN_STATE_CACHE_TTL on every replica; the account may get new ones.
//	@ID				revokeServiceAccountTokens
//	@Tags			service-accounts
//	@Security		BearerToken
//	@Security		SessionCookie || CSRFToken
//	@Param			id	path	int	true	"Service account id"
//	@Produce		json
//	@Success		200	{object}	ServiceAccount
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not an administrator, or CSRF check failed"
//	@Failure		404	{object}	ErrorResponse	"No such service account"
//	@Router			/api/service-accounts/{id}/revoke-tokens [post]
func (s *server) revokeServiceAccountTokens(c *gin.Context) {
	id, ok := s.idParam(c, "service account")
	if !ok {
		return
	}
	a, err := s.Tokens.RevokeServiceAccountTokens(c.Request.Context(), principalOf(c), id)
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.JSON(http.StatusOK, serviceAccountFrom(a))
}

// listSigningKeys godoc
//
//	@Summary	List token signing keys
//	@ID			listSigningKeys
//	@Tags		tokens
//	@Security	BearerToken
//	@Security	SessionCookie
//	@Produce	json
//	@Success	200	{object}	SigningKeyList
//	@Failure	401	{object}	ErrorResponse	"Not signed in"
//	@Failure	403	{object}	ErrorResponse	"Not an administrator"
//	@Router		/api/signing-keys [get]
func (s *server) listSigningKeys(c *gin.Context) {
	keys, err := s.Tokens.ListSigningKeys(c.Request.Context())
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	out := SigningKeyList{Items: make([]SigningKey, 0, len(keys))}
	for _, k := range keys {
		out.Items = append(out.Items, signingKeyFrom(k))
	}
	c.JSON(http.StatusOK, out)
}

// rotateSigningKey godoc
//
//	@Summary		Rotate the token signing key
//	@Description	A new key signs new tokens at once; the previous key stays published and accepted until every token it signed has expired.
//	@ID				rotateSigningKey
//	@Tags			tokens
//	@Security		BearerToken
//	@Security		SessionCookie || CSRFToken
//	@Produce		json
//	@Success		200	{object}	SigningKey
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not an administrator, or CSRF check failed"
//	@Router			/api/signing-keys/rotate [post]
func (s *server) rotateSigningKey(c *gin.Context) {
	k, err := s.Tokens.RotateSigningKey(c.Request.Context(), principalOf(c))
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.JSON(http.StatusOK, signingKeyFrom(k))
}
