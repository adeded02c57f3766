package audit_test

import (
	"context"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mcpgw/mcpgw/backend/internal/audit"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
	tu "github.com/mcpgw/mcpgw/backend/internal/testutil"
)

func count(t *testing.T, db *postgres.DB) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWriterBatchesFlushesAndCloses(t *testing.T) {
	t.Parallel()
	db := tu.DB(t)
	w := audit.NewWriter(db, slog.New(slog.DiscardHandler), nil, audit.Options{BatchSize: 10, FlushInterval: time.Hour})
	ctx := domain.WithRequestInfo(context.Background(), domain.RequestInfo{RequestID: "req-1", ClientIP: "10.1.2.3", UserAgent: "ua"})
	for i := range 25 {
		w.Record(ctx, domain.AuditEvent{Action: "test.event", Outcome: domain.OutcomeSuccess, Actor: "u" + strconv.Itoa(i),
			Details: map[string]any{"i": i}})
	}
	w.Flush(context.Background())
	if n := count(t, db); n != 25 {
		t.Fatalf("after Flush: %d events, want 25", n)
	}
	evs, err := postgres.Audit{}.List(context.Background(), db.Pool, postgres.AuditFilter{Actor: "u7"})
	if err != nil || len(evs) != 1 {
		t.Fatalf("u7's events: %v %v", evs, err)
	}
	if e := evs[0]; e.RequestID != "req-1" || e.ClientIP != "10.1.2.3" || e.UserAgent != "ua" || e.Details["i"] != float64(7) {
		t.Fatalf("event = %+v", e)
	}

	// Close writes what is still queued: nothing recorded is lost on shutdown.
	for range 3 {
		w.Record(context.Background(), domain.AuditEvent{Action: "test.event", Outcome: domain.OutcomeSuccess})
	}
	w.Close()
	if n := count(t, db); n != 28 {
		t.Fatalf("after Close: %d events, want 28", n)
	}
}

func TestWriterStoresWhateverClientsSend(t *testing.T) {
	t.Parallel()
	db := tu.DB(t)
	reg := prometheus.NewRegistry()
	w := audit.NewWriter(db, slog.New(slog.DiscardHandler), reg, audit.Options{FlushInterval: time.Hour})
	// Bytes Postgres refuses in text and jsonb, and a cut through a
	// multi-byte character: all from the client, all in one batch.
	ctx := domain.WithRequestInfo(context.Background(), domain.RequestInfo{UserAgent: "agent\xff\xfe"})
	w.Record(ctx, domain.AuditEvent{Action: domain.ActionLogin, Outcome: domain.OutcomeFailure, Actor: "nul\x00user",
		Details: map[string]any{"reason": "bad\x00\xc3", "groups": []string{"g\x00"}}})
	w.Record(ctx, domain.AuditEvent{Action: domain.ActionLogin, Outcome: domain.OutcomeFailure, Actor: strings.Repeat("€", 200)})
	w.Record(context.Background(), domain.AuditEvent{Action: "test.good", Outcome: domain.OutcomeSuccess, Actor: "fine"})
	// A row the database refuses for its own reasons (an outcome outside
	// the CHECK constraint) costs only itself.
	w.Record(context.Background(), domain.AuditEvent{Action: "test.bad", Outcome: "bogus"})
	w.Close()

	if n := count(t, db); n != 3 {
		t.Fatalf("%d events stored, want 3", n)
	}
	if got := counterValue(t, reg, "mcpgw_audit_events_dropped_total"); got != 1 {
		t.Fatalf("dropped = %v, want 1", got)
	}
	evs, err := postgres.Audit{}.List(context.Background(), db.Pool, postgres.AuditFilter{Action: domain.ActionLogin})
	if err != nil || len(evs) != 2 {
		t.Fatalf("login events: %v %v", evs, err)
	}
	for _, e := range evs {
		if !utf8.ValidString(e.Actor) || !utf8.ValidString(e.UserAgent) || strings.ContainsRune(e.Actor, 0) || len(e.Actor) > 256 {
			t.Errorf("stored event is not clean text: actor %+q, user agent %+q", e.Actor, e.UserAgent)
		}
	}
}

func TestWriterCountsWhatItCannotWrite(t *testing.T) {
	t.Parallel()
	// A pool through a proxy that is then cut: Postgres is gone.
	u, _ := url.Parse(tu.DatabaseURL(t))
	p := tu.NewProxy(t, u.Host)
	u.Host = p.Addr()
	gone, err := postgres.Open(context.Background(), u.String(), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer gone.Close()
	p.Cut()

	reg := prometheus.NewRegistry()
	w := audit.NewWriter(gone, slog.New(slog.DiscardHandler), reg, audit.Options{})
	w.Record(context.Background(), domain.AuditEvent{Action: "test.event", Outcome: domain.OutcomeFailure})
	w.Close()
	if got := counterValue(t, reg, "mcpgw_audit_events_dropped_total"); got != 1 {
		t.Fatalf("dropped = %v, want 1", got)
	}
}

func counterValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}
