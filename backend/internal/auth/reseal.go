package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
	"github.com/mcpgw/mcpgw/backend/internal/secretbox"
)

// ResealSigningKeys seals the private half of every stored token signing
// key (active and retired) that box can open but that is not under its
// primary key again under the primary key, as ResealEgress does for egress
// credentials: each key on its own, with a compare-and-swap on the
// ciphertext it read, so two runs at once cannot lose a key. resealed
// counts the keys re-sealed (or, with dryRun, that would be), current those
// already under the primary key; both were opened. Replicas reload the
// active key within TOKEN_STATE_CACHE_TTL and must by then hold the primary
// key. A key that cannot be opened is reported in err, by kid.
func ResealSigningKeys(ctx context.Context, db *postgres.DB, box *secretbox.Box, dryRun bool) (resealed, current int, err error) {
	var store postgres.SigningKeys
	keys, err := store.List(ctx, db.Pool)
	if err != nil {
		return 0, 0, domain.Unavailable("signing key store", err)
	}
	var errs []error
	for _, k := range keys {
		for attempt := 1; ; attempt++ {
			next, changed, err := box.Reseal(k.SealedPrivateKey, signingKeyAAD(k.KID))
			if err != nil {
				errs = append(errs, fmt.Errorf("signing key %s: %w", k.KID, err))
				break
			}
			if !changed {
				current++
				break
			}
			if dryRun {
				resealed++
				break
			}
			ok, err := store.ReplaceSealed(ctx, db.Pool, k.KID, k.SealedPrivateKey, next)
			if err != nil {
				return resealed, current, domain.Unavailable("signing key store", err)
			}
			if ok {
				resealed++
				break
			}
			if attempt == 5 {
				errs = append(errs, fmt.Errorf("signing key %s: kept changing while being re-sealed; run again", k.KID))
				break
			}
			// Another run re-sealed it first: look again.
			if k, err = store.Get(ctx, db.Pool, k.KID); errors.Is(err, domain.ErrNotFound) {
				break
			} else if err != nil {
				return resealed, current, domain.Unavailable("signing key store", err)
			}
		}
	}
	return resealed, current, errors.Join(errs...)
}
