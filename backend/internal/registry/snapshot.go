package registry

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mcpgw/mcpgw/backend/internal/authz"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
)

// Snapshot is one consistent, immutable view of the registry: the servers
// and the permission catalog. Every permission decision reads one, so a
// request never sees half of a change.
type Snapshot struct {
	// Version is the registry change counter the snapshot was read at.
	Version int64
	Catalog *authz.Catalog
	// Servers are ordered by path.
	Servers []*domain.Server
	refs    []authz.Server // refs[i] identifies Servers[i] to the evaluator
	byID    map[string]int
	byPath  map[string]int
}

func newSnapshot(version int64, servers []*domain.Server, cat *authz.Catalog) *Snapshot {
	s := &Snapshot{Version: version, Catalog: cat, Servers: servers,
		refs: make([]authz.Server, len(servers)), byID: make(map[string]int, len(servers)),
		byPath: make(map[string]int, len(servers))}
	for i, srv := range servers {
		s.refs[i] = authz.Ref(srv.Path, srv.DisplayName)
		s.byID[srv.ID] = i
		s.byPath[srv.Path] = i
	}
	return s
}

// ServerByPath returns the server registered at path.
func (s *Snapshot) ServerByPath(path string) (*domain.Server, authz.Server, bool) {
	i, ok := s.byPath[path]
	if !ok {
		return nil, authz.Server{}, false
	}
	return s.Servers[i], s.refs[i], true
}

// Visible returns the ids of the servers pol may read.
func (s *Snapshot) Visible(pol *authz.Policy) []string {
	ids := []string{}
	for i, srv := range s.Servers {
		if pol.Permissions(s.refs[i]).Has(authz.Read) {
			ids = append(ids, srv.ID)
		}
	}
	return ids
}

// Holder keeps the current snapshot and replaces it when the registry
// changes: at once after a local write, and within moments after another
// replica's (Postgres LISTEN/NOTIFY, with a periodic version check as a
// safety net for lost notifications).
type Holder struct {
	db          *postgres.DB
	store       postgres.Scopes
	servers     postgres.Servers
	conventions bool
	log         *slog.Logger
	cur         atomic.Pointer[Snapshot]
	mu          sync.Mutex // serialises loads so an older read never replaces a newer one
}

// NewHolder loads the first snapshot.
func NewHolder(ctx context.Context, db *postgres.DB, conventions bool, log *slog.Logger) (*Holder, error) {
	h := &Holder{db: db, conventions: conventions, log: log}
	if err := h.Reload(ctx); err != nil {
		return nil, err
	}
	return h, nil
}

// Current returns the current snapshot.
func (h *Holder) Current() *Snapshot { return h.cur.Load() }

// Reload reads the registry and installs the result.
func (h *Holder) Reload(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var snap *Snapshot
	err := pgx.BeginTxFunc(ctx, h.db.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		version, err := h.store.Version(ctx, tx)
		if err != nil {
			return err
		}
		if cur := h.cur.Load(); cur != nil && cur.Version == version {
			return nil // nothing changed
		}
		servers, err := h.servers.All(ctx, tx)
		if err != nil {
			return err
		}
		scopes, err := h.store.List(ctx, tx)
		if err != nil {
			return err
		}
		mappings, err := h.store.Mappings(ctx, tx)
		if err != nil {
			return err
		}
		snap = newSnapshot(version, servers, authz.NewCatalog(scopes, mappings, h.conventions))
		return nil
	})
	if err != nil {
		return domain.Unavailable("registry", err)
	}
	// Loads are serialised and each reads the latest committed state, so
	// the last load is the newest, even when the counter went backwards
	// (a database restored from a backup).
	if snap != nil {
		h.cur.Store(snap)
	}
	return nil
}

// Watch follows other replicas' changes until ctx ends: it listens on the
// registry channel and also compares versions every interval, reloading
// when either says the registry moved. A failed reload is retried soon,
// not at the next interval.
func (h *Holder) Watch(ctx context.Context, interval time.Duration) {
	notified := make(chan struct{}, 1)
	listening := make(chan struct{})
	go func() {
		defer close(listening)
		h.listen(ctx, notified)
	}()
	defer func() { <-listening }()
	t := time.NewTicker(interval)
	defer t.Stop()
	var retry <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-notified:
		case <-t.C:
		case <-retry:
		}
		retry = nil
		if err := h.Reload(ctx); err != nil && ctx.Err() == nil {
			h.log.Warn("registry reload failed", "error", err)
			retry = time.After(250 * time.Millisecond)
		}
	}
}

// listen holds one connection in LISTEN and signals every notification;
// after a reconnect it signals once, since notifications may have been
// missed in between.
func (h *Holder) listen(ctx context.Context, notified chan<- struct{}) {
	signal := func() {
		select {
		case notified <- struct{}{}:
		default:
		}
	}
	const minBackoff = 100 * time.Millisecond
	backoff := minBackoff
	for ctx.Err() == nil {
		connected, err := h.listenOnce(ctx, signal)
		if ctx.Err() != nil {
			return
		}
		if connected {
			backoff = minBackoff
		}
		h.log.Warn("registry listener reconnecting", "error", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff + rand.N(backoff/2)):
		}
		backoff = min(backoff*2, 10*time.Second)
	}
}

func (h *Holder) listenOnce(ctx context.Context, signal func()) (connected bool, err error) {
	conn, err := h.db.Pool.Acquire(ctx)
	if err != nil {
		return false, err
	}
	// A connection in LISTEN must not go back to the pool for others.
	pc := conn.Hijack()
	defer pc.Close(context.WithoutCancel(ctx))
	if _, err := pc.Exec(ctx, "LISTEN "+postgres.RegistryChannel); err != nil {
		return false, err
	}
	signal()
	for {
		n, err := pc.WaitForNotification(ctx)
		if err != nil {
			return true, err
		}
		if v, err := strconv.ParseInt(n.Payload, 10, 64); err == nil {
			if cur := h.cur.Load(); cur != nil && v == cur.Version {
				continue // our own write, already loaded
			}
		}
		signal()
	}
}
