package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// SessionView is a signed-in browser session, as its user or an
// administrator sees it: never its cookie value or CSRF token.
type SessionView struct {
	// Opaque handle of the session, for ending it; it cannot be used as a
	// session cookie.
	ID string `json:"id" example:"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"`
	// How the browser signed in: local (password) or oidc (an identity provider).
	AuthMethod string `json:"auth_method" example:"local" enums:"local,oidc"`
	// The identity provider, for oidc sessions.
	Provider   string    `json:"provider,omitempty" example:"okta" validate:"optional"`
	CreatedAt  time.Time `json:"created_at" format:"date-time"`
	LastSeenAt time.Time `json:"last_seen_at" format:"date-time"`
	// When the session ends at the latest, however active it is.
	ExpiresAt time.Time `json:"expires_at" format:"date-time"`
	// The client address at sign-in.
	ClientIP string `json:"client_ip,omitempty" example:"192.0.2.7" validate:"optional"`
	// The browser's User-Agent at sign-in.
	UserAgent string `json:"user_agent,omitempty" example:"Mozilla/5.0" validate:"optional"`
	// This is the session the request was made with.
	Current bool `json:"current"`
} //	@name	SessionView

// SessionList is a user's live sessions, most recently used first.
type SessionList struct {
	Items []SessionView `json:"items"`
} //	@name	SessionList

// RevokedSessions says how many sessions were ended.
type RevokedSessions struct {
	Revoked int `json:"revoked" example:"2"`
} //	@name	RevokedSessions

// sessionListFrom shows sessions, marking the one the caller p uses.
func sessionListFrom(infos []domain.SessionInfo, p *domain.Principal) SessionList {
	out := SessionList{Items: make([]SessionView, 0, len(infos))}
	for _, si := range infos {
		out.Items = append(out.Items, SessionView{
			ID: si.Handle, AuthMethod: si.AuthMethod, Provider: si.Provider,
			CreatedAt: si.CreatedAt.UTC(), LastSeenAt: si.LastSeenAt.UTC(), ExpiresAt: si.ExpiresAt.UTC(),
			ClientIP: si.ClientIP, UserAgent: si.UserAgent, Current: isCurrentSession(p, si.Handle),
		})
	}
	return out
}

func isCurrentSession(p *domain.Principal, handle string) bool {
	return p != nil && p.Session != nil && p.Session.Handle != "" && p.Session.Handle == handle
}

// listUserSessions godoc
//
//	@Summary		List a user's sessions
//	@Description	The user's live browser sessions, most recently used first. Personal access tokens are listed under /api/tokens.
//	@ID				listUserSessions
//	@Tags			users
//	@Security		BearerToken
//	@Security		SessionCookie
//	@Param			id	path	int	true	"User id"
//	@Produce		json
//	@Success		200	{object}	SessionList
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not an administrator"
//	@Failure		404	{object}	ErrorResponse	"No such user"
//	@Failure		503	{object}	ErrorResponse	"Session store unavailable"
//	@Router			/api/users/{id}/sessions [get]
func (s *server) listUserSessions(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	infos, err := s.Users.ListSessions(c.Request.Context(), id)
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.JSON(http.StatusOK, sessionListFrom(infos, principalOf(c)))
}

// revokeUserSession godoc
//
//	@Summary		End one of a user's sessions
//	@Description	Ends the session at once, on every replica: its cookie is refused from the next request on.
//	@ID				revokeUserSession
//	@Tags			users
//	@Security		BearerToken
//	@Security		SessionCookie || CSRFToken
//	@Param			id		path	int		true	"User id"
//	@Param			session	path	string	true	"Session id (the handle from the list)"
//	@Success		204
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not an administrator, or CSRF check failed"
//	@Failure		404	{object}	ErrorResponse	"No such user, or no such session of the user"
//	@Failure		503	{object}	ErrorResponse	"Session store unavailable"
//	@Router			/api/users/{id}/sessions/{session} [delete]
func (s *server) revokeUserSession(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	s.revokeSession(c, id)
}

// revokeUserSessions godoc
//
//	@Summary		End all of a user's sessions
//	@Description	Ends every browser session of the user at once, on every replica. Personal access tokens keep working; revoke them under /api/tokens.
//	@ID				revokeUserSessions
//	@Tags			users
//	@Security		BearerToken
//	@Security		SessionCookie || CSRFToken
//	@Param			id	path	int	true	"User id"
//	@Produce		json
//	@Success		200	{object}	RevokedSessions
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not an administrator, or CSRF check failed"
//	@Failure		404	{object}	ErrorResponse	"No such user"
//	@Failure		503	{object}	ErrorResponse	"Session store unavailable"
//	@Router			/api/users/{id}/sessions [delete]
func (s *server) revokeUserSessions(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	p := principalOf(c)
	n, err := s.Users.RevokeSessions(c.Request.Context(), p, id)
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	if p.Session != nil && p.UserID == id {
		s.clearSessionCookie(c) // the caller's own session ended too
	}
	c.JSON(http.StatusOK, RevokedSessions{Revoked: n})
}

// listMySessions godoc
//
//	@Summary		List my sessions
//	@Description	The caller's live browser sessions, most recently used first; current marks the one this request was made with.
//	@ID				listMySessions
//	@Tags			auth
//	@Security		BearerToken
//	@Security		SessionCookie
//	@Produce		json
//	@Success		200	{object}	SessionList
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not a user account, such as a service account"
//	@Failure		503	{object}	ErrorResponse	"Session store unavailable"
//	@Router			/api/auth/sessions [get]
func (s *server) listMySessions(c *gin.Context) {
	p, ok := s.userPrincipal(c, domain.ActionSessionList)
	if !ok {
		return
	}
	infos, err := s.Users.ListSessions(c.Request.Context(), p.UserID)
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.JSON(http.StatusOK, sessionListFrom(infos, p))
}

// revokeMySession godoc
//
//	@Summary		End one of my sessions
//	@Description	Ends one of the caller's browser sessions at once, such as one left signed in elsewhere. Ending the current session signs this browser out.
//	@ID				revokeMySession
//	@Tags			auth
//	@Security		BearerToken
//	@Security		SessionCookie || CSRFToken
//	@Param			session	path	string	true	"Session id (the handle from the list)"
//	@Success		204
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not a user account, or CSRF check failed"
//	@Failure		404	{object}	ErrorResponse	"No such session of yours"
//	@Failure		503	{object}	ErrorResponse	"Session store unavailable"
//	@Router			/api/auth/sessions/{session} [delete]
func (s *server) revokeMySession(c *gin.Context) {
	p, ok := s.userPrincipal(c, domain.ActionSessionRevoke)
	if !ok {
		return
	}
	s.revokeSession(c, p.UserID)
}

// revokeSession ends the session named by the :session path parameter of
// user userID, signing this browser out if it was the one in use.
func (s *server) revokeSession(c *gin.Context, userID int64) {
	p := principalOf(c)
	handle := c.Param("session")
	if err := s.Users.RevokeSession(c.Request.Context(), p, userID, handle); err != nil {
		writeError(c, s.Log, err)
		return
	}
	if isCurrentSession(p, handle) {
		s.clearSessionCookie(c)
	}
	c.Status(http.StatusNoContent)
}

// userPrincipal returns the caller if it is a user; service accounts have
// no sessions, and their request for action is refused, audited.
func (s *server) userPrincipal(c *gin.Context, action string) (*domain.Principal, bool) {
	p := principalOf(c)
	if err := s.Users.RequireUser(c.Request.Context(), p, action, c.Request.Method+" "+c.FullPath()); err != nil {
		writeError(c, s.Log, err)
		return nil, false
	}
	return p, true
}
