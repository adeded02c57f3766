package health_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/health"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

// TestHubDropsSlowSubscribers: a subscriber that does not read is dropped
// once its buffer is full; the others get every event, in order, and a
// resumption from the backlog returns what was missed.
func TestHubDropsSlowSubscribers(t *testing.T) {
	t.Parallel()
	rdb, prefix := testutil.Redis(t)
	h := health.NewHub(rdb, prefix, slog.New(slog.DiscardHandler), health.HubOptions{Buffer: 2, Backlog: 100})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Run did not end with its context")
		}
	})
	<-h.Ready()
	slow, _, _, _ := h.Subscribe(0)
	fast, _, _, _ := h.Subscribe(0)
	defer fast.Close()
	var got []int64
	for i := range 5 {
		h.Publish(ctx, health.EventServer, health.ServerState{ID: "s", Path: "p", ToolCount: i})
		select {
		case ev := <-fast.Events():
			got = append(got, ev.ID)
			if ev.Server.ToolCount != i {
				t.Fatalf("event %d carries %+v", i, ev)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("event %d never arrived", i)
		}
	}
	n := 0
	for range slow.Events() { // closed once dropped
		n++
	}
	if n != 2 || h.Subscribers() != 1 {
		t.Fatalf("the slow subscriber got %d events before being dropped, %d subscribers left", n, h.Subscribers())
	}
	sub, missed, resumed, last := h.Subscribe(got[1])
	defer sub.Close()
	if !resumed || len(missed) != 3 || missed[0].ID != got[2] || last != got[4] {
		t.Fatalf("resume after %d: resumed %v, %d missed, last %d (ids %v)", got[1], resumed, len(missed), last, got)
	}
}
