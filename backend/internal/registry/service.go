// Package registry owns the catalog of MCP servers and the permission
// model's data: it decides, with the authz evaluator, who may see, change
// or use what, keeps every replica's in-memory snapshot current, and
// records every write in the audit trail.
package registry

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/mcpgw/mcpgw/backend/internal/authz"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/netguard"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
	"github.com/mcpgw/mcpgw/backend/internal/secretbox"
)

// Auditor records audit events; audit.Writer implements it.
type Auditor interface {
	Record(ctx context.Context, ev domain.AuditEvent)
}

// Audit actions of the registry.
const (
	ActionServerCreate  = "server.create"
	ActionServerUpdate  = "server.update"
	ActionServerToggle  = "server.toggle"
	ActionServerDelete  = "server.delete"
	ActionServerRead    = "server.read"
	ActionServerRefresh = "server.refresh"
	ActionScopePut      = "scope.put"
	ActionScopeDelete   = "scope.delete"
	ActionMappingPut    = "mapping.put"
	ActionMappingDelete = "mapping.delete"
	ActionScopesImport  = "scopes.import"
)

// Service manages servers, tools, scopes and mappings.
type Service struct {
	db      *postgres.DB
	servers postgres.Servers
	tools   postgres.Tools
	scopes  postgres.Scopes
	users   postgres.Users
	snap    *Holder
	box     *secretbox.Box
	guard   netguard.Options
	audit   Auditor
	log     *slog.Logger
	egress  egressCache
	changed func(ctx context.Context, srv *domain.Server, removed bool)
}

// Options wires a Service.
type Options struct {
	DB     *postgres.DB
	Holder *Holder
	Box    *secretbox.Box
	Guard  netguard.Options
	Audit  Auditor
	Log    *slog.Logger
	// Changed, when set, is told of every server written (after the
	// commit), or removed: live updates follow the catalog with it.
	Changed func(ctx context.Context, srv *domain.Server, removed bool)
}

// New returns a Service.
func New(o Options) *Service {
	changed := o.Changed
	if changed == nil {
		changed = func(context.Context, *domain.Server, bool) {}
	}
	return &Service{db: o.DB, snap: o.Holder, box: o.Box, guard: o.Guard, audit: o.Audit, log: o.Log, changed: changed}
}

// Snapshot returns the current registry snapshot.
func (s *Service) Snapshot() *Snapshot { return s.snap.Current() }

// Policy returns the compiled permissions of p.
func (s *Service) Policy(p *domain.Principal) *authz.Policy {
	if p == nil {
		return nil
	}
	return s.snap.Current().Catalog.Policy(p.Groups)
}

// ServerInput is a new server, or the fields of an update; in an update nil
// fields stay as they are.
type ServerInput struct {
	Path        *string
	DisplayName *string
	Description *string
	UpstreamURL *string
	Transport   *string
	Tags        *[]string
	Enabled     *bool
	License     *string
	Egress      *domain.Egress
}

// ServerView is a server together with what the caller may do with it.
type ServerView struct {
	*domain.Server
	Permissions authz.Set
}

// committed reloads the snapshot after a write so that the writer reads
// its own change at once; other replicas follow through Watch.
func (s *Service) committed(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := s.snap.Reload(ctx); err != nil {
		s.log.WarnContext(ctx, "registry reload after write failed", "error", err)
	}
}

// deny records a refused write and returns the error the caller sees.
func (s *Service) deny(ctx context.Context, p *domain.Principal, action, targetType, target string, d authz.Decision) error {
	s.record(ctx, p, action, domain.OutcomeDenied, targetType, target, map[string]any{"reason": d.Reason()})
	return &domain.Error{Code: domain.EFORBIDDEN, Message: d.Reason()}
}

func (s *Service) record(ctx context.Context, p *domain.Principal, action, outcome, targetType, target string, details map[string]any) {
	ev := domain.AuditEvent{Action: action, Outcome: outcome, TargetType: targetType, Target: target, Details: details}
	if p != nil {
		ev.Actor, ev.ActorID, ev.AuthMethod = p.Username, p.UserID, p.AuthMethod
	}
	s.audit.Record(ctx, ev)
}

// notFoundServer is what a caller who may not see a server is told, so
// that existence does not leak.
var notFoundServer = &domain.Error{Code: domain.ENOTFOUND, Message: "server not found"}

// authorize checks perm on srv. A caller who cannot even read srv gets
// not-found; one who can read but lacks perm gets forbidden, audited.
func (s *Service) authorize(ctx context.Context, p *domain.Principal, pol *authz.Policy, srv *domain.Server, perm domain.Permission, action string) error {
	ref := authz.Ref(srv.Path, srv.DisplayName)
	if !pol.Permissions(ref).Has(authz.Read) {
		if perm != domain.PermRead {
			s.record(ctx, p, action, domain.OutcomeDenied, "server", srv.Path, map[string]any{"reason": "cannot see the server"})
		}
		return notFoundServer
	}
	if d := pol.Check(ref, perm); !d.Allowed {
		return s.deny(ctx, p, action, "server", srv.Path, d)
	}
	return nil
}

// GetServer returns the server with id if the caller may see it.
func (s *Service) GetServer(ctx context.Context, p *domain.Principal, id string) (*ServerView, error) {
	srv, pol, err := s.load(ctx, p, id, domain.PermRead, ActionServerRead)
	if err != nil {
		return nil, err
	}
	return &ServerView{srv, pol.Permissions(authz.Ref(srv.Path, srv.DisplayName))}, nil
}

// load reads the server with id and checks perm on it (see authorize).
func (s *Service) load(ctx context.Context, p *domain.Principal, id string, perm domain.Permission, action string) (*domain.Server, *authz.Policy, error) {
	if !validID(id) {
		return nil, nil, notFoundServer
	}
	srv, _, err := s.servers.Get(ctx, s.db.Pool, id)
	if err != nil {
		return nil, nil, err
	}
	pol := s.Policy(p)
	if err := s.authorize(ctx, p, pol, srv, perm, action); err != nil {
		return nil, nil, err
	}
	return srv, pol, nil
}

// VisibleServers returns every server the caller may see, as stored now
// (health and tool counts included), ordered by path.
func (s *Service) VisibleServers(ctx context.Context, p *domain.Principal) ([]*domain.Server, error) {
	all, err := s.servers.All(ctx, s.db.Pool)
	if err != nil {
		return nil, err
	}
	pol := s.Policy(p)
	out := all[:0]
	for _, srv := range all {
		if pol.Permissions(authz.Ref(srv.Path, srv.DisplayName)).Has(authz.Read) {
			srv.Egress = redacted(srv.Egress)
			out = append(out, srv)
		}
	}
	return out, nil
}

// VisibleIDs returns the ids of the servers the caller may see, from the
// in-memory snapshot (no database read), and the snapshot's version.
func (s *Service) VisibleIDs(p *domain.Principal) ([]string, int64) {
	snap := s.snap.Current()
	return snap.Visible(s.Policy(p)), snap.Version
}

// CanSee reports whether the caller may see the server at path, named
// displayName, under the permissions in force now.
func (s *Service) CanSee(p *domain.Principal, path, displayName string) bool {
	return s.Policy(p).Permissions(authz.Ref(path, displayName)).Has(authz.Read)
}

// RefreshServer checks the server with id now through check (the health
// poller's, which stores the result), if the caller has health_check on
// it, and returns the server as stored afterwards.
func (s *Service) RefreshServer(ctx context.Context, p *domain.Principal, id string, check func(context.Context, *domain.Server) error) (*ServerView, error) {
	srv, pol, err := s.load(ctx, p, id, domain.PermHealthCheck, ActionServerRefresh)
	if err != nil {
		return nil, err
	}
	if !srv.Enabled {
		return nil, &domain.Error{Code: domain.ECONFLICT, Message: "the server is disabled: enable it to check it"}
	}
	if err := check(ctx, srv); err != nil {
		return nil, err
	}
	after, _, err := s.servers.Get(ctx, s.db.Pool, id)
	if err != nil {
		return nil, err
	}
	s.record(ctx, p, ActionServerRefresh, domain.OutcomeSuccess, "server", srv.Path, map[string]any{"status": after.Health.Status})
	return &ServerView{after, pol.Permissions(authz.Ref(after.Path, after.DisplayName))}, nil
}

// ListTools returns the tools of the server with id.
func (s *Service) ListTools(ctx context.Context, p *domain.Principal, id string) ([]domain.Tool, error) {
	if _, err := s.GetServer(ctx, p, id); err != nil {
		return nil, err
	}
	return s.tools.List(ctx, s.db.Pool, id)
}

// ServerPage is one page of a server list.
type ServerPage struct {
	Servers    []ServerView
	NextCursor string // "" on the last page
}

// ListQuery is a server list request.
type ListQuery struct {
	Search  string
	Tags    []string
	Enabled *bool
	Health  string
	Sort    string
	Desc    bool
	Cursor  string
	Limit   int
}

// Page size limits.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// ListServers returns the servers the caller may see that match q.
func (s *Service) ListServers(ctx context.Context, p *domain.Principal, q ListQuery) (*ServerPage, error) {
	f := postgres.ServerQuery{Search: q.Search, Tags: q.Tags, Enabled: q.Enabled, Health: q.Health, Sort: q.Sort, Desc: q.Desc, Limit: q.Limit}
	if f.Sort == "" {
		f.Sort = postgres.SortName
	}
	if !postgres.ValidSort(f.Sort) {
		return nil, domain.Invalid("sort", "must be one of name, path, created_at, updated_at")
	}
	if f.Health != "" && !slices.Contains(domain.HealthStates, f.Health) {
		return nil, domain.Invalid("health", "must be one of %s", strings.Join(domain.HealthStates, ", "))
	}
	if len(f.Search) > 200 {
		return nil, domain.Invalid("q", "must be at most 200 bytes")
	}
	switch {
	case f.Limit == 0:
		f.Limit = DefaultPageSize
	case f.Limit < 1 || f.Limit > MaxPageSize:
		return nil, domain.Invalid("limit", "must be between 1 and %d", MaxPageSize)
	}
	if q.Cursor != "" {
		c, err := decodeCursor(q.Cursor, f.Sort, f.Desc)
		if err != nil {
			return nil, err
		}
		f.After = c
	}
	pol := s.Policy(p)
	snap := s.snap.Current()
	if !pol.Everywhere(authz.Read) {
		f.IDs = snap.Visible(pol)
	}
	servers, next, err := s.servers.List(ctx, s.db.Pool, f)
	if err != nil {
		return nil, err
	}
	page := &ServerPage{Servers: make([]ServerView, len(servers))}
	for i, srv := range servers {
		page.Servers[i] = ServerView{srv, pol.Permissions(authz.Ref(srv.Path, srv.DisplayName))}
	}
	if next != nil {
		page.NextCursor = encodeCursor(next, f.Sort, f.Desc)
	}
	return page, nil
}

// cursor is the opaque pagination token: the position plus the order it
// belongs to, so a cursor cannot be replayed against another sort.
type cursor struct {
	postgres.ServerCursor
	Sort string `json:"s"`
	Desc bool   `json:"d,omitempty"`
}

func encodeCursor(c *postgres.ServerCursor, sort string, desc bool) string {
	b, _ := json.Marshal(cursor{*c, sort, desc})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s, sort string, desc bool) (*postgres.ServerCursor, error) {
	bad := domain.Invalid("cursor", "is not a cursor from this list (it is tied to the list's sort order)")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 1024 {
		return nil, bad
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.Sort != sort || c.Desc != desc || !validID(c.ID) ||
		!utf8.ValidString(c.Key) || strings.ContainsRune(c.Key, 0) {
		return nil, bad
	}
	if sort == postgres.SortCreatedAt || sort == postgres.SortUpdatedAt {
		if _, err := time.Parse(postgres.CursorTimeLayout, c.Key); err != nil {
			return nil, bad
		}
	}
	return &c.ServerCursor, nil
}

// CreateServer registers a server.
func (s *Service) CreateServer(ctx context.Context, p *domain.Principal, in ServerInput) (*ServerView, error) {
	srv := &domain.Server{Transport: domain.TransportStreamableHTTP, Enabled: true, Tags: []string{},
		Egress: domain.Egress{Type: domain.EgressNone}}
	if in.Path == nil {
		return nil, domain.Invalid("path", "is required")
	}
	if err := applyInput(srv, in, nil); err != nil {
		return nil, err
	}
	// Rules may name a server by path or by display name, so registering
	// needs register under both names, each on its own: one grant must not
	// vouch for the other name.
	pol := s.Policy(p)
	for _, ref := range []authz.Server{pathRef(srv.Path), nameRef(srv.DisplayName)} {
		if d := pol.Check(ref, domain.PermRegister); !d.Allowed {
			return nil, s.deny(ctx, p, ActionServerCreate, "server", srv.Path, d)
		}
	}
	if err := s.checkNames(srv); err != nil {
		return nil, err
	}
	// Resolving the upstream comes after the permission check: it must not
	// answer questions about the network for callers who may not register.
	if err := s.checkUpstream(ctx, srv); err != nil {
		return nil, err
	}
	srv.ID = newID()
	srv.CreatedBy = p.Username
	sealed := s.seal(srv.ID, &srv.Egress, nil)
	err := s.db.InTx(ctx, func(tx pgx.Tx) error {
		if err := s.servers.Create(ctx, tx, srv, sealed); err != nil {
			return err
		}
		_, err := s.scopes.BumpVersion(ctx, tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.committed(ctx)
	s.changed(ctx, srv, false)
	s.record(ctx, p, ActionServerCreate, domain.OutcomeSuccess, "server", srv.Path, map[string]any{"after": summary(srv)})
	srv.Egress = redacted(srv.Egress)
	return &ServerView{srv, pol.Permissions(authz.Ref(srv.Path, srv.DisplayName))}, nil
}

// pathRef and nameRef identify a server by one of its names only.
func pathRef(path string) authz.Server { return authz.Server{Path: authz.FoldName(path)} }
func nameRef(name string) authz.Server { return authz.Server{NameKey: authz.FoldName(name)} }

// checkNames refuses a path or display name that another server answers
// to under the other kind of name: a rule naming one server must never
// come to match a second one.
func (s *Service) checkNames(srv *domain.Server) error {
	path, name := authz.FoldName(srv.Path), authz.FoldName(srv.DisplayName)
	for _, other := range s.snap.Current().Servers {
		if other.ID == srv.ID {
			continue
		}
		if authz.FoldName(other.Path) == name {
			return &domain.Error{Code: domain.ECONFLICT, Field: "display_name", Message: "the display name is another server's path"}
		}
		if authz.FoldName(other.DisplayName) == path {
			return &domain.Error{Code: domain.ECONFLICT, Field: "path", Message: "the path is another server's display name"}
		}
	}
	return nil
}

// UpdateServer changes a server. ifVersion, when not nil, must equal the
// server's current version (If-Match).
func (s *Service) UpdateServer(ctx context.Context, p *domain.Principal, id string, in ServerInput, ifVersion *int64) (*ServerView, error) {
	// The upstream's address is checked before the row is locked: name
	// resolution may take seconds.
	var upstream *string
	if in.UpstreamURL != nil {
		probe := &domain.Server{UpstreamURL: *in.UpstreamURL}
		if err := s.checkUpstream(ctx, probe); err != nil {
			return nil, err
		}
		upstream = &probe.UpstreamURL
	}
	return s.modify(ctx, p, id, ifVersion, ActionServerUpdate, domain.PermEdit, func(pol *authz.Policy, srv *domain.Server, sealed *postgres.SealedEgress) (*postgres.SealedEgress, error) {
		before := *srv
		if in.Enabled != nil && *in.Enabled != srv.Enabled {
			if err := s.authorize(ctx, p, pol, srv, domain.PermToggle, ActionServerUpdate); err != nil {
				return nil, err
			}
		}
		if err := applyInput(srv, in, sealed); err != nil {
			return nil, err
		}
		if upstream != nil {
			srv.UpstreamURL = *upstream
		}
		// A new path is a new place in the catalog (register there); a new
		// display name brings the server under rules naming it (edit there).
		if srv.Path != before.Path {
			if d := pol.Check(pathRef(srv.Path), domain.PermRegister); !d.Allowed {
				return nil, s.deny(ctx, p, ActionServerUpdate, "server", before.Path, d)
			}
		}
		if authz.FoldName(srv.DisplayName) != authz.FoldName(before.DisplayName) {
			if d := pol.Check(nameRef(srv.DisplayName), domain.PermEdit); !d.Allowed {
				return nil, s.deny(ctx, p, ActionServerUpdate, "server", before.Path, d)
			}
		}
		if err := s.checkNames(srv); err != nil {
			return nil, err
		}
		// Stored credentials were given for one upstream: pointing the
		// server elsewhere must not carry them along unless re-entered.
		if origin(srv.UpstreamURL) != origin(before.UpstreamURL) && keepsStoredSecret(&srv.Egress) {
			return nil, domain.Invalid("egress", "the upstream's scheme, host or port changed: enter the egress token or header values again (or set egress type none)")
		}
		return s.seal(srv.ID, &srv.Egress, sealed), nil
	})
}

// origin is scheme://host:port of an upstream URL.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return u.Scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

// keepsStoredSecret reports whether eg reuses a stored secret value.
func keepsStoredSecret(eg *domain.Egress) bool {
	if eg.Type == domain.EgressBearer && eg.Token == "" && eg.TokenSet {
		return true
	}
	for _, h := range eg.Headers {
		if eg.Type == domain.EgressHeaders && h.Value == "" && h.ValueSet {
			return true
		}
	}
	return false
}

// ToggleServer enables or disables a server.
func (s *Service) ToggleServer(ctx context.Context, p *domain.Principal, id string, enabled bool, ifVersion *int64) (*ServerView, error) {
	return s.modify(ctx, p, id, ifVersion, ActionServerToggle, domain.PermToggle, func(_ *authz.Policy, srv *domain.Server, sealed *postgres.SealedEgress) (*postgres.SealedEgress, error) {
		srv.Enabled = enabled
		return sealed, nil
	})
}

// modify runs one read-modify-write of a server under its row lock: the
// caller must hold perm on the server (checked, and a refusal audited,
// before anything else, the version included), then change may apply and
// check more.
func (s *Service) modify(ctx context.Context, p *domain.Principal, id string, ifVersion *int64, action string, perm domain.Permission,
	change func(*authz.Policy, *domain.Server, *postgres.SealedEgress) (*postgres.SealedEgress, error)) (*ServerView, error) {
	if !validID(id) {
		return nil, notFoundServer
	}
	pol := s.Policy(p)
	var before, after *domain.Server
	err := s.db.InTx(ctx, func(tx pgx.Tx) error {
		srv, sealed, err := s.servers.GetForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		b := *srv
		before = &b
		if err := s.authorize(ctx, p, pol, srv, perm, action); err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != srv.Version {
			return stale(srv.Version, *ifVersion)
		}
		newSealed, err := change(pol, srv, sealed)
		if err != nil {
			return err
		}
		if equalServers(before, srv) && sameSealed(sealed, newSealed) {
			after = srv // nothing to write
			return nil
		}
		srv.UpdatedBy = p.Username
		if err := s.servers.Update(ctx, tx, srv, newSealed); err != nil {
			return err
		}
		if _, err := s.scopes.BumpVersion(ctx, tx); err != nil {
			return err
		}
		after = srv
		return nil
	})
	if err != nil {
		return nil, err
	}
	if after.Version != before.Version {
		s.committed(ctx)
		s.changed(ctx, after, false)
		s.record(ctx, p, action, domain.OutcomeSuccess, "server", before.Path,
			map[string]any{"before": summary(before), "after": summary(after)})
	}
	after.Egress = redacted(after.Egress)
	return &ServerView{after, pol.Permissions(authz.Ref(after.Path, after.DisplayName))}, nil
}

func stale(have, sent int64) error {
	return &domain.Error{Code: domain.EPRECONDITION,
		Message: fmt.Sprintf("the server was changed by someone else (version %d, you sent %d); reload it and try again", have, sent)}
}

// DeleteServer removes a server from the catalog; it needs register, the
// permission to change what the catalog holds.
func (s *Service) DeleteServer(ctx context.Context, p *domain.Principal, id string, ifVersion *int64) error {
	if !validID(id) {
		return notFoundServer
	}
	pol := s.Policy(p)
	var gone *domain.Server
	err := s.db.InTx(ctx, func(tx pgx.Tx) error {
		srv, _, err := s.servers.GetForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, p, pol, srv, domain.PermRegister, ActionServerDelete); err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != srv.Version {
			return stale(srv.Version, *ifVersion)
		}
		if err := s.servers.Delete(ctx, tx, id); err != nil {
			return err
		}
		gone = srv
		_, err = s.scopes.BumpVersion(ctx, tx)
		return err
	})
	if err != nil {
		return err
	}
	s.committed(ctx)
	s.changed(ctx, gone, true)
	s.record(ctx, p, ActionServerDelete, domain.OutcomeSuccess, "server", gone.Path, map[string]any{"before": summary(gone)})
	return nil
}

// applyInput copies the set fields of in onto srv. For egress secrets left
// empty, the stored value is kept (sealed; nil on create).
func applyInput(srv *domain.Server, in ServerInput, stored *postgres.SealedEgress) error {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&srv.Path, in.Path)
	set(&srv.DisplayName, in.DisplayName)
	set(&srv.Description, in.Description)
	set(&srv.UpstreamURL, in.UpstreamURL)
	set(&srv.Transport, in.Transport)
	set(&srv.License, in.License)
	if in.Tags != nil {
		srv.Tags = append([]string{}, (*in.Tags)...)
	}
	if in.Enabled != nil {
		srv.Enabled = *in.Enabled
	}
	if in.Egress != nil {
		eg := *in.Egress
		eg.Headers = slices.Clone(eg.Headers)
		eg.TokenSet = eg.Type == domain.EgressBearer && eg.Token == "" && stored != nil && stored.Type == domain.EgressBearer && len(stored.Token) > 0
		for i := range eg.Headers {
			h := &eg.Headers[i]
			h.ValueSet = h.Value == "" && stored != nil && stored.Type == domain.EgressHeaders && storedHeader(stored, h.Name) != nil
		}
		srv.Egress = eg
	} else if stored != nil {
		srv.Egress.TokenSet = len(stored.Token) > 0
		for i := range srv.Egress.Headers {
			srv.Egress.Headers[i].ValueSet = true
		}
	}
	srv.DisplayName = strings.TrimSpace(srv.DisplayName)
	return domain.ValidateServer(srv)
}

func storedHeader(stored *postgres.SealedEgress, name string) []byte {
	for _, h := range stored.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return nil
}

// checkUpstream checks where srv's upstream URL points and normalises it.
func (s *Service) checkUpstream(ctx context.Context, srv *domain.Server) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	u, err := netguard.CheckURL(ctx, srv.UpstreamURL, s.guard)
	if err != nil {
		return err
	}
	srv.UpstreamURL = u.String()
	return nil
}

// seal turns eg's plaintext secrets into their stored form; secrets left
// empty keep their stored sealed value. The additional data binds each
// ciphertext to its server and field, so rows cannot swap secrets.
func (s *Service) seal(id string, eg *domain.Egress, stored *postgres.SealedEgress) *postgres.SealedEgress {
	out := &postgres.SealedEgress{Type: eg.Type}
	switch eg.Type {
	case domain.EgressBearer:
		if eg.Token != "" {
			out.Token = s.box.Seal([]byte(eg.Token.Reveal()), tokenAAD(id))
		} else if stored != nil {
			out.Token = stored.Token
		}
	case domain.EgressHeaders:
		for _, h := range eg.Headers {
			sh := postgres.SealedHeader{Name: h.Name}
			if h.Value != "" {
				sh.Value = s.box.Seal([]byte(h.Value.Reveal()), headerAAD(id, h.Name))
			} else if stored != nil {
				sh.Value = storedHeader(stored, h.Name)
			}
			out.Headers = append(out.Headers, sh)
		}
	}
	return out
}

func tokenAAD(id string) []byte { return []byte("server:" + id + ":egress_token") }
func headerAAD(id, name string) []byte {
	return []byte("server:" + id + ":egress_header:" + strings.ToLower(name))
}

// redacted drops plaintext secrets, keeping only whether they are set.
func redacted(e domain.Egress) domain.Egress {
	out := domain.Egress{Type: e.Type, TokenSet: e.Token != "" || e.TokenSet}
	for _, h := range e.Headers {
		out.Headers = append(out.Headers, domain.EgressHeader{Name: h.Name, ValueSet: h.Value != "" || h.ValueSet})
	}
	return out
}

// summary is what the audit trail keeps of a server: no secrets, and the
// upstream URL without its query, which may carry an API key.
func summary(s *domain.Server) map[string]any {
	headers := make([]string, 0, len(s.Egress.Headers))
	for _, h := range s.Egress.Headers {
		headers = append(headers, h.Name)
	}
	m := map[string]any{
		"path": s.Path, "display_name": s.DisplayName, "upstream_url": redactURL(s.UpstreamURL),
		"transport": s.Transport, "enabled": s.Enabled, "tags": s.Tags, "egress": s.Egress.Type,
		"version": s.Version,
	}
	if len(headers) > 0 {
		m["egress_headers"] = headers
	}
	return m
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

func equalServers(a, b *domain.Server) bool {
	return a.Path == b.Path && a.DisplayName == b.DisplayName && a.Description == b.Description &&
		a.UpstreamURL == b.UpstreamURL && a.Transport == b.Transport && slices.Equal(a.Tags, b.Tags) &&
		a.Enabled == b.Enabled && a.License == b.License
}

func sameSealed(a, b *postgres.SealedEgress) bool {
	if a.Type != b.Type || string(a.Token) != string(b.Token) || len(a.Headers) != len(b.Headers) {
		return false
	}
	for i := range a.Headers {
		if a.Headers[i].Name != b.Headers[i].Name || string(a.Headers[i].Value) != string(b.Headers[i].Value) {
			return false
		}
	}
	return true
}

// newID returns a random (version 4) UUID.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// validID reports whether s is a UUID in canonical form; anything else
// cannot name a server, and must not reach Postgres as a uuid.
func validID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}
