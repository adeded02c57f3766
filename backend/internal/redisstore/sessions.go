package redisstore

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// Sessions stores browser sessions. Each session is a hash under a key
// derived from its id; a set per user lists that user's session keys so all
// of them can be listed or ended at once. The HMAC part of a session's key
// is its public handle. The layout assumes one Redis (standalone or
// Sentinel), not Redis Cluster: a user's index and sessions live in
// different hash slots.
type Sessions struct {
	rdb redis.UniversalClient
	k   keyer
}

// NewSessions returns a session store using keys under prefix, hashed with
// secret.
func NewSessions(rdb redis.UniversalClient, prefix string, secret []byte) *Sessions {
	return &Sessions{rdb: rdb, k: keyer{prefix: prefix, secret: secret}}
}

func (s *Sessions) key(id string) string { return s.k.hashed(sessionKind, id) }

func (s *Sessions) userKey(userID int64) string {
	return s.k.prefix + "user-sessions:" + strconv.FormatInt(userID, 10)
}

// sessionKind names session keys: prefix + "session:" + HMAC(id).
const sessionKind = "session"

// handleOf returns the public handle of the session stored under key: the
// key's HMAC part. It names the session, and cannot be turned back into the
// id the cookie carries.
func (s *Sessions) handleOf(key string) (string, bool) {
	return strings.CutPrefix(key, s.k.prefix+sessionKind+":")
}

// keyOf returns the key of the session with handle; a string that no
// handle can be is refused, so it never names another kind of key.
func (s *Sessions) keyOf(handle string) (string, bool) {
	if len(handle) != 2*sha256.Size || strings.IndexFunc(handle, notLowerHex) >= 0 {
		return "", false
	}
	return s.k.prefix + sessionKind + ":" + handle, true
}

func notLowerHex(r rune) bool { return (r < '0' || r > '9') && (r < 'a' || r > 'f') }

// Create stores sess, which lives until idle time passes without use or its
// ExpiresAt is reached, whichever comes first, and sets its Handle.
func (s *Sessions) Create(ctx context.Context, sess *domain.Session, idle time.Duration) error {
	groups, err := json.Marshal(sess.Groups)
	if err != nil {
		return err
	}
	key := s.key(sess.ID)
	sess.Handle, _ = s.handleOf(key)
	// Lifetimes come from the session's own timestamps, not the wall clock,
	// so an injected clock governs them consistently.
	lifetime := sess.ExpiresAt.Sub(sess.CreatedAt)
	ttl := min(idle, lifetime)
	if ttl <= 0 {
		return errors.New("session: already expired")
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, map[string]any{
			"uid":     sess.UserID,
			"user":    sess.Username,
			"method":  sess.AuthMethod,
			"idp":     sess.Provider,
			"groups":  string(groups),
			"csrf":    sess.CSRFToken,
			"created": sess.CreatedAt.UnixMilli(),
			"seen":    sess.LastSeenAt.UnixMilli(),
			"abs":     sess.ExpiresAt.UnixMilli(),
			"ip":      sess.ClientIP,
			"ua":      sess.UserAgent,
		})
		p.PExpire(ctx, key, ttl)
		p.SAdd(ctx, s.userKey(sess.UserID), key)
		// The index must outlive every session it lists, even when the
		// configured lifetime shrinks between sign-ins: set it when new,
		// otherwise only ever extend it.
		p.ExpireNX(ctx, s.userKey(sess.UserID), lifetime)
		p.ExpireGT(ctx, s.userKey(sess.UserID), lifetime)
		return nil
	})
	if err != nil {
		return domain.Unavailable("session store", err)
	}
	return nil
}

// touchScript returns a live session's fields and extends its life; it ends
// a session whose idle or absolute deadline has passed. Doing both in one
// script keeps the check and the extension atomic and costs one round trip.
// An ended session's entry in its user's index is left to expire with the
// index: deleting a missing key later is harmless.
//
// KEYS[1] session key; ARGV[1] now (ms), ARGV[2] idle (ms).
var touchScript = redis.NewScript(`
local f = redis.call('HGETALL', KEYS[1])
if #f == 0 then return false end
local h = {}
for i = 1, #f, 2 do h[f[i]] = f[i + 1] end
local now, idle = tonumber(ARGV[1]), tonumber(ARGV[2])
local abs, seen = tonumber(h['abs']), tonumber(h['seen'])
if not abs or not seen or now >= abs or now - seen >= idle then
  redis.call('DEL', KEYS[1])
  return false
end
redis.call('HSET', KEYS[1], 'seen', now)
redis.call('PEXPIRE', KEYS[1], math.min(idle, abs - now))
return f
`)

// Touch returns the live session with id and marks it used at now. A missing,
// idle or expired session is domain.ErrUnauthorized.
func (s *Sessions) Touch(ctx context.Context, id string, now time.Time, idle time.Duration) (*domain.Session, error) {
	key := s.key(id)
	res, err := touchScript.Run(ctx, s.rdb, []string{key},
		now.UnixMilli(), idle.Milliseconds()).StringSlice()
	if errors.Is(err, redis.Nil) {
		return nil, domain.ErrUnauthorized
	}
	if err != nil {
		return nil, domain.Unavailable("session store", err)
	}
	h := make(map[string]string, len(res)/2)
	for i := 0; i+1 < len(res); i += 2 {
		h[res[i]] = res[i+1]
	}
	sess, err := decodeSession(h)
	if err != nil {
		return nil, fmt.Errorf("session: corrupt record: %w", err)
	}
	sess.LastSeenAt = now
	sess.Handle, _ = s.handleOf(key)
	return sess, nil
}

func decodeSession(h map[string]string) (*domain.Session, error) {
	uid, err := strconv.ParseInt(h["uid"], 10, 64)
	if err != nil {
		return nil, err
	}
	ms := func(k string) time.Time {
		n, _ := strconv.ParseInt(h[k], 10, 64)
		return time.UnixMilli(n)
	}
	sess := &domain.Session{
		UserID:     uid,
		Username:   h["user"],
		AuthMethod: h["method"],
		Provider:   h["idp"],
		CSRFToken:  h["csrf"],
		CreatedAt:  ms("created"),
		LastSeenAt: ms("seen"),
		ExpiresAt:  ms("abs"),
		ClientIP:   h["ip"],
		UserAgent:  h["ua"],
	}
	if err := json.Unmarshal([]byte(h["groups"]), &sess.Groups); err != nil {
		return nil, err
	}
	return sess, nil
}

// Delete ends the session with id; ending a missing session is not an error.
func (s *Sessions) Delete(ctx context.Context, id string, userID int64) error {
	key := s.key(id)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, key)
		p.SRem(ctx, s.userKey(userID), key)
		return nil
	})
	if err != nil {
		return domain.Unavailable("session store", err)
	}
	return nil
}

// deleteUserScript ends every session listed in a user's index, and the index.
var deleteUserScript = redis.NewScript(`
local keys = redis.call('SMEMBERS', KEYS[1])
local n = 0
for _, k in ipairs(keys) do n = n + redis.call('DEL', k) end
redis.call('DEL', KEYS[1])
return n
`)

// DeleteUser ends every session of the user and returns how many were live.
func (s *Sessions) DeleteUser(ctx context.Context, userID int64) (int, error) {
	n, err := deleteUserScript.Run(ctx, s.rdb, []string{s.userKey(userID)}).Int()
	if err != nil {
		return 0, domain.Unavailable("session store", err)
	}
	return n, nil
}

// ListUser returns the user's live sessions, most recently used first. It
// reads every session in the user's index in one round trip and removes
// from the index the entries whose session has ended, or whose record is
// corrupt: such a session cannot be used (Touch fails on it), and skipping
// it keeps the others listed, so they can still be ended.
func (s *Sessions) ListUser(ctx context.Context, userID int64) ([]domain.SessionInfo, error) {
	index := s.userKey(userID)
	keys, err := s.rdb.SMembers(ctx, index).Result()
	if err != nil {
		return nil, domain.Unavailable("session store", err)
	}
	if len(keys) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.MapStringStringCmd, len(keys))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.HGetAll(ctx, k)
		}
		return nil
	})
	if err != nil {
		return nil, domain.Unavailable("session store", err)
	}
	out := make([]domain.SessionInfo, 0, len(keys))
	var prune []any // ended or corrupt
	for i, cmd := range cmds {
		handle, ok := s.handleOf(keys[i])
		h := cmd.Val()
		if !ok || len(h) == 0 {
			prune = append(prune, keys[i])
			continue
		}
		sess, err := decodeSession(h)
		if err != nil {
			prune = append(prune, keys[i])
			continue
		}
		if sess.UserID != userID {
			continue // not this user's: never list or prune it here
		}
		out = append(out, domain.SessionInfo{
			Handle: handle, AuthMethod: sess.AuthMethod, Provider: sess.Provider,
			CreatedAt: sess.CreatedAt, LastSeenAt: sess.LastSeenAt, ExpiresAt: sess.ExpiresAt,
			ClientIP: sess.ClientIP, UserAgent: sess.UserAgent,
		})
	}
	// An ended session's key never comes back (its id was random), so
	// removing it cannot race with a new sign-in; a corrupt one is left to
	// expire.
	if len(prune) > 0 {
		if err := s.rdb.SRem(ctx, index, prune...).Err(); err != nil {
			return nil, domain.Unavailable("session store", err)
		}
	}
	slices.SortFunc(out, func(a, b domain.SessionInfo) int {
		return cmp.Or(b.LastSeenAt.Compare(a.LastSeenAt), cmp.Compare(a.Handle, b.Handle))
	})
	return out, nil
}

// deleteHandleScript ends a session only if the user's index lists it, so
// nobody can end another user's session by its handle. It returns 1 when a
// live session was ended.
//
// KEYS[1] the user's index; KEYS[2] the session key.
var deleteHandleScript = redis.NewScript(`
if redis.call('SREM', KEYS[1], KEYS[2]) == 0 then return 0 end
return redis.call('DEL', KEYS[2])
`)

// DeleteHandle ends the user's session with handle and reports whether it
// was live; a handle that names no live session of the user is false.
func (s *Sessions) DeleteHandle(ctx context.Context, userID int64, handle string) (bool, error) {
	key, ok := s.keyOf(handle)
	if !ok {
		return false, nil
	}
	n, err := deleteHandleScript.Run(ctx, s.rdb, []string{s.userKey(userID), key}).Int()
	if err != nil {
		return false, domain.Unavailable("session store", err)
	}
	return n == 1, nil
}
