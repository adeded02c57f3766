package health_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mcpgw/mcpgw/backend/internal/health"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

// TestHubResubscribeEndsFeeds: when the hub's Redis subscription breaks
// (and go-redis reconnects by itself), events may have been lost: open
// feeds end, and a resumption across the gap gets a snapshot instead.
func TestHubResubscribeEndsFeeds(t *testing.T) {
	t.Parallel()
	_, prefix := testutil.Redis(t)
	// A client of its own, named, so that only its connection is killed.
	opts, err := redis.ParseURL(testutil.RedisURL())
	if err != nil {
		t.Fatal(err)
	}
	opts.ClientName = "hubtest-" + strings.Trim(prefix, ":")
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	h := health.NewHub(rdb, prefix, slog.New(slog.DiscardHandler), health.HubOptions{Buffer: 10000, Backlog: 10000})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go h.Run(ctx)
	<-h.Ready()
	sub, _, _, _ := h.Subscribe(0)
	h.Publish(ctx, health.EventServer, health.ServerState{ID: "s", Path: "p"})
	first := (<-sub.Events()).ID
	list, err := rdb.ClientList(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	killed := 0
	for _, line := range strings.Split(list, "\n") {
		if strings.Contains(line, " name="+opts.ClientName+" ") && strings.Contains(line, " sub=1 ") {
			for _, f := range strings.Fields(line) {
				if id, ok := strings.CutPrefix(f, "id="); ok {
					if err := rdb.Do(ctx, "CLIENT", "KILL", "ID", id).Err(); err != nil {
						t.Fatal(err)
					}
					killed++
				}
			}
		}
	}
	if killed != 1 {
		t.Fatalf("killed %d subscription connections, want 1:\n%s", killed, list)
	}
	for range 200 { // some of these fall into the reconnect window
		h.Publish(ctx, health.EventServer, health.ServerState{ID: "s", Path: "p"})
	}
	time.Sleep(500 * time.Millisecond)
	h.Publish(ctx, health.EventServer, health.ServerState{ID: "s", Path: "p"})
	time.Sleep(200 * time.Millisecond)
	ended := false
	for !ended {
		select {
		case _, ok := <-sub.Events():
			ended = !ok
		case <-time.After(2 * time.Second):
			t.Fatal("the open feed was not ended after the subscription broke")
		}
	}
	// A resumption is vouched for only with every event since.
	later, missed, resumed, last := h.Subscribe(first)
	defer later.Close()
	if resumed {
		for i, ev := range missed {
			if ev.ID != first+1+int64(i) {
				t.Fatalf("resumed across a gap at %d (want %d)", ev.ID, first+1+int64(i))
			}
		}
		if len(missed) == 0 || missed[len(missed)-1].ID != last {
			t.Fatalf("resumed without the newest event %d", last)
		}
	}
}
