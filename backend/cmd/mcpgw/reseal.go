package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/mcpgw/mcpgw/backend/internal/app"
	"github.com/mcpgw/mcpgw/backend/internal/audit"
	"github.com/mcpgw/mcpgw/backend/internal/auth"
	"github.com/mcpgw/mcpgw/backend/internal/config"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
	"github.com/mcpgw/mcpgw/backend/internal/registry"
	"github.com/mcpgw/mcpgw/backend/internal/secretbox"
)

// requireSchema refuses to work on a database whose schema is behind this
// binary. Unlike the other admin commands, reseal-secrets does not migrate:
// a dry run must change nothing.
func requireSchema(db *postgres.DB) error {
	m, err := postgres.NewMigrator(db, nil)
	if err != nil {
		return err
	}
	defer func() { _ = m.Close() }()
	if err := m.Behind(); err != nil {
		return fmt.Errorf("%w: run `mcpgw migrate up` first", err)
	}
	return nil
}

// resealResult is what one pass over the stored secrets found.
type resealResult struct {
	servers, keys, current int
	failed                 []error // one per server or key that could not be opened or written
}

// resealAll re-seals (or, with dryRun, counts) every stored secret: egress
// credentials of servers and token signing keys, which are all that is
// sealed with ENCRYPTION_KEY. Service account secrets and personal access
// tokens are stored as keyed hashes under SECRET_KEY, not sealed.
func resealAll(ctx context.Context, db *postgres.DB, box *secretbox.Box, dryRun bool) (resealResult, error) {
	var r resealResult
	servers, serversCurrent, serversErr := registry.ResealEgress(ctx, db, box, dryRun)
	keys, keysCurrent, keysErr := auth.ResealSigningKeys(ctx, db, box, dryRun)
	r.servers, r.keys, r.current = servers, keys, serversCurrent+keysCurrent
	for _, err := range []error{serversErr, keysErr} {
		var de *domain.Error
		switch {
		case err == nil:
		case errors.As(err, &de) && de.Code == domain.EUNAVAILABLE:
			return r, err // Postgres failed: not a verdict on any secret
		default:
			r.failed = append(r.failed, unjoin(err)...)
		}
	}
	return r, nil
}

// plural is "1 signing key", "2 signing keys".
func plural(n int, noun string) string {
	if n != 1 {
		noun += "s"
	}
	return strconv.Itoa(n) + " " + noun
}

// unjoin splits an errors.Join into its parts.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// resealSecrets is `mcpgw admin reseal-secrets [-dry-run]`.
func resealSecrets(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("admin reseal-secrets", flag.ContinueOnError)
	dryRun := fs.Bool("dry-run", false, "only count (and try to open) what would be re-sealed; write nothing")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{"admin reseal-secrets takes no arguments"}
	}
	cfg, log, err := loadConfig()
	if err != nil {
		return err
	}
	box, err := app.SecretBox(cfg)
	if err != nil {
		return err
	}
	db, err := postgres.Open(ctx, cfg.DatabaseURL, 2)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := requireSchema(db); err != nil {
		return err
	}
	r, err := resealAll(ctx, db, box, *dryRun)
	if err != nil {
		return err
	}
	counts := plural(r.servers, "server credential") + ", " + plural(r.keys, "signing key") + "; " + strconv.Itoa(r.current) + " already current"
	if *dryRun {
		fmt.Fprintf(stdout, "dry run: would reseal %s; nothing was written\n", counts)
	} else {
		fmt.Fprintf(stdout, "resealed %s\n", counts)
		if r.servers+r.keys > 0 {
			aud := audit.NewWriter(db, log, nil, audit.Options{})
			aud.Record(ctx, domain.AuditEvent{
				Action: domain.ActionSecretsReseal, Outcome: domain.OutcomeSuccess,
				Actor: cliActor.Username, AuthMethod: cliActor.AuthMethod, TargetType: "secrets",
				Details: map[string]any{"server_credentials": r.servers, "signing_keys": r.keys, "failed": len(r.failed)},
			})
			aud.Close() // flushes
		}
	}
	if len(r.failed) > 0 {
		msgs := make([]string, len(r.failed))
		for i, e := range r.failed {
			msgs[i] = "  " + e.Error()
		}
		return fmt.Errorf("re-sealing failed for %d servers or signing keys (is every key they were sealed with in ENCRYPTION_KEY or ENCRYPTION_KEYS_PREVIOUS?):\n%s",
			len(r.failed), strings.Join(msgs, "\n"))
	}
	if len(cfg.EncryptionKeysPrevious) > 0 && (!*dryRun || r.servers+r.keys == 0) {
		fmt.Fprintln(stdout, "every stored secret opens with ENCRYPTION_KEY alone: ENCRYPTION_KEYS_PREVIOUS can be removed once every replica runs with this ENCRYPTION_KEY")
	}
	return nil
}

// logPendingReseal tells, at start, about stored secrets that are not under
// ENCRYPTION_KEY: those sealed with a previous key (run reseal-secrets) and
// those no configured key opens. It opens each value, which costs
// microseconds, and writes nothing.
func logPendingReseal(ctx context.Context, log *slog.Logger, db *postgres.DB, cfg *config.Config) {
	box, err := app.SecretBox(cfg)
	if err != nil {
		return // app.New has refused to start already
	}
	r, err := resealAll(ctx, db, box, true)
	if err != nil {
		log.WarnContext(ctx, "could not check whether stored secrets need re-sealing", "error", err)
		return
	}
	if n := r.servers + r.keys; n > 0 {
		log.WarnContext(ctx, "stored secrets are sealed with a previous encryption key: run `mcpgw admin reseal-secrets` once every replica has this ENCRYPTION_KEY",
			"secrets", n, "server_credentials", r.servers, "signing_keys", r.keys)
	}
	if len(r.failed) > 0 {
		log.ErrorContext(ctx, "stored secrets cannot be opened with ENCRYPTION_KEY or ENCRYPTION_KEYS_PREVIOUS",
			"servers_or_signing_keys", len(r.failed), "first", r.failed[0].Error())
	}
}
