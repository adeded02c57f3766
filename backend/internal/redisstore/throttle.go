package redisstore

import (
	"context"
	"net/netip"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// Throttle counts sign-in attempts per username and per client IP in fixed
// windows.
type Throttle struct {
	rdb redis.UniversalClient
	k   keyer
}

// NewThrottle returns a throttle using keys under prefix.
func NewThrottle(rdb redis.UniversalClient, prefix string, secret []byte) *Throttle {
	return &Throttle{rdb: rdb, k: keyer{prefix: prefix, secret: secret}}
}

// ThrottleLimits are the attempts allowed per window.
type ThrottleLimits struct {
	PerUser int
	PerIP   int
	Window  time.Duration
}

// attemptScript counts one attempt, first against the client IP and then,
// only if the IP is within its limit, against the username: a client over
// its limit cannot create keys for usernames it makes up. Counting before
// the password is checked means parallel guesses cannot overrun a limit.
// It returns {wait ms (0: go ahead), 1 if this is the first refusal of the
// window}.
//
// KEYS: ip key, user key; ARGV: window (ms), ip limit, user limit.
var attemptScript = redis.NewScript(`
local function bump(key, limit)
  local n = redis.call('INCR', key)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    redis.call('PEXPIRE', key, ARGV[1])
    ttl = tonumber(ARGV[1])
  end
  if n > limit then
    if n == limit + 1 then return {ttl, 1} end
    return {ttl, 0}
  end
  return nil
end
return bump(KEYS[1], tonumber(ARGV[2])) or bump(KEYS[2], tonumber(ARGV[3])) or {0, 0}
`)

// succeededScript takes back the IP's count for this attempt and forgets
// the user's failures: a successful sign-in is not a failure. The IP count
// is not reset, so one valid account cannot launder guesses at others.
//
// KEYS: ip key, user key.
var succeededScript = redis.NewScript(`
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then redis.call('DECR', KEYS[1]) end
redis.call('DEL', KEYS[2])
return 0
`)

func (t *Throttle) keys(username, ip string) []string {
	return []string{
		t.k.prefix + "login-ip:" + ipBucket(ip),
		t.k.hashed("login-user", strings.ToLower(username)),
	}
}

// ipBucket is the unit an IP limit applies to: an IPv4 address, or an IPv6
// /64, since one client commonly holds a whole /64 and could rotate through
// it.
func ipBucket(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}

// Verdict is the throttle's answer to one attempt.
type Verdict struct {
	// Wait is how long the caller must wait; zero means go ahead.
	Wait time.Duration
	// FirstRefusal marks the first refused attempt of a window, so callers
	// can record one event per window rather than one per request.
	FirstRefusal bool
}

// Attempt records a sign-in attempt from ip for username.
func (t *Throttle) Attempt(ctx context.Context, username, ip string, l ThrottleLimits) (Verdict, error) {
	res, err := attemptScript.Run(ctx, t.rdb, t.keys(username, ip),
		l.Window.Milliseconds(), l.PerIP, l.PerUser).Int64Slice()
	if err != nil || len(res) != 2 {
		return Verdict{}, domain.Unavailable("throttle store", err)
	}
	return Verdict{Wait: time.Duration(res[0]) * time.Millisecond, FirstRefusal: res[1] == 1}, nil
}

// Succeeded clears the username's count after a successful sign-in.
func (t *Throttle) Succeeded(ctx context.Context, username, ip string) error {
	if err := succeededScript.Run(ctx, t.rdb, t.keys(username, ip)).Err(); err != nil {
		return domain.Unavailable("throttle store", err)
	}
	return nil
}
