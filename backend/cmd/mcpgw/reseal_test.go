package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/config"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
	"github.com/mcpgw/mcpgw/backend/internal/secretbox"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

// keyA is the ENCRYPTION_KEY being rotated away from, keyB its successor.
var keyA, keyB = encryptionKey(1), encryptionKey(2)

func encryptionKey(seed byte) string {
	k := make([]byte, secretbox.KeySize)
	for i := range k {
		k[i] = seed*97 + byte(i)
	}
	return base64.StdEncoding.EncodeToString(k)
}

func mustKey(t *testing.T, s string) []byte {
	t.Helper()
	k, err := secretbox.ParseKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// replica starts a gateway on cfg's database and Redis whose ENCRYPTION_KEY
// is primary ("" derives it from SECRET_KEY), with previous keys.
func replica(t *testing.T, cfg *config.Config, primary string, previous ...string) *testutil.TestApp {
	t.Helper()
	c := *cfg
	c.EncryptionKey, c.EncryptionKeysPrevious = nil, nil
	if primary != "" {
		c.EncryptionKey = mustKey(t, primary)
	}
	for _, p := range previous {
		c.EncryptionKeysPrevious = append(c.EncryptionKeysPrevious, mustKey(t, p))
	}
	return testutil.StartApp(t, &c, testutil.StartOptions{})
}

// useKeys sets the keys the commands run with.
func useKeys(t *testing.T, primary string, previous ...string) {
	t.Setenv("ENCRYPTION_KEY", primary)
	t.Setenv("ENCRYPTION_KEYS_PREVIOUS", strings.Join(previous, ","))
}

func signedIn(t *testing.T, a *testutil.TestApp) *testutil.Client {
	t.Helper()
	c := a.NewClient(t)
	c.Login("admin", testutil.AdminPassword)
	return c
}

// registerServer registers a server with egress credentials and returns
// its id.
func registerServer(t *testing.T, admin *testutil.Client, path, upstream string, egress map[string]any) string {
	t.Helper()
	r := admin.Do(http.MethodPost, "/api/servers", map[string]any{
		"path": path, "display_name": "Server " + path, "upstream_url": upstream, "transport": "streamable-http", "egress": egress,
	})
	if r.Status != http.StatusCreated {
		t.Fatalf("register %s: %d %s", path, r.Status, r.Body)
	}
	var s struct {
		ID string `json:"id"`
	}
	r.JSON(t, &s)
	return s.ID
}

func bearer(token string) map[string]any { return map[string]any{"type": "bearer", "token": token} }

func headers(kv ...string) map[string]any {
	var hs []any
	for i := 0; i+1 < len(kv); i += 2 {
		hs = append(hs, map[string]any{"name": kv[i], "value": kv[i+1]})
	}
	return map[string]any{"type": "headers", "headers": hs}
}

func rotateSigningKey(t *testing.T, admin *testutil.Client) {
	t.Helper()
	if r := admin.Do(http.MethodPost, "/api/signing-keys/rotate", nil); r.Status != http.StatusOK {
		t.Fatalf("rotate signing key: %d %s", r.Status, r.Body)
	}
}

func openDB(t *testing.T, cfg *config.Config) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), cfg.DatabaseURL, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// sealedState is every sealed value stored, to tell whether anything wrote
// one.
func sealedState(t *testing.T, db *postgres.DB) string {
	t.Helper()
	var s string
	err := db.Pool.QueryRow(context.Background(), `SELECT
		coalesce((SELECT string_agg(id::text || coalesce(encode(egress_token, 'hex'), '-') || egress_headers::text, ';' ORDER BY id) FROM servers), '') || '|' ||
		coalesce((SELECT string_agg(kid || encode(private_key, 'hex'), ';' ORDER BY kid) FROM signing_keys), '')`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var resealLine = regexp.MustCompile(`resealed? (\d+) server credentials?, (\d+) signing keys?; (\d+) already current`)

// resealCounts reads the counts of a reseal-secrets report.
func resealCounts(t *testing.T, out string) (servers, keys, current int) {
	t.Helper()
	m := resealLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no counts in %q", out)
	}
	n := func(s string) int { v, _ := strconv.Atoi(s); return v }
	return n(m[1]), n(m[2]), n(m[3])
}

// noSecretsIn fails the test when out shows a stored secret.
func noSecretsIn(t *testing.T, out string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Fatalf("output shows the secret %q:\n%s", s, out)
		}
	}
}

// TestResealSecretsRotatesEncryptionKey walks the documented rotation:
// secrets sealed with key A; every replica moves to B with A as previous;
// reseal-secrets (a dry run first, which writes nothing); then A is dropped
// and every secret still opens: the replica with B alone starts (it opens
// the active signing key), sends the upstreams their credentials, and a
// dry run with B alone opens every stored value.
func TestResealSecretsRotatesEncryptionKey(t *testing.T) {
	cfg := useEnv(t)
	up := testutil.NewMCPServer(t, testutil.MCPServerOptions{})
	secrets := []string{"tok-secret-1", "hdr-secret-1", "tenant-secret-7"}
	a := replica(t, cfg, keyA)
	admin := signedIn(t, a)
	registerServer(t, admin, "tok", up.StreamableURL(), bearer(secrets[0]))
	registerServer(t, admin, "hdr", up.StreamableURL(), headers("X-Api-Key", secrets[1], "X-Tenant", secrets[2]))
	registerServer(t, admin, "plain", up.StreamableURL(), map[string]any{"type": "none"})
	rotateSigningKey(t, admin) // a retired key and an active one, both sealed with A
	db := openDB(t, cfg)
	before := sealedState(t, db)

	// At start, a replica with B and A as previous says what is pending.
	useKeys(t, keyB, keyA)
	var logs bytes.Buffer
	cfgBA, err := config.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	logPendingReseal(context.Background(), slog.New(slog.NewJSONHandler(&logs, nil)), db, cfgBA)
	if !strings.Contains(logs.String(), "reseal-secrets") || !strings.Contains(logs.String(), `"secrets":5`) ||
		strings.Contains(logs.String(), "cannot be opened") {
		t.Fatalf("start-up report with B and A:\n%s", logs.String())
	}

	// Without A, nothing opens: each server and key is named, no secret
	// shown, nothing written.
	useKeys(t, keyB)
	out, err := mcpgw(t, "", "admin", "reseal-secrets", "-dry-run")
	if err == nil || !strings.Contains(err.Error(), "server tok: egress token") || !strings.Contains(err.Error(), "server hdr: egress header X-Api-Key") ||
		!strings.Contains(err.Error(), "signing key ") || !strings.Contains(err.Error(), "not configured") {
		t.Fatalf("dry run without the old key: %v\n%s", err, out)
	}
	noSecretsIn(t, out+err.Error(), secrets...)

	useKeys(t, keyB, keyA)
	out, err = mcpgw(t, "", "admin", "reseal-secrets", "-dry-run")
	if err != nil || !strings.Contains(out, "dry run: would reseal 3 server credentials, 2 signing keys; 0 already current; nothing was written") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	if sealedState(t, db) != before {
		t.Fatal("the dry run changed stored secrets")
	}

	out, err = mcpgw(t, "", "admin", "reseal-secrets")
	if err != nil || !strings.Contains(out, "resealed 3 server credentials, 2 signing keys; 0 already current") ||
		!strings.Contains(out, "ENCRYPTION_KEYS_PREVIOUS can be removed") {
		t.Fatalf("reseal: %v\n%s", err, out)
	}
	noSecretsIn(t, out, secrets...)
	if sealedState(t, db) == before {
		t.Fatal("reseal wrote nothing")
	}
	var audited int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE action = 'secrets.reseal'`).Scan(&audited); err != nil || audited != 1 {
		t.Fatalf("audit events of the reseal: %d, %v", audited, err)
	}

	// Idempotent: a second run finds everything current and writes nothing.
	after := sealedState(t, db)
	out, err = mcpgw(t, "", "admin", "reseal-secrets")
	if err != nil || !strings.Contains(out, "resealed 0 server credentials, 0 signing keys; 5 already current") {
		t.Fatalf("second reseal: %v\n%s", err, out)
	}
	if sealedState(t, db) != after {
		t.Fatal("a reseal with nothing to do wrote")
	}
	logs.Reset()
	logPendingReseal(context.Background(), slog.New(slog.NewJSONHandler(&logs, nil)), db, cfgBA)
	if logs.Len() != 0 {
		t.Fatalf("start-up report with nothing pending:\n%s", logs.String())
	}

	// Drop A.
	useKeys(t, keyB)
	out, err = mcpgw(t, "", "admin", "reseal-secrets", "-dry-run")
	if err != nil || !strings.Contains(out, "would reseal 0 server credentials, 0 signing keys; 5 already current") {
		t.Fatalf("dry run with B alone: %v\n%s", err, out)
	}
	b := replica(t, cfg, keyB) // fails to start unless the active signing key opens
	adminB := signedIn(t, b)
	ping := `{"jsonrpc":"2.0","id":1,"method":"ping"}`
	for path, want := range map[string]map[string]string{
		"tok": {"Authorization": "Bearer " + secrets[0]},
		"hdr": {"X-Api-Key": secrets[1], "X-Tenant": secrets[2]},
	} {
		up.ResetRequests()
		if r := adminB.Do(http.MethodPost, "/"+path+"/mcp", ping, "Accept", "application/json, text/event-stream"); r.Status != http.StatusOK {
			t.Fatalf("%s through the replica with B alone: %d %s", path, r.Status, r.Body)
		}
		reqs := up.Requests()
		if len(reqs) == 0 {
			t.Fatalf("%s: nothing reached the upstream", path)
		}
		for k, v := range want {
			if got := reqs[0].Header.Get(k); got != v {
				t.Errorf("%s: upstream got %s %q, want %q", path, k, got, v)
			}
		}
	}
}

// TestResealSecretsFromTheDerivedKey: a deployment that never set
// ENCRYPTION_KEY seals with a key derived from SECRET_KEY, which cannot be
// written into ENCRYPTION_KEYS_PREVIOUS; reseal-secrets opens with it
// anyway, so setting ENCRYPTION_KEY and re-sealing moves off it.
func TestResealSecretsFromTheDerivedKey(t *testing.T) {
	cfg := useEnv(t)
	a := replica(t, cfg, "")
	registerServer(t, signedIn(t, a), "tok", "http://127.0.0.1:9/mcp", bearer("derived-secret"))
	useKeys(t, keyB)
	out, err := mcpgw(t, "", "admin", "reseal-secrets")
	if err != nil || !strings.Contains(out, "resealed 1 server credential, 1 signing key; 0 already current") {
		t.Fatalf("reseal off the derived key: %v\n%s", err, out)
	}
	replica(t, cfg, keyB)
	t.Setenv("SECRET_KEY", "another-secret-key-0123456789abcdef-0123456789") // the derived key is gone too
	if out, err := mcpgw(t, "", "admin", "reseal-secrets", "-dry-run"); err != nil || !strings.Contains(out, "; 2 already current") {
		t.Fatalf("dry run with B alone: %v\n%s", err, out)
	}
}

// TestResealSecretsBesideWriters: reseal-secrets runs while replicas write.
// An edit holding a server's row stores a new token (sealed with the old
// key, as a replica not yet moved to the new key would); the reseal waits
// for it, keeps the edited token instead of writing back the one it read,
// and re-seals that. Two reseals at once re-seal each value exactly once
// between them.
func TestResealSecretsBesideWriters(t *testing.T) {
	cfg := useEnv(t)
	a := replica(t, cfg, keyA)
	admin := signedIn(t, a)
	tokID := registerServer(t, admin, "tok", "http://127.0.0.1:9/tok", bearer("tok-secret"))
	registerServer(t, admin, "hdr", "http://127.0.0.1:9/hdr", headers("X-Api-Key", "k1", "X-Other", "k2"))
	db := openDB(t, cfg)
	ctx := context.Background()
	useKeys(t, keyB, keyA)
	boxA, err := secretbox.New(mustKey(t, keyA))
	if err != nil {
		t.Fatal(err)
	}
	boxB, err := secretbox.New(mustKey(t, keyB))
	if err != nil {
		t.Fatal(err)
	}
	tokenAAD := []byte("server:" + tokID + ":egress_token") // as registry binds it

	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `SELECT 1 FROM servers WHERE id = $1 FOR UPDATE`, tokID); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE servers SET egress_token = $2, version = version + 1 WHERE id = $1`,
		tokID, boxA.Seal([]byte("edited-secret"), tokenAAD)); err != nil {
		t.Fatal(err)
	}
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := mcpgw(t, "", "admin", "reseal-secrets")
		done <- result{out, err}
	}()
	// Commit the edit only once the reseal waits for its row.
	for deadline := time.Now().Add(30 * time.Second); ; {
		var waiting int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		select {
		case r := <-done:
			t.Fatalf("reseal finished while the row was locked: %v\n%s", r.err, r.out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the reseal never waited for the locked row")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || !strings.Contains(r.out, "resealed 3 server credentials, 1 signing key; 0 already current") {
		t.Fatalf("reseal beside an edit: %v\n%s", r.err, r.out)
	}
	var stored []byte
	if err := db.Pool.QueryRow(ctx, `SELECT egress_token FROM servers WHERE id = $1`, tokID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if pt, err := boxB.Open(stored, tokenAAD); err != nil || string(pt) != "edited-secret" {
		t.Fatalf("after the reseal the token opens with B alone to %q, %v; want the edited token", pt, err)
	}

	// More secrets from the replica still sealing with A, then two reseals
	// at once.
	registerServer(t, admin, "tok2", "http://127.0.0.1:9/tok2", bearer("tok2-secret"))
	registerServer(t, admin, "hdr2", "http://127.0.0.1:9/hdr2", headers("X-Api-Key", "k3", "X-Other", "k4"))
	rotateSigningKey(t, admin)
	const total = 6 + 2 // server credentials and signing keys stored
	var (
		wg      sync.WaitGroup
		results [2]result
	)
	for i := range results {
		wg.Go(func() {
			out, err := mcpgw(t, "", "admin", "reseal-secrets")
			results[i] = result{out, err}
		})
	}
	wg.Wait()
	servers, keys := 0, 0
	for _, r := range results {
		if r.err != nil {
			t.Fatalf("concurrent reseal: %v\n%s", r.err, r.out)
		}
		s, k, c := resealCounts(t, r.out)
		if s+k+c != total {
			t.Errorf("a concurrent reseal accounted for %d values, want %d:\n%s", s+k+c, total, r.out)
		}
		servers, keys = servers+s, keys+k
	}
	if servers != 3 || keys != 1 {
		t.Fatalf("two reseals at once re-sealed %d server credentials and %d signing keys between them, want 3 and 1", servers, keys)
	}
	useKeys(t, keyB)
	if out, err := mcpgw(t, "", "admin", "reseal-secrets", "-dry-run"); err != nil || !strings.Contains(out, "would reseal 0 server credentials, 0 signing keys; 8 already current") {
		t.Fatalf("dry run with B alone: %v\n%s", err, out)
	}
}

func TestResealSecretsUsage(t *testing.T) {
	var ue usageError
	for _, args := range [][]string{{"admin", "reseal-secrets", "now"}, {"admin", "reseal-secrets", "-force"}} {
		if _, err := mcpgw(t, "", args...); !errors.As(err, &ue) {
			t.Errorf("mcpgw %v: %v, want a usage error", args, err)
		}
	}
}
