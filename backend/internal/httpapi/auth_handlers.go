package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// login godoc
//
//	@Summary		Sign in with a username and password
//	@Description	Checks the credentials and starts a new session: the response sets the HttpOnly session cookie and returns the principal with the session's CSRF token. Any session cookie sent along is ended. An unknown user, a wrong password and a disabled account all get the same 401. Too many failures for a username or client IP get 429 with Retry-After.
//	@ID				login
//	@Tags			auth
//	@Param			body	body	LoginRequest	true	"Credentials"
//	@Accept			json
//	@Produce		json
//	@Success		200	{object}	Me
//	@Failure		400	{object}	ErrorResponse	"Malformed JSON"
//	@Failure		401	{object}	ErrorResponse	"Invalid username or password"
//	@Failure		403	{object}	ErrorResponse	"Cross-origin request"
//	@Failure		413	{object}	ErrorResponse	"Body too large"
//	@Failure		415	{object}	ErrorResponse	"Body is not JSON"
//	@Failure		422	{object}	ErrorResponse	"A field is missing or invalid"
//	@Failure		429	{object}	ErrorResponse	"Too many attempts; see Retry-After"
//	@Failure		503	{object}	ErrorResponse	"Session store unavailable"
//	@Router			/api/auth/login [post]
func (s *server) login(c *gin.Context) {
	var req LoginRequest
	if err := decodeJSON(c, &req); err != nil {
		writeError(c, s.Log, err)
		return
	}
	// A session the browser already has (authenticate found it live) is
	// ended by the sign-in; a planted or stale cookie is worthless anyway.
	var previous *domain.Session
	if p := principalOf(c); p != nil {
		previous = p.Session
	}
	sess, err := s.Auth.Login(c.Request.Context(), req.Username, req.Password, previous)
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	s.setSessionCookie(c, sess.ID)
	p := sess.Principal()
	c.JSON(http.StatusOK, meFrom(p, s.Catalog.UserContextOf(p)))
}

// logout godoc
//
//	@Summary		Sign out
//	@Description	Ends the session server-side, so the cookie is worthless even if replayed, and clears it.
//	@ID				logout
//	@Tags			auth
//	@Security		SessionCookie || CSRFToken
//	@Success		204
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Missing or wrong CSRF token"
//	@Failure		503	{object}	ErrorResponse	"Session store unavailable"
//	@Router			/api/auth/logout [post]
func (s *server) logout(c *gin.Context) {
	if err := s.Auth.Logout(c.Request.Context(), principalOf(c)); err != nil {
		writeError(c, s.Log, err)
		return
	}
	s.clearSessionCookie(c)
	c.Status(http.StatusNoContent)
}

// me godoc
//
//	@Summary		Who am I
//	@Description	The signed-in principal's user context (seed 001): username, groups, scopes, is_admin, can_modify_servers, the servers they may see with what they may do on each, how they authenticated, and for browser sessions the CSRF token and when the session ends.
//	@ID				getMe
//	@Tags			auth
//	@Security		BearerToken
//	@Security		SessionCookie
//	@Produce		json
//	@Success		200	{object}	Me
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		503	{object}	ErrorResponse	"Session store unavailable"
//	@Router			/api/auth/me [get]
func (s *server) me(c *gin.Context) {
	p := principalOf(c)
	c.JSON(http.StatusOK, meFrom(p, s.Catalog.UserContextOf(p)))
}
