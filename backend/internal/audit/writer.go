// Package audit writes the audit trail to Postgres asynchronously and in
// batches, so recording an event costs a request almost nothing.
package audit

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
)

// Options tune the writer; zero values take the defaults.
type Options struct {
	BatchSize     int           // events per INSERT (default 256)
	FlushInterval time.Duration // longest an event waits (default 200ms)
	QueueSize     int           // events buffered (default 8192)
	// EnqueueTimeout is how long Record blocks when the queue is full before
	// dropping the event (default 2s). Blocking beats losing events.
	EnqueueTimeout time.Duration
}

// Writer batches audit events into Postgres.
type Writer struct {
	db      *postgres.DB
	store   postgres.Audit
	log     *slog.Logger
	opts    Options
	now     func() time.Time
	queue   chan domain.AuditEvent
	flushes chan chan struct{}
	nudge   chan struct{} // a batch is waiting (buffered: one nudge at a time)
	stop    chan struct{} // closed by Close, after the queue
	done    chan struct{}
	close   sync.Once
	// mu guards closed against Record sending on the closed queue.
	mu     sync.RWMutex
	closed bool

	written prometheus.Counter
	dropped prometheus.Counter
}

// NewWriter starts a writer; Close flushes and stops it.
func NewWriter(db *postgres.DB, log *slog.Logger, reg prometheus.Registerer, opts Options) *Writer {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 256
	}
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = 200 * time.Millisecond
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 8192
	}
	if opts.EnqueueTimeout <= 0 {
		opts.EnqueueTimeout = 2 * time.Second
	}
	w := &Writer{
		db: db, log: log, opts: opts, now: time.Now,
		queue:   make(chan domain.AuditEvent, opts.QueueSize),
		flushes: make(chan chan struct{}),
		nudge:   make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		written: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mcpgw_audit_events_written_total", Help: "Audit events written to Postgres.",
		}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mcpgw_audit_events_dropped_total", Help: "Audit events lost because the queue stayed full or Postgres kept failing.",
		}),
	}
	if reg != nil {
		reg.MustRegister(w.written, w.dropped)
	}
	go w.run()
	return w
}

// Record queues ev, filling its time and request details from ctx when unset.
func (w *Writer) Record(ctx context.Context, ev domain.AuditEvent) {
	w.complete(ctx, &ev)
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		w.dropped.Inc()
		w.log.Error("audit writer closed: event dropped", "action", ev.Action)
		return
	}
	if w.enqueue(ev) {
		return
	}
	t := time.NewTimer(w.opts.EnqueueTimeout)
	defer t.Stop()
	w.wake()
	select {
	case w.queue <- ev:
	case <-t.C:
		w.dropped.Inc()
		w.log.Error("audit queue full: event dropped", "action", ev.Action, "actor", ev.Actor)
	}
}

// complete fills ev's time and request details from ctx when unset, and
// makes its text storable.
func (w *Writer) complete(ctx context.Context, ev *domain.AuditEvent) {
	if ev.OccurredAt.IsZero() {
		ev.OccurredAt = w.now()
	}
	ri := domain.RequestInfoFrom(ctx)
	if ev.RequestID == "" {
		ev.RequestID = ri.RequestID
	}
	if ev.ClientIP == "" {
		ev.ClientIP = ri.ClientIP
	}
	if ev.UserAgent == "" {
		ev.UserAgent = ri.UserAgent
	}
	sanitize(ev)
}

// TryRecord is Record for hot paths that must never wait: when the queue
// is full the event is dropped at once, counted and logged.
func (w *Writer) TryRecord(ctx context.Context, ev domain.AuditEvent) {
	w.complete(ctx, &ev)
	w.mu.RLock()
	defer w.mu.RUnlock()
	if !w.closed && w.enqueue(ev) {
		return
	}
	w.dropped.Inc()
	w.log.Error("audit queue full: event dropped", "action", ev.Action, "actor", ev.Actor)
}

// enqueue queues ev if there is room. The writer is not woken for each
// event (that would put a goroutine hand-off on every proxied call): it
// wakes at each FlushInterval, or when a batch is waiting.
func (w *Writer) enqueue(ev domain.AuditEvent) bool {
	select {
	case w.queue <- ev:
		if len(w.queue) >= w.opts.BatchSize {
			w.wake()
		}
		return true
	default:
		return false
	}
}

func (w *Writer) wake() {
	select {
	case w.nudge <- struct{}{}:
	default:
	}
}

// Flush waits until every event recorded before the call is written.
func (w *Writer) Flush(ctx context.Context) {
	ack := make(chan struct{})
	select {
	case w.flushes <- ack:
	case <-ctx.Done():
		return
	case <-w.done:
		return
	}
	select {
	case <-ack:
	case <-ctx.Done():
	}
}

// Close writes what is queued and stops the writer. Events recorded after
// Close are counted as dropped, never a panic.
func (w *Writer) Close() {
	w.close.Do(func() {
		w.mu.Lock()
		w.closed = true
		close(w.queue)
		close(w.stop)
		w.mu.Unlock()
		<-w.done
	})
}

func (w *Writer) run() {
	defer close(w.done)
	batch := make([]domain.AuditEvent, 0, w.opts.BatchSize)
	tick := time.NewTicker(w.opts.FlushInterval)
	defer tick.Stop()
	for {
		var ack chan struct{}
		select {
		case <-tick.C:
		case <-w.nudge:
		case ack = <-w.flushes:
		case <-w.stop:
		}
		var closed bool
		batch, closed = w.drain(batch)
		batch = w.write(batch)
		if ack != nil {
			close(ack)
		}
		if closed {
			return
		}
	}
}

// drain moves the queued events into batch, writing each full batch, and
// reports whether the queue is closed.
func (w *Writer) drain(batch []domain.AuditEvent) ([]domain.AuditEvent, bool) {
	for {
		select {
		case ev, ok := <-w.queue:
			if !ok {
				return batch, true
			}
			batch = append(batch, ev)
			if len(batch) >= w.opts.BatchSize {
				batch = w.write(batch)
			}
		default:
			return batch, false
		}
	}
}

// write inserts batch, retrying briefly, and returns it emptied.
func (w *Writer) write(batch []domain.AuditEvent) []domain.AuditEvent {
	if len(batch) == 0 {
		return batch
	}
	var err error
	for attempt := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = w.store.Insert(ctx, w.db.Pool, batch)
		cancel()
		if err == nil {
			w.written.Add(float64(len(batch)))
			return batch[:0]
		}
		time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
	}
	// One unwritable row must not sink its batch: try the rows one by one.
	lost := 0
	for i := range batch {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		rowErr := w.store.Insert(ctx, w.db.Pool, batch[i:i+1])
		cancel()
		if rowErr != nil {
			lost++
			err = rowErr
			continue
		}
		w.written.Inc()
	}
	if lost > 0 {
		w.dropped.Add(float64(lost))
		w.log.Error("audit events could not be written: dropped", "count", lost, "error", err)
	}
	return batch[:0]
}

// Field limits, in bytes.
const (
	maxField     = 256
	maxUserAgent = 512
)

// sanitize makes an event storable whatever the client sent: Postgres text
// and jsonb refuse invalid UTF-8 and NUL, and sizes stay bounded.
func sanitize(ev *domain.AuditEvent) {
	for _, f := range []*string{&ev.Action, &ev.Outcome, &ev.Actor, &ev.AuthMethod, &ev.TargetType, &ev.Target, &ev.RequestID} {
		*f = domain.SafeText(*f, maxField)
	}
	ev.UserAgent = domain.SafeText(ev.UserAgent, maxUserAgent)
	ev.ClientIP = domain.SafeText(ev.ClientIP, 64)
	for k, v := range ev.Details {
		ev.Details[k] = cleanValue(v)
	}
	if c := ev.Call; c != nil {
		c.Server, c.Method = domain.SafeText(c.Server, maxField), domain.SafeText(c.Method, maxField)
		c.Tool, c.Reason = domain.SafeText(c.Tool, maxField), domain.SafeText(c.Reason, 4096)
	}
}

func cleanValue(v any) any {
	switch x := v.(type) {
	case string:
		return domain.SafeText(x, 4096)
	case []string:
		out := make([]string, len(x))
		for i, s := range x {
			out[i] = domain.SafeText(s, maxField)
		}
		return out
	case map[string]any:
		for k, e := range x {
			x[k] = cleanValue(e)
		}
	}
	return v
}
