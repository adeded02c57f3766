package registry

import (
	"context"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/mcpgw/mcpgw/backend/internal/authz"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/scopesyml"
)

// requireAdmin lets registry administrators through and records everyone
// else's attempt.
func (s *Service) requireAdmin(ctx context.Context, p *domain.Principal, action, targetType, target string) error {
	if s.Policy(p).Admin() {
		return nil
	}
	s.record(ctx, p, action, domain.OutcomeDenied, targetType, target, map[string]any{"reason": "requires registry admin"})
	return &domain.Error{Code: domain.EFORBIDDEN, Message: "this needs the registry admin scope (" + authz.ScopeRegistryAdmin + ")"}
}

// RequireAdmin is requireAdmin for the HTTP layer's administration
// routes; route names what was refused in the audit trail.
func (s *Service) RequireAdmin(ctx context.Context, p *domain.Principal, route string) error {
	return s.requireAdmin(ctx, p, "admin.access", "route", route)
}

// commitAccess finishes a change of scopes or mappings inside its
// transaction: it refuses a change that would take registry admin away
// from the admin making it (members of mcp-admin always keep it, but an
// admin by mapping could lock themselves out), then bumps the version.
func (s *Service) commitAccess(ctx context.Context, tx pgx.Tx, p *domain.Principal) error {
	scopes, err := s.scopes.List(ctx, tx)
	if err != nil {
		return err
	}
	mappings, err := s.scopes.Mappings(ctx, tx)
	if err != nil {
		return err
	}
	if !authz.NewCatalog(scopes, mappings, s.snap.conventions).Policy(p.Groups).Admin() {
		return &domain.Error{Code: domain.ECONFLICT,
			Message: "this change would take registry admin away from you; make it from an account in " + domain.AdminGroup}
	}
	_, err = s.scopes.BumpVersion(ctx, tx)
	return err
}

// ListScopes returns the built-in scopes, then the defined ones in order.
func (s *Service) ListScopes(ctx context.Context, p *domain.Principal) ([]domain.Scope, error) {
	if err := s.requireAdmin(ctx, p, "scope.list", "scope", ""); err != nil {
		return nil, err
	}
	stored, err := s.scopes.List(ctx, s.db.Pool)
	if err != nil {
		return nil, err
	}
	return append(authz.Builtins(), stored...), nil
}

// GetScope returns a defined or built-in scope.
func (s *Service) GetScope(ctx context.Context, p *domain.Principal, name string) (domain.Scope, error) {
	if err := s.requireAdmin(ctx, p, "scope.read", "scope", name); err != nil {
		return domain.Scope{}, err
	}
	if b, ok := authz.BuiltinScope(name); ok {
		return b, nil
	}
	return s.scopes.Get(ctx, s.db.Pool, name)
}

func builtinConflict(name string) error {
	return &domain.Error{Code: domain.ECONFLICT, Field: "name",
		Message: "scope " + quote(name) + " is built in (registry scopes and seed 004's mcp:server:... names) and cannot be changed"}
}

func quote(s string) string { return `"` + domain.SafeText(s, 256) + `"` }

// PutScope creates or replaces a scope; it reports whether it was created.
func (s *Service) PutScope(ctx context.Context, p *domain.Principal, sc domain.Scope) (domain.Scope, bool, error) {
	if err := s.requireAdmin(ctx, p, ActionScopePut, "scope", sc.Name); err != nil {
		return sc, false, err
	}
	if err := domain.ValidateScope("", &sc); err != nil {
		return sc, false, err
	}
	if _, ok := authz.BuiltinScope(sc.Name); ok {
		return sc, false, builtinConflict(sc.Name)
	}
	var (
		before  *domain.Scope
		created bool
	)
	err := s.db.InTx(ctx, func(tx pgx.Tx) error {
		if old, err := s.scopes.Get(ctx, tx, sc.Name); err == nil {
			before = &old
		}
		var err error
		if created, err = s.scopes.Put(ctx, tx, &sc); err != nil {
			return err
		}
		return s.commitAccess(ctx, tx, p)
	})
	if err != nil {
		return sc, false, err
	}
	s.committed(ctx)
	details := map[string]any{"after": scopeSummary(&sc)}
	if before != nil {
		details["before"] = scopeSummary(before)
	}
	s.record(ctx, p, ActionScopePut, domain.OutcomeSuccess, "scope", sc.Name, details)
	return sc, created, nil
}

// DeleteScope removes a defined scope. Mappings that name it stay: they
// may be re-pointed, and an unknown scope grants nothing.
func (s *Service) DeleteScope(ctx context.Context, p *domain.Principal, name string) error {
	if err := s.requireAdmin(ctx, p, ActionScopeDelete, "scope", name); err != nil {
		return err
	}
	if _, ok := authz.BuiltinScope(name); ok {
		return builtinConflict(name)
	}
	var before domain.Scope
	err := s.db.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		if before, err = s.scopes.Get(ctx, tx, name); err != nil {
			return err
		}
		if err := s.scopes.Delete(ctx, tx, name); err != nil {
			return err
		}
		return s.commitAccess(ctx, tx, p)
	})
	if err != nil {
		return err
	}
	s.committed(ctx)
	s.record(ctx, p, ActionScopeDelete, domain.OutcomeSuccess, "scope", name, map[string]any{"before": scopeSummary(&before)})
	return nil
}

func scopeSummary(sc *domain.Scope) map[string]any {
	servers := []string{}
	for _, r := range sc.Rules {
		if !slices.Contains(servers, r.Server) {
			servers = append(servers, r.Server)
		}
	}
	return map[string]any{"rules": len(sc.Rules), "servers": servers}
}

// ListMappings returns every group → scopes mapping.
func (s *Service) ListMappings(ctx context.Context, p *domain.Principal) ([]domain.GroupMapping, error) {
	if err := s.requireAdmin(ctx, p, "mapping.list", "mapping", ""); err != nil {
		return nil, err
	}
	return s.scopes.Mappings(ctx, s.db.Pool)
}

// GetMapping returns one group's mapping.
func (s *Service) GetMapping(ctx context.Context, p *domain.Principal, group string) (domain.GroupMapping, error) {
	if err := s.requireAdmin(ctx, p, "mapping.read", "mapping", group); err != nil {
		return domain.GroupMapping{}, err
	}
	return s.scopes.Mapping(ctx, s.db.Pool, group)
}

// PutMapping sets the scopes a group maps to.
func (s *Service) PutMapping(ctx context.Context, p *domain.Principal, m domain.GroupMapping) error {
	if err := s.requireAdmin(ctx, p, ActionMappingPut, "mapping", m.Group); err != nil {
		return err
	}
	if m.Scopes == nil {
		m.Scopes = []string{}
	}
	if err := domain.ValidateGroupMapping("", &m); err != nil {
		return err
	}
	var before *domain.GroupMapping
	err := s.db.InTx(ctx, func(tx pgx.Tx) error {
		if old, err := s.scopes.Mapping(ctx, tx, m.Group); err == nil {
			before = &old
		}
		if err := s.scopes.PutMapping(ctx, tx, m); err != nil {
			return err
		}
		return s.commitAccess(ctx, tx, p)
	})
	if err != nil {
		return err
	}
	s.committed(ctx)
	details := map[string]any{"after": m.Scopes}
	if before != nil {
		details["before"] = before.Scopes
	}
	s.record(ctx, p, ActionMappingPut, domain.OutcomeSuccess, "mapping", m.Group, details)
	return nil
}

// DeleteMapping removes a group's mapping.
func (s *Service) DeleteMapping(ctx context.Context, p *domain.Principal, group string) error {
	if err := s.requireAdmin(ctx, p, ActionMappingDelete, "mapping", group); err != nil {
		return err
	}
	var before domain.GroupMapping
	err := s.db.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		if before, err = s.scopes.Mapping(ctx, tx, group); err != nil {
			return err
		}
		if err := s.scopes.DeleteMapping(ctx, tx, group); err != nil {
			return err
		}
		return s.commitAccess(ctx, tx, p)
	})
	if err != nil {
		return err
	}
	s.committed(ctx)
	s.record(ctx, p, ActionMappingDelete, domain.OutcomeSuccess, "mapping", group, map[string]any{"before": before.Scopes})
	return nil
}

// ImportResult counts what an import wrote.
type ImportResult struct {
	Scopes   int
	Mappings int
	Replaced bool
}

// Import writes the scopes and mappings of a scopes.yml. With replace,
// everything defined before is removed first; otherwise the file's scopes
// and mappings are added or overwrite those of the same name. It is one
// transaction: a bad file changes nothing.
func (s *Service) Import(ctx context.Context, p *domain.Principal, f *scopesyml.File, replace bool) (*ImportResult, error) {
	if err := s.requireAdmin(ctx, p, ActionScopesImport, "scopes", ""); err != nil {
		return nil, err
	}
	for i := range f.Scopes {
		if _, ok := authz.BuiltinScope(f.Scopes[i].Name); ok {
			return nil, builtinConflict(f.Scopes[i].Name)
		}
	}
	err := s.db.InTx(ctx, func(tx pgx.Tx) error {
		if replace {
			if err := s.scopes.DeleteAll(ctx, tx); err != nil {
				return err
			}
		}
		for i := range f.Scopes {
			if _, err := s.scopes.Put(ctx, tx, &f.Scopes[i]); err != nil {
				return err
			}
		}
		for _, m := range f.Mappings {
			if err := s.scopes.PutMapping(ctx, tx, m); err != nil {
				return err
			}
		}
		return s.commitAccess(ctx, tx, p)
	})
	if err != nil {
		return nil, err
	}
	s.committed(ctx)
	res := &ImportResult{Scopes: len(f.Scopes), Mappings: len(f.Mappings), Replaced: replace}
	names := make([]string, len(f.Scopes))
	for i := range f.Scopes {
		names[i] = f.Scopes[i].Name
	}
	s.record(ctx, p, ActionScopesImport, domain.OutcomeSuccess, "scopes", "", map[string]any{
		"scopes": res.Scopes, "mappings": res.Mappings, "replace": replace, "scope_names": strings.Join(names, ", "),
	})
	return res, nil
}

// Export returns every defined scope and mapping in scopes.yml form.
func (s *Service) Export(ctx context.Context, p *domain.Principal) (*scopesyml.File, error) {
	if err := s.requireAdmin(ctx, p, "scopes.export", "scopes", ""); err != nil {
		return nil, err
	}
	f := &scopesyml.File{}
	err := pgx.BeginTxFunc(ctx, s.db.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		if f.Scopes, err = s.scopes.List(ctx, tx); err != nil {
			return err
		}
		f.Mappings, err = s.scopes.Mappings(ctx, tx)
		return err
	})
	return f, err
}

// ServerAccess is what a principal may do with one server.
type ServerAccess struct {
	Path        string
	DisplayName string
	Permissions []domain.Permission
}

// UserContext is seed 001's user context: who the caller is and what the
// dashboard should let them do.
type UserContext struct {
	Scopes           []string
	IsAdmin          bool
	CanModifyServers bool
	CanRegister      bool
	Servers          []ServerAccess // servers the caller may see, by path
}

// UserContextOf computes p's user context from the current snapshot.
func (s *Service) UserContextOf(p *domain.Principal) *UserContext {
	snap := s.snap.Current()
	pol := snap.Catalog.Policy(p.Groups)
	uc := &UserContext{
		Scopes:           snap.Catalog.ScopeNames(p.Groups),
		IsAdmin:          pol.Admin(),
		CanModifyServers: pol.Anywhere(authz.Toggle) || pol.Anywhere(authz.Edit),
		CanRegister:      pol.Anywhere(authz.Register),
		Servers:          []ServerAccess{},
	}
	for i, srv := range snap.Servers {
		set := pol.Permissions(snap.refs[i])
		if set.Has(authz.Read) {
			uc.Servers = append(uc.Servers, ServerAccess{Path: srv.Path, DisplayName: srv.DisplayName, Permissions: set.Permissions()})
		}
	}
	return uc
}
