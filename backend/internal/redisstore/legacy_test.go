package redisstore_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/redisstore"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

// TestLegacySessions: a session listed by one replica is seen, with its
// owner, by another; messages sent to it reach every replica's listener;
// the session id is never stored in the clear.
func TestLegacySessions(t *testing.T) {
	t.Parallel()
	rdb, prefix := testutil.Redis(t)
	ctx := context.Background()
	a := redisstore.NewLegacySessions(rdb, prefix, []byte("secret-one"), slog.New(slog.DiscardHandler))
	b := redisstore.NewLegacySessions(rdb, prefix, []byte("secret-one"), slog.New(slog.DiscardHandler))
	key := "/weather/messages?session_id=upstream-secret-session"
	id := a.ID(key)
	if id != b.ID(key) || strings.Contains(id, "upstream-secret-session") || !strings.HasPrefix(id, prefix) {
		t.Fatalf("id = %q", id)
	}
	if other := redisstore.NewLegacySessions(rdb, prefix, []byte("secret-two"), slog.New(slog.DiscardHandler)); other.ID(key) == id {
		t.Fatal("the id does not depend on SECRET_KEY")
	}
	if owner, err := b.Owner(ctx, id); err != nil || owner != "" {
		t.Fatalf("before Put: %q %v", owner, err)
	}
	if err := a.Put(ctx, id, "sa:7"); err != nil {
		t.Fatal(err)
	}
	if owner, err := b.Owner(ctx, id); err != nil || owner != "sa:7" {
		t.Fatalf("after Put: %q %v", owner, err)
	}
	if ttl := rdb.TTL(ctx, id).Val(); ttl <= 0 || ttl > redisstore.LegacySessionTTL || a.RenewEvery() >= redisstore.LegacySessionTTL {
		t.Fatalf("ttl = %s, renewed every %s", ttl, a.RenewEvery())
	}

	got := make(chan string, 4)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Run(runCtx, func(id string, msg []byte) { got <- id + " " + string(msg) })
	}()
	// Subscribing is asynchronous: send until the listener hears.
	deadline := time.After(5 * time.Second)
	for heard := false; !heard; {
		if err := b.Send(ctx, id, []byte(`{"jsonrpc":"2.0","id":3,"error":{}}`)); err != nil {
			t.Fatal(err)
		}
		select {
		case m := <-got:
			if m != id+` {"jsonrpc":"2.0","id":3,"error":{}}` {
				t.Fatalf("delivered %q", m)
			}
			heard = true
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatal("a sent message never reached the listener")
		}
	}
	stop()
	<-done

	if err := a.Forget(ctx, id); err != nil {
		t.Fatal(err)
	}
	if owner, _ := b.Owner(ctx, id); owner != "" {
		t.Fatalf("after Forget: %q", owner)
	}
}
