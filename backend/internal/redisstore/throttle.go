package redisstore

import (
	"context"
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

// attemptScript counts one attempt against each key and returns how many
// milliseconds the caller must wait (0: go ahead). Counting before the
// password is checked means parallel guesses cannot overrun the limit.
//
// KEYS: user key, ip key; ARGV: window (ms), user limit, ip limit.
var attemptScript = redis.NewScript(`
local wait = 0
for i, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    redis.call('PEXPIRE', key, ARGV[1])
    ttl = tonumber(ARGV[1])
  end
  if n > tonumber(ARGV[i + 1]) and ttl > wait then wait = ttl end
end
return wait
`)

// succeededScript forgets the user's failures and takes back the IP's count
// for this attempt: a successful sign-in is not a failure. The IP count is
// not reset, so one valid account cannot launder guesses at others.
var succeededScript = redis.NewScript(`
redis.call('DEL', KEYS[1])
if redis.call('EXISTS', KEYS[2]) == 1 and tonumber(redis.call('GET', KEYS[2])) > 0 then
  redis.call('DECR', KEYS[2])
end
return 0
`)

func (t *Throttle) keys(username, ip string) []string {
	return []string{
		t.k.hashed("login-user", strings.ToLower(username)),
		t.k.prefix + "login-ip:" + ip,
	}
}

// Attempt records a sign-in attempt. When the username or IP is over its
// limit it returns a rate-limit error carrying how long to wait.
func (t *Throttle) Attempt(ctx context.Context, username, ip string, l ThrottleLimits) error {
	waitMS, err := attemptScript.Run(ctx, t.rdb, t.keys(username, ip),
		l.Window.Milliseconds(), l.PerUser, l.PerIP).Int64()
	if err != nil {
		return domain.Unavailable("throttle store", err)
	}
	if waitMS > 0 {
		wait := time.Duration(waitMS) * time.Millisecond
		return &domain.Error{
			Code:       domain.ERATELIMITED,
			Message:    "too many sign-in attempts; try again later",
			RetryAfter: wait,
		}
	}
	return nil
}

// Succeeded clears the username's count after a successful sign-in.
func (t *Throttle) Succeeded(ctx context.Context, username, ip string) error {
	if err := succeededScript.Run(ctx, t.rdb, t.keys(username, ip)).Err(); err != nil {
		return domain.Unavailable("throttle store", err)
	}
	return nil
}
