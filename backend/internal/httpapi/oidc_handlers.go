package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/mcpgw/mcpgw/backend/internal/auth"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/oidc"
)

// IdentityProviders signs browsers in through OpenID Connect providers.
type IdentityProviders interface {
	Providers() []*oidc.Provider
	Begin(ctx context.Context, providerID, next, binding string) (string, error)
	Complete(ctx context.Context, providerID string, cb auth.Callback, binding string, previous *domain.Session) (*domain.Session, string, error)
}

// bindingCookie ties a sign-in flow to the browser that started it, so a
// state value lured into another browser (login CSRF) completes nothing.
const bindingCookie = "mcpgw_oidc_binding"

// ProviderInfo is an identity provider offered on the sign-in page.
type ProviderInfo struct {
	ID          string `json:"id" example:"okta"`
	DisplayName string `json:"display_name" example:"Okta"`
	Type        string `json:"type" example:"okta" enums:"cognito,okta,entra,keycloak,generic"`
	// LoginURL starts the sign-in; add ?next=/path to come back there.
	LoginURL string `json:"login_url" example:"/oauth2/login/okta"`
}

// ProviderList is GET /api/auth/providers.
type ProviderList struct {
	Providers []ProviderInfo `json:"providers"`
}

// listProviders godoc
//
//	@Summary		Identity providers for the sign-in page
//	@Description	The configured identity providers, each with the URL that starts a browser sign-in with it. Public: the sign-in page shows one button per provider.
//	@ID				listAuthProviders
//	@Tags			auth
//	@Produce		json
//	@Success		200	{object}	ProviderList
//	@Router			/api/auth/providers [get]
func (s *server) listProviders(c *gin.Context) {
	out := ProviderList{Providers: []ProviderInfo{}}
	if s.IdP != nil {
		for _, p := range s.IdP.Providers() {
			out.Providers = append(out.Providers, ProviderInfo{
				ID: p.ID(), DisplayName: p.DisplayName(), Type: p.Type(), LoginURL: "/oauth2/login/" + url.PathEscape(p.ID()),
			})
		}
	}
	c.JSON(http.StatusOK, out)
}

// oidcLogin godoc
//
//	@Summary		Start signing in with an identity provider
//	@Description	Redirects the browser to the provider (authorization code flow with PKCE S256, state and nonce). next is where to land afterwards: only a same-origin path is honoured, anything else lands on /. An unknown or unreachable provider redirects to /login?error=....
//	@ID				oidcLogin
//	@Tags			auth
//	@Param			provider	path	string	true	"Provider id"
//	@Param			next		query	string	false	"Path to return to after sign-in"
//	@Success		302	"To the provider's authorization endpoint"
//	@Router			/oauth2/login/{provider} [get]
func (s *server) oidcLogin(c *gin.Context) {
	if s.IdP == nil {
		s.toLoginPage(c, "unknown_provider")
		return
	}
	binding := ""
	if ck, err := c.Request.Cookie(bindingCookie); err == nil && auth.ValidBinding(ck.Value) {
		binding = ck.Value // keep it: sign-ins started in other tabs stay valid
	} else {
		binding = auth.NewBinding()
	}
	to, err := s.IdP.Begin(c.Request.Context(), c.Param("provider"), c.Query("next"), binding)
	switch {
	case domain.ErrorCode(err) == domain.ENOTFOUND:
		s.toLoginPage(c, "unknown_provider")
		return
	case err != nil:
		s.Log.WarnContext(c.Request.Context(), "could not start identity provider sign-in", "error", err)
		s.toLoginPage(c, auth.LoginFailUnavailable)
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: bindingCookie, Value: binding, Path: "/oauth2/", MaxAge: int(s.Options.OIDCLoginTimeout.Seconds()),
		// Lax: the provider sends the browser back with a top-level GET.
		HttpOnly: true, Secure: s.Options.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
	c.Redirect(http.StatusFound, to)
}

// oidcCallback godoc
//
//	@Summary		Finish signing in with an identity provider
//	@Description	The provider sends the browser here. The state must be one this gateway issued, unused, for this provider and this browser; the code is exchanged with the PKCE verifier; the ID token's signature, issuer, audience, expiry and nonce are checked. Then the user is provisioned with the groups of this sign-in, a new session cookie is set and the browser goes to the path it asked for. Any failure sets no cookie and redirects to /login?error=<reason> (state, idp_error, token_exchange, invalid_token, groups_overage, account_disabled, unavailable); every outcome is audited.
//	@ID				oidcCallback
//	@Tags			auth
//	@Param			provider			path	string	true	"Provider id"
//	@Param			code				query	string	false	"Authorization code"
//	@Param			state				query	string	false	"State from the sign-in's start"
//	@Param			error				query	string	false	"Error code from the provider"
//	@Param			error_description	query	string	false	"Error text from the provider"
//	@Success		302	"To the requested page (signed in) or to /login?error=..."
//	@Router			/oauth2/callback/{provider} [get]
func (s *server) oidcCallback(c *gin.Context) {
	// The URL carries the code: the next page must not leak it.
	c.Header("Referrer-Policy", "no-referrer")
	if s.IdP == nil {
		s.toLoginPage(c, auth.LoginFailState)
		return
	}
	binding := ""
	if ck, err := c.Request.Cookie(bindingCookie); err == nil {
		binding = ck.Value
	}
	var previous *domain.Session
	if p := principalOf(c); p != nil {
		previous = p.Session
	}
	q := c.Request.URL.Query()
	sess, next, err := s.IdP.Complete(c.Request.Context(), c.Param("provider"), auth.Callback{
		Code: q.Get("code"), State: q.Get("state"), Error: q.Get("error"), ErrorDescription: q.Get("error_description"),
	}, binding, previous)
	if err != nil {
		reason := auth.LoginFailUnavailable
		var f *auth.LoginFailure
		if errors.As(err, &f) {
			reason = f.Reason
		}
		s.toLoginPage(c, reason)
		return
	}
	s.setSessionCookie(c, sess.ID)
	c.Redirect(http.StatusFound, oidc.SafeNext(next))
}

// toLoginPage sends the browser to the sign-in page with an error code it
// explains.
func (s *server) toLoginPage(c *gin.Context, reason string) {
	c.Redirect(http.StatusFound, "/login?error="+url.QueryEscape(reason))
}
