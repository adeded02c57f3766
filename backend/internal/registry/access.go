package registry

import (
	"context"
	"errors"

	"github.com/mcpgw/mcpgw/backend/internal/authz"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// Kinds of subject whose access EffectiveAccess explains.
const (
	SubjectUser  = "user"
	SubjectGroup = "group"
)

// AccessQuery names whose access to explain: exactly one of User (a
// username) and Group (a group name, which need not exist anywhere). Nil
// means not given.
type AccessQuery struct {
	User  *string
	Group *string
}

// EffectiveAccess is what a user or group may do, and why: the answer of
// the same evaluator the proxy and the registry decide with.
type EffectiveAccess struct {
	Kind    string // SubjectUser or SubjectGroup
	Name    string
	Groups  []string
	IsAdmin bool
	Scopes  []authz.ScopeSource
	// Disabled is set for a disabled user, who cannot sign in and whose
	// tokens are refused: the rest is what their groups would give.
	Disabled bool
	// Servers are those the subject holds some permission on, by path.
	Servers []EffectiveServer
}

// EffectiveServer is what the subject may do on one server, and which of
// its scopes grant something there.
type EffectiveServer struct {
	ID          string
	Path        string
	DisplayName string
	Access      authz.Access
	GrantedBy   []string // scope names, sorted
}

// badQuery is the error of a query parameter that is missing or wrong.
func badQuery(field, message string) error {
	return &domain.Error{Code: domain.EBADREQUEST, Field: field, Message: message}
}

// EffectiveAccess explains what the principal the gateway would build for
// a user (their stored groups: local membership, or as an identity
// provider last reported them) or for a bare group may do on every
// registered server. Registry administrators only.
func (s *Service) EffectiveAccess(ctx context.Context, p *domain.Principal, q AccessQuery) (*EffectiveAccess, error) {
	targetType, target := SubjectGroup, ""
	if q.User != nil {
		targetType, target = SubjectUser, *q.User
	} else if q.Group != nil {
		target = *q.Group
	}
	if err := s.requireAdmin(ctx, p, "access.effective", targetType, target); err != nil {
		return nil, err
	}
	var out *EffectiveAccess
	switch {
	case q.User != nil && q.Group != nil:
		return nil, badQuery("group", "give either user or group, not both")
	case q.User == nil && q.Group == nil:
		return nil, badQuery("user", "give user (a username) or group (a group name)")
	case q.User != nil:
		if *q.User == "" {
			return nil, badQuery("user", "user: must not be empty")
		}
		u, err := s.users.GetByUsername(ctx, s.db.Pool, *q.User)
		if err != nil {
			return nil, err
		}
		out = &EffectiveAccess{Kind: SubjectUser, Name: u.Username, Disabled: u.Disabled, Groups: append([]string{}, u.Groups...)}
	default:
		if err := domain.ValidateGroupName("group", *q.Group); err != nil {
			var e *domain.Error
			if errors.As(err, &e) {
				err = badQuery("group", e.Message)
			}
			return nil, err
		}
		out = &EffectiveAccess{Kind: SubjectGroup, Name: *q.Group, Groups: []string{*q.Group}}
	}
	snap := s.snap.Current()
	cat := snap.Catalog
	pol := cat.Policy(out.Groups)
	out.IsAdmin = pol.Admin()
	out.Scopes = cat.Sources(out.Groups)
	names := cat.ScopeNames(out.Groups)
	out.Servers = []EffectiveServer{}
	for i, srv := range snap.Servers {
		ref := snap.refs[i]
		a := pol.Access(ref)
		if a.Permissions == 0 {
			continue
		}
		es := EffectiveServer{ID: srv.ID, Path: srv.Path, DisplayName: srv.DisplayName, Access: a, GrantedBy: []string{}}
		for _, n := range names {
			if cat.ScopePolicy(n).Permissions(ref) != 0 {
				es.GrantedBy = append(es.GrantedBy, n)
			}
		}
		out.Servers = append(out.Servers, es)
	}
	return out, nil
}
