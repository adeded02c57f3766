package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/app"
	"github.com/mcpgw/mcpgw/backend/internal/audit"
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

// tokenEnv opens what the token service needs, as serve does.
func tokenEnv(ctx context.Context) (*auth.TokenService, func(), error) {
	cfg, log, err := loadConfig()
	if err != nil {
		return nil, nil, err
	}
	if err := cfg.RequireSecretKey(); err != nil {
		return nil, nil, err
	}
	box, err := app.SecretBox(cfg)
	if err != nil {
		return nil, nil, err
	}
	db, err := openMigrated(ctx, cfg, log)
	if err != nil {
		return nil, nil, err
	}
	rdb, err := redisstore.Open(ctx, cfg.RedisURL)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	secret := []byte(cfg.SecretKey)
	aud := audit.NewWriter(db, log, nil, audit.Options{}) // Close flushes it
	tokens, err := auth.NewTokenService(ctx, db, box, redisstore.NewThrottle(rdb, cfg.RedisKeyPrefix+"client:", secret), secret, aud, log, auth.TokenOptions{
		Issuer: cfg.PublicURL.String(), Lifetime: cfg.TokenLifetime, StateCacheTTL: cfg.TokenStateCacheTTL, Leeway: cfg.TokenClockSkew,
	})
	if err != nil {
		aud.Close()
		_ = rdb.Close()
		db.Close()
		return nil, nil, err
	}
	return tokens, func() { aud.Close(); _ = rdb.Close(); db.Close() }, nil
}
