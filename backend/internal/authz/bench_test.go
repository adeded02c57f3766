package authz

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

const (
	benchServers = 1000
	benchScopes  = 50
	benchRules   = 20
)

// benchScopeSet is a heavy principal: 50 scopes over 1,000 servers, each
// with 20 server rules that list methods and tools (some by display name),
// plus wildcard rules for read and housekeeping-only execute.
func benchScopeSet() []domain.Scope {
	rng := rand.New(rand.NewPCG(1, 2))
	scopes := make([]domain.Scope, benchScopes)
	for i := range scopes {
		s := &scopes[i]
		s.Name = fmt.Sprintf("team-%02d/execute", i)
		for range benchRules {
			n := rng.IntN(benchServers)
			server := benchPath(n)
			if rng.IntN(4) == 0 {
				server = benchName(n)
			}
			tools := make([]string, 5)
			for k := range tools {
				tools[k] = fmt.Sprintf("tool_%02d", rng.IntN(40))
			}
			s.Rules = append(s.Rules, domain.Rule{
				Server:  server,
				Methods: []string{"tools/list", "tools/call", "resources/read", "prompts/get"},
				Tools:   tools,
			})
		}
	}
	scopes[0].Rules = append(scopes[0].Rules, domain.Rule{Server: "*", Permissions: []domain.Permission{domain.PermRead}})
	scopes[1].Rules = append(scopes[1].Rules, domain.Rule{Server: "*", Permissions: []domain.Permission{domain.PermExecute}, Methods: []string{"resources/list"}})
	return scopes
}

func benchPath(n int) string { return fmt.Sprintf("server-%04d", n) }
func benchName(n int) string { return fmt.Sprintf("Server Number %04d", n) }

type benchQuery struct {
	srv          Server
	method, tool string
	perm         domain.Permission
}

// benchQueries mixes allowed and denied questions over every server.
func benchQueries() []benchQuery {
	rng := rand.New(rand.NewPCG(3, 4))
	methods := []string{"tools/call", "tools/call", "tools/call", "tools/list", "resources/read", "initialize", "sampling/createMessage"}
	qs := make([]benchQuery, 1024)
	for i := range qs {
		n := rng.IntN(benchServers)
		qs[i] = benchQuery{
			srv:    Ref(benchPath(n), benchName(n)),
			method: methods[rng.IntN(len(methods))],
			tool:   fmt.Sprintf("tool_%02d", rng.IntN(40)),
			perm:   domain.Permissions[rng.IntN(len(domain.Permissions))],
		}
	}
	return qs
}

func BenchmarkCheckCall(b *testing.B) {
	p, qs := Compile(benchScopeSet()), benchQueries()
	allowed := 0
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		q := &qs[i%len(qs)]
		if p.CheckCall(q.srv, q.method, q.tool).Allowed {
			allowed++
		}
		i++
	}
	b.ReportMetric(float64(allowed)/float64(i), "allowed/op")
}

func BenchmarkCheck(b *testing.B) {
	p, qs := Compile(benchScopeSet()), benchQueries()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		q := &qs[i%len(qs)]
		p.Check(q.srv, q.perm)
		i++
	}
}

func BenchmarkPermissions(b *testing.B) {
	p, qs := Compile(benchScopeSet()), benchQueries()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p.Permissions(qs[i%len(qs)].srv)
		i++
	}
}

// BenchmarkCompile is what a cache miss costs for the heavy principal.
func BenchmarkCompile(b *testing.B) {
	scopes := benchScopeSet()
	b.ReportAllocs()
	for b.Loop() {
		Compile(scopes)
	}
}

// BenchmarkCatalogPolicyCached is the per-request cost of going from a
// principal's groups to its (cached) policy: 10 groups, each mapped to 5 of
// the 50 scopes, plus two convention groups.
func BenchmarkCatalogPolicyCached(b *testing.B) {
	scopes := benchScopeSet()
	var mappings []domain.GroupMapping
	var groups []string
	for g := range 10 {
		m := domain.GroupMapping{Group: fmt.Sprintf("group-%d", g)}
		for k := range 5 {
			m.Scopes = append(m.Scopes, scopes[g*5+k].Name)
		}
		mappings = append(mappings, m)
		groups = append(groups, m.Group)
	}
	groups = append(groups, "mcp-user", "mcp-server-server-0001")
	c := NewCatalog(scopes, mappings, true)
	want := c.Policy(groups)
	b.ReportAllocs()
	for b.Loop() {
		if c.Policy(groups) != want {
			b.Fatal("not cached")
		}
	}
}

// TestCheckCallAllocatesNothing: the proxy checks every message, so the
// checks must not allocate.
func TestCheckCallAllocatesNothing(t *testing.T) {
	p, qs := Compile(benchScopeSet()), benchQueries()
	admin := Compile(Builtins())
	var nilPolicy *Policy
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		q := &qs[i%len(qs)]
		i++
		for _, p := range []*Policy{p, admin, nilPolicy} {
			_ = p.CheckCall(q.srv, q.method, q.tool)
			_ = p.Check(q.srv, q.perm)
			_ = p.Permissions(q.srv)
			_ = p.Anywhere(Edit)
			_ = p.Everywhere(Read)
		}
	})
	if allocs != 0 {
		t.Errorf("checks allocate %v times per run", allocs)
	}
	// The benchmark's principal must see a mix of answers to mean anything.
	var allowed, denied int
	for _, q := range qs {
		if p.CheckCall(q.srv, q.method, q.tool).Allowed {
			allowed++
		} else {
			denied++
		}
	}
	if allowed < 50 || denied < 50 {
		t.Errorf("bench queries: %d allowed, %d denied", allowed, denied)
	}
}
