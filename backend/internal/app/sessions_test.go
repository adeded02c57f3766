package app_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

type apiSession struct {
	ID         string    `json:"id"`
	AuthMethod string    `json:"auth_method"`
	Provider   string    `json:"provider"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	ClientIP   string    `json:"client_ip"`
	UserAgent  string    `json:"user_agent"`
	Current    bool      `json:"current"`
}

// listSessions GETs a session list and checks its shape: only the
// documented fields, newest first, and no secret of any session.
func listSessions(t *testing.T, c *testutil.Client, path string, secrets ...string) []apiSession {
	t.Helper()
	r := c.Do(http.MethodGet, path, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	for _, s := range secrets {
		if strings.Contains(string(r.Body), s) {
			t.Fatalf("GET %s shows a session id or CSRF token: %s", path, r.Body)
		}
	}
	var raw struct {
		Items []map[string]any `json:"items"`
	}
	r.JSON(t, &raw)
	allowed := []string{"id", "auth_method", "provider", "created_at", "last_seen_at", "expires_at", "client_ip", "user_agent", "current"}
	for _, it := range raw.Items {
		for k := range it {
			if !slices.Contains(allowed, k) {
				t.Fatalf("GET %s: unexpected field %q in %s", path, k, r.Body)
			}
		}
	}
	var list struct {
		Items []apiSession `json:"items"`
	}
	r.JSON(t, &list)
	if !slices.IsSortedFunc(list.Items, func(a, b apiSession) int { return b.LastSeenAt.Compare(a.LastSeenAt) }) {
		t.Fatalf("GET %s is not newest first: %s", path, r.Body)
	}
	return list.Items
}

// current returns the session marked current, failing unless exactly one is.
func current(t *testing.T, items []apiSession) apiSession {
	t.Helper()
	var cur []apiSession
	for _, s := range items {
		if s.Current {
			cur = append(cur, s)
		}
	}
	if len(cur) != 1 {
		t.Fatalf("%d sessions are current, want 1: %+v", len(cur), items)
	}
	return cur[0]
}

// withOutcome returns the events of evs with outcome.
func withOutcome(evs []domain.AuditEvent, outcome string) []domain.AuditEvent {
	var out []domain.AuditEvent
	for _, ev := range evs {
		if ev.Outcome == outcome {
			out = append(out, ev)
		}
	}
	return out
}

func userID(t *testing.T, admin *testutil.Client, username string) string {
	t.Helper()
	var list struct {
		Items []struct {
			ID       int64  `json:"id"`
			Username string `json:"username"`
		} `json:"items"`
	}
	admin.Do(http.MethodGet, "/api/users", nil).JSON(t, &list)
	for _, u := range list.Items {
		if u.Username == username {
			return strconv.FormatInt(u.ID, 10)
		}
	}
	t.Fatalf("no user %s", username)
	return ""
}

func TestAdministratorsSeeAndEndSessions(t *testing.T) {
	t.Parallel()
	a := start(t)
	admin := signedInAdmin(t, a)
	adminID := userID(t, admin, "admin")
	bob := createUser(t, admin, map[string]any{"username": "bob", "password": "bob-password-1"})

	laptop, phone := a.NewClient(t), a.NewClient(t)
	laptop.Header.Set("User-Agent", "laptop-browser/1.0")
	phone.Header.Set("User-Agent", "phone-browser/2.0")
	laptop.Login("bob", "bob-password-1")
	phone.Login("bob", "bob-password-1")
	secrets := []string{laptop.Cookie(cookieName), phone.Cookie(cookieName), laptop.CSRF, phone.CSRF, admin.Cookie(cookieName), admin.CSRF}

	// The administrator sees both, neither current: the admin's own session
	// is not bob's.
	items := listSessions(t, admin, "/api/users/"+bob+"/sessions", secrets...)
	if len(items) != 2 || slices.ContainsFunc(items, func(s apiSession) bool { return s.Current }) {
		t.Fatalf("bob's sessions = %+v", items)
	}
	byAgent := map[string]apiSession{}
	for _, s := range items {
		byAgent[s.UserAgent] = s
		if s.AuthMethod != domain.AuthMethodLocal || s.Provider != "" || s.ClientIP != "127.0.0.1" || s.ID == "" ||
			s.CreatedAt.IsZero() || s.LastSeenAt.Before(s.CreatedAt) || !s.ExpiresAt.After(s.LastSeenAt) {
			t.Fatalf("session = %+v", s)
		}
	}
	laptopS, phoneS := byAgent["laptop-browser/1.0"], byAgent["phone-browser/2.0"]
	if laptopS.ID == "" || phoneS.ID == "" || laptopS.ID == phoneS.ID {
		t.Fatalf("sessions by user agent = %+v", byAgent)
	}
	// The administrator's own list marks the session in use.
	adminS := current(t, listSessions(t, admin, "/api/users/"+adminID+"/sessions", secrets...))

	// A handle is no cookie.
	forged := a.NewClient(t)
	forged.SetCookie(cookieName, laptopS.ID)
	if r := forged.Do(http.MethodGet, "/api/auth/me", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("a session handle used as a cookie: %d", r.Status)
	}

	// Non-administrators may not.
	for _, rq := range []struct{ method, path string }{
		{http.MethodGet, "/api/users/" + bob + "/sessions"},
		{http.MethodDelete, "/api/users/" + bob + "/sessions/" + phoneS.ID},
		{http.MethodDelete, "/api/users/" + bob + "/sessions"},
		{http.MethodGet, "/api/users/" + adminID + "/sessions"},
	} {
		if r := laptop.Do(rq.method, rq.path, nil); r.Status != http.StatusForbidden || r.ErrorCode() != domain.EFORBIDDEN {
			t.Fatalf("bob %s %s: %d %s", rq.method, rq.path, r.Status, r.Body)
		}
	}
	// Unknown users and sessions are 404, and end nothing.
	for _, rq := range []struct{ method, path string }{
		{http.MethodGet, "/api/users/999999/sessions"},
		{http.MethodDelete, "/api/users/999999/sessions"},
		{http.MethodDelete, "/api/users/999999/sessions/" + phoneS.ID},
		{http.MethodGet, "/api/users/x/sessions"},
		{http.MethodDelete, "/api/users/" + bob + "/sessions/" + strings.Repeat("0", 64)},
		{http.MethodDelete, "/api/users/" + bob + "/sessions/not-a-handle"},
		{http.MethodDelete, "/api/users/" + bob + "/sessions/" + phone.Cookie(cookieName)},
		{http.MethodDelete, "/api/users/" + bob + "/sessions/" + adminS.ID},     // the admin's, not bob's
		{http.MethodDelete, "/api/users/" + adminID + "/sessions/" + phoneS.ID}, // bob's, not the admin's
	} {
		if r := admin.Do(rq.method, rq.path, nil); r.Status != http.StatusNotFound || r.ErrorCode() != domain.ENOTFOUND {
			t.Fatalf("%s %s: %d %s", rq.method, rq.path, r.Status, r.Body)
		}
	}
	// Naming another user's live session reads as naming none, and both
	// are audited as denied.
	unknown := admin.Do(http.MethodDelete, "/api/users/"+bob+"/sessions/"+strings.Repeat("1", 64), nil)
	others := admin.Do(http.MethodDelete, "/api/users/"+bob+"/sessions/"+adminS.ID, nil)
	if unknown.Status != http.StatusNotFound || others.Status != unknown.Status || string(others.Body) != string(unknown.Body) {
		t.Fatalf("another user's session: %d %s; an unknown one: %d %s", others.Status, others.Body, unknown.Status, unknown.Body)
	}
	denied := withOutcome(auditEvents(t, a, domain.ActionSessionRevoke), domain.OutcomeDenied)
	if len(denied) != 7 || len(auditEvents(t, a, domain.ActionSessionRevoke)) != 7 {
		t.Fatalf("denied session.revoke audit = %+v, want 7 (the 404s of known users, then two more)", denied)
	}
	if ev := denied[0]; ev.Actor != "admin" || ev.TargetType != "user" || ev.Target != "bob" || ev.Details["session"] != adminS.ID || ev.Details["reason"] == nil {
		t.Fatalf("denied session.revoke audit = %+v", ev)
	}
	if ev := denied[2]; ev.Target != "admin" || ev.Details["session"] != phoneS.ID { // bob's, not the admin's
		t.Fatalf("denied session.revoke audit = %+v", ev)
	}
	for name, c := range map[string]*testutil.Client{"admin": admin, "laptop": laptop, "phone": phone} {
		if r := c.Do(http.MethodGet, "/api/auth/me", nil); r.Status != http.StatusOK {
			t.Fatalf("%s after refused revocations: %d", name, r.Status)
		}
	}
	// Writes need the CSRF token.
	csrf := admin.CSRF
	admin.CSRF = ""
	if r := admin.Do(http.MethodDelete, "/api/users/"+bob+"/sessions/"+phoneS.ID, nil); r.Status != http.StatusForbidden || r.ErrorCode() != domain.ECSRF {
		t.Fatalf("revoke without CSRF token: %d %s", r.Status, r.Body)
	}
	if r := admin.Do(http.MethodDelete, "/api/users/"+bob+"/sessions", nil); r.Status != http.StatusForbidden || r.ErrorCode() != domain.ECSRF {
		t.Fatalf("revoke all without CSRF token: %d %s", r.Status, r.Body)
	}
	admin.CSRF = csrf

	// Ending the phone's session ends exactly that one.
	if r := admin.Do(http.MethodDelete, "/api/users/"+bob+"/sessions/"+phoneS.ID, nil); r.Status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	if r := phone.Do(http.MethodGet, "/api/auth/me", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("the revoked session still works: %d", r.Status)
	}
	if r := laptop.Do(http.MethodGet, "/api/auth/me", nil); r.Status != http.StatusOK {
		t.Fatalf("the other session ended too: %d", r.Status)
	}
	if r := admin.Do(http.MethodDelete, "/api/users/"+bob+"/sessions/"+phoneS.ID, nil); r.Status != http.StatusNotFound {
		t.Fatalf("revoke twice: %d %s", r.Status, r.Body)
	}
	if items := listSessions(t, admin, "/api/users/"+bob+"/sessions"); len(items) != 1 || items[0].ID != laptopS.ID {
		t.Fatalf("bob's sessions after revoking the phone = %+v", items)
	}
	evs := withOutcome(auditEvents(t, a, domain.ActionSessionRevoke), domain.OutcomeSuccess)
	if len(evs) != 1 || evs[0].Actor != "admin" || evs[0].Target != "bob" || evs[0].TargetType != "user" ||
		evs[0].Details["session"] != phoneS.ID {
		t.Fatalf("session.revoke audit = %+v", evs)
	}
	if denied := withOutcome(auditEvents(t, a, domain.ActionSessionRevoke), domain.OutcomeDenied); len(denied) != 8 ||
		denied[0].Target != "bob" || denied[0].Details["session"] != phoneS.ID {
		t.Fatalf("revoking twice: denied session.revoke audit = %+v", denied)
	}

	// Ending all of them.
	phone.Login("bob", "bob-password-1")
	r := admin.Do(http.MethodDelete, "/api/users/"+bob+"/sessions", nil)
	var revoked struct {
		Revoked int `json:"revoked"`
	}
	if r.Status != http.StatusOK {
		t.Fatalf("revoke all: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &revoked)
	if revoked.Revoked != 2 {
		t.Fatalf("revoke all = %s, want 2", r.Body)
	}
	for name, c := range map[string]*testutil.Client{"laptop": laptop, "phone": phone} {
		if r := c.Do(http.MethodGet, "/api/auth/me", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("bob's %s after revoke all: %d", name, r.Status)
		}
	}
	if r := admin.Do(http.MethodGet, "/api/auth/me", nil); r.Status != http.StatusOK {
		t.Fatalf("the admin after ending bob's sessions: %d", r.Status)
	}
	if items := listSessions(t, admin, "/api/users/"+bob+"/sessions"); len(items) != 0 {
		t.Fatalf("bob's sessions after revoke all = %+v", items)
	}
	evs = auditEvents(t, a, domain.ActionSessionRevokeAll)
	if len(evs) != 1 || evs[0].Actor != "admin" || evs[0].Target != "bob" || evs[0].Details["sessions"] != float64(2) {
		t.Fatalf("session.revoke_all audit = %+v", evs)
	}
}

func TestUsersSeeAndEndTheirOwnSessions(t *testing.T) {
	t.Parallel()
	a := start(t)
	admin := signedInAdmin(t, a)
	createUser(t, admin, map[string]any{"username": "carol", "password": "carol-password-1"})
	laptop, tablet := a.NewClient(t), a.NewClient(t)
	laptop.Login("carol", "carol-password-1")
	tablet.Login("carol", "carol-password-1")
	secrets := []string{laptop.Cookie(cookieName), tablet.Cookie(cookieName), laptop.CSRF, tablet.CSRF}

	items := listSessions(t, laptop, "/api/auth/sessions", secrets...)
	laptopS := current(t, items)
	if len(items) != 2 {
		t.Fatalf("carol's sessions = %+v", items)
	}
	tabletS := current(t, listSessions(t, tablet, "/api/auth/sessions", secrets...))
	if tabletS.ID == laptopS.ID {
		t.Fatal("both browsers are current")
	}
	adminS := current(t, listSessions(t, admin, "/api/auth/sessions"))

	// Someone else's session, an unknown one, or none without the CSRF
	// token. The first two read alike, and are audited as denied.
	others := laptop.Do(http.MethodDelete, "/api/auth/sessions/"+adminS.ID, nil)
	if others.Status != http.StatusNotFound {
		t.Fatalf("carol ends the admin's session: %d %s", others.Status, others.Body)
	}
	unknown := laptop.Do(http.MethodDelete, "/api/auth/sessions/"+strings.Repeat("a", 64), nil)
	if unknown.Status != http.StatusNotFound || string(unknown.Body) != string(others.Body) {
		t.Fatalf("unknown session: %d %s; the admin's: %s", unknown.Status, unknown.Body, others.Body)
	}
	denied := auditEvents(t, a, domain.ActionSessionRevoke)
	if len(denied) != 2 {
		t.Fatalf("session.revoke audit after carol's attempts = %+v, want 2 denied", denied)
	}
	for i, handle := range []string{strings.Repeat("a", 64), adminS.ID} { // newest first
		if ev := denied[i]; ev.Outcome != domain.OutcomeDenied || ev.Actor != "carol" || ev.TargetType != "user" || ev.Target != "carol" ||
			ev.Details["session"] != handle {
			t.Fatalf("denied session.revoke audit = %+v", ev)
		}
	}
	csrf := laptop.CSRF
	laptop.CSRF = ""
	if r := laptop.Do(http.MethodDelete, "/api/auth/sessions/"+tabletS.ID, nil); r.Status != http.StatusForbidden || r.ErrorCode() != domain.ECSRF {
		t.Fatalf("without CSRF token: %d %s", r.Status, r.Body)
	}
	laptop.CSRF = csrf
	if r := admin.Do(http.MethodGet, "/api/auth/me", nil); r.Status != http.StatusOK {
		t.Fatalf("the admin after carol's attempt: %d", r.Status)
	}

	// The tablet left signed in is ended from the laptop.
	if r := laptop.Do(http.MethodDelete, "/api/auth/sessions/"+tabletS.ID, nil); r.Status != http.StatusNoContent {
		t.Fatalf("end the tablet's session: %d %s", r.Status, r.Body)
	}
	if r := tablet.Do(http.MethodGet, "/api/auth/me", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("the tablet after it was ended: %d", r.Status)
	}
	if items := listSessions(t, laptop, "/api/auth/sessions"); len(items) != 1 || !items[0].Current {
		t.Fatalf("carol's sessions = %+v", items)
	}
	evs := withOutcome(auditEvents(t, a, domain.ActionSessionRevoke), domain.OutcomeSuccess)
	if len(evs) != 1 || evs[0].Actor != "carol" || evs[0].Target != "carol" || evs[0].Details["session"] != tabletS.ID {
		t.Fatalf("session.revoke audit = %+v", evs)
	}

	// A personal access token's caller lists their sessions, none current.
	pat := createPAT(t, laptop, map[string]any{"name": "cli", "expires_in_days": 1})
	cli := bearer(t, a, pat.Token)
	if items := listSessions(t, cli, "/api/auth/sessions"); len(items) != 1 || items[0].ID != laptopS.ID || items[0].Current {
		t.Fatalf("carol's sessions seen with a token = %+v", items)
	}
	// A service account has no sessions: its requests are refused, audited.
	sa := bearer(t, a, clientToken(t, a.URL, createServiceAccount(t, admin, "robot", "mcp-user")))
	if r := sa.Do(http.MethodGet, "/api/auth/sessions", nil); r.Status != http.StatusForbidden || r.ErrorCode() != domain.EFORBIDDEN {
		t.Fatalf("service account lists sessions: %d %s", r.Status, r.Body)
	}
	if r := sa.Do(http.MethodDelete, "/api/auth/sessions/"+laptopS.ID, nil); r.Status != http.StatusForbidden || r.ErrorCode() != domain.EFORBIDDEN {
		t.Fatalf("service account ends a session: %d %s", r.Status, r.Body)
	}
	for action, route := range map[string]string{
		domain.ActionSessionList:   "GET /api/auth/sessions",
		domain.ActionSessionRevoke: "DELETE /api/auth/sessions/:session",
	} {
		evs := withOutcome(auditEvents(t, a, action), domain.OutcomeDenied)
		if len(evs) == 0 {
			t.Fatalf("no denied %s audited for the service account", action)
		}
		if ev := evs[0]; ev.Actor != "robot" || ev.ActorID != 0 || ev.AuthMethod != domain.AuthMethodServiceAccount ||
			ev.TargetType != "route" || ev.Target != route || ev.Details["reason"] == nil {
			t.Fatalf("denied %s audit = %+v", action, ev)
		}
	}
	if r := a.NewClient(t).Do(http.MethodGet, "/api/auth/sessions", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous: %d %s", r.Status, r.Body)
	}

	// Ending the current session signs this browser out.
	r := laptop.Do(http.MethodDelete, "/api/auth/sessions/"+laptopS.ID, nil)
	if r.Status != http.StatusNoContent || !strings.Contains(r.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("end the current session: %d %q %s", r.Status, r.Header.Get("Set-Cookie"), r.Body)
	}
	if r := laptop.Do(http.MethodGet, "/api/auth/me", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("after ending the current session: %d", r.Status)
	}
}
