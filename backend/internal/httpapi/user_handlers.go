package httpapi

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/mcpgw/mcpgw/backend/internal/auth"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// listUsers godoc
//
//	@Summary	List users
//	@ID			listUsers
//	@Tags		users
//	@Security	BearerToken
//	@Security	SessionCookie
//	@Produce	json
//	@Success	200	{object}	UserList
//	@Failure	401	{object}	ErrorResponse	"Not signed in"
//	@Failure	403	{object}	ErrorResponse	"Not an administrator"
//	@Router		/api/users [get]
func (s *server) listUsers(c *gin.Context) {
	users, err := s.Users.ListUsers(c.Request.Context())
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	out := UserList{Items: make([]User, 0, len(users))}
	for _, u := range users {
		out.Items = append(out.Items, userFrom(u))
	}
	c.JSON(http.StatusOK, out)
}

// createUser godoc
//
//	@Summary		Create a local user
//	@Description	Creates a user who signs in with a password. Groups that do not exist yet are created; membership of mcp-admin makes the user an administrator.
//	@ID				createUser
//	@Tags			users
//	@Security		BearerToken
//	@Security		SessionCookie || CSRFToken
//	@Param			body	body	CreateUserRequest	true	"The new user"
//	@Accept			json
//	@Produce		json
//	@Success		201	{object}	User
//	@Failure		400	{object}	ErrorResponse	"Malformed JSON"
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not an administrator, or CSRF check failed"
//	@Failure		409	{object}	ErrorResponse	"Username taken"
//	@Failure		413	{object}	ErrorResponse	"Body too large"
//	@Failure		415	{object}	ErrorResponse	"Body is not JSON"
//	@Failure		422	{object}	ErrorResponse	"A field is missing or invalid"
//	@Router			/api/users [post]
func (s *server) createUser(c *gin.Context) {
	var req CreateUserRequest
	if err := decodeJSON(c, &req); err != nil {
		writeError(c, s.Log, err)
		return
	}
	u, err := s.Users.CreateUser(c.Request.Context(), principalOf(c), auth.NewUser{
		Username: req.Username, Password: req.Password, DisplayName: req.DisplayName, Email: req.Email, Groups: req.Groups,
	})
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.JSON(http.StatusCreated, userFrom(u))
}

// getUser godoc
//
//	@Summary	Get a user
//	@ID			getUser
//	@Tags		users
//	@Security	BearerToken
//	@Security	SessionCookie
//	@Param		id	path	int	true	"User id"
//	@Produce	json
//	@Success	200	{object}	User
//	@Failure	401	{object}	ErrorResponse	"Not signed in"
//	@Failure	403	{object}	ErrorResponse	"Not an administrator"
//	@Failure	404	{object}	ErrorResponse	"No such user"
//	@Router		/api/users/{id} [get]
func (s *server) getUser(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	u, err := s.Users.GetUser(c.Request.Context(), id)
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.JSON(http.StatusOK, userFrom(u))
}

// updateUser godoc
//
//	@Summary		Update a user
//	@Description	Changes the fields present in the body. Disabling a user, setting a new password or changing the groups ends all of the user's sessions immediately. Administrators cannot disable themselves or leave mcp-admin.
//	@ID				updateUser
//	@Tags			users
//	@Security		BearerToken
//	@Security		SessionCookie || CSRFToken
//	@Param			id		path	int					true	"User id"
//	@Param			body	body	UpdateUserRequest	true	"Fields to change"
//	@Accept			json
//	@Produce		json
//	@Success		200	{object}	User
//	@Failure		400	{object}	ErrorResponse	"Malformed JSON"
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not an administrator, or CSRF check failed"
//	@Failure		404	{object}	ErrorResponse	"No such user"
//	@Failure		413	{object}	ErrorResponse	"Body too large"
//	@Failure		415	{object}	ErrorResponse	"Body is not JSON"
//	@Failure		422	{object}	ErrorResponse	"A field is invalid"
//	@Router			/api/users/{id} [patch]
func (s *server) updateUser(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	var req UpdateUserRequest
	if err := decodeJSON(c, &req); err != nil {
		writeError(c, s.Log, err)
		return
	}
	u, err := s.Users.UpdateUser(c.Request.Context(), principalOf(c), id, auth.UserPatch{
		DisplayName: req.DisplayName, Email: req.Email, Disabled: req.Disabled, Password: req.Password, Groups: req.Groups,
	})
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.JSON(http.StatusOK, userFrom(u))
}

// listGroups godoc
//
//	@Summary	List groups
//	@ID			listGroups
//	@Tags		users
//	@Security	BearerToken
//	@Security	SessionCookie
//	@Produce	json
//	@Success	200	{object}	GroupList
//	@Failure	401	{object}	ErrorResponse	"Not signed in"
//	@Failure	403	{object}	ErrorResponse	"Not an administrator"
//	@Router		/api/groups [get]
func (s *server) listGroups(c *gin.Context) {
	groups, err := s.Users.ListGroups(c.Request.Context())
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	out := GroupList{Items: make([]Group, 0, len(groups))}
	for _, g := range groups {
		out.Items = append(out.Items, groupFrom(&g))
	}
	c.JSON(http.StatusOK, out)
}

// deleteUser godoc
//
//	@Summary		Delete a user
//	@Description	Removes the user and their memberships and ends their sessions. Nobody can delete themselves.
//	@ID				deleteUser
//	@Tags			users
//	@Security		BearerToken
//	@Security		SessionCookie || CSRFToken
//	@Param			id	path	int	true	"User id"
//	@Success		204
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not an administrator, or CSRF check failed"
//	@Failure		404	{object}	ErrorResponse	"No such user"
//	@Failure		409	{object}	ErrorResponse	"Deleting yourself"
//	@Router			/api/users/{id} [delete]
func (s *server) deleteUser(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	if err := s.Users.DeleteUser(c.Request.Context(), principalOf(c), id); err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func groupFrom(g *domain.Group) Group {
	return Group{Name: g.Name, Description: g.Description, Source: g.Source, Members: g.Members}
}

// getGroup godoc
//
//	@Summary	Get a group and its members
//	@ID			getGroup
//	@Tags		users
//	@Security	BearerToken
//	@Security	SessionCookie
//	@Param		name	path	string	true	"Group name (may contain slashes)"
//	@Produce	json
//	@Success	200	{object}	GroupDetail
//	@Failure	401	{object}	ErrorResponse	"Not signed in"
//	@Failure	403	{object}	ErrorResponse	"Not an administrator"
//	@Failure	404	{object}	ErrorResponse	"No such group"
//	@Router		/api/groups/{name} [get]
func (s *server) getGroup(c *gin.Context) {
	g, err := s.Users.GetGroup(c.Request.Context(), catchAll(c, "name"))
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.JSON(http.StatusOK, GroupDetail{Group: groupFrom(&g.Group), MemberNames: nonNil(g.Members)})
}

// createGroup godoc
//
//	@Summary		Create a group
//	@Description	A local group; map it to scopes with PUT /api/mappings/{group}, or name it by seed 004's conventions (mcp-server-{name}, -toggle, -edit, -admin, -tool-{tool}).
//	@ID				createGroup
//	@Tags			users
//	@Security		BearerToken
//	@Security		SessionCookie || CSRFToken
//	@Param			body	body	CreateGroupRequest	true	"The group"
//	@Accept			json
//	@Produce		json
//	@Success		201	{object}	Group
//	@Failure		400	{object}	ErrorResponse	"Malformed JSON"
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not an administrator, or CSRF check failed"
//	@Failure		409	{object}	ErrorResponse	"Name taken"
//	@Failure		422	{object}	ErrorResponse	"A field is invalid"
//	@Router			/api/groups [post]
func (s *server) createGroup(c *gin.Context) {
	var req CreateGroupRequest
	if err := decodeJSON(c, &req); err != nil {
		writeError(c, s.Log, err)
		return
	}
	g, err := s.Users.CreateGroup(c.Request.Context(), principalOf(c), req.Name, req.Description)
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.JSON(http.StatusCreated, groupFrom(g))
}

// updateGroup godoc
//
//	@Summary	Update a group's description
//	@ID			updateGroup
//	@Tags		users
//	@Security	BearerToken
//	@Security	SessionCookie || CSRFToken
//	@Param		name	path	string				true	"Group name (may contain slashes)"
//	@Param		body	body	UpdateGroupRequest	true	"Fields to change"
//	@Accept		json
//	@Produce	json
//	@Success	200	{object}	Group
//	@Failure	401	{object}	ErrorResponse	"Not signed in"
//	@Failure	403	{object}	ErrorResponse	"Not an administrator, or CSRF check failed"
//	@Failure	404	{object}	ErrorResponse	"No such group"
//	@Failure	422	{object}	ErrorResponse	"A field is invalid"
//	@Router		/api/groups/{name} [patch]
func (s *server) updateGroup(c *gin.Context) {
	var req UpdateGroupRequest
	if err := decodeJSON(c, &req); err != nil {
		writeError(c, s.Log, err)
		return
	}
	name := catchAll(c, "name")
	if req.Description == nil {
		g, err := s.Users.GetGroup(c.Request.Context(), name)
		if err != nil {
			writeError(c, s.Log, err)
			return
		}
		c.JSON(http.StatusOK, groupFrom(&g.Group))
		return
	}
	g, err := s.Users.UpdateGroup(c.Request.Context(), principalOf(c), name, *req.Description)
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.JSON(http.StatusOK, groupFrom(g))
}

// deleteGroup godoc
//
//	@Summary		Delete a group
//	@Description	Removes the group and its memberships; its members' sessions end. mcp-admin cannot be deleted. A mapping for the group name stays (identity providers may still report the group).
//	@ID				deleteGroup
//	@Tags			users
//	@Security		BearerToken
//	@Security		SessionCookie || CSRFToken
//	@Param			name	path	string	true	"Group name (may contain slashes)"
//	@Success		204
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not an administrator, or CSRF check failed"
//	@Failure		404	{object}	ErrorResponse	"No such group"
//	@Failure		409	{object}	ErrorResponse	"The administrator group"
//	@Router			/api/groups/{name} [delete]
func (s *server) deleteGroup(c *gin.Context) {
	if err := s.Users.DeleteGroup(c.Request.Context(), principalOf(c), catchAll(c, "name")); err != nil {
		writeError(c, s.Log, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// pathID parses the :id path parameter, answering 404 when it cannot name
// anything.
func (s *server) pathID(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(c, s.Log, &domain.Error{Code: domain.ENOTFOUND, Message: "user not found"})
		return 0, false
	}
	return id, true
}
