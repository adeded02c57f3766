package registry

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// EgressCredentials are the headers the gateway sends to a server's
// upstream on its own behalf, opened from their sealed form. Passthrough
// says the server takes the agent's own Authorization instead (seed 002's
// egress token).
type EgressCredentials struct {
	Header      http.Header
	Passthrough bool
	// UpstreamURL is the upstream the credentials were stored for, read
	// with them: send them nowhere else.
	UpstreamURL string
}

// egressCache holds opened credentials per server, keyed by the server's
// version: an edit bumps the version, so a stale entry is never used, and
// the proxy pays the Postgres read and the decryption once per edit.
type egressCache struct {
	mu sync.RWMutex
	m  map[string]egressEntry
}

type egressEntry struct {
	version int64
	creds   *EgressCredentials
}

// Egress returns the credentials to send to srv's upstream (srv as the
// current snapshot has it). The returned header must not be modified.
func (s *Service) Egress(ctx context.Context, srv *domain.Server) (*EgressCredentials, error) {
	switch srv.Egress.Type {
	case domain.EgressNone, "":
		return &EgressCredentials{Header: http.Header{}, UpstreamURL: srv.UpstreamURL}, nil
	case domain.EgressPassthrough:
		return &EgressCredentials{Header: http.Header{}, Passthrough: true, UpstreamURL: srv.UpstreamURL}, nil
	}
	s.egress.mu.RLock()
	e, ok := s.egress.m[srv.ID]
	s.egress.mu.RUnlock()
	if ok && e.version == srv.Version {
		return e.creds, nil
	}
	got, sealed, err := s.servers.Get(ctx, s.db.Pool, srv.ID)
	if err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			return nil, err
		}
		return nil, domain.Unavailable("server store", err)
	}
	creds := &EgressCredentials{Header: http.Header{}, UpstreamURL: got.UpstreamURL}
	switch sealed.Type {
	case domain.EgressBearer:
		tok, err := s.box.Open(sealed.Token, tokenAAD(srv.ID))
		if err != nil {
			return nil, &domain.Error{Code: domain.EINTERNAL, Message: "the server's egress token cannot be opened", Err: err}
		}
		creds.Header.Set("Authorization", "Bearer "+string(tok))
	case domain.EgressHeaders:
		for _, h := range sealed.Headers {
			v, err := s.box.Open(h.Value, headerAAD(srv.ID, h.Name))
			if err != nil {
				return nil, &domain.Error{Code: domain.EINTERNAL, Message: "the server's egress headers cannot be opened", Err: err}
			}
			creds.Header.Add(h.Name, string(v))
		}
	case domain.EgressPassthrough:
		creds.Passthrough = true
	}
	// Cache under the version read with the secrets, which may be newer
	// than the snapshot's: they are the stored truth either way, and a
	// request still holding the older snapshot just reads again.
	s.egress.mu.Lock()
	if s.egress.m == nil {
		s.egress.m = map[string]egressEntry{}
	}
	s.egress.m[srv.ID] = egressEntry{version: got.Version, creds: creds}
	s.egress.mu.Unlock()
	return creds, nil
}
