package auth_test

import (
	"context"
	"sync"
	"testing"

	"github.com/mcpgw/mcpgw/backend/internal/auth"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/testutil"
)

func sessionKeys(t *testing.T, a *testutil.TestApp) int {
	t.Helper()
	keys, err := a.Redis.Keys(context.Background(), a.Config.RedisKeyPrefix+"session:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	return len(keys)
}

// A change to the user that commits while a sign-in is checking the
// password wins: no session survives it.
func TestSignInRacingAUserChangeIsRefused(t *testing.T) {
	t.Parallel()
	for name, patch := range map[string]func() auth.UserPatch{
		"disable":         func() auth.UserPatch { v := true; return auth.UserPatch{Disabled: &v} },
		"password change": func() auth.UserPatch { v := "another-password-1"; return auth.UserPatch{Password: &v} },
		"group change":    func() auth.UserPatch { v := []string{"other"}; return auth.UserPatch{Groups: &v} },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a := testutil.StartApp(t, testutil.Config(t), testutil.StartOptions{})
			ctx := context.Background()
			bob, err := a.Users.CreateUser(ctx, nil, auth.NewUser{Username: "bob", Password: "bob-password-1", Groups: []string{"team"}})
			if err != nil {
				t.Fatal(err)
			}
			auth.SetAfterVerify(a.Auth, func() {
				if _, err := a.Users.UpdateUser(ctx, nil, bob.ID, patch()); err != nil {
					t.Error(err)
				}
			})
			_, err = a.Auth.Login(ctx, "bob", "bob-password-1", nil)
			if domain.ErrorCode(err) != domain.EINVALIDCREDENTIALS {
				t.Fatalf("sign-in racing a %s: %v", name, err)
			}
			if n := sessionKeys(t, a); n != 0 {
				t.Fatalf("%d sessions survived", n)
			}
		})
	}
}

// Two administrators changing one user at once: neither change is lost.
func TestConcurrentUserUpdatesDoNotLoseADisable(t *testing.T) {
	t.Parallel()
	a := testutil.StartApp(t, testutil.Config(t), testutil.StartOptions{})
	ctx := context.Background()
	for i := range 20 {
		u, err := a.Users.CreateUser(ctx, nil, auth.NewUser{Username: "u" + string(rune('a'+i)), Password: "password-123"})
		if err != nil {
			t.Fatal(err)
		}
		disabled, email := true, "x@example.com"
		var wg sync.WaitGroup
		wg.Go(func() {
			if _, err := a.Users.UpdateUser(ctx, nil, u.ID, auth.UserPatch{Disabled: &disabled}); err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() {
			if _, err := a.Users.UpdateUser(ctx, nil, u.ID, auth.UserPatch{Email: &email}); err != nil {
				t.Error(err)
			}
		})
		wg.Wait()
		got, err := a.Users.GetUser(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Disabled || got.Email != email {
			t.Fatalf("round %d: disabled=%v email=%q; a concurrent update was lost", i, got.Disabled, got.Email)
		}
	}
}
