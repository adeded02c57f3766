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
	done    chan struct{}
	close   sync.Once

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
		ev.UserAgent = truncate(ri.UserAgent, 512)
	}
	select {
	case w.queue <- ev:
		return
	default:
	}
	t := time.NewTimer(w.opts.EnqueueTimeout)
	defer t.Stop()
	select {
	case w.queue <- ev:
	case <-t.C:
		w.dropped.Inc()
		w.log.Error("audit queue full: event dropped", "action", ev.Action, "actor", ev.Actor)
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

// Close writes what is queued and stops the writer.
func (w *Writer) Close() {
	w.close.Do(func() {
		close(w.queue)
		<-w.done
	})
}

func (w *Writer) run() {
	defer close(w.done)
	batch := make([]domain.AuditEvent, 0, w.opts.BatchSize)
	tick := time.NewTicker(w.opts.FlushInterval)
	defer tick.Stop()
	for {
		select {
		case ev, ok := <-w.queue:
			if !ok {
				w.write(batch)
				return
			}
			batch = append(batch, ev)
			if len(batch) >= w.opts.BatchSize {
				batch = w.write(batch)
			}
		case <-tick.C:
			batch = w.write(batch)
		case ack := <-w.flushes:
			// Drain what is already queued, then write it all.
			for drained := false; !drained; {
				select {
				case ev, ok := <-w.queue:
					if !ok {
						drained = true
						break
					}
					batch = append(batch, ev)
					if len(batch) >= w.opts.BatchSize {
						batch = w.write(batch)
					}
				default:
					drained = true
				}
			}
			batch = w.write(batch)
			close(ack)
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
	w.dropped.Add(float64(len(batch)))
	w.log.Error("audit events could not be written: dropped", "count", len(batch), "error", err)
	return batch[:0]
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
