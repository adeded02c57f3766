package scopesyml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// Parse reads and validates a scopes.yml; an empty document gives an
// empty File. It refuses documents over MaxSize, several documents in one,
// anchors and aliases, and YAML tags.
func Parse(data []byte) (*File, error) {
	if len(data) > MaxSize {
		return nil, domain.Invalid(rootField, "must be at most %d MiB (this one is %d bytes)", MaxSize>>20, len(data))
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &File{}, nil
		}
		return nil, syntaxError(err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, syntaxError(err)
	default:
		return nil, invalidAt(rootField, &next, "must be one YAML document, not several")
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, domain.Invalid(rootField, "is not a YAML document")
	}
	p := parser{byName: map[string]*scope{}}
	if err := p.document(doc.Content[0]); err != nil {
		return nil, err
	}
	return p.file()
}

// syntaxError reports a YAML syntax error; yaml's messages carry the line.
func syntaxError(err error) error {
	return domain.Invalid(rootField, "is not valid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
}

// invalidAt returns a validation error for field, with n's line if known.
func invalidAt(field string, n *yaml.Node, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if n != nil && n.Line > 0 {
		return domain.Invalid(field, "%s (line %d)", msg, n.Line)
	}
	return domain.Invalid(field, "%s", msg)
}

// relocate rewrites a domain validation error for field at n.
func relocate(err error, field string, n *yaml.Node) error {
	var e *domain.Error
	if !errors.As(err, &e) || e.Code != domain.EINVALID {
		return err
	}
	return invalidAt(field, n, "%s", strings.TrimPrefix(e.Message, e.Field+": "))
}

// source records where a rule came from, for error messages.
type source struct {
	field string     // the rule's field path
	node  *yaml.Node // the rule's mapping, or a UI rule's server name
	ui    bool
}

// locate returns the field path and node of the part of a rule that suffix
// (such as ".tools[2]") names. A UI rule is one list element, so every part
// of it is that element.
func (s source) locate(suffix string) (string, *yaml.Node) {
	if s.ui || suffix == "" {
		return s.field, s.node
	}
	key, rest, _ := strings.Cut(strings.TrimPrefix(suffix, "."), "[")
	for i := 0; i+1 < len(s.node.Content); i += 2 {
		if s.node.Content[i].Value != key {
			continue
		}
		v := s.node.Content[i+1]
		if n, err := strconv.Atoi(strings.TrimSuffix(rest, "]")); err == nil && v.Kind == yaml.SequenceNode && n >= 0 && n < len(v.Content) {
			v = v.Content[n]
		}
		return s.field + suffix, v
	}
	return s.field + suffix, s.node
}

// relocateRule rewrites a domain validation error about rule src; prefix
// is the rule's field in err ("rules[3]" or src.field).
func relocateRule(err error, prefix string, src source) error {
	var e *domain.Error
	if !errors.As(err, &e) || e.Code != domain.EINVALID {
		return err
	}
	field, n := src.locate(strings.TrimPrefix(e.Field, prefix))
	return relocate(err, field, n)
}

// scope collects one scope's rules from UI-Scopes and its top-level key.
type scope struct {
	name      string
	field     string     // its top-level key's path, else its UI-Scopes entry's
	node      *yaml.Node // the key at field
	ui        []domain.Rule
	server    []domain.Rule
	uiSrc     []source
	serverSrc []source
}

type parser struct {
	byName   map[string]*scope
	order    []*scope // by first appearance
	uiOrder  []*scope // by appearance in UI-Scopes
	mappings []domain.GroupMapping
}

// lookup returns the scope called name, adding it if new.
func (p *parser) lookup(name, field string, key *yaml.Node, topLevel bool) *scope {
	s := p.byName[name]
	if s == nil {
		s = &scope{name: name, field: field, node: key}
		p.byName[name] = s
		p.order = append(p.order, s)
	}
	if topLevel {
		s.field, s.node = field, key
	}
	return s
}

func (p *parser) file() (*File, error) {
	var f File
	var ordered []*scope
	for _, s := range p.uiOrder {
		if len(s.ui) > 0 {
			ordered = append(ordered, s)
		}
	}
	for _, s := range p.order {
		if len(s.ui) == 0 {
			ordered = append(ordered, s)
		}
	}
	for _, s := range ordered {
		sc := domain.Scope{Name: s.name, Rules: make([]domain.Rule, 0, len(s.ui)+len(s.server))}
		sc.Rules = append(append(sc.Rules, s.ui...), s.server...)
		if err := domain.ValidateScope("", &sc); err != nil {
			return nil, s.relocate(err)
		}
		f.Scopes = append(f.Scopes, sc)
	}
	f.Mappings = p.mappings
	return &f, nil
}

// relocate rewrites an error of domain.ValidateScope in file terms.
func (s *scope) relocate(err error) error {
	var e *domain.Error
	if !errors.As(err, &e) {
		return err
	}
	if i, ok := listIndex(e.Field, "rules"); ok {
		switch j := i - len(s.uiSrc); {
		case i < len(s.uiSrc):
			return relocateRule(err, index("rules", i), s.uiSrc[i])
		case j < len(s.serverSrc):
			return relocateRule(err, index("rules", i), s.serverSrc[j])
		}
	}
	return relocate(err, s.field, s.node)
}

// listIndex returns i for a field such as "rules[i]" or "rules[i].tools[0]".
func listIndex(field, name string) (int, bool) {
	rest, ok := strings.CutPrefix(field, name+"[")
	if !ok {
		return 0, false
	}
	num, _, ok := strings.Cut(rest, "]")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(num)
	return i, err == nil && i >= 0
}

// check refuses what Parse never accepts anywhere: anchors and aliases
// (which could make a small file expand into a huge one) and YAML tags on
// collections.
func check(field string, n *yaml.Node) error {
	switch {
	case n.Kind == yaml.AliasNode:
		return invalidAt(field, n, "uses the alias *%s; anchors and aliases are not supported", domain.SafeText(n.Value, 64))
	case n.Anchor != "":
		return invalidAt(field, n, "defines the anchor &%s; anchors and aliases are not supported", domain.SafeText(n.Anchor, 64))
	case n.Kind == yaml.MappingNode && n.ShortTag() != "!!map",
		n.Kind == yaml.SequenceNode && n.ShortTag() != "!!seq":
		return invalidAt(field, n, "has the tag %s; YAML tags are not supported", domain.SafeText(n.ShortTag(), 64))
	}
	return nil
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// describe names n's kind for error messages.
func describe(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case isNull(n):
		return "empty"
	default:
		return "a single value"
	}
}

// mapping returns n's keys and values in pairs; null gives none if nullOK.
func mapping(field string, n *yaml.Node, nullOK bool, want string) ([]*yaml.Node, error) {
	if err := check(field, n); err != nil {
		return nil, err
	}
	if nullOK && isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, invalidAt(field, n, "must be %s, not %s", want, describe(n))
	}
	return n.Content, nil
}

// list returns n's elements; null gives none if nullOK.
func list(field string, n *yaml.Node, nullOK bool, want string) ([]*yaml.Node, error) {
	if err := check(field, n); err != nil {
		return nil, err
	}
	if nullOK && isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, invalidAt(field, n, "must be %s, not %s", want, describe(n))
	}
	return n.Content, nil
}

// str returns the text of scalar n. Numbers, booleans and dates are taken
// as written: `server: 123` names the server "123".
func str(field string, n *yaml.Node) (string, error) {
	if err := check(field, n); err != nil {
		return "", err
	}
	if n.Kind != yaml.ScalarNode {
		return "", invalidAt(field, n, "must be a string, not %s", describe(n))
	}
	switch tag := n.ShortTag(); tag {
	case "!!str", "!!int", "!!float", "!!bool", "!!timestamp":
		return n.Value, nil
	case "!!null":
		if n.Value == "" {
			return "", invalidAt(field, n, "must not be empty")
		}
		return "", invalidAt(field, n, "must be a string, not null (write %q for the word)", n.Value)
	case "!!merge":
		return "", invalidAt(field, n, "merge keys (<<) are not supported")
	default:
		return "", invalidAt(field, n, "has the tag %s; YAML tags are not supported", domain.SafeText(tag, 64))
	}
}

// keys walks the pairs of a mapping at parent, refusing duplicate and
// non-string keys; fieldOf gives a key's field path.
func keys(parent string, pairs []*yaml.Node, fieldOf func(string) string, fn func(key, field string, k, v *yaml.Node) error) error {
	seen := make(map[string]int, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		k, v := pairs[i], pairs[i+1]
		key, err := str(parent, k)
		if err != nil {
			return err
		}
		field := fieldOf(key)
		if line, dup := seen[key]; dup {
			return invalidAt(field, k, "is given twice (first on line %d)", line)
		}
		seen[key] = k.Line
		if err := fn(key, field, k, v); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) document(root *yaml.Node) error {
	pairs, err := mapping(rootField, root, true, "a mapping of UI-Scopes, group_mappings and scopes")
	if err != nil {
		return err
	}
	return keys(rootField, pairs, func(k string) string { return child("", k) }, func(key, field string, k, v *yaml.Node) error {
		switch key {
		case keyUIScopes:
			return p.uiScopes(field, v)
		case keyGroupMappings:
			return p.groupMappings(field, v)
		default:
			return p.serverScope(key, field, k, v)
		}
	})
}

func (p *parser) uiScopes(field string, n *yaml.Node) error {
	pairs, err := mapping(field, n, true, "a mapping of scope names to UI actions")
	if err != nil {
		return err
	}
	fieldOf := func(k string) string { return child(field, k) }
	return keys(field, pairs, fieldOf, func(name, sf string, k, v *yaml.Node) error {
		if err := scopeName(sf, name, k); err != nil {
			return err
		}
		s := p.lookup(name, sf, k, false)
		p.uiOrder = append(p.uiOrder, s)
		actions, err := mapping(sf, v, true, "a mapping of UI actions to lists of servers")
		if err != nil {
			return err
		}
		return keys(sf, actions, func(k string) string { return child(sf, k) }, func(action, af string, k, v *yaml.Node) error {
			perm, ok := domain.UIPermissions[action]
			if !ok {
				return invalidAt(af, k, "is not a UI action (one of %s)", uiActionList())
			}
			servers, err := list(af, v, true, `a list of server names ("all" for every server)`)
			if err != nil {
				return err
			}
			for i, sn := range servers {
				ef := index(af, i)
				server, err := str(ef, sn)
				if err != nil {
					return err
				}
				if server == uiAll {
					server = domain.Wildcard
				}
				r := domain.Rule{Server: server, Permissions: []domain.Permission{perm}, UI: true}
				src := source{field: ef, node: sn, ui: true}
				if err := domain.ValidateRule(ef, &r); err != nil {
					return relocateRule(err, ef, src)
				}
				s.ui = append(s.ui, r)
				s.uiSrc = append(s.uiSrc, src)
			}
			return nil
		})
	})
}

func uiActionList() string {
	var a []string
	for _, p := range domain.Permissions {
		if act := domain.UIAction(p); act != "" {
			a = append(a, act)
		}
	}
	return strings.Join(a, ", ")
}

// scopeName checks the name of a scope defined at field.
func scopeName(field, name string, k *yaml.Node) error {
	if name == keyUIScopes || name == keyGroupMappings {
		return invalidAt(field, k, "%q is a section of scopes.yml and cannot name a scope", name)
	}
	if err := domain.ValidateScopeName(field, name); err != nil {
		return relocate(err, field, k)
	}
	return nil
}

func (p *parser) groupMappings(field string, n *yaml.Node) error {
	pairs, err := mapping(field, n, true, "a mapping of groups to lists of scopes")
	if err != nil {
		return err
	}
	return keys(field, pairs, groupField, func(group, gf string, k, v *yaml.Node) error {
		items, err := list(gf, v, true, "a list of scope names")
		if err != nil {
			return err
		}
		m := domain.GroupMapping{Group: group, Scopes: make([]string, len(items))}
		for i, it := range items {
			if m.Scopes[i], err = str(index(gf, i), it); err != nil {
				return err
			}
		}
		if err := domain.ValidateGroupMapping("", &m); err != nil {
			var e *domain.Error
			if !errors.As(err, &e) {
				return err
			}
			if i, ok := listIndex(e.Field, "scopes"); ok && i < len(items) {
				return relocate(err, index(gf, i), items[i])
			}
			if e.Field == "scopes" {
				return relocate(err, gf, v)
			}
			return relocate(err, gf, k)
		}
		p.mappings = append(p.mappings, m)
		return nil
	})
}

func (p *parser) serverScope(name, field string, k, v *yaml.Node) error {
	if err := scopeName(field, name, k); err != nil {
		return err
	}
	s := p.lookup(name, field, k, true)
	items, err := list(field, v, false, "a list of rules (write [] for none)")
	if err != nil {
		return err
	}
	if len(items) > domain.MaxRulesPerScope {
		return invalidAt(field, v, "must have at most %d rules", domain.MaxRulesPerScope)
	}
	for i, it := range items {
		rf := index(field, i)
		r, err := rule(rf, it)
		if err != nil {
			return err
		}
		src := source{field: rf, node: it}
		if err := domain.ValidateRule(rf, &r); err != nil {
			return relocateRule(err, rf, src)
		}
		s.server = append(s.server, r)
		s.serverSrc = append(s.serverSrc, src)
	}
	return nil
}

// rule reads one server rule; lists keep nil (key left out) apart from
// empty (`methods: []`).
func rule(field string, n *yaml.Node) (domain.Rule, error) {
	var r domain.Rule
	pairs, err := mapping(field, n, false, "a mapping with server, permissions, methods and tools")
	if err != nil {
		return r, err
	}
	hasServer := false
	err = keys(field, pairs, func(k string) string { return child(field, k) }, func(key, kf string, k, v *yaml.Node) error {
		var err error
		switch key {
		case ruleServer:
			hasServer = true
			r.Server, err = str(kf, v)
		case rulePermissions:
			var ps []string
			if ps, err = stringList(kf, v); err == nil {
				r.Permissions = make([]domain.Permission, len(ps))
				for i, p := range ps {
					r.Permissions[i] = domain.Permission(p)
				}
			}
		case ruleMethods:
			r.Methods, err = stringList(kf, v)
		case ruleTools:
			r.Tools, err = stringList(kf, v)
		default:
			err = invalidAt(kf, k, "is not a rule key (one of %s, %s, %s, %s)", ruleServer, rulePermissions, ruleMethods, ruleTools)
		}
		return err
	})
	if err == nil && !hasServer {
		err = invalidAt(field+"."+ruleServer, n, "is missing")
	}
	return r, err
}

// stringList reads a list of strings; it is never nil, so that an empty
// list stays apart from a left-out key. Null is refused: for methods and
// tools a left-out key means "all", so guessing would risk granting more
// than meant.
func stringList(field string, n *yaml.Node) ([]string, error) {
	items, err := list(field, n, false, "a list (leave the key out, or write [] for an empty list)")
	if err != nil {
		return nil, err
	}
	if len(items) > domain.MaxRuleListLength {
		return nil, invalidAt(field, n, "must list at most %d entries", domain.MaxRuleListLength)
	}
	out := make([]string, len(items))
	for i, it := range items {
		if out[i], err = str(index(field, i), it); err != nil {
			return nil, err
		}
	}
	return out, nil
}
