package health

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
	"github.com/mcpgw/mcpgw/backend/internal/registry"
)

// ActionToolRedefined is the audit action of a tool whose description or
// input schema changed after it was first seen.
const ActionToolRedefined = "tool.definition_changed"

// Snapshots gives the current registry snapshot; registry.Holder does.
type Snapshots interface {
	Current() *registry.Snapshot
}

// EgressSource opens a server's egress credentials; registry.Service does.
type EgressSource interface {
	Egress(ctx context.Context, srv *domain.Server) (*registry.EgressCredentials, error)
}

// Auditor records audit events without waiting; audit.Writer does.
type Auditor interface {
	TryRecord(ctx context.Context, ev domain.AuditEvent)
}

// Change is what a stored check changed about a server.
type Change struct {
	Server    *domain.Server // as stored when the result was (name and path current)
	Health    domain.Health  // as stored now
	ToolCount int            // after the check (unchanged unless healthy)
	Tools     postgres.ToolChanges
	Previous  string // the status before
	// PreviousToolCount is the tool count before.
	PreviousToolCount int
}

// PollerOptions configure a Poller; zero values take the defaults.
type PollerOptions struct {
	Interval    time.Duration // between checks of one server (default 30s), ±10% jitter
	RetryMin    time.Duration // first retry of a failing server (default 5s), doubling up to Interval
	Concurrency int           // checks at a time (default 32)
	// LockKey is the Postgres advisory lock that makes one replica the
	// poller (default: a constant of this package).
	LockKey int64
	// Metrics, when set, count checks and show leadership.
	Metrics *Metrics
}

// Poller checks every enabled server periodically, on one replica at a
// time, stores what it finds and reports each change.
type Poller struct {
	o        PollerOptions
	db       *postgres.DB
	checker  *Checker
	snap     Snapshots
	egress   EgressSource
	audit    Auditor
	log      *slog.Logger
	onChange func(Change)

	mu       sync.Mutex
	state    map[string]*serverState
	leading  bool
	lockConn *pgxpool.Conn
}

type serverState struct {
	version  int64 // the server's version when it was last scheduled
	due      time.Time
	fails    int
	inflight bool
}

// defaultLockKey is "mcpgw.health" folded into an int64.
const defaultLockKey int64 = 0x6d63706777686c74

// NewPoller returns a poller; Run starts it. onChange (may be nil) is
// called after every stored check that changed something.
func NewPoller(db *postgres.DB, checker *Checker, snap Snapshots, egress EgressSource, audit Auditor, log *slog.Logger,
	onChange func(Change), o PollerOptions) *Poller {
	if o.Interval <= 0 {
		o.Interval = 30 * time.Second
	}
	if o.RetryMin <= 0 {
		o.RetryMin = 5 * time.Second
	}
	if o.RetryMin > o.Interval {
		o.RetryMin = o.Interval
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 32
	}
	if o.LockKey == 0 {
		o.LockKey = defaultLockKey
	}
	if onChange == nil {
		onChange = func(Change) {}
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics(nil, nil)
	}
	return &Poller{o: o, db: db, checker: checker, snap: snap, egress: egress, audit: audit, log: log,
		onChange: onChange, state: map[string]*serverState{}}
}

// Leading reports whether this replica holds the poller's lock.
func (p *Poller) Leading() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.leading
}

// Run polls until ctx ends. Every tick it makes sure of the lock (taking
// it when free, so another replica takes over within a tick of this one
// dying) and starts the checks that are due, never more than Concurrency
// at a time; a slow server holds only its own slot.
func (p *Poller) Run(ctx context.Context) {
	tick := time.NewTicker(p.tick())
	defer tick.Stop()
	sem := make(chan struct{}, p.o.Concurrency)
	var wg sync.WaitGroup
	defer func() {
		wg.Wait()
		p.release()
	}()
	for {
		if p.lead(ctx) {
			p.startDue(ctx, sem, &wg)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// tick is how often Run looks: often enough to take over and to start
// retries on time, without busy work.
func (p *Poller) tick() time.Duration {
	return max(10*time.Millisecond, min(time.Second, p.o.RetryMin/2, p.o.Interval/4))
}

// lead takes or keeps the advisory lock, on a connection of its own.
func (p *Poller) lead(ctx context.Context) bool {
	p.mu.Lock()
	conn := p.lockConn
	p.mu.Unlock()
	if conn != nil {
		if _, err := conn.Exec(ctx, "SELECT 1"); err == nil {
			return true
		}
		p.log.Warn("health poller: lost its Postgres connection, and with it the lock")
		p.release()
		return false
	}
	conn, err := p.db.Pool.Acquire(ctx)
	if err != nil {
		return false
	}
	var got bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", p.o.LockKey).Scan(&got); err != nil || !got {
		conn.Release()
		return false
	}
	p.mu.Lock()
	p.lockConn, p.leading = conn, true
	p.mu.Unlock()
	p.o.Metrics.leading.Set(1)
	p.log.Info("health poller: this replica polls")
	return true
}

// release gives the lock up (closing its connection ends it for sure).
func (p *Poller) release() {
	p.mu.Lock()
	conn := p.lockConn
	p.lockConn, p.leading = nil, false
	p.mu.Unlock()
	p.o.Metrics.leading.Set(0)
	if conn != nil {
		_ = conn.Conn().Close(context.Background())
		conn.Release()
	}
}

// startDue starts the checks that are due.
func (p *Poller) startDue(ctx context.Context, sem chan struct{}, wg *sync.WaitGroup) {
	now := time.Now()
	snap := p.snap.Current()
	p.mu.Lock()
	defer p.mu.Unlock()
	present := make(map[string]bool, len(snap.Servers))
	for _, srv := range snap.Servers {
		present[srv.ID] = true
		st := p.state[srv.ID]
		if st == nil || st.version != srv.Version {
			// New, or edited: check it now.
			st = &serverState{version: srv.Version, due: now}
			p.state[srv.ID] = st
		}
		if !srv.Enabled || st.inflight || now.Before(st.due) {
			continue
		}
		select {
		case sem <- struct{}{}:
		default:
			return // every slot busy: the rest waits for the next tick
		}
		st.inflight = true
		wg.Add(1)
		go func(srv *domain.Server, st *serverState) {
			defer wg.Done()
			defer func() { <-sem }()
			res, err := p.checkAndStore(ctx, srv)
			p.mu.Lock()
			defer p.mu.Unlock()
			st.inflight = false
			healthy := err == nil && res.Status == domain.HealthHealthy
			if healthy {
				st.fails = 0
				st.due = time.Now().Add(jitter(p.o.Interval))
				return
			}
			st.fails++
			st.due = time.Now().Add(p.retryDelay(st.fails))
		}(srv, st)
	}
	for id := range p.state {
		if !present[id] {
			delete(p.state, id)
		}
	}
}

// retryDelay is the wait after the n-th failure in a row: RetryMin,
// doubling, up to Interval.
func (p *Poller) retryDelay(n int) time.Duration {
	d := p.o.RetryMin
	for i := 1; i < n && d < p.o.Interval; i++ {
		d *= 2
	}
	return min(d, p.o.Interval)
}

// jitter spreads checks of one interval over ±10%.
func jitter(d time.Duration) time.Duration {
	return d - d/10 + time.Duration(rand.Int64N(int64(d/5)+1))
}

// CheckAll checks every enabled server once now, Concurrency at a time,
// whichever replica polls, and returns how many it checked and how many
// were healthy.
func (p *Poller) CheckAll(ctx context.Context) (checked, healthy int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, p.o.Concurrency)
	for _, srv := range p.snap.Current().Servers {
		if !srv.Enabled {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			res, err := p.checkAndStore(ctx, srv)
			mu.Lock()
			defer mu.Unlock()
			checked++
			if err == nil && res.Status == domain.HealthHealthy {
				healthy++
			}
		})
	}
	wg.Wait()
	return checked, healthy
}

// CheckNow checks the server now, whichever replica polls, stores the
// result and returns it (for POST /api/servers/{id}/refresh).
func (p *Poller) CheckNow(ctx context.Context, srv *domain.Server) (Result, error) {
	return p.checkAndStore(ctx, srv)
}

// checkAndStore runs one check with the server's egress credentials and
// stores it.
func (p *Poller) checkAndStore(ctx context.Context, srv *domain.Server) (Result, error) {
	creds, err := p.egress.Egress(ctx, srv)
	var res Result
	if err != nil {
		res = Result{Status: domain.HealthUnhealthy, Error: "the server's egress credentials cannot be opened", CheckedAt: time.Now()}
	} else {
		header := creds.Header
		if creds.Passthrough {
			header = nil // pass-through forwards agents' tokens: a check has none
		}
		res = p.checker.Check(ctx, srv, Credentials{Header: header, UpstreamURL: creds.UpstreamURL})
	}
	if ctx.Err() != nil {
		return res, ctx.Err() // shutting down: a check cut short says nothing
	}
	p.o.Metrics.checks.WithLabelValues(res.Status).Inc()
	p.o.Metrics.duration.Observe(res.Latency.Seconds())
	return res, p.store(ctx, srv, res)
}

// store saves res for srv and reports the change.
func (p *Poller) store(ctx context.Context, srv *domain.Server, res Result) error {
	checked := res.CheckedAt.UTC()
	lat := int(res.Latency.Milliseconds())
	h := domain.Health{Status: res.Status, Error: res.Error, LatencyMS: &lat, LastCheckedAt: &checked}
	var ch Change
	stored := false
	err := p.db.InTx(ctx, func(tx pgx.Tx) error {
		cur, _, err := (postgres.Servers{}).GetForUpdate(ctx, tx, srv.ID)
		if errors.Is(err, domain.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		// Failed checks keep the tools; a healthy one's become the list.
		tools := cur.ToolCount
		if res.Status == domain.HealthHealthy {
			tools = distinctTools(res.Tools)
		}
		ok, err := (postgres.Servers{}).RecordHealth(ctx, tx, postgres.CheckedServer{ID: srv.ID, UpstreamURL: srv.UpstreamURL, Transport: srv.Transport}, h, tools)
		if err != nil || !ok {
			return err
		}
		stored = true
		// The change describes the server as it is now (the locked row),
		// not as the check began: a rename meanwhile must not send its
		// state out under the old name, to whoever could see that one.
		ch = Change{Server: cur, Health: h, ToolCount: tools, Previous: cur.Health.Status, PreviousToolCount: cur.ToolCount}
		if h.LastHealthyAt = cur.Health.LastHealthyAt; res.Status == domain.HealthHealthy {
			h.LastHealthyAt = &checked
			if ch.Tools, err = (postgres.Tools{}).Sync(ctx, tx, srv.ID, res.Tools, checked); err != nil {
				return err
			}
		}
		ch.Health = h
		return nil
	})
	if err != nil {
		p.log.Error("health: storing a check failed", "server", srv.Path, "error", err)
		return err
	}
	if !stored {
		return nil // edited, disabled or deleted during the check
	}
	for _, name := range ch.Tools.Redefined {
		p.audit.TryRecord(ctx, domain.AuditEvent{
			Action: ActionToolRedefined, Outcome: domain.OutcomeSuccess, Actor: "health-poller", AuthMethod: "system",
			TargetType: "server", Target: ch.Server.Path,
			Details: map[string]any{"server": ch.Server.Path, "tool": name},
		})
	}
	if ch.Previous != ch.Health.Status || ch.ToolCount != ch.PreviousToolCount || !ch.Tools.Empty() {
		p.onChange(ch)
	}
	if ch.Previous != ch.Health.Status {
		p.log.Info("health: status changed", "server", srv.Path, "from", ch.Previous, "to", ch.Health.Status, "error", ch.Health.Error)
	}
	return nil
}

// distinctTools is how many tools Tools.Sync keeps of tools: a name listed
// twice counts once.
func distinctTools(tools []domain.Tool) int {
	seen := make(map[string]struct{}, len(tools))
	for _, t := range tools {
		seen[t.Name] = struct{}{}
	}
	return len(seen)
}
