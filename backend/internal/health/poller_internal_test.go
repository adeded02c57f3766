package health

import (
	"testing"
	"time"
)

// TestRetryDelay: doubling from RetryMin, capped at Interval, whatever the
// number of failures (no overflow with long settings).
func TestRetryDelay(t *testing.T) {
	p := &Poller{o: PollerOptions{RetryMin: 3 * time.Hour, Interval: 24 * time.Hour}}
	for n, want := range map[int]time.Duration{1: 3 * time.Hour, 2: 6 * time.Hour, 3: 12 * time.Hour, 4: 24 * time.Hour, 40: 24 * time.Hour, 1 << 20: 24 * time.Hour} {
		if got := p.retryDelay(n); got != want {
			t.Errorf("after %d failures: %v, want %v", n, got, want)
		}
	}
	p.o = PollerOptions{RetryMin: 5 * time.Second, Interval: 30 * time.Second}
	if got := p.retryDelay(1); got != 5*time.Second {
		t.Errorf("first retry after %v", got)
	}
}
