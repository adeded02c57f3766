package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// OIDCFlow is what a browser's sign-in through an identity provider must
// bring back: it is stored under the flow's state when the browser leaves
// and taken, once, when it returns.
type OIDCFlow struct {
	Provider string `json:"p"`
	Verifier string `json:"v"` // PKCE code verifier
	Nonce    string `json:"n"`
	Next     string `json:"r"` // where to go after sign-in (already sanitised)
	// BindingHash is the SHA-256 of the browser's binding cookie, so a
	// state value only completes a flow in the browser that started it.
	BindingHash string    `json:"b"`
	Created     time.Time `json:"t"`
}

// OIDCFlows stores sign-in flows in progress. Any replica can complete a
// flow another started.
type OIDCFlows struct {
	rdb redis.UniversalClient
	k   keyer
}

// NewOIDCFlows returns a flow store using keys under prefix.
func NewOIDCFlows(rdb redis.UniversalClient, prefix string, secret []byte) *OIDCFlows {
	return &OIDCFlows{rdb: rdb, k: keyer{prefix: prefix, secret: secret}}
}

// Save stores f under state for ttl. A state is random, so a clash means a
// broken random source: it is refused rather than overwritten.
func (s *OIDCFlows) Save(ctx context.Context, state string, f OIDCFlow, ttl time.Duration) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	ok, err := s.rdb.SetNX(ctx, s.k.hashed("oidcflow", state), b, ttl).Result()
	if err != nil {
		return domain.Unavailable("session store", err)
	}
	if !ok {
		return errors.New("oidc flow: state already in use")
	}
	return nil
}

// Take returns the flow stored under state and deletes it in the same step,
// so a state completes at most one sign-in: a replayed, unknown or expired
// state is domain.ErrNotFound.
func (s *OIDCFlows) Take(ctx context.Context, state string) (*OIDCFlow, error) {
	b, err := s.rdb.GetDel(ctx, s.k.hashed("oidcflow", state)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, domain.ErrNotFound
	}
	if err != nil {
		return nil, domain.Unavailable("session store", err)
	}
	var f OIDCFlow
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, domain.ErrNotFound
	}
	return &f, nil
}
