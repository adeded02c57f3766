package app_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/config"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

const cookieName = "mcp_gateway_session"

func start(t *testing.T, mutate ...func(*config.Config)) *testutil.TestApp {
	t.Helper()
	return startWith(t, testutil.StartOptions{}, mutate...)
}

func startWith(t *testing.T, opts testutil.StartOptions, mutate ...func(*config.Config)) *testutil.TestApp {
	t.Helper()
	cfg := testutil.Config(t)
	for _, m := range mutate {
		m(cfg)
	}
	return testutil.StartApp(t, cfg, opts)
}

// auditEvents returns the audit events with action, newest first, after
// flushing the writer.
func auditEvents(t *testing.T, a *testutil.TestApp, action string) []domain.AuditEvent {
	t.Helper()
	a.Flush(t)
	evs, err := postgres.Audit{}.List(context.Background(), a.DB.Pool, postgres.AuditFilter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// signedInAdmin returns a client signed in as the first administrator.
func signedInAdmin(t testing.TB, a *testutil.TestApp) *testutil.Client {
	t.Helper()
	c := a.NewClient(t)
	c.Login("admin", testutil.AdminPassword)
	return c
}

// createUser creates a local user through the API and returns its id as a
// path segment.
func createUser(t *testing.T, admin *testutil.Client, body map[string]any) string {
	t.Helper()
	r := admin.Do(http.MethodPost, "/api/users", body)
	if r.Status != http.StatusCreated {
		t.Fatalf("create user %v: %d %s", body["username"], r.Status, r.Body)
	}
	var u struct {
		ID int64 `json:"id"`
	}
	r.JSON(t, &u)
	return strconv.FormatInt(u.ID, 10)
}

func login(c *testutil.Client, username, password string) *testutil.Response {
	return c.Do(http.MethodPost, "/api/auth/login", map[string]string{"username": username, "password": password})
}

func TestLoginSuccessSetsHardenedSessionCookie(t *testing.T) {
	t.Parallel()
	a := start(t)
	c := a.NewClient(t)

	r := c.Do(http.MethodPost, "/api/auth/login", map[string]string{"username": "admin", "password": testutil.AdminPassword},
		"User-Agent", "login-test/1.0")
	if r.Status != http.StatusOK {
		t.Fatalf("login: %d %s", r.Status, r.Body)
	}
	var me struct {
		Username   string   `json:"username"`
		Groups     []string `json:"groups"`
		AuthMethod string   `json:"auth_method"`
		IsAdmin    bool     `json:"is_admin"`
		CSRFToken  string   `json:"csrf_token"`
	}
	r.JSON(t, &me)
	if me.Username != "admin" || !me.IsAdmin || me.AuthMethod != "local" || len(me.CSRFToken) < 40 ||
		len(me.Groups) != 1 || me.Groups[0] != domain.AdminGroup {
		t.Fatalf("login body = %+v", me)
	}

	setCookie := r.Header.Get("Set-Cookie")
	for _, want := range []string{cookieName + "=", "Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=28800"} {
		if !strings.Contains(setCookie, want) {
			t.Errorf("Set-Cookie %q lacks %q", setCookie, want)
		}
	}
	if strings.Contains(setCookie, "Secure") {
		t.Errorf("Set-Cookie %q is Secure although PUBLIC_URL is http", setCookie)
	}
	// 256 bits of randomness, base64url: 43 characters.
	if id := c.Cookie(cookieName); len(id) != 43 {
		t.Errorf("session id %q has %d characters, want 43", id, len(id))
	}
	if got := r.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}

	r = c.Do(http.MethodGet, "/api/auth/me", nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"username":"admin"`) {
		t.Fatalf("me: %d %s", r.Status, r.Body)
	}
	// Usernames are case-insensitive.
	a.NewClient(t).Login("ADMIN", testutil.AdminPassword)

	evs := auditEvents(t, a, domain.ActionLogin)
	if len(evs) != 2 {
		t.Fatalf("audit has %d login events, want 2: %+v", len(evs), evs)
	}
	first := evs[1]
	if first.Outcome != domain.OutcomeSuccess || first.Actor != "admin" || first.ActorID == 0 ||
		first.ClientIP != "127.0.0.1" || first.UserAgent != "login-test/1.0" || first.RequestID == "" {
		t.Fatalf("audit event = %+v", first)
	}
}

func TestSessionCookieIsSecureWhenPublicURLIsHTTPS(t *testing.T) {
	t.Parallel()
	a := startWith(t, testutil.StartOptions{PublicURL: "https://gateway.example.com"})
	c := a.NewClient(t)
	r := login(c, "admin", testutil.AdminPassword)
	if r.Status != http.StatusOK {
		t.Fatalf("login: %d %s", r.Status, r.Body)
	}
	if sc := r.Header.Get("Set-Cookie"); !strings.Contains(sc, "; Secure") {
		t.Fatalf("Set-Cookie %q is not Secure", sc)
	}
	if r.Header.Get("Strict-Transport-Security") == "" {
		t.Fatal("no Strict-Transport-Security header with an https PUBLIC_URL")
	}
}

func TestRefusedSignInsLookTheSame(t *testing.T) {
	t.Parallel()
	a := start(t)
	admin := signedInAdmin(t, a)
	carol := createUser(t, admin, map[string]any{"username": "carol", "password": "carol-password-1"})
	if r := admin.Do(http.MethodPatch, "/api/users/"+carol, map[string]any{"disabled": true}); r.Status != http.StatusOK {
		t.Fatalf("disable carol: %d %s", r.Status, r.Body)
	}

	wrong := login(a.NewClient(t), "admin", "not-the-password")
	unknown := login(a.NewClient(t), "nobody-by-this-name", "not-the-password")
	disabled := login(a.NewClient(t), "carol", "carol-password-1")
	for name, r := range map[string]*testutil.Response{"wrong password": wrong, "unknown user": unknown, "disabled user": disabled} {
		if r.Status != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, r.Status)
		}
		if string(r.Body) != string(wrong.Body) {
			t.Errorf("%s: body %s differs from wrong password's %s", name, r.Body, wrong.Body)
		}
		if r.Header.Get("Set-Cookie") != "" {
			t.Errorf("%s: a cookie was set", name)
		}
	}
	if wrong.ErrorCode() != domain.EINVALIDCREDENTIALS {
		t.Errorf("code = %q", wrong.ErrorCode())
	}

	// The audit trail knows the difference; the client does not.
	reasons := map[string]bool{}
	for _, ev := range auditEvents(t, a, domain.ActionLogin) {
		if ev.Outcome == domain.OutcomeFailure {
			reasons[ev.Details["reason"].(string)] = true
		}
	}
	for _, want := range []string{"wrong_password", "unknown_user", "user_disabled"} {
		if !reasons[want] {
			t.Errorf("no audited failure with reason %s (have %v)", want, reasons)
		}
	}
}

func TestLoginThrottlePerUsername(t *testing.T) {
	t.Parallel()
	a := start(t, func(c *config.Config) {
		c.LoginMaxFailuresPerUser = 3
		c.LoginThrottleWindow = 10 * time.Minute
	})
	for i := range 3 {
		if r := login(a.NewClient(t), "admin", "wrong"); r.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	// Over the limit, even the right password is refused until the window ends.
	r := login(a.NewClient(t), "admin", testutil.AdminPassword)
	if r.Status != http.StatusTooManyRequests || r.ErrorCode() != domain.ERATELIMITED {
		t.Fatalf("4th attempt: %d %s", r.Status, r.Body)
	}
	retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || retry < 590 || retry > 600 {
		t.Fatalf("Retry-After = %q, want about 600 seconds", r.Header.Get("Retry-After"))
	}
	// Further refusals in the window are not audited one by one.
	for range 5 {
		login(a.NewClient(t), "admin", "wrong")
	}
	// Unknown usernames are throttled alike, so 429 reveals nothing either.
	for range 3 {
		login(a.NewClient(t), "ghost", "wrong")
	}
	if r := login(a.NewClient(t), "ghost", "wrong"); r.Status != http.StatusTooManyRequests {
		t.Fatalf("unknown user over limit: %d", r.Status)
	}
	var throttled int
	for _, ev := range auditEvents(t, a, domain.ActionLogin) {
		if ev.Details["reason"] == "throttled" {
			throttled++
		}
	}
	if throttled != 2 {
		t.Fatalf("audited %d throttled attempts, want 2: the first refusal per username and window", throttled)
	}
}

func TestLoginThrottlePerClientIP(t *testing.T) {
	t.Parallel()
	a := start(t, func(c *config.Config) {
		c.LoginMaxFailuresPerUser = 100
		c.LoginMaxFailuresPerIP = 4
	})
	for i := range 4 {
		if r := login(a.NewClient(t), "user"+strconv.Itoa(i), "wrong"); r.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, r.Status)
		}
	}
	r := login(a.NewClient(t), "admin", testutil.AdminPassword)
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("5th attempt from one IP: %d %s (Retry-After %q)", r.Status, r.Body, r.Header.Get("Retry-After"))
	}
	// Over its limit, a client cannot make the gateway store anything for
	// the usernames it invents.
	userKeys := func() int {
		keys, err := a.Redis.Keys(context.Background(), a.Config.RedisKeyPrefix+"login-user:*").Result()
		if err != nil {
			t.Fatal(err)
		}
		return len(keys)
	}
	before := userKeys()
	for i := range 20 {
		login(a.NewClient(t), "invented-"+strconv.Itoa(i), "wrong")
	}
	if after := userKeys(); after != before {
		t.Fatalf("throttled attempts created %d username keys", after-before)
	}
}

func TestSuccessfulLoginResetsUsernameThrottle(t *testing.T) {
	t.Parallel()
	a := start(t, func(c *config.Config) { c.LoginMaxFailuresPerUser = 3 })
	for range 2 {
		login(a.NewClient(t), "admin", "wrong")
	}
	a.NewClient(t).Login("admin", testutil.AdminPassword)
	for i := range 2 {
		if r := login(a.NewClient(t), "admin", "wrong"); r.Status != http.StatusUnauthorized {
			t.Fatalf("failure %d after a success: %d", i+1, r.Status)
		}
	}
	a.NewClient(t).Login("admin", testutil.AdminPassword)
}

func TestPreLoginCookieIsWorthlessAfterLogin(t *testing.T) {
	t.Parallel()
	a := start(t)

	// An attacker plants a well-formed session id before the victim signs in.
	victim := a.NewClient(t)
	planted := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	victim.SetCookie(cookieName, planted)
	victim.Login("admin", testutil.AdminPassword)
	if got := victim.Cookie(cookieName); got == planted || got == "" {
		t.Fatalf("session id after login = %q; it must be new", got)
	}
	attacker := a.NewClient(t)
	attacker.SetCookie(cookieName, planted)
	if r := attacker.Do(http.MethodGet, "/api/auth/me", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("planted cookie: %d %s", r.Status, r.Body)
	}

	// An attacker's own live session planted in the victim's browser is
	// ended by the victim's sign-in, not upgraded.
	attacker.Login("admin", testutil.AdminPassword)
	own := attacker.Cookie(cookieName)
	victim2 := a.NewClient(t)
	victim2.SetCookie(cookieName, own)
	victim2.Login("admin", testutil.AdminPassword)
	if victim2.Cookie(cookieName) == own {
		t.Fatal("the planted live session id survived the sign-in")
	}
	if r := attacker.Do(http.MethodGet, "/api/auth/me", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("replaced session still works: %d", r.Status)
	}
}

func TestLogoutThenReplayIsRefused(t *testing.T) {
	t.Parallel()
	a := start(t)
	c := signedInAdmin(t, a)
	stolen := c.Cookie(cookieName)

	r := c.Do(http.MethodPost, "/api/auth/logout", nil)
	if r.Status != http.StatusNoContent {
		t.Fatalf("logout: %d %s", r.Status, r.Body)
	}
	if sc := r.Header.Get("Set-Cookie"); !strings.Contains(sc, "Max-Age=0") {
		t.Errorf("logout Set-Cookie = %q, want the cookie cleared", sc)
	}
	replay := a.NewClient(t)
	replay.SetCookie(cookieName, stolen)
	if r := replay.Do(http.MethodGet, "/api/auth/me", nil); r.Status != http.StatusUnauthorized || r.ErrorCode() != domain.EUNAUTHORIZED {
		t.Fatalf("replayed cookie: %d %s", r.Status, r.Body)
	}
	if evs := auditEvents(t, a, domain.ActionLogout); len(evs) != 1 || evs[0].Actor != "admin" {
		t.Fatalf("logout audit = %+v", evs)
	}
}

func TestSessionIdleTimeout(t *testing.T) {
	t.Parallel()
	clock := testutil.NewClock()
	a := startWith(t, testutil.StartOptions{Now: clock.Now}, func(c *config.Config) {
		c.SessionIdleTimeout = 60 * time.Second
		c.SessionMaxAge = time.Hour
	})
	c := signedInAdmin(t, a)

	// Use keeps the session alive past one idle period...
	for i := range 3 {
		clock.Advance(50 * time.Second)
		if r := c.Do(http.MethodGet, "/api/auth/me", nil); r.Status != http.StatusOK {
			t.Fatalf("request %d within the idle timeout: %d", i+1, r.Status)
		}
	}
	// ...and a pause longer than it ends the session.
	clock.Advance(61 * time.Second)
	if r := c.Do(http.MethodGet, "/api/auth/me", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("after idling: %d", r.Status)
	}
	clock.Advance(-61 * time.Second)
	if r := c.Do(http.MethodGet, "/api/auth/me", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("an ended session came back: %d", r.Status)
	}
}

func TestSessionAbsoluteLifetime(t *testing.T) {
	t.Parallel()
	clock := testutil.NewClock()
	a := startWith(t, testutil.StartOptions{Now: clock.Now}, func(c *config.Config) {
		c.SessionIdleTimeout = 60 * time.Second
		c.SessionMaxAge = 150 * time.Second
	})
	c := signedInAdmin(t, a)
	for i := range 2 {
		clock.Advance(50 * time.Second)
		if r := c.Do(http.MethodGet, "/api/auth/me", nil); r.Status != http.StatusOK {
			t.Fatalf("active request %d: %d", i+1, r.Status)
		}
	}
	clock.Advance(51 * time.Second) // 151 s after sign-in, though active
	if r := c.Do(http.MethodGet, "/api/auth/me", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("past the absolute lifetime: %d", r.Status)
	}
}

func TestIdleSessionIsRemovedFromRedis(t *testing.T) {
	t.Parallel()
	a := start(t, func(c *config.Config) { c.SessionIdleTimeout = time.Second })
	c := signedInAdmin(t, a)
	keys := func() int {
		n, err := a.Redis.Keys(context.Background(), a.Config.RedisKeyPrefix+"session:*").Result()
		if err != nil {
			t.Fatal(err)
		}
		return len(n)
	}
	if keys() != 1 {
		t.Fatalf("%d session keys after login, want 1", keys())
	}
	// Redis's own expiry, on the real clock, garbage-collects the session.
	deadline := time.Now().Add(5 * time.Second)
	for keys() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the idle session is still in Redis")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if r := c.Do(http.MethodGet, "/api/auth/me", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("after expiry: %d", r.Status)
	}
}

func TestCSRFProtectsCookieAuthenticatedWrites(t *testing.T) {
	t.Parallel()
	a := start(t)
	c := signedInAdmin(t, a)
	token := c.CSRF
	body := map[string]any{"username": "dave", "password": "dave-password-1"}

	c.CSRF = ""
	if r := c.Do(http.MethodPost, "/api/users", body); r.Status != http.StatusForbidden || r.ErrorCode() != domain.ECSRF {
		t.Fatalf("no token: %d %s", r.Status, r.Body)
	}
	c.CSRF = token[:len(token)-1] + "x"
	if r := c.Do(http.MethodPost, "/api/users", body); r.Status != http.StatusForbidden || r.ErrorCode() != domain.ECSRF {
		t.Fatalf("wrong token: %d %s", r.Status, r.Body)
	}
	c.CSRF = ""
	if r := c.Do(http.MethodPost, "/api/auth/logout", nil); r.Status != http.StatusForbidden {
		t.Fatalf("logout without token: %d %s", r.Status, r.Body)
	}
	c.CSRF = token
	if r := c.Do(http.MethodPost, "/api/users", body, "Origin", "https://evil.example"); r.Status != http.StatusForbidden || r.ErrorCode() != domain.ECSRF {
		t.Fatalf("right token, foreign origin: %d %s", r.Status, r.Body)
	}
	// Nothing was created by the refused requests.
	if r := c.Do(http.MethodGet, "/api/users", nil); strings.Contains(string(r.Body), "dave") {
		t.Fatalf("a refused request changed state: %s", r.Body)
	}
	if r := c.Do(http.MethodPost, "/api/users", body, "Origin", a.URL); r.Status != http.StatusCreated {
		t.Fatalf("right token, own origin: %d %s", r.Status, r.Body)
	}
	// Reads need no token.
	c.CSRF = ""
	if r := c.Do(http.MethodGet, "/api/users", nil); r.Status != http.StatusOK {
		t.Fatalf("GET without token: %d", r.Status)
	}
	// Signing in from another origin is refused too (login CSRF).
	if r := login(a.NewClient(t), "admin", testutil.AdminPassword); r.Status != http.StatusOK {
		t.Fatalf("same-origin login: %d", r.Status)
	}
	r := a.NewClient(t).Do(http.MethodPost, "/api/auth/login",
		map[string]string{"username": "admin", "password": testutil.AdminPassword}, "Origin", "https://evil.example")
	if r.Status != http.StatusForbidden || r.Header.Get("Set-Cookie") != "" {
		t.Fatalf("cross-origin login: %d %s", r.Status, r.Body)
	}
}

func TestDisablingAUserEndsAllTheirSessions(t *testing.T) {
	t.Parallel()
	a := start(t)
	admin := signedInAdmin(t, a)
	bob := createUser(t, admin, map[string]any{"username": "bob", "password": "bob-password-1", "groups": []string{"team-a"}})

	laptop, phone := a.NewClient(t), a.NewClient(t)
	laptop.Login("bob", "bob-password-1")
	phone.Login("bob", "bob-password-1")
	for _, c := range []*testutil.Client{laptop, phone} {
		if r := c.Do(http.MethodGet, "/api/auth/me", nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), "team-a") {
			t.Fatalf("bob before: %d %s", r.Status, r.Body)
		}
	}

	r := admin.Do(http.MethodPatch, "/api/users/"+bob, map[string]any{"disabled": true})
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"disabled":true`) {
		t.Fatalf("disable bob: %d %s", r.Status, r.Body)
	}
	for name, c := range map[string]*testutil.Client{"laptop": laptop, "phone": phone} {
		if r := c.Do(http.MethodGet, "/api/auth/me", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("bob's %s session after disable: %d", name, r.Status)
		}
	}
	if r := login(a.NewClient(t), "bob", "bob-password-1"); r.Status != http.StatusUnauthorized {
		t.Fatalf("disabled bob signs in: %d", r.Status)
	}
	// The admin's own session is untouched.
	if r := admin.Do(http.MethodGet, "/api/auth/me", nil); r.Status != http.StatusOK {
		t.Fatalf("admin after disabling bob: %d", r.Status)
	}
	if evs := auditEvents(t, a, domain.ActionUserDisable); len(evs) != 1 || evs[0].Target != "bob" || evs[0].Actor != "admin" {
		t.Fatalf("disable audit = %+v", evs)
	}
}

func TestPasswordChangeEndsSessions(t *testing.T) {
	t.Parallel()
	a := start(t)
	admin := signedInAdmin(t, a)
	other := a.NewClient(t)
	other.Login("admin", testutil.AdminPassword)

	r := admin.Do(http.MethodGet, "/api/users", nil)
	var list struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	r.JSON(t, &list)
	id := strconv.FormatInt(list.Items[0].ID, 10)
	if r := admin.Do(http.MethodPatch, "/api/users/"+id, map[string]any{"password": "a-brand-new-password"}); r.Status != http.StatusOK {
		t.Fatalf("change password: %d %s", r.Status, r.Body)
	}
	if r := other.Do(http.MethodGet, "/api/auth/me", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("old session after password change: %d", r.Status)
	}
	if r := login(a.NewClient(t), "admin", testutil.AdminPassword); r.Status != http.StatusUnauthorized {
		t.Fatalf("old password still works: %d", r.Status)
	}
	a.NewClient(t).Login("admin", "a-brand-new-password")
}

func TestParallelGuessesCannotOverrunTheThrottle(t *testing.T) {
	t.Parallel()
	a := start(t, func(c *config.Config) { c.LoginMaxFailuresPerUser = 3 })
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			r := login(a.NewClient(t), "admin", "a-guess")
			mu.Lock()
			statuses[r.Status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if statuses[http.StatusUnauthorized] != 3 || statuses[http.StatusTooManyRequests] != 7 {
		t.Fatalf("10 parallel guesses with a limit of 3 got %v; want 3×401 and 7×429", statuses)
	}
}

func TestParallelSignInsUnderTheLimitSucceed(t *testing.T) {
	t.Parallel()
	a := start(t)
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for range 4 {
		wg.Go(func() {
			if r := login(a.NewClient(t), "admin", testutil.AdminPassword); r.Status != http.StatusOK {
				errs <- string(r.Body)
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestLogsNeverContainSecrets(t *testing.T) {
	t.Parallel()
	a := start(t)
	c := signedInAdmin(t, a)
	c.Do(http.MethodGet, "/api/auth/me?token=query-secret", nil)
	login(a.NewClient(t), "admin", "a-wrong-password-value")
	sessionID, csrf := c.Cookie(cookieName), c.CSRF
	c.Do(http.MethodPost, "/api/auth/logout", nil)

	logs := a.Log.String()
	if !strings.Contains(logs, `"msg":"http request"`) {
		t.Fatalf("no access log lines captured: %s", logs)
	}
	for name, secret := range map[string]string{
		"password": testutil.AdminPassword, "wrong password": "a-wrong-password-value",
		"session id": sessionID, "csrf token": csrf, "query string": "query-secret",
	} {
		if secret != "" && strings.Contains(logs, secret) {
			t.Errorf("the logs contain the %s", name)
		}
	}
}
