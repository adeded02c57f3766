package app_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/config"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

// TestLiveRenameDuringCheckDoesNotLeak: a server renamed while a check is
// in flight is published under its new name, so a subscriber allowed on
// the old path (not the new one) never gets the renamed server's state.
func TestLiveRenameDuringCheckDoesNotLeak(t *testing.T) {
	t.Parallel()
	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{})
	target, _ := url.Parse(up.StreamableURL())
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(600 * time.Millisecond)
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(slow.Close)
	a := start(t, func(c *config.Config) {
		polling(c)
		c.HealthCheckInterval = time.Hour
		c.HealthCheckRetryMin = time.Hour
		c.HealthCheckTimeout = 8 * time.Second
	})
	admin := signedInAdmin(t, a)
	srv := createServer(t, admin, map[string]any{"path": "pub", "upstream_url": slow.URL + target.Path, "transport": "streamable-http", "enabled": false})
	grantTools(t, admin, "watchers", "pub", "*")
	token := agentToken(t, a, admin, "watcher", "watchers")
	l := openLive(t, a.URL, token, "")
	if ev := l.next(2*time.Second, func(liveEv) bool { return true }); ev.name != "snapshot" || !strings.Contains(ev.data, `"path":"pub"`) {
		t.Fatalf("snapshot: %+v", ev)
	}
	if r := admin.Do(http.MethodPost, "/api/servers/"+srv.ID+"/toggle", map[string]any{"enabled": true}); r.Status != 200 {
		t.Fatalf("enable: %d %s", r.Status, r.Body)
	}
	time.Sleep(1500 * time.Millisecond) // the check is in flight
	if r := admin.Do(http.MethodPatch, "/api/servers/"+srv.ID, map[string]any{"path": "secret", "display_name": "Secret"}); r.Status != 200 {
		t.Fatalf("rename: %d %s", r.Status, r.Body)
	}
	deadline := time.After(4 * time.Second)
	for {
		select {
		case ev, ok := <-l.events:
			if !ok {
				t.Fatal("stream ended")
			}
			if ev.name == "server" && strings.Contains(ev.data, srv.ID) && strings.Contains(ev.data, `"healthy"`) {
				t.Fatalf("subscriber (no rights on \"secret\") received the renamed server's health: %s", ev.data)
			}
		case <-deadline:
			return
		}
	}
}
