package postgres_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

func newServer(t *testing.T, db *postgres.DB) *domain.Server {
	t.Helper()
	s := &domain.Server{ID: "6f1c9a52-3a77-4c4e-9b8e-3f0a2b1c4d5e", Path: "time", DisplayName: "Time", UpstreamURL: "http://10.0.0.5:8000/mcp",
		Transport: domain.TransportStreamableHTTP, Enabled: true, Tags: []string{}}
	if err := (postgres.Servers{}).Create(context.Background(), db.Pool, s, &postgres.SealedEgress{Type: domain.EgressNone}); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRecordHealth: a result is stored for the server as checked, keeps
// the last healthy time across failures, leaves the version alone, and is
// refused when the server changed (or was disabled) during the check.
func TestRecordHealth(t *testing.T) {
	t.Parallel()
	db := testutil.DB(t)
	ctx := context.Background()
	s := newServer(t, db)
	checked := postgres.CheckedServer{ID: s.ID, UpstreamURL: s.UpstreamURL, Transport: s.Transport}
	t1 := time.Now().UTC().Truncate(time.Millisecond)
	lat := 12
	if ok, err := (postgres.Servers{}).RecordHealth(ctx, db.Pool, checked, domain.Health{Status: domain.HealthHealthy, LatencyMS: &lat, LastCheckedAt: &t1}, 2); !ok || err != nil {
		t.Fatalf("record healthy: %v %v", ok, err)
	}
	t2 := t1.Add(time.Minute)
	if ok, err := (postgres.Servers{}).RecordHealth(ctx, db.Pool, checked, domain.Health{Status: domain.HealthUnhealthy, Error: "connection refused", LastCheckedAt: &t2}, 2); !ok || err != nil {
		t.Fatalf("record unhealthy: %v %v", ok, err)
	}
	got, _, err := (postgres.Servers{}).Get(ctx, db.Pool, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	h := got.Health
	if h.Status != domain.HealthUnhealthy || h.Error != "connection refused" || h.LatencyMS != nil ||
		!h.LastCheckedAt.Equal(t2) || h.LastHealthyAt == nil || !h.LastHealthyAt.Equal(t1) || got.Version != s.Version {
		t.Fatalf("stored health %+v (version %d, was %d)", h, got.Version, s.Version)
	}
	for name, stale := range map[string]postgres.CheckedServer{
		"other upstream":  {ID: s.ID, UpstreamURL: "http://10.0.0.6/mcp", Transport: s.Transport},
		"other transport": {ID: s.ID, UpstreamURL: s.UpstreamURL, Transport: domain.TransportSSE},
		"gone":            {ID: "00000000-0000-0000-0000-000000000000", UpstreamURL: s.UpstreamURL, Transport: s.Transport},
	} {
		if ok, err := (postgres.Servers{}).RecordHealth(ctx, db.Pool, stale, domain.Health{Status: domain.HealthHealthy, LastCheckedAt: &t2}, 0); ok || err != nil {
			t.Errorf("%s: stored (%v, %v)", name, ok, err)
		}
	}
}

// TestHealthHistory: every stored result appends a check to the server's
// history (newest first), a refused one appends nothing, and a server
// whose upstream changed starts no other server's history.
func TestHealthHistory(t *testing.T) {
	t.Parallel()
	db := testutil.DB(t)
	ctx := context.Background()
	s := newServer(t, db)
	checked := postgres.CheckedServer{ID: s.ID, UpstreamURL: s.UpstreamURL, Transport: s.Transport}
	history := func(limit int) []domain.HealthCheck {
		t.Helper()
		h, err := (postgres.HealthChecks{}).List(ctx, db.Pool, s.ID, limit)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	if h := history(10); len(h) != 0 {
		t.Fatalf("history before any check: %+v", h)
	}
	t1 := time.Now().UTC().Truncate(time.Microsecond)
	t2 := t1.Add(time.Minute)
	lat := 7
	if ok, err := (postgres.Servers{}).RecordHealth(ctx, db.Pool, checked, domain.Health{Status: domain.HealthHealthy, LatencyMS: &lat, LastCheckedAt: &t1}, 3); !ok || err != nil {
		t.Fatalf("record healthy: %v %v", ok, err)
	}
	if ok, err := (postgres.Servers{}).RecordHealth(ctx, db.Pool, checked, domain.Health{Status: domain.HealthUnhealthy, Error: "connection refused", LastCheckedAt: &t2}, 3); !ok || err != nil {
		t.Fatalf("record unhealthy: %v %v", ok, err)
	}
	// Stale: the server's upstream is not the one checked, or it is gone.
	for _, stale := range []postgres.CheckedServer{
		{ID: s.ID, UpstreamURL: "http://10.0.0.6/mcp", Transport: s.Transport},
		{ID: "00000000-0000-0000-0000-000000000000", UpstreamURL: s.UpstreamURL, Transport: s.Transport},
	} {
		t3 := t2.Add(time.Minute)
		if ok, err := (postgres.Servers{}).RecordHealth(ctx, db.Pool, stale, domain.Health{Status: domain.HealthHealthy, LastCheckedAt: &t3}, 9); ok || err != nil {
			t.Fatalf("stale result stored: %v %v", ok, err)
		}
	}
	h := history(10)
	if len(h) != 2 {
		t.Fatalf("history: %+v", h)
	}
	if c := h[0]; c.Status != domain.HealthUnhealthy || c.Error != "connection refused" || c.LatencyMS != nil || !c.CheckedAt.Equal(t2) || c.ToolCount != 3 {
		t.Errorf("newest check: %+v", c)
	}
	if c := h[1]; c.Status != domain.HealthHealthy || c.Error != "" || c.LatencyMS == nil || *c.LatencyMS != 7 || !c.CheckedAt.Equal(t1) || c.ToolCount != 3 {
		t.Errorf("oldest check: %+v", c)
	}
	if h := history(1); len(h) != 1 || !h[0].CheckedAt.Equal(t2) {
		t.Errorf("history limited to 1: %+v", h)
	}
	var rows int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM server_health_checks`).Scan(&rows); err != nil || rows != 2 {
		t.Fatalf("%d history rows in all (%v), want 2", rows, err)
	}
}

// TestHealthHistoryPruning: a server keeps its newest HealthHistoryKept
// checks (by check time, also when a late result is older than the rest),
// other servers' histories are left alone, and deleting a server deletes
// its history.
func TestHealthHistoryPruning(t *testing.T) {
	t.Parallel()
	db := testutil.DB(t)
	ctx := context.Background()
	s := newServer(t, db)
	other := &domain.Server{ID: "7a2d0b63-4b88-4d5f-8c9f-4f1b3c2d5e6f", Path: "other", DisplayName: "Other", UpstreamURL: "http://10.0.0.7:8000/mcp",
		Transport: domain.TransportStreamableHTTP, Enabled: true, Tags: []string{}}
	if err := (postgres.Servers{}).Create(ctx, db.Pool, other, &postgres.SealedEgress{Type: domain.EgressNone}); err != nil {
		t.Fatal(err)
	}
	record := func(srv *domain.Server, at time.Time, tools int) {
		t.Helper()
		checked := postgres.CheckedServer{ID: srv.ID, UpstreamURL: srv.UpstreamURL, Transport: srv.Transport}
		if ok, err := (postgres.Servers{}).RecordHealth(ctx, db.Pool, checked, domain.Health{Status: domain.HealthHealthy, LastCheckedAt: &at}, tools); !ok || err != nil {
			t.Fatalf("record: %v %v", ok, err)
		}
	}
	t0 := time.Now().UTC().Truncate(time.Microsecond)
	record(other, t0, 1)
	const extra = 5
	for i := range postgres.HealthHistoryKept + extra {
		record(s, t0.Add(time.Duration(i)*time.Second), i) // tool_count tells the checks apart
	}
	// A late result older than every kept check is the one to go.
	record(s, t0.Add(-time.Hour), -1)
	count := func(id string) int {
		t.Helper()
		var n int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM server_health_checks WHERE server_id = $1`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(s.ID); n != postgres.HealthHistoryKept {
		t.Fatalf("%d checks kept, want %d", n, postgres.HealthHistoryKept)
	}
	h, err := (postgres.HealthChecks{}).List(ctx, db.Pool, s.ID, postgres.HealthHistoryKept+10)
	if err != nil || len(h) != postgres.HealthHistoryKept {
		t.Fatalf("history: %d checks, %v", len(h), err)
	}
	for i, c := range h {
		if want := postgres.HealthHistoryKept + extra - 1 - i; c.ToolCount != want {
			t.Fatalf("check %d of the history is check #%d, want #%d", i, c.ToolCount, want)
		}
	}
	if n := count(other.ID); n != 1 {
		t.Fatalf("the other server's history has %d checks, want 1", n)
	}
	if err := (postgres.Servers{}).Delete(ctx, db.Pool, s.ID); err != nil {
		t.Fatal(err)
	}
	if n := count(s.ID); n != 0 {
		t.Fatalf("%d checks left of a deleted server", n)
	}
	if n := count(other.ID); n != 1 {
		t.Fatalf("deleting a server took %d of another's checks", 1-n)
	}
}

// TestHealthHistoryEndsWithTheUpstream: an edit that keeps the upstream
// keeps the server's history; a new upstream URL or transport deletes it
// (with the health, reset to unknown), and only that server's.
func TestHealthHistoryEndsWithTheUpstream(t *testing.T) {
	t.Parallel()
	db := testutil.DB(t)
	ctx := context.Background()
	s := newServer(t, db)
	other := &domain.Server{ID: "7a2d0b63-4b88-4d5f-8c9f-4f1b3c2d5e6f", Path: "other", DisplayName: "Other", UpstreamURL: "http://10.0.0.7:8000/mcp",
		Transport: domain.TransportStreamableHTTP, Enabled: true, Tags: []string{}}
	if err := (postgres.Servers{}).Create(ctx, db.Pool, other, &postgres.SealedEgress{Type: domain.EgressNone}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now().UTC().Truncate(time.Microsecond)
	record := func(srv *domain.Server, n int) {
		t.Helper()
		checked := postgres.CheckedServer{ID: srv.ID, UpstreamURL: srv.UpstreamURL, Transport: srv.Transport}
		for i := range n {
			at := t0.Add(time.Duration(i) * time.Second)
			if ok, err := (postgres.Servers{}).RecordHealth(ctx, db.Pool, checked, domain.Health{Status: domain.HealthUnhealthy,
				Error: `Post "` + srv.UpstreamURL + `": connection refused`, LastCheckedAt: &at}, 0); !ok || err != nil {
				t.Fatalf("record: %v %v", ok, err)
			}
		}
	}
	count := func(id string) int {
		t.Helper()
		h, err := (postgres.HealthChecks{}).List(ctx, db.Pool, id, 100)
		if err != nil {
			t.Fatal(err)
		}
		return len(h)
	}
	update := func(change func(*domain.Server)) {
		t.Helper()
		srv, eg, err := (postgres.Servers{}).Get(ctx, db.Pool, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		change(srv)
		if err := (postgres.Servers{}).Update(ctx, db.Pool, srv, eg); err != nil {
			t.Fatal(err)
		}
		*s = *srv
	}
	record(s, 3)
	record(other, 2)

	update(func(srv *domain.Server) { srv.DisplayName, srv.Tags = "Time of day", []string{"time"} })
	if n := count(s.ID); n != 3 || s.Health.Status != domain.HealthUnhealthy {
		t.Fatalf("after an edit that keeps the upstream: %d checks, health %q; want 3, unhealthy", n, s.Health.Status)
	}
	for name, change := range map[string]func(*domain.Server){
		"upstream URL": func(srv *domain.Server) { srv.UpstreamURL = "http://10.0.0.9:8000/mcp" },
		"transport":    func(srv *domain.Server) { srv.Transport = domain.TransportSSE },
	} {
		record(s, 2)
		update(change)
		if n := count(s.ID); n != 0 || s.Health.Status != domain.HealthUnknown {
			t.Fatalf("after a new %s: %d checks, health %q; want none, unknown", name, n, s.Health.Status)
		}
		if n := count(other.ID); n != 2 {
			t.Fatalf("a new %s of one server left another %d checks, want 2", name, n)
		}
	}
	// The new upstream's history starts afresh.
	record(s, 1)
	if n := count(s.ID); n != 1 {
		t.Fatalf("%d checks of the new upstream, want 1", n)
	}
}

func tool(name, description, schema string) domain.Tool {
	return domain.Tool{Name: name, Description: description, InputSchema: json.RawMessage(schema),
		DefinitionHash: description + "|" + schema}
}

// TestSyncTools: added, removed, redefined and merely updated tools are
// told apart; unchanged tools are not written; a redefinition is flagged.
func TestSyncTools(t *testing.T) {
	t.Parallel()
	db := testutil.DB(t)
	ctx := context.Background()
	s := newServer(t, db)
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	ch, err := (postgres.Tools{}).Sync(ctx, db.Pool, s.ID, []domain.Tool{tool("add", "adds", `{"type":"object"}`), tool("now", "the time", `{}`)}, t0)
	if err != nil || !slices.Equal(ch.Added, []string{"add", "now"}) || len(ch.Removed)+len(ch.Redefined)+len(ch.Updated) != 0 {
		t.Fatalf("first sync: %+v %v", ch, err)
	}
	t1 := t0.Add(time.Minute)
	if ch, err = (postgres.Tools{}).Sync(ctx, db.Pool, s.ID, []domain.Tool{tool("add", "adds", `{"type":"object"}`), tool("now", "the time", `{}`)}, t1); err != nil || !ch.Empty() {
		t.Fatalf("same tools again: %+v %v", ch, err)
	}
	annotated := tool("now", "the time", `{}`)
	annotated.Annotations = json.RawMessage(`{"readOnlyHint":true}`)
	ch, err = (postgres.Tools{}).Sync(ctx, db.Pool, s.ID, []domain.Tool{tool("add", "adds AND deletes files", `{"type":"object"}`), annotated, tool("echo", "echoes", `{}`)}, t1)
	if err != nil || !slices.Equal(ch.Added, []string{"echo"}) || !slices.Equal(ch.Redefined, []string{"add"}) ||
		!slices.Equal(ch.Updated, []string{"now"}) || len(ch.Removed) != 0 {
		t.Fatalf("changes: %+v %v", ch, err)
	}
	ch, err = (postgres.Tools{}).Sync(ctx, db.Pool, s.ID, []domain.Tool{tool("echo", "echoes", `{}`)}, t1)
	if err != nil || len(ch.Removed) != 2 || len(ch.Added)+len(ch.Redefined)+len(ch.Updated) != 0 {
		t.Fatalf("removal: %+v %v", ch, err)
	}
	// Back: add's flag is gone with the row, echo keeps its first-seen time.
	if _, err = (postgres.Tools{}).Sync(ctx, db.Pool, s.ID, []domain.Tool{tool("echo", "echoes", `{}`), tool("add", "adds AND deletes files", `{"type":"object"}`)}, t1); err != nil {
		t.Fatal(err)
	}
	if _, err = (postgres.Tools{}).Sync(ctx, db.Pool, s.ID, []domain.Tool{tool("echo", "echoes", `{"type":"string"}`), tool("add", "adds AND deletes files", `{"type":"object"}`)}, t1.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	tools, err := (postgres.Tools{}).List(ctx, db.Pool, s.ID)
	if err != nil || len(tools) != 2 {
		t.Fatalf("list: %v %v", tools, err)
	}
	for _, tl := range tools {
		switch tl.Name {
		case "add":
			if tl.DefinitionChangedAt != nil {
				t.Errorf("add came back as new but is flagged: %+v", tl)
			}
		case "echo":
			if tl.DefinitionChangedAt == nil || !tl.DefinitionChangedAt.Equal(t1.Add(time.Minute)) || !tl.FirstSeenAt.Equal(t1) {
				t.Errorf("echo's schema changed: %+v", tl)
			}
		}
	}
}
