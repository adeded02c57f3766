package auth

import (
	"sync"
	"time"
)

// boundedCache is a per-replica memory of credential checks: what a token
// verified to, or what Postgres said about an account, each entry valid
// from when it was stored until its own expiry. It holds at most max
// entries; when full, an arbitrary one makes room (a miss only costs the
// check it saved).
type boundedCache[K comparable, V any] struct {
	mu  sync.RWMutex
	max int
	m   map[K]cached[V]
}

type cached[V any] struct {
	v       V
	at, exp time.Time
}

func newBoundedCache[K comparable, V any](max int) *boundedCache[K, V] {
	return &boundedCache[K, V]{max: max, m: make(map[K]cached[V])}
}

// get returns the entry for k if it is valid at now. A clock that went back
// past the entry's storing also misses, rather than stretch its life.
func (c *boundedCache[K, V]) get(k K, now time.Time) (V, bool) {
	c.mu.RLock()
	e, ok := c.m[k]
	c.mu.RUnlock()
	if !ok || now.Before(e.at) || !now.Before(e.exp) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// put stores v for k, valid from now until exp.
func (c *boundedCache[K, V]) put(k K, v V, now, exp time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; !ok && len(c.m) >= c.max {
		for old := range c.m {
			delete(c.m, old)
			break
		}
	}
	c.m[k] = cached[V]{v: v, at: now, exp: exp}
}

// forget drops the entries for which drop reports true.
func (c *boundedCache[K, V]) forget(drop func(k K, v V) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if drop(k, e.v) {
			delete(c.m, k)
		}
	}
}
