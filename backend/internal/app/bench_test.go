package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

// BenchmarkAuthenticateSession is the per-request cost of a session cookie:
// one Redis round trip running the touch script.
func BenchmarkAuthenticateSession(b *testing.B) {
	a := testutil.StartApp(b, testutil.Config(b), testutil.StartOptions{})
	ctx := context.Background()
	sess, err := a.Auth.Login(ctx, "admin", testutil.AdminPassword, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Auth.Authenticate(ctx, sess.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMeEndpoint is a whole authenticated API request in process:
// router, middleware chain, session lookup in Redis, JSON response.
func BenchmarkMeEndpoint(b *testing.B) {
	a := testutil.StartApp(b, testutil.Config(b), testutil.StartOptions{})
	sess, err := a.Auth.Login(context.Background(), "admin", testutil.AdminPassword, nil)
	if err != nil {
		b.Fatal(err)
	}
	h := a.Handler()
	cookie := &http.Cookie{Name: a.Config.SessionCookieName, Value: sess.ID}
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/api/auth/me", nil)
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
