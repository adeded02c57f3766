package audit_test

import (
	"context"
	"log/slog"
	"net/url"
	"strconv"
	"testing"
	"time"

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
