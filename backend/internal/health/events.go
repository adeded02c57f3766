package health

import (
	"cmp"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// ServerState is a server as the dashboard shows it live.
type ServerState struct {
	ID            string     `json:"id"`
	Path          string     `json:"path"`
	DisplayName   string     `json:"display_name"`
	Enabled       bool       `json:"enabled"`
	Status        string     `json:"status"`
	Error         string     `json:"error,omitempty"`
	LatencyMS     *int       `json:"latency_ms,omitempty"`
	ToolCount     int        `json:"tool_count"`
	LastCheckedAt *time.Time `json:"last_checked_at,omitempty"`
	LastHealthyAt *time.Time `json:"last_healthy_at,omitempty"`
	// Version is the server's registry version: it changes with every edit,
	// never with a health check, so a client knows when to reload the rest.
	Version int64 `json:"version"`
}

// StateOf is srv's live state.
func StateOf(srv *domain.Server) ServerState {
	return ServerState{ID: srv.ID, Path: srv.Path, DisplayName: srv.DisplayName, Enabled: srv.Enabled, Version: srv.Version,
		Status: srv.Health.Status, Error: srv.Health.Error, LatencyMS: srv.Health.LatencyMS, ToolCount: srv.ToolCount,
		LastCheckedAt: srv.Health.LastCheckedAt, LastHealthyAt: srv.Health.LastHealthyAt}
}

// Event is one change: a server's state now ("server"), or its removal
// ("removed"). IDs grow across every replica (one Redis counter), so a
// client can resume from the last one it saw on any of them.
type Event struct {
	ID     int64       `json:"id"`
	Type   string      `json:"type"`
	Server ServerState `json:"server"`
}

// Event types.
const (
	EventServer  = "server"
	EventRemoved = "removed"
)

// HubOptions configure a Hub; zero values take the defaults.
type HubOptions struct {
	// Backlog is how many recent events are kept for clients resuming
	// with Last-Event-ID (default 1024); older ones get a new snapshot.
	Backlog int
	// Buffer is how many events a subscriber may fall behind before it is
	// dropped (default 256): a slow subscriber never holds the others up.
	Buffer int
}

// Hub fans server changes out to every replica's subscribers through
// Redis pub/sub.
type Hub struct {
	rdb     *redis.Client
	channel string
	seq     string
	log     *slog.Logger
	o       HubOptions

	mu      sync.Mutex
	subs    map[*Subscription]struct{}
	backlog []Event // the newest last
	last    int64   // the newest event's id seen here
	ready   chan struct{}
	once    sync.Once
}

// NewHub returns a hub on rdb's keys and channel under prefix; Run starts it.
func NewHub(rdb *redis.Client, prefix string, log *slog.Logger, o HubOptions) *Hub {
	if o.Backlog <= 0 {
		o.Backlog = 1024
	}
	if o.Buffer <= 0 {
		o.Buffer = 256
	}
	return &Hub{rdb: rdb, channel: prefix + "health:events", seq: prefix + "health:seq", log: log, o: o,
		subs: map[*Subscription]struct{}{}, ready: make(chan struct{})}
}

// Publish sends ev to every replica's subscribers (this one's included).
// It never fails the caller: a lost event is logged, and subscribers
// resynchronise from a snapshot when they reconnect.
func (h *Hub) Publish(ctx context.Context, typ string, st ServerState) {
	ctx = context.WithoutCancel(ctx)
	id, err := h.rdb.Incr(ctx, h.seq).Result()
	if err == nil {
		var b []byte
		b, err = json.Marshal(Event{ID: id, Type: typ, Server: st})
		if err == nil {
			err = h.rdb.Publish(ctx, h.channel, b).Err()
		}
	}
	if err != nil {
		h.log.Warn("live updates: an event could not be published", "server", st.Path, "error", err)
	}
}

// Run receives the events of every replica until ctx ends, reconnecting
// to Redis when needed.
func (h *Hub) Run(ctx context.Context) {
	for ctx.Err() == nil {
		ps := h.rdb.Subscribe(ctx, h.channel)
		if _, err := ps.Receive(ctx); err != nil {
			_ = ps.Close()
			h.log.Warn("live updates: subscribing failed", "error", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		h.resubscribed()
		// The channel closes with the subscription, not with ctx. go-redis
		// reconnects by itself and then confirms the subscription again:
		// events may have been lost in between.
		stop := context.AfterFunc(ctx, func() { _ = ps.Close() })
		for msg := range ps.ChannelWithSubscriptions() {
			switch m := msg.(type) {
			case *redis.Subscription:
				if m.Kind == "subscribe" {
					h.resubscribed()
				}
			case *redis.Message:
				var ev Event
				if err := json.Unmarshal([]byte(m.Payload), &ev); err == nil {
					h.deliver(ev)
				}
			}
		}
		stop()
		_ = ps.Close()
	}
}

// resubscribed starts over after (re)connecting to Redis: events may have
// been missed meanwhile, so the backlog cannot vouch for a resumption, and
// the open feeds are ended (their clients reconnect and get a snapshot).
func (h *Hub) resubscribed() {
	h.mu.Lock()
	defer h.mu.Unlock()
	first := false
	h.once.Do(func() { first = true; close(h.ready) })
	if first {
		return
	}
	h.backlog = nil
	for s := range h.subs {
		delete(h.subs, s)
		close(s.ch)
	}
}

// Ready closes once the hub listens (tests wait for it).
func (h *Hub) Ready() <-chan struct{} { return h.ready }

func (h *Hub) deliver(ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ev.ID > h.last {
		h.last = ev.ID
	}
	h.backlog = append(h.backlog, ev)
	if len(h.backlog) > h.o.Backlog {
		h.backlog = h.backlog[len(h.backlog)-h.o.Backlog:]
	}
	for s := range h.subs {
		select {
		case s.ch <- ev:
		default:
			// Too slow: dropped, so nobody else waits for it. It reconnects
			// and resumes (or gets a snapshot).
			delete(h.subs, s)
			close(s.ch)
		}
	}
}

// Subscription is one client's feed.
type Subscription struct {
	ch chan Event
	h  *Hub
}

// Events delivers the events; it is closed when the subscriber was too
// slow (or Close was called).
func (s *Subscription) Events() <-chan Event { return s.ch }

// Close ends the subscription.
func (s *Subscription) Close() {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	if _, ok := s.h.subs[s]; ok {
		delete(s.h.subs, s)
		close(s.ch)
	}
}

// Subscribe starts a feed. With after > 0 (a Last-Event-ID) it also
// returns the events after it, when all of them are still kept (resumed);
// otherwise the caller sends a snapshot, and last is the id it stands at.
func (h *Hub) Subscribe(after int64) (sub *Subscription, missed []Event, resumed bool, last int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	sub = &Subscription{ch: make(chan Event, h.o.Buffer), h: h}
	h.subs[sub] = struct{}{}
	last = h.last
	if after <= 0 || after > h.last {
		return sub, nil, false, last
	}
	if after == h.last {
		return sub, nil, true, last // up to date
	}
	// Resumable when the backlog holds every event after it: ids come from
	// one counter, so a gap is an event lost (or not yet arrived from
	// another replica), and the client gets a snapshot instead.
	for _, ev := range h.backlog {
		if ev.ID > after {
			missed = append(missed, ev)
		}
	}
	slices.SortFunc(missed, func(a, b Event) int { return cmp.Compare(a.ID, b.ID) })
	for i, ev := range missed {
		if ev.ID != after+1+int64(i) {
			return sub, nil, false, last
		}
	}
	if len(missed) == 0 || missed[len(missed)-1].ID != last {
		return sub, nil, false, last
	}
	return sub, missed, true, last
}

// Subscribers is how many feeds are open on this replica.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// ParseEventID reads a Last-Event-ID header (0 when absent or unusable).
func ParseEventID(v string) int64 {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 0 {
		return 0
	}
	return id
}
