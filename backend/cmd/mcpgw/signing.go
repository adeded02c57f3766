package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/app"
	"github.com/mcpgw/mcpgw/backend/internal/auth"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/redisstore"
)

// signingKeys runs `admin rotate-signing-key` and `admin list-signing-keys`:
// the same as POST /api/signing-keys/rotate and GET /api/signing-keys, for
// when no administrator's token is at hand (or in a scheduled job).
func signingKeys(ctx context.Context, cmd string, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("admin "+cmd, flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{"admin " + cmd + " takes no arguments"}
	}
	tokens, closeEnv, err := tokenEnv(ctx)
	if err != nil {
		return err
	}
	defer closeEnv()
	if cmd == "rotate-signing-key" {
		k, err := tokens.RotateSigningKey(ctx, &cliActor)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rotated: tokens are now signed with %s; every replica signs with it within TOKEN_STATE_CACHE_TTL, and the previous key stays accepted until the tokens it signed have expired\n", k.KID)
	}
	keys, err := tokens.ListSigningKeys(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tALG\tSTATUS\tCREATED")
	now := time.Now()
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.KID, k.Alg, keyStatus(k, now), k.CreatedAt.UTC().Format(time.RFC3339))
	}
	return tw.Flush()
}

func keyStatus(k *domain.SigningKey, now time.Time) string {
	switch {
	case k.Active:
		return "active (signs)"
	case k.RetiredAt != nil && k.RetiredAt.After(now):
		return "accepted until " + k.RetiredAt.UTC().Format(time.RFC3339)
	default:
		return "retired"
	}
}

// tokenEnv is the token service, as serve builds it.
func tokenEnv(ctx context.Context) (*auth.TokenService, func(), error) {
	env, err := openCLIEnv(ctx)
	if err != nil {
		return nil, nil, err
	}
	cfg := env.cfg
	box, err := app.SecretBox(cfg)
	if err != nil {
		env.Close()
		return nil, nil, err
	}
	secret := []byte(cfg.SecretKey)
	tokens, err := auth.NewTokenService(ctx, env.db, box, redisstore.NewThrottle(env.rdb, cfg.RedisKeyPrefix+"client:", secret), secret, env.audit, env.log, auth.TokenOptions{
		Issuer: cfg.PublicURL.String(), Lifetime: cfg.TokenLifetime, StateCacheTTL: cfg.TokenStateCacheTTL, Leeway: cfg.TokenClockSkew,
	})
	if err != nil {
		env.Close()
		return nil, nil, err
	}
	return tokens, env.Close, nil
}
