package app_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	healthpoll "github.com/mcpgw/mcpgw/backend/internal/health"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

// BenchmarkHealthRound1000 is one poller round over 1,000 registered
// servers (in-process Go SDK upstreams, each a real MCP exchange with 5
// tools) at the default concurrency of 32; the target is one
// HEALTH_CHECK_INTERVAL (30 s). round-s is the time of a round.
func BenchmarkHealthRound1000(b *testing.B) {
	const servers = 1000
	srv := mcp.NewServer(&mcp.Implementation{Name: "bench-upstream", Version: "1"}, nil)
	for i := range 5 {
		mcp.AddTool(srv, &mcp.Tool{Name: fmt.Sprintf("tool-%d", i), Description: "a tool"},
			func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
				return &mcp.CallToolResult{}, nil, nil
			})
	}
	up := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv },
		&mcp.StreamableHTTPOptions{DisableLocalhostProtection: true}))
	b.Cleanup(up.Close)
	a := testutil.StartApp(b, testutil.Config(b), testutil.StartOptions{})
	ctx := context.Background()
	for i := range servers {
		s := &domain.Server{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), Path: fmt.Sprintf("s%04d", i),
			DisplayName: fmt.Sprintf("Server %d", i), UpstreamURL: fmt.Sprintf("%s/s%04d/mcp", up.URL, i),
			Transport: domain.TransportStreamableHTTP, Enabled: true, Tags: []string{}}
		if err := (postgres.Servers{}).Create(ctx, a.DB.Pool, s, &postgres.SealedEgress{Type: domain.EgressNone}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := (postgres.Scopes{}).BumpVersion(ctx, a.DB.Pool); err != nil {
		b.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); len(a.Registry.Snapshot().Servers) < servers; {
		if time.Now().After(deadline) {
			b.Fatal("the registry snapshot never held the servers")
		}
		time.Sleep(50 * time.Millisecond)
	}
	var rounds []time.Duration
	for b.Loop() {
		began := time.Now()
		checked, healthy := a.Health.CheckAll(ctx)
		rounds = append(rounds, time.Since(began))
		if checked != servers || healthy != servers {
			b.Fatalf("checked %d, healthy %d of %d", checked, healthy, servers)
		}
	}
	slices.Sort(rounds)
	b.ReportMetric(rounds[len(rounds)/2].Seconds(), "round-s")
	b.ReportMetric(float64(servers)/rounds[len(rounds)/2].Seconds(), "checks/s")
}

// BenchmarkLiveFanout1000 is one event reaching 1,000 subscribers of
// /api/health/events on one replica (real HTTP streams): delivery-p99-ms
// is the 99th percentile over every subscriber and event of the time from
// publishing to the subscriber having read it; the target is 100 ms.
func BenchmarkLiveFanout1000(b *testing.B) {
	const subscribers = 1000
	a := testutil.StartApp(b, testutil.Config(b), testutil.StartOptions{})
	admin := signedInAdmin(b, a)
	createServer(b, admin, map[string]any{"path": "fan", "upstream_url": "http://127.0.0.1:9/mcp", "transport": "streamable-http"})
	token := agentToken(b, a, admin, "watcher", "mcp-admin")
	transport := &http.Transport{MaxIdleConnsPerHost: subscribers, MaxConnsPerHost: 0}
	client := &http.Client{Transport: transport}
	b.Cleanup(transport.CloseIdleConnections)

	var mu sync.Mutex
	var lat []time.Duration
	var sent sync.Map // event sequence number (tool count) → publish time
	got := make(chan struct{}, subscribers)
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	var ready sync.WaitGroup
	for range subscribers {
		ready.Add(1)
		go func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.URL+"/api/health/events", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := client.Do(req)
			if err != nil || resp.StatusCode != 200 {
				b.Errorf("subscribe: %v %v", resp, err)
				ready.Done()
				return
			}
			defer func() { _ = resp.Body.Close() }()
			sc := bufio.NewScanner(resp.Body)
			sc.Buffer(make([]byte, 1<<16), 1<<20)
			first := true
			for sc.Scan() {
				line := sc.Text()
				if !strings.HasPrefix(line, "data: ") {
					continue
				}
				if first {
					first = false
					ready.Done() // the snapshot: subscribed
					continue
				}
				now := time.Now()
				var n int
				if i := strings.Index(line, `"tool_count":`); i >= 0 {
					_, _ = fmt.Sscanf(line[i+len(`"tool_count":`):], "%d", &n)
				}
				if t, ok := sent.Load(n); ok {
					mu.Lock()
					lat = append(lat, now.Sub(t.(time.Time)))
					mu.Unlock()
				}
				got <- struct{}{}
			}
		}()
	}
	ready.Wait()
	seq := 0
	for b.Loop() {
		seq++
		sent.Store(seq, time.Now())
		a.Live.Publish(ctx, healthpoll.EventServer, healthpoll.ServerState{ID: "x", Path: "fan", DisplayName: "fan", ToolCount: seq})
		for range subscribers {
			select {
			case <-got:
			case <-time.After(10 * time.Second):
				b.Fatal("an event did not reach every subscriber within 10s")
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(lat)
	if len(lat) == 0 {
		b.Fatal("no deliveries measured")
	}
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "delivery-p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "delivery-p99-ms")
}
