package registry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"go.yaml.in/yaml/v3"

	"github.com/mcpgw/mcpgw/backend/internal/authz"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/netguard"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
)

// A seed file (SEED_SERVERS_FILE) lists servers the gateway registers at
// start, once per database, for deployments that are configured from files
// (docker compose, Kubernetes, GitOps):
//
//	servers:
//	- path: everything                 # the fields of POST /api/servers
//	  display_name: Everything (example)
//	  upstream_url: http://everything:3001/mcp
//	  transport: streamable-http       # default streamable-http
//	  description: The reference MCP server.
//	  tags: [example]
//	  enabled: true                    # default true
//	  license: MIT
//	  egress:                          # default type none
//	    type: bearer
//	    token_env: EVERYTHING_TOKEN    # secrets only by environment variable
//
// An entry is exactly as valid as the same POST /api/servers body, the
// upstream's address included; secrets are never written in the file, only
// the names of environment variables holding them (token_env; value_env for
// a header). A file with any problem is refused whole, and the error names
// the entry, its line and the field.

// MaxSeedFileSize is the largest seed file accepted, in bytes.
const MaxSeedFileSize = 1 << 20

// SeedOptions tune how a seed file is checked.
type SeedOptions struct {
	// Guard checks upstream URLs, as for servers registered by the API.
	Guard netguard.Options
	// LookupEnv reads the environment variables that hold egress secrets;
	// nil is os.LookupEnv.
	LookupEnv func(string) (string, bool)
}

// Seed is one checked entry of a seed file.
type Seed struct {
	// Field names the entry in messages: servers[2].
	Field string
	// Line is the entry's line in the file.
	Line int
	// Server is what to register: defaults applied, upstream URL
	// normalised, egress secrets read from the environment.
	Server domain.Server
	// Missing, when set, names an environment variable the entry's
	// secrets should come from that is unset. It matters only when the
	// entry is to be applied (ApplySeeds refuses then): an entry applied
	// at an earlier start no longer needs its variables.
	Missing error
}

// LoadSeedFile reads and checks the seed file at path (see ParseSeeds).
func LoadSeedFile(ctx context.Context, path string, o SeedOptions) ([]Seed, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(io.LimitReader(f, MaxSeedFileSize+1))
	if err != nil {
		return nil, err
	}
	return ParseSeeds(ctx, data, o)
}

// seedEntry is one entry as written; its keys are those of
// CreateServerRequest, so a file and an API call read alike.
type seedEntry struct {
	Path        string      `yaml:"path"`
	DisplayName string      `yaml:"display_name"`
	Description string      `yaml:"description"`
	UpstreamURL string      `yaml:"upstream_url"`
	Transport   string      `yaml:"transport"`
	Tags        []string    `yaml:"tags"`
	Enabled     *bool       `yaml:"enabled"`
	License     string      `yaml:"license"`
	Egress      *seedEgress `yaml:"egress"`
}

type seedEgress struct {
	Type     string       `yaml:"type"`
	TokenEnv string       `yaml:"token_env"`
	Headers  []seedHeader `yaml:"headers"`
}

type seedHeader struct {
	Name     string `yaml:"name"`
	ValueEnv string `yaml:"value_env"`
}

// The keys each mapping of a seed file may have.
var (
	seedRootKeys   = []string{"servers"}
	seedEntryKeys  = []string{"path", "display_name", "description", "upstream_url", "transport", "tags", "enabled", "license", "egress"}
	seedEgressKeys = []string{"type", "token_env", "headers"}
	seedHeaderKeys = []string{"name", "value_env"}
)

// ParseSeeds reads and checks a seed file's content. An empty document, or
// one with no servers, gives no seeds.
func ParseSeeds(ctx context.Context, data []byte, o SeedOptions) ([]Seed, error) {
	if len(data) > MaxSeedFileSize {
		return nil, fmt.Errorf("the file is larger than %d KiB", MaxSeedFileSize>>10)
	}
	if o.LookupEnv == nil {
		o.LookupEnv = os.LookupEnv
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, seedSyntaxError(err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, seedSyntaxError(err)
	default:
		return nil, fmt.Errorf("line %d: the file must be one YAML document, not several", next.Line)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, nil
	}
	if err := checkKeys(root, "the file", seedRootKeys); err != nil {
		return nil, err
	}
	list := mappingValue(root, "servers")
	if list == nil || list.Tag == "!!null" {
		return nil, nil
	}
	if list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("line %d: servers must be a list of servers", list.Line)
	}
	seeds := make([]Seed, 0, len(list.Content))
	for i, n := range list.Content {
		sd, err := parseSeed(ctx, n, fmt.Sprintf("servers[%d]", i), o)
		if err != nil {
			return nil, err
		}
		if err := checkSeedNames(seeds, &sd); err != nil {
			return nil, err
		}
		seeds = append(seeds, sd)
	}
	return seeds, nil
}

func parseSeed(ctx context.Context, n *yaml.Node, field string, o SeedOptions) (Seed, error) {
	sd := Seed{Field: field, Line: n.Line}
	if err := checkKeys(n, field, seedEntryKeys); err != nil {
		return sd, err
	}
	var e seedEntry
	if err := n.Decode(&e); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:\n  ")
		return sd, fmt.Errorf("%s: %s", field, strings.ReplaceAll(msg, "\n  ", "; "))
	}
	sd.Server.Path = e.Path // names the entry in messages
	var eg *domain.Egress
	if e.Egress != nil {
		egNode := mappingValue(n, "egress")
		if err := checkKeys(egNode, field+".egress", seedEgressKeys); err != nil {
			return sd, err
		}
		var err error
		if eg, sd.Missing, err = seedEgressOf(e.Egress, egNode, sd, o.LookupEnv); err != nil {
			return sd, err
		}
	}
	// The defaults and checks of CreateServer, in its order: fields, then
	// where the upstream points.
	srv := domain.Server{Transport: domain.TransportStreamableHTTP, Enabled: true, Tags: []string{},
		Egress: domain.Egress{Type: domain.EgressNone}}
	in := ServerInput{Path: &e.Path, DisplayName: &e.DisplayName, Description: &e.Description,
		UpstreamURL: &e.UpstreamURL, License: &e.License, Enabled: e.Enabled, Egress: eg}
	if e.Transport != "" {
		in.Transport = &e.Transport
	}
	if e.Tags != nil {
		in.Tags = &e.Tags
	}
	if err := applyInput(&srv, in, nil); err != nil {
		return sd, sd.wrap(err)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	u, err := netguard.CheckURL(ctx, srv.UpstreamURL, o.Guard)
	if err != nil {
		return sd, sd.wrap(err)
	}
	srv.UpstreamURL = u.String()
	sd.Server = srv
	if sd.Missing != nil {
		// Checked with a stand-in value; never stored.
		sd.Server.Egress.Token = ""
		for i := range sd.Server.Egress.Headers {
			sd.Server.Egress.Headers[i].Value = ""
		}
	}
	return sd, nil
}

// seedEgressOf turns an entry's egress settings into the API's, reading
// each secret from the environment variable the file names.
//
// An unset variable is not an error here but missing (see Seed.Missing),
// with a stand-in value so that the rest of the entry is still checked.
func seedEgressOf(in *seedEgress, n *yaml.Node, sd Seed, lookup func(string) (string, bool)) (_ *domain.Egress, missing, _ error) {
	if hs := mappingValue(n, "headers"); hs != nil && hs.Kind == yaml.SequenceNode {
		for i, h := range hs.Content {
			if err := checkKeys(h, fmt.Sprintf("%s.egress.headers[%d]", sd.Field, i), seedHeaderKeys); err != nil {
				return nil, nil, err
			}
		}
	}
	secret := func(field, name string) (domain.Secret, error) {
		if name == "" {
			return "", sd.invalid(field, "is required: name the environment variable that holds the secret (secrets are not written in the file)")
		}
		v, ok := lookup(name)
		if !ok || v == "" {
			if missing == nil {
				missing = sd.invalid(field, "environment variable %s is not set", name)
			}
			return "unset", nil
		}
		return domain.Secret(v), nil
	}
	eg := &domain.Egress{Type: in.Type}
	if eg.Type == "" {
		eg.Type = domain.EgressNone
	}
	if in.TokenEnv != "" && eg.Type != domain.EgressBearer {
		return nil, nil, sd.invalid("egress.token_env", "is used only with type %q", domain.EgressBearer)
	}
	if eg.Type == domain.EgressBearer {
		tok, err := secret("egress.token_env", in.TokenEnv)
		if err != nil {
			return nil, nil, err
		}
		eg.Token = tok
	}
	for i, h := range in.Headers {
		hd := domain.EgressHeader{Name: h.Name}
		if eg.Type == domain.EgressHeaders {
			v, err := secret(fmt.Sprintf("egress.headers[%d].value_env", i), h.ValueEnv)
			if err != nil {
				return nil, nil, err
			}
			hd.Value = v
		}
		// With another type, ValidateEgress refuses the headers.
		eg.Headers = append(eg.Headers, hd)
	}
	return eg, missing, nil
}

// checkSeedNames refuses an entry whose path or display name an earlier
// entry answers to, as the catalog would (checkNames, unique indexes).
func checkSeedNames(earlier []Seed, sd *Seed) error {
	path, name := authz.FoldName(sd.Server.Path), authz.FoldName(sd.Server.DisplayName)
	for _, o := range earlier {
		switch {
		case authz.FoldName(o.Server.Path) == path:
			return sd.invalid("path", "%q is the path of %s too", sd.Server.Path, o.Field)
		case authz.FoldName(o.Server.DisplayName) == name:
			return sd.invalid("display_name", "%q is the display name of %s too", sd.Server.DisplayName, o.Field)
		case authz.FoldName(o.Server.Path) == name:
			return sd.invalid("display_name", "%q is the path of %s", sd.Server.DisplayName, o.Field)
		case authz.FoldName(o.Server.DisplayName) == path:
			return sd.invalid("path", "%q is the display name of %s", sd.Server.Path, o.Field)
		}
	}
	return nil
}

// where names the entry in messages: `servers[1] (path "time", line 7)`.
func (sd Seed) where() string {
	if sd.Server.Path != "" {
		return fmt.Sprintf("%s (path %q, line %d)", sd.Field, sd.Server.Path, sd.Line)
	}
	return fmt.Sprintf("%s (line %d)", sd.Field, sd.Line)
}

// invalid is a validation error about field of the entry.
func (sd Seed) invalid(field, format string, args ...any) error {
	return &domain.Error{Code: domain.EINVALID, Field: sd.Field + "." + field,
		Message: sd.where() + ": " + field + ": " + fmt.Sprintf(format, args...)}
}

// wrap places a domain validation error (field: message) in the entry.
func (sd Seed) wrap(err error) error {
	var e *domain.Error
	if !errors.As(err, &e) || e.Code != domain.EINVALID {
		return fmt.Errorf("%s: %w", sd.where(), err)
	}
	return &domain.Error{Code: domain.EINVALID, Field: sd.Field + "." + e.Field, Message: sd.where() + ": " + e.Message}
}

func seedSyntaxError(err error) error {
	return fmt.Errorf("not valid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
}

// checkKeys refuses a node that is not a mapping of string keys from allowed.
func checkKeys(n *yaml.Node, what string, allowed []string) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: %s must be a mapping of %s", n.Line, what, strings.Join(allowed, ", "))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !slices.Contains(allowed, k.Value) {
			hint := ""
			if k.Value == "token" || k.Value == "value" {
				hint = fmt.Sprintf(" (secrets are not written in the file: use %s_env, the name of an environment variable holding it)", k.Value)
			}
			return fmt.Errorf("line %d: %s: unknown key %q%s; the keys are %s", k.Line, what, k.Value, hint, strings.Join(allowed, ", "))
		}
		if seen[k.Value] {
			return fmt.Errorf("line %d: %s: %q is given twice", k.Line, what, k.Value)
		}
		seen[k.Value] = true
	}
	return nil
}

// mappingValue returns the value of key in mapping n, or nil.
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// ApplySeeds registers each seed whose path was never seeded in this
// database, as actor (the system), and returns the servers it created. A
// seed is applied once: afterwards the server is the administrators' to
// edit or delete, and neither comes undone at the next start. A seed whose
// path or display name a server already has is skipped (and counts as
// applied): the catalog's server wins. Replicas starting together
// serialise on an advisory lock, so each seed is created once. Each server
// created is audited as server.create, like an API create, with the seed
// file (source) in the details.
func (s *Service) ApplySeeds(ctx context.Context, actor *domain.Principal, source string, seeds []Seed) ([]*domain.Server, error) {
	if len(seeds) == 0 {
		return nil, nil
	}
	var seeded postgres.SeededServers
	var created []*domain.Server
	err := s.db.InTx(ctx, func(tx pgx.Tx) error {
		created = nil
		if err := seeded.Lock(ctx, tx); err != nil {
			return err
		}
		done, err := seeded.Paths(ctx, tx)
		if err != nil {
			return err
		}
		existing, err := s.servers.All(ctx, tx)
		if err != nil {
			return err
		}
		for _, sd := range seeds {
			if done[sd.Server.Path] {
				continue
			}
			srv := sd.Server
			srv.Tags = slices.Clone(srv.Tags)
			id := ""
			if taken := takenBy(existing, &srv); taken != "" {
				s.log.WarnContext(ctx, "seed server skipped: "+taken, "seed", source, "entry", sd.Field, "path", srv.Path)
			} else {
				if sd.Missing != nil {
					return sd.Missing
				}
				srv.ID = newID()
				srv.CreatedBy = actor.Username
				if err := s.servers.Create(ctx, tx, &srv, s.seal(srv.ID, &srv.Egress, nil)); err != nil {
					return fmt.Errorf("%s: %w", sd.where(), err)
				}
				srv.Egress = redacted(srv.Egress) // sealed now: drop the plaintext
				id = srv.ID
				existing = append(existing, &srv)
				created = append(created, &srv)
			}
			if err := seeded.Add(ctx, tx, srv.Path, id); err != nil {
				return err
			}
		}
		if len(created) > 0 {
			_, err = s.scopes.BumpVersion(ctx, tx)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(created) == 0 {
		return nil, nil
	}
	s.committed(ctx)
	for _, srv := range created {
		s.changed(ctx, srv, false)
		s.record(ctx, actor, ActionServerCreate, domain.OutcomeSuccess, "server", srv.Path,
			map[string]any{"after": summary(srv), "seed": source})
		s.log.InfoContext(ctx, "registered a server from the seed file", "seed", source, "path", srv.Path)
	}
	return created, nil
}

// takenBy says why srv cannot join servers (a path or display name another
// has, under either kind of name), or "" when it can.
func takenBy(servers []*domain.Server, srv *domain.Server) string {
	path, name := authz.FoldName(srv.Path), authz.FoldName(srv.DisplayName)
	for _, o := range servers {
		switch {
		case authz.FoldName(o.Path) == path:
			return "a server with this path exists"
		case authz.FoldName(o.DisplayName) == name:
			return "a server with this display name exists"
		case authz.FoldName(o.Path) == name:
			return "the display name is another server's path"
		case authz.FoldName(o.DisplayName) == path:
			return "the path is another server's display name"
		}
	}
	return ""
}
