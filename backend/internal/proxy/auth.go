package proxy

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// authenticate identifies the caller:
//  1. a bearer token in X-Authorization (seed 002: Authorization then
//     belongs to the upstream, if the server takes pass-through), else in
//     Authorization (then it is the gateway's and is never forwarded);
//  2. otherwise the session cookie.
//
// It returns the principal, whether the token came in X-Authorization, and
// for a refusal the HTTP status and error (401 invalid or missing, 503 when
// a dependency failed).
func (p *Proxy) authenticate(r *http.Request) (*domain.Principal, bool, int, error) {
	ctx := r.Context()
	if h := r.Header.Get("X-Authorization"); h != "" {
		tok, ok := parseBearer(h)
		if !ok {
			return nil, true, http.StatusUnauthorized, errBadToken
		}
		return p.bearer(r, tok, true)
	}
	if tok, ok := parseBearer(r.Header.Get("Authorization")); ok {
		return p.bearer(r, tok, false)
	}
	if ck, err := r.Cookie(p.o.CookieName); err == nil && ck.Value != "" && p.d.Sessions != nil {
		pr, err := p.d.Sessions.Authenticate(ctx, ck.Value)
		if err != nil {
			return nil, false, statusOf(err), err
		}
		return pr, false, 0, nil
	}
	return nil, false, http.StatusUnauthorized, nil
}

// errBadToken marks a presented but refused token.
var errBadToken = &domain.Error{Code: domain.EUNAUTHORIZED, Message: "the bearer token is invalid or expired"}

func (p *Proxy) bearer(r *http.Request, tok string, ingressX bool) (*domain.Principal, bool, int, error) {
	if p.d.Bearer == nil {
		return nil, ingressX, http.StatusUnauthorized, errBadToken
	}
	pr, err := p.d.Bearer.AuthenticateBearer(r.Context(), tok, domain.TokenHint{
		UserPoolID: r.Header.Get("X-User-Pool-Id"),
		ClientID:   r.Header.Get("X-Client-Id"),
		Region:     r.Header.Get("X-Region"),
	})
	if err != nil {
		if statusOf(err) == http.StatusServiceUnavailable {
			return nil, ingressX, http.StatusServiceUnavailable, err
		}
		return nil, ingressX, http.StatusUnauthorized, errBadToken
	}
	return pr, ingressX, 0, nil
}

func statusOf(err error) int {
	if domain.ErrorCode(err) == domain.EUNAVAILABLE {
		return http.StatusServiceUnavailable
	}
	return http.StatusUnauthorized
}

func parseBearer(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", false
	}
	return tok, true
}

// unauthenticated answers a request without usable credentials. A 401
// points the client at the protected-resource metadata (RFC 9728), which
// names the authorization servers to get a token from (the MCP
// authorization spec's discovery).
func (p *Proxy) unauthenticated(w http.ResponseWriter, srv *domain.Server, status int, err error) {
	if status == http.StatusServiceUnavailable {
		p.d.Log.Warn("proxy authentication unavailable", "server", srv.Path, "error", err)
		writeRPCError(w, status, nil, CodeUnavailable, "authentication is unavailable; try again")
		return
	}
	challenge := `Bearer resource_metadata="` + p.metadataURL(srv.Path) + `"`
	msg := "authentication required: send a bearer token in Authorization or X-Authorization"
	if err != nil {
		challenge += `, error="invalid_token"`
		msg = "the bearer token is invalid or expired"
	}
	w.Header().Set("WWW-Authenticate", challenge)
	writeRPCError(w, http.StatusUnauthorized, nil, CodeUnauthorized, msg)
}

func (p *Proxy) publicBase() string {
	if p.o.PublicURL == nil {
		return ""
	}
	return strings.TrimRight(p.o.PublicURL.String(), "/")
}

func (p *Proxy) metadataURL(path string) string {
	return p.publicBase() + "/.well-known/oauth-protected-resource/" + path
}

// ResourceMetadata is the OAuth 2.0 Protected Resource Metadata (RFC 9728)
// of one server's endpoint on the gateway.
type ResourceMetadata struct {
	Resource               string   `json:"resource"`
	AuthorizationServers   []string `json:"authorization_servers"`
	BearerMethodsSupported []string `json:"bearer_methods_supported"`
	ResourceName           string   `json:"resource_name,omitempty"`
}

// Metadata returns the protected-resource metadata of the server at path,
// or false when there is none. It is public: it tells only where to get a
// token, which a client needs before it has one.
func (p *Proxy) Metadata(path string) (ResourceMetadata, bool) {
	srv, _, ok := p.d.Registry.Current().ServerByPath(path)
	if !ok {
		return ResourceMetadata{}, false
	}
	servers := p.o.Issuers()
	if servers == nil {
		servers = []string{}
	}
	return ResourceMetadata{
		Resource:               p.publicBase() + "/" + srv.Path,
		AuthorizationServers:   servers,
		BearerMethodsSupported: []string{"header"},
		ResourceName:           srv.DisplayName,
	}, true
}

// writeRPCError answers with a JSON-RPC error object carrying id (null
// when nil): MCP clients read errors in that form on every status.
func writeRPCError(w http.ResponseWriter, status int, id json.RawMessage, code int, msg string) {
	writeJSON(w, status, ErrorResponse(id, code, msg))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
