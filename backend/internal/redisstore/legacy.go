package redisstore

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// LegacySessions is the replicas' shared directory of the legacy HTTP+SSE
// transport's sessions. On that transport a client holds one event stream
// (on one replica) and posts its messages to a URL the stream announced;
// behind a load balancer those posts land on any replica. The directory
// tells the replica a post lands on that the session exists and whose it
// is, and carries that replica's refusals (answers the client can only
// read from its stream) to the replica holding the stream.
//
// A session's key is its message URL on the gateway, which holds the
// upstream's session id: it is stored only as an HMAC under SECRET_KEY.
type LegacySessions struct {
	rdb     redis.UniversalClient
	k       keyer
	channel string
	ttl     time.Duration
	log     *slog.Logger
}

// LegacySessionTTL is how long a session stays listed without being
// renewed: the replica holding its stream renews it every third of it, so
// a session whose replica died is forgotten within this time.
const LegacySessionTTL = 2 * time.Minute

// NewLegacySessions returns the directory on rdb's keys under prefix.
func NewLegacySessions(rdb redis.UniversalClient, prefix string, secret []byte, log *slog.Logger) *LegacySessions {
	return &LegacySessions{rdb: rdb, k: keyer{prefix: prefix, secret: secret},
		channel: prefix + "legacy:deliver", ttl: LegacySessionTTL, log: log}
}

// ID is the session's name in the directory.
func (l *LegacySessions) ID(key string) string { return l.k.hashed("legacy", key) }

// RenewEvery is how often the replica holding a stream calls Put again.
func (l *LegacySessions) RenewEvery() time.Duration { return l.ttl / 3 }

// Put lists (or renews) the session id as owned by owner.
func (l *LegacySessions) Put(ctx context.Context, id, owner string) error {
	return l.rdb.Set(ctx, id, owner, l.ttl).Err()
}

// Owner returns whose session id is, or "" when it is not listed.
func (l *LegacySessions) Owner(ctx context.Context, id string) (string, error) {
	owner, err := l.rdb.Get(ctx, id).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return owner, err
}

// Forget removes the session id (its stream ended).
func (l *LegacySessions) Forget(ctx context.Context, id string) error {
	return l.rdb.Del(ctx, id).Err()
}

// Send hands msg (one JSON-RPC message) to the replica holding session
// id's stream, which writes it there.
func (l *LegacySessions) Send(ctx context.Context, id string, msg []byte) error {
	return l.rdb.Publish(ctx, l.channel, id+"\n"+string(msg)).Err()
}

// Run passes the messages sent to this replica's sessions to deliver until
// ctx ends, resubscribing when the connection to Redis drops. Every
// replica gets every message and delivers those whose stream it holds.
func (l *LegacySessions) Run(ctx context.Context, deliver func(id string, msg []byte)) {
	for ctx.Err() == nil {
		ps := l.rdb.Subscribe(ctx, l.channel)
		if _, err := ps.Receive(ctx); err != nil {
			_ = ps.Close()
			if ctx.Err() == nil {
				l.log.Warn("legacy SSE sessions: subscribing failed", "error", err)
			}
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		stop := context.AfterFunc(ctx, func() { _ = ps.Close() })
		for m := range ps.Channel() {
			if id, msg, ok := strings.Cut(m.Payload, "\n"); ok {
				deliver(id, []byte(msg))
			}
		}
		stop()
		_ = ps.Close()
	}
}
