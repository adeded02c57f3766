package domain

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Transports an upstream MCP server can speak.
const (
	TransportStreamableHTTP = "streamable-http"
	TransportSSE            = "sse"
)

// Egress authentication: how the gateway authenticates to an upstream.
const (
	EgressNone        = "none"        // send no credentials
	EgressBearer      = "bearer"      // Authorization: Bearer <stored token>
	EgressHeaders     = "headers"     // stored custom headers
	EgressPassthrough = "passthrough" // forward the agent's Authorization header (seed 002's egress token)
)

// Health states of a server.
const (
	HealthUnknown      = "unknown"
	HealthHealthy      = "healthy"
	HealthUnhealthy    = "unhealthy"
	HealthAuthRequired = "auth-required"
	HealthDisabled     = "disabled"
)

// HealthStates lists every health state.
var HealthStates = []string{HealthUnknown, HealthHealthy, HealthUnhealthy, HealthAuthRequired, HealthDisabled}

// Server is a registered MCP server.
type Server struct {
	ID          string
	Path        string
	DisplayName string
	Description string
	UpstreamURL string
	Transport   string
	Tags        []string
	Enabled     bool
	License     string
	Egress      Egress
	Health      Health
	ToolCount   int
	Version     int64
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedBy   string
	UpdatedAt   time.Time
}

// Egress is a server's egress credential settings. Token and header values
// are plaintext only between the API and the store; the store seals them.
type Egress struct {
	Type     string
	Token    Secret
	Headers  []EgressHeader
	TokenSet bool // a token is stored (Token itself is never read back for the API)
}

// EgressHeader is one custom header sent to the upstream.
type EgressHeader struct {
	Name     string
	Value    Secret
	ValueSet bool
}

// Secret holds a credential. It prints and marshals as a redaction so that
// no log line, error or JSON encoding can leak it by accident.
type Secret string

// String redacts the secret.
func (Secret) String() string { return "[redacted]" }

// GoString redacts the secret.
func (Secret) GoString() string { return "[redacted]" }

// Format redacts the secret in every fmt verb.
func (Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte("[redacted]")) }

// MarshalJSON redacts the secret.
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"[redacted]"`), nil }

// LogValue redacts the secret in slog output.
func (Secret) LogValue() any { return "[redacted]" }

// Reveal returns the secret's value; only code that sends or seals it calls this.
func (s Secret) Reveal() string { return string(s) }

var _ json.Marshaler = Secret("")

// Health is what the health poller last saw of a server.
type Health struct {
	Status        string
	Error         string
	LatencyMS     *int
	LastCheckedAt *time.Time
	LastHealthyAt *time.Time
}

// HealthCheck is one stored health check in a server's history.
type HealthCheck struct {
	CheckedAt time.Time
	Status    string
	Error     string
	LatencyMS *int
	// ToolCount is the server's tool count once the result was stored: the
	// tools found when healthy, otherwise the count the server kept.
	ToolCount int
}

// Tool is one tool a server offers.
type Tool struct {
	ServerID            string
	Name                string
	Description         string
	InputSchema         json.RawMessage
	Annotations         json.RawMessage // nil when the server gave none
	DefinitionHash      string
	FirstSeenAt         time.Time
	UpdatedAt           time.Time
	DefinitionChangedAt *time.Time
}

// Server field limits.
const (
	MaxPathLength        = 64
	MaxDisplayNameLength = 200
	MaxDescriptionLength = 4000
	MaxTags              = 32
	MaxTagLength         = 64
	MaxLicenseLength     = 200
	MaxEgressHeaders     = 20
	MaxSecretLength      = 8192
)

var pathPattern = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)

// LooksLikeServerPath reports whether a URL's first segment could name a
// server: the syntax ValidateServerPath accepts, and not reserved. It runs
// on every request, so it avoids the regular expression.
func LooksLikeServerPath(seg string) bool {
	if seg == "" || len(seg) > MaxPathLength {
		return false
	}
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return !IsReservedPath(seg)
}

// ValidateServerPath checks a server's proxy path: one lowercase segment of
// [a-z0-9_-] that the gateway does not serve itself.
func ValidateServerPath(field, path string) error {
	if path == "" {
		return Invalid(field, "is required")
	}
	if !pathPattern.MatchString(path) {
		return Invalid(field, "must be one lowercase segment of a-z, 0-9, '-' and '_', at most %d characters", MaxPathLength)
	}
	if IsReservedPath(path) {
		return Invalid(field, "%q is reserved by the gateway", path)
	}
	return nil
}

// ValidateServer checks every field of s except the upstream URL's
// destination (network checks belong to the registry service).
func ValidateServer(s *Server) error {
	if err := ValidateServerPath("path", s.Path); err != nil {
		return err
	}
	if err := validateText("display_name", s.DisplayName, MaxDisplayNameLength, true); err != nil {
		return err
	}
	if err := validateText("description", s.Description, MaxDescriptionLength, false); err != nil {
		return err
	}
	if err := validateText("license", s.License, MaxLicenseLength, false); err != nil {
		return err
	}
	if s.UpstreamURL == "" {
		return Invalid("upstream_url", "is required")
	}
	if s.Transport != TransportStreamableHTTP && s.Transport != TransportSSE {
		return Invalid("transport", "must be %q or %q", TransportStreamableHTTP, TransportSSE)
	}
	if len(s.Tags) > MaxTags {
		return Invalid("tags", "must have at most %d tags", MaxTags)
	}
	for i, t := range s.Tags {
		f := fmt.Sprintf("tags[%d]", i)
		if err := validateText(f, t, MaxTagLength, true); err != nil {
			return err
		}
		if strings.TrimSpace(t) != t {
			return Invalid(f, "must not start or end with spaces")
		}
		if slices.Index(s.Tags, t) != i {
			return Invalid(f, "%q is listed twice", t)
		}
	}
	return ValidateEgress(&s.Egress)
}

func validateText(field, s string, max int, required bool) error {
	switch {
	case required && strings.TrimSpace(s) == "":
		return Invalid(field, "is required")
	case !utf8.ValidString(s):
		return Invalid(field, "must be valid UTF-8")
	case utf8.RuneCountInString(s) > max:
		return Invalid(field, "must be at most %d characters", max)
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' || r == 0x7f }):
		return Invalid(field, "must not contain control characters")
	}
	return nil
}

// forbiddenEgressHeaders are headers the gateway owns: hop-by-hop and
// framing headers, and the MCP protocol headers it passes through itself.
var forbiddenEgressHeaders = map[string]bool{
	"Host": true, "Content-Length": true, "Content-Type": true, "Transfer-Encoding": true,
	"Connection": true, "Keep-Alive": true, "Upgrade": true, "Te": true, "Trailer": true,
	"Proxy-Authorization": true, "Proxy-Connection": true, "Cookie": true, "Accept": true,
	"Mcp-Session-Id": true, "Mcp-Protocol-Version": true, "Last-Event-Id": true, "X-Authorization": true,
}

// ValidateEgress checks egress settings. Secret values may be empty here
// when an update keeps the stored value (ValueSet/TokenSet).
func ValidateEgress(e *Egress) error {
	switch e.Type {
	case EgressNone, EgressPassthrough:
		if e.Token != "" || len(e.Headers) > 0 {
			return Invalid("egress", "type %q takes no token or headers", e.Type)
		}
	case EgressBearer:
		if len(e.Headers) > 0 {
			return Invalid("egress.headers", "are not used with type %q", e.Type)
		}
		if e.Token == "" && !e.TokenSet {
			return Invalid("egress.token", "is required for type %q", e.Type)
		}
		if err := validateSecret("egress.token", string(e.Token)); err != nil {
			return err
		}
	case EgressHeaders:
		if e.Token != "" {
			return Invalid("egress.token", "is not used with type %q", e.Type)
		}
		if len(e.Headers) == 0 {
			return Invalid("egress.headers", "must list at least one header for type %q", e.Type)
		}
		if len(e.Headers) > MaxEgressHeaders {
			return Invalid("egress.headers", "must list at most %d headers", MaxEgressHeaders)
		}
		seen := map[string]bool{}
		for i := range e.Headers {
			h := &e.Headers[i]
			f := fmt.Sprintf("egress.headers[%d]", i)
			if !validHeaderName(h.Name) {
				return Invalid(f+".name", "must be an HTTP header name (letters, digits and !#$%%&'*+-.^_`|~)")
			}
			canon := http.CanonicalHeaderKey(h.Name)
			if forbiddenEgressHeaders[canon] || strings.HasPrefix(canon, "Sec-") || strings.HasPrefix(canon, "Proxy-") {
				return Invalid(f+".name", "%s is managed by the gateway and cannot be set", canon)
			}
			if seen[canon] {
				return Invalid(f+".name", "%s is listed twice", canon)
			}
			seen[canon] = true
			h.Name = canon
			if h.Value == "" && !h.ValueSet {
				return Invalid(f+".value", "is required")
			}
			if err := validateSecret(f+".value", string(h.Value)); err != nil {
				return err
			}
		}
	default:
		return Invalid("egress.type", "must be one of %q, %q, %q or %q", EgressNone, EgressBearer, EgressHeaders, EgressPassthrough)
	}
	return nil
}

// validateSecret checks a credential without ever quoting it.
func validateSecret(field, v string) error {
	if len(v) > MaxSecretLength {
		return Invalid(field, "must be at most %d bytes", MaxSecretLength)
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return Invalid(field, "must not contain control characters or line breaks")
		}
	}
	return nil
}

func validHeaderName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
