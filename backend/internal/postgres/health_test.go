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
	if ok, err := (postgres.Servers{}).RecordHealth(ctx, db.Pool, checked, domain.Health{Status: domain.HealthHealthy, LatencyMS: &lat, LastCheckedAt: &t1}); !ok || err != nil {
		t.Fatalf("record healthy: %v %v", ok, err)
	}
	t2 := t1.Add(time.Minute)
	if ok, err := (postgres.Servers{}).RecordHealth(ctx, db.Pool, checked, domain.Health{Status: domain.HealthUnhealthy, Error: "connection refused", LastCheckedAt: &t2}); !ok || err != nil {
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
		if ok, err := (postgres.Servers{}).RecordHealth(ctx, db.Pool, stale, domain.Health{Status: domain.HealthHealthy, LastCheckedAt: &t2}); ok || err != nil {
			t.Errorf("%s: stored (%v, %v)", name, ok, err)
		}
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
