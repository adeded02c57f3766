package app

import (
	"errors"
	"fmt"

	"github.com/mcpgw/mcpgw/backend/internal/config"
	"github.com/mcpgw/mcpgw/backend/internal/secretbox"
)

// SecretBox is the box stored secrets (egress credentials, token signing
// keys) are sealed in: it seals with ENCRYPTION_KEY, or when that is unset
// with a key derived from SECRET_KEY, and opens with that key, every
// ENCRYPTION_KEYS_PREVIOUS and, when ENCRYPTION_KEY is set, the derived
// key too. The derived key cannot be named in ENCRYPTION_KEYS_PREVIOUS, so
// this is what lets a deployment move from it to an ENCRYPTION_KEY of its
// own (then `mcpgw admin reseal-secrets`). serve and every command that
// reads stored secrets use it.
func SecretBox(cfg *config.Config) (*secretbox.Box, error) {
	var derived []byte
	if cfg.SecretKey != "" {
		derived = secretbox.DeriveKey([]byte(cfg.SecretKey), "egress credentials")
	}
	primary, previous := cfg.EncryptionKey, cfg.EncryptionKeysPrevious
	switch {
	case primary == nil && derived == nil:
		return nil, errors.New("ENCRYPTION_KEY: is unset, and so is SECRET_KEY, from which it is derived by default")
	case primary == nil:
		primary = derived
	case derived != nil:
		previous = append(previous[:len(previous):len(previous)], derived)
	}
	box, err := secretbox.New(primary, previous...)
	if err != nil {
		return nil, fmt.Errorf("ENCRYPTION_KEY: %w", err)
	}
	return box, nil
}
