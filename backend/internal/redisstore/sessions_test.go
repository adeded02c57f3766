package redisstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/redisstore"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

// newSession stores a session of user uid with id, last used at seen.
func newSession(t *testing.T, s *redisstore.Sessions, uid int64, id string, seen time.Time, idle time.Duration) *domain.Session {
	t.Helper()
	sess := &domain.Session{
		ID: id, UserID: uid, Username: "u", AuthMethod: domain.AuthMethodOIDC, Provider: "okta",
		Groups: []string{"team"}, CSRFToken: "csrf-" + id,
		CreatedAt: seen.Add(-time.Minute), LastSeenAt: seen, ExpiresAt: seen.Add(time.Hour),
		ClientIP: "192.0.2.7", UserAgent: "agent/" + id,
	}
	if err := s.Create(context.Background(), sess, idle); err != nil {
		t.Fatal(err)
	}
	return sess
}

func TestSessionsListAndDeleteByHandle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb, prefix := testutil.Redis(t)
	s := redisstore.NewSessions(rdb, prefix, []byte("test-secret"))
	now := time.Now().Truncate(time.Millisecond)

	older := newSession(t, s, 1, "older-session-id", now.Add(-2*time.Minute), time.Hour)
	newer := newSession(t, s, 1, "newer-session-id", now.Add(-time.Minute), time.Hour)
	brief := newSession(t, s, 1, "brief-session-id", now, 50*time.Millisecond)
	other := newSession(t, s, 2, "other-session-id", now, time.Hour)

	// Redis's own expiry ends the brief session.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		n, err := rdb.Exists(ctx, prefix+"session:"+brief.Handle).Result()
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the brief session did not expire")
		}
	}
	index := prefix + "user-sessions:1"
	if n := rdb.SCard(ctx, index).Val(); n != 3 {
		t.Fatalf("index lists %d sessions before listing, want 3", n)
	}

	got, err := s.ListUser(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Handle != newer.Handle || got[1].Handle != older.Handle {
		t.Fatalf("ListUser = %+v, want newer then older", got)
	}
	want := domain.SessionInfo{Handle: newer.Handle, AuthMethod: domain.AuthMethodOIDC, Provider: "okta",
		CreatedAt: newer.CreatedAt, LastSeenAt: newer.LastSeenAt, ExpiresAt: newer.ExpiresAt,
		ClientIP: "192.0.2.7", UserAgent: "agent/newer-session-id"}
	if g := got[0]; g.Handle != want.Handle || g.AuthMethod != want.AuthMethod || g.Provider != want.Provider ||
		!g.CreatedAt.Equal(want.CreatedAt) || !g.LastSeenAt.Equal(want.LastSeenAt) || !g.ExpiresAt.Equal(want.ExpiresAt) ||
		g.ClientIP != want.ClientIP || g.UserAgent != want.UserAgent {
		t.Fatalf("ListUser[0] = %+v, want %+v", g, want)
	}
	// The ended session's entry is gone from the index.
	if rdb.SIsMember(ctx, index, prefix+"session:"+brief.Handle).Val() || rdb.SCard(ctx, index).Val() != 2 {
		t.Fatalf("index after listing = %v, want the two live sessions", rdb.SMembers(ctx, index).Val())
	}

	// The handle is not the session id, does not contain it, and is not a
	// usable cookie.
	for _, sess := range []*domain.Session{older, newer, other} {
		if sess.Handle == "" || sess.Handle == sess.ID || strings.Contains(sess.Handle, sess.ID) {
			t.Fatalf("handle %q of session %q", sess.Handle, sess.ID)
		}
		if _, err := s.Touch(ctx, sess.Handle, now, time.Hour); !errors.Is(err, domain.ErrUnauthorized) {
			t.Fatalf("the handle works as a session id: %v", err)
		}
	}
	// Touch reports the same handle as Create.
	touched, err := s.Touch(ctx, older.ID, now, time.Hour)
	if err != nil || touched.Handle != older.Handle {
		t.Fatalf("Touch = %+v, %v; want handle %s", touched, err, older.Handle)
	}

	// Another user's handle, a handle that is no handle, and the session id
	// end nothing.
	for _, h := range []string{other.Handle, "", "../" + older.Handle, strings.ToUpper(older.Handle), older.ID, brief.Handle} {
		if ok, err := s.DeleteHandle(ctx, 1, h); ok || err != nil {
			t.Fatalf("DeleteHandle(1, %q) = %v, %v", h, ok, err)
		}
	}
	if _, err := s.Touch(ctx, other.ID, now, time.Hour); err != nil {
		t.Fatalf("user 2's session after user 1 named it: %v", err)
	}

	if ok, err := s.DeleteHandle(ctx, 1, older.Handle); !ok || err != nil {
		t.Fatalf("DeleteHandle = %v, %v", ok, err)
	}
	if _, err := s.Touch(ctx, older.ID, now, time.Hour); !errors.Is(err, domain.ErrUnauthorized) {
		t.Fatalf("the ended session still works: %v", err)
	}
	if _, err := s.Touch(ctx, newer.ID, now, time.Hour); err != nil {
		t.Fatalf("the other session ended too: %v", err)
	}
	if ok, _ := s.DeleteHandle(ctx, 1, older.Handle); ok {
		t.Fatal("a session ended twice")
	}
	if got, err := s.ListUser(ctx, 1); err != nil || len(got) != 1 || got[0].Handle != newer.Handle {
		t.Fatalf("ListUser after delete = %+v, %v", got, err)
	}

	if n, err := s.DeleteUser(ctx, 1); n != 1 || err != nil {
		t.Fatalf("DeleteUser = %d, %v", n, err)
	}
	if got, err := s.ListUser(ctx, 1); err != nil || len(got) != 0 {
		t.Fatalf("ListUser after DeleteUser = %+v, %v", got, err)
	}
	if got, err := s.ListUser(ctx, 2); err != nil || len(got) != 1 || got[0].Handle != other.Handle {
		t.Fatalf("user 2's sessions = %+v, %v", got, err)
	}
}

// TestSessionsListSkipsCorruptRecords: a session hash that does not decode
// is left out of the listing and the user's index, and the others are
// listed and can be ended.
func TestSessionsListSkipsCorruptRecords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb, prefix := testutil.Redis(t)
	s := redisstore.NewSessions(rdb, prefix, []byte("test-secret"))
	now := time.Now().Truncate(time.Millisecond)
	good := newSession(t, s, 1, "good-session-id", now, time.Hour)
	also := newSession(t, s, 1, "also-session-id", now.Add(-time.Minute), time.Hour)

	index := prefix + "user-sessions:1"
	corrupt := map[string]map[string]any{
		prefix + "session:" + strings.Repeat("a", 64): {"uid": "not-a-number", "groups": "[]"},
		prefix + "session:" + strings.Repeat("b", 64): {"uid": "1", "groups": "{not json"},
	}
	for key, fields := range corrupt {
		if err := rdb.HSet(ctx, key, fields).Err(); err != nil {
			t.Fatal(err)
		}
		if err := rdb.SAdd(ctx, index, key).Err(); err != nil {
			t.Fatal(err)
		}
	}

	got, err := s.ListUser(ctx, 1)
	if err != nil || len(got) != 2 || got[0].Handle != good.Handle || got[1].Handle != also.Handle {
		t.Fatalf("ListUser = %+v, %v; want the two sound sessions", got, err)
	}
	for key := range corrupt {
		if rdb.SIsMember(ctx, index, key).Val() {
			t.Fatalf("the corrupt session %s is still in the index %v", key, rdb.SMembers(ctx, index).Val())
		}
	}
	if ok, err := s.DeleteHandle(ctx, 1, also.Handle); !ok || err != nil {
		t.Fatalf("DeleteHandle = %v, %v", ok, err)
	}
	if got, err := s.ListUser(ctx, 1); err != nil || len(got) != 1 || got[0].Handle != good.Handle {
		t.Fatalf("ListUser after ending one = %+v, %v", got, err)
	}
}
