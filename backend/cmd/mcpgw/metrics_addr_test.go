package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// TestConfigCheckRefusesMetricsAddr: a METRICS_ADDR that does not parse,
// or that is the main listener's, stops the command before it starts.
func TestConfigCheckRefusesMetricsAddr(t *testing.T) {
	t.Setenv("LISTEN_ADDR", ":7860")
	for _, v := range []string{"9090", ":7860", "0.0.0.0:7860"} {
		t.Setenv("METRICS_ADDR", v)
		if _, err := mcpgw(t, "", "config", "check"); err == nil || !strings.Contains(err.Error(), "METRICS_ADDR") {
			t.Errorf("config check with METRICS_ADDR=%s: %v", v, err)
		}
	}
	t.Setenv("METRICS_ADDR", "127.0.0.1:9090")
	if out, err := mcpgw(t, "", "config", "check"); err != nil || !strings.Contains(out, "configuration is valid") {
		t.Fatalf("config check with METRICS_ADDR=127.0.0.1:9090: %v %s", err, out)
	}
}

// TestServeListensOnMetricsAddr: serve opens both listeners; /metrics is
// only on METRICS_ADDR, and both close when the command ends.
func TestServeListensOnMetricsAddr(t *testing.T) {
	useEnv(t)
	listen, metrics := freeAddr(t), freeAddr(t)
	t.Setenv("LISTEN_ADDR", listen)
	t.Setenv("METRICS_ADDR", metrics)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, strings.NewReader(""), io.Discard, io.Discard) }()

	client := &http.Client{Timeout: 5 * time.Second}
	get := func(url string) (int, string) {
		resp, err := client.Get(url)
		if err != nil {
			return 0, err.Error()
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if code, _ := get("http://" + metrics + "/readyz"); code == http.StatusOK {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the metrics listener never became ready")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code, body := get("http://" + metrics + "/metrics"); code != http.StatusOK || !strings.Contains(body, "mcpgw_http_requests_total") {
		t.Errorf("/metrics on METRICS_ADDR: %d %.200s", code, body)
	}
	code, body := get("http://" + listen + "/metrics")
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal([]byte(body), &e)
	if code != http.StatusNotFound || e.Error.Code != domain.ENOTFOUND {
		t.Errorf("/metrics on LISTEN_ADDR: %d %.200s", code, body)
	}
	if code, _ := get("http://" + listen + "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz on LISTEN_ADDR: %d", code)
	}

	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	for _, addr := range []string{listen, metrics} {
		if c, err := net.Dial("tcp", addr); err == nil {
			_ = c.Close()
			t.Errorf("%s still accepts connections after serve ended", addr)
		}
	}
}

// freeAddr is a 127.0.0.1 address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}
