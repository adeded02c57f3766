package registry

import (
	"context"
	"errors"
	"fmt"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
	"github.com/mcpgw/mcpgw/backend/internal/secretbox"
)

// resealAttempts bounds how often one row is read again after a concurrent
// change beat the compare-and-swap.
const resealAttempts = 5

// ResealEgress seals every stored egress credential (bearer tokens and
// header values) that box can open but that is not under its primary key
// again under the primary key: the step of an ENCRYPTION_KEY rotation that
// lets the previous key be dropped. resealed counts the values re-sealed
// (or, with dryRun, that would be), current those already under the
// primary key; both were opened.
//
// It is safe while replicas serve: each server is written on its own with a
// compare-and-swap on the ciphertext it read, so a concurrent edit is never
// overwritten. The row is read again instead, and what the edit stored is
// re-sealed if it needs to be. Plaintext never leaves this function, and
// errors name servers and fields, never values. A value that cannot be
// opened is reported in err, after every other server has been done.
func ResealEgress(ctx context.Context, db *postgres.DB, box *secretbox.Box, dryRun bool) (resealed, current int, err error) {
	var store postgres.Servers
	rows, err := store.AllSecrets(ctx, db.Pool)
	if err != nil {
		return 0, 0, domain.Unavailable("server store", err)
	}
	var errs []error
	for _, row := range rows {
		for attempt := 1; ; attempt++ {
			next, n, err := resealServer(box, row)
			if err != nil {
				errs = append(errs, fmt.Errorf("server %s: %w", row.Path, err))
				break
			}
			if n == 0 || dryRun {
				resealed += n
				current += countSecrets(&row.Egress) - n
				break
			}
			ok, err := store.ReplaceSecrets(ctx, db.Pool, row.ID, &row.Egress, next)
			if err != nil {
				return resealed, current, domain.Unavailable("server store", err)
			}
			if ok {
				resealed += n
				current += countSecrets(&row.Egress) - n
				break
			}
			if attempt == resealAttempts {
				errs = append(errs, fmt.Errorf("server %s: its credentials kept changing while being re-sealed; run again", row.Path))
				break
			}
			// Edited (or re-sealed by another run) since it was read.
			if row, err = store.Secrets(ctx, db.Pool, row.ID); errors.Is(err, domain.ErrNotFound) {
				break // deleted: nothing left to re-seal
			} else if err != nil {
				return resealed, current, domain.Unavailable("server store", err)
			}
		}
	}
	return resealed, current, errors.Join(errs...)
}

// resealServer returns row's egress values with each one not under the
// primary key re-sealed, and how many were.
func resealServer(box *secretbox.Box, row *postgres.ServerSecrets) (*postgres.SealedEgress, int, error) {
	next := &postgres.SealedEgress{Type: row.Egress.Type, Token: row.Egress.Token}
	n := 0
	if len(row.Egress.Token) > 0 {
		v, changed, err := box.Reseal(row.Egress.Token, tokenAAD(row.ID))
		if err != nil {
			return nil, 0, fmt.Errorf("egress token: %w", err)
		}
		next.Token = v
		n += count(changed)
	}
	for _, h := range row.Egress.Headers {
		sh := postgres.SealedHeader{Name: h.Name, Value: h.Value}
		if len(h.Value) > 0 {
			v, changed, err := box.Reseal(h.Value, headerAAD(row.ID, h.Name))
			if err != nil {
				return nil, 0, fmt.Errorf("egress header %s: %w", h.Name, err)
			}
			sh.Value = v
			n += count(changed)
		}
		next.Headers = append(next.Headers, sh)
	}
	return next, n, nil
}

// countSecrets is how many sealed values eg holds.
func countSecrets(eg *postgres.SealedEgress) int {
	n := 0
	if len(eg.Token) > 0 {
		n++
	}
	for _, h := range eg.Headers {
		if len(h.Value) > 0 {
			n++
		}
	}
	return n
}

func count(b bool) int {
	if b {
		return 1
	}
	return 0
}
