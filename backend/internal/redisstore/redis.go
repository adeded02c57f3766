// Package redisstore keeps the gateway's short-lived, shared state in Redis:
// browser sessions and sign-in throttle counters (later: pub/sub).
package redisstore

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Open connects to redisURL and checks the connection.
func Open(ctx context.Context, redisURL string) (*redis.Client, error) {
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		// The parse error may echo the URL, password included.
		return nil, errors.New("REDIS_URL: cannot be parsed as a Redis URL")
	}
	rdb := redis.NewClient(opts)
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("redis: connecting to %s: %w", opts.Addr, err)
	}
	return rdb, nil
}

// keyer derives Redis keys. Secrets and user-supplied strings never appear in
// keys in the clear: they are replaced by an HMAC under SECRET_KEY, so a
// copy of Redis yields no usable session ids.
type keyer struct {
	prefix string
	secret []byte
}

func (k keyer) hashed(kind, value string) string {
	m := hmac.New(sha256.New, k.secret)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return k.prefix + kind + ":" + hex.EncodeToString(m.Sum(nil))
}
