package authz

import (
	"encoding/binary"
	"hash/maphash"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// maxCachedPolicies bounds a Catalog's policy cache: far more distinct
// scope sets than a real deployment has, small enough that a stream of
// unusual group lists cannot exhaust memory. The cache starts over when
// full, which costs only recompilation.
const maxCachedPolicies = 10_000

// Catalog is an immutable snapshot of scope definitions and group
// mappings; it resolves groups to a Policy and caches one Policy per
// distinct set of scope names. Build a new Catalog when the definitions
// change, so that every request sees one consistent snapshot. Safe for
// concurrent use.
type Catalog struct {
	scopes      map[string]domain.Scope
	mappings    map[string][]string
	conventions bool

	// byNames holds one Policy per distinct set of scope names (key: see
	// policyKey), so that principals with equal scopes share it.
	byNames      sync.Map
	byNamesCount atomic.Int64
	// byGroups is a front cache from a hash of the group list to the policy
	// it resolved to, so that the per-request path neither resolves, sorts
	// nor allocates. Entries keep the groups to rule out hash collisions.
	byGroups      sync.Map // uint64 → *groupsEntry
	byGroupsCount atomic.Int64
	seed          maphash.Seed
}

type groupsEntry struct {
	groups []string
	policy *Policy
}

// NewCatalog snapshots scopes and mappings (copying them, so callers may
// reuse theirs); conventions turns on seed 004's group-name conventions.
// A later scope with the same name replaces an earlier one; mappings of
// the same group add up.
func NewCatalog(scopes []domain.Scope, mappings []domain.GroupMapping, conventions bool) *Catalog {
	c := &Catalog{
		scopes:      make(map[string]domain.Scope, len(scopes)),
		mappings:    make(map[string][]string, len(mappings)),
		conventions: conventions,
		seed:        maphash.MakeSeed(),
	}
	for _, s := range scopes {
		c.scopes[s.Name] = cloneScope(s)
	}
	for _, m := range mappings {
		c.mappings[m.Group] = append(c.mappings[m.Group], m.Scopes...)
	}
	return c
}

// cloneScope deep-copies s so that neither the catalog's callers nor the
// callers of Scope can change the snapshot.
func cloneScope(s domain.Scope) domain.Scope {
	s.Rules = slices.Clone(s.Rules)
	for i := range s.Rules {
		r := &s.Rules[i]
		r.Permissions = slices.Clone(r.Permissions)
		r.Methods = slices.Clone(r.Methods)
		r.Tools = slices.Clone(r.Tools)
	}
	return s
}

// ScopeNames returns the scope names members of groups hold, sorted and
// de-duplicated: mapped scopes, convention scopes when enabled, and always
// the registry admin scope for domain.AdminGroup, so that the bootstrap
// administrator can never be locked out by configuration.
func (c *Catalog) ScopeNames(groups []string) []string {
	var names []string
	for _, g := range groups {
		names = append(names, c.mappings[g]...)
		if c.conventions {
			names = append(names, ConventionScopes(g)...)
		}
		if g == domain.AdminGroup {
			names = append(names, ScopeRegistryAdmin)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// Why a group yields a scope, in ScopeSource.Source.
const (
	// SourceMapping is an explicit group → scopes mapping.
	SourceMapping = "mapping"
	// SourceConvention is a group-name convention, or the built-in rule
	// that domain.AdminGroup is registry admin.
	SourceConvention = "convention"
)

// ScopeSource is one reason a principal holds a scope: the group that
// yields it, and how.
type ScopeSource struct {
	Scope  string
	Group  string
	Source string // SourceMapping or SourceConvention
}

// Sources explains ScopeNames: every scope each of groups yields, and why,
// in the order of groups, mappings before conventions, without repeats.
func (c *Catalog) Sources(groups []string) []ScopeSource {
	out := []ScopeSource{}
	add := func(group, source string, names ...string) {
		for _, n := range names {
			if s := (ScopeSource{Scope: n, Group: group, Source: source}); !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	for _, g := range groups {
		add(g, SourceMapping, c.mappings[g]...)
		if c.conventions {
			add(g, SourceConvention, ConventionScopes(g)...)
		}
		if g == domain.AdminGroup {
			add(g, SourceConvention, ScopeRegistryAdmin)
		}
	}
	return out
}

// ScopePolicy returns the compiled policy of the scope name alone, so that
// callers can tell which of a principal's scopes grant what.
func (c *Catalog) ScopePolicy(name string) *Policy { return c.policyFor([]string{name}) }

// Scope returns a defined scope or, failing that, a built-in one.
func (c *Catalog) Scope(name string) (domain.Scope, bool) {
	if s, ok := c.scopes[name]; ok {
		return cloneScope(s), true
	}
	return BuiltinScope(name)
}

// Policy returns the compiled policy for members of groups. Names resolve
// to a defined scope first, then to a built-in one; unknown names grant
// nothing. Principals with the same scope names share one Policy.
func (c *Catalog) Policy(groups []string) *Policy {
	h := c.groupsHash(groups)
	if e, ok := c.byGroups.Load(h); ok {
		if e := e.(*groupsEntry); slices.Equal(e.groups, groups) {
			return e.policy
		}
	}
	p := c.policyFor(c.ScopeNames(groups))
	remember(&c.byGroups, &c.byGroupsCount, h, &groupsEntry{groups: slices.Clone(groups), policy: p})
	return p
}

// policyFor returns the cached policy for sorted, de-duplicated names,
// compiling it on a miss.
func (c *Catalog) policyFor(names []string) *Policy {
	key := policyKey(names)
	if p, ok := c.byNames.Load(key); ok {
		return p.(*Policy)
	}
	scopes := make([]domain.Scope, 0, len(names))
	for _, n := range names {
		if s, ok := c.scopes[n]; ok {
			scopes = append(scopes, s) // Compile keeps no reference
		} else if s, ok := BuiltinScope(n); ok {
			scopes = append(scopes, s)
		}
	}
	// A concurrent miss may have stored its policy first; use that one.
	return remember(&c.byNames, &c.byNamesCount, key, Compile(scopes)).(*Policy)
}

// remember stores v under k in a bounded cache unless k is there already,
// and returns what the cache holds; the cache starts over when full.
func remember(m *sync.Map, count *atomic.Int64, k, v any) any {
	if count.Add(1) > maxCachedPolicies {
		m.Clear()
		count.Store(1)
	}
	actual, _ := m.LoadOrStore(k, v)
	return actual
}

// groupsHash hashes the group list, length-prefixing each name so that
// different lists cannot run together.
func (c *Catalog) groupsHash(groups []string) uint64 {
	var h maphash.Hash
	h.SetSeed(c.seed)
	var n [8]byte
	for _, g := range groups {
		binary.LittleEndian.PutUint64(n[:], uint64(len(g)))
		h.Write(n[:])
		h.WriteString(g)
	}
	return h.Sum64()
}

// policyKey encodes sorted names unambiguously (length-prefixed), since
// a collision would hand one principal another's policy.
func policyKey(names []string) string {
	n := 0
	for _, s := range names {
		n += len(s) + 4
	}
	var b strings.Builder
	b.Grow(n)
	var num [20]byte
	for _, s := range names {
		b.Write(strconv.AppendInt(num[:0], int64(len(s)), 10))
		b.WriteByte(':')
		b.WriteString(s)
	}
	return b.String()
}
