package scopesyml

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// header starts every exported file.
const header = "# Exported by mcpgw. Built-in scopes are not included.\n"

// Marshal writes f as a scopes.yml that Parse reads back.
//
// It writes UI-Scopes (if any scope has UI rules), then group_mappings (if
// any), then every scope with server rules, or with no rules at all, as a
// top-level key; built-in scopes are left out. A UI rule granting several
// permissions is written under each of their actions, so it comes back as
// one rule per permission. f is validated first, so an invalid File gives
// a domain.EINVALID error whose field names it in File terms, such as
// "scopes[2].rules[0].server".
func Marshal(f *File) ([]byte, error) {
	if f == nil {
		f = &File{}
	}
	var scopes []*domain.Scope
	names := map[string]int{}
	for i := range f.Scopes {
		s := &f.Scopes[i]
		if s.Builtin {
			continue
		}
		prefix := fmt.Sprintf("scopes[%d].", i)
		if err := domain.ValidateScope(prefix, s); err != nil {
			return nil, err
		}
		if s.Name == keyUIScopes || s.Name == keyGroupMappings {
			return nil, domain.Invalid(prefix+"name", "%q is a section of scopes.yml and cannot name a scope", s.Name)
		}
		if j, dup := names[s.Name]; dup {
			return nil, domain.Invalid(prefix+"name", "%q is also the name of scopes[%d]", s.Name, j)
		}
		names[s.Name] = i
		scopes = append(scopes, s)
	}
	groups := map[string]int{}
	for i := range f.Mappings {
		m := &f.Mappings[i]
		prefix := fmt.Sprintf("mappings[%d].", i)
		if err := domain.ValidateGroupMapping(prefix, m); err != nil {
			return nil, err
		}
		if !utf8.ValidString(m.Group) {
			return nil, domain.Invalid(prefix+"group", "must be valid UTF-8")
		}
		if j, dup := groups[m.Group]; dup {
			return nil, domain.Invalid(prefix+"group", "%q is also the group of mappings[%d]", domain.SafeText(m.Group, 64), j)
		}
		groups[m.Group] = i
	}

	var sections [][2]*yaml.Node
	ui := &yaml.Node{Kind: yaml.MappingNode}
	for _, s := range scopes {
		if actions := uiActions(s.Rules); len(actions.Content) > 0 {
			ui.Content = append(ui.Content, scalar(s.Name), actions)
		}
	}
	if len(ui.Content) > 0 {
		sections = append(sections, [2]*yaml.Node{scalar(keyUIScopes), ui})
	}
	if len(f.Mappings) > 0 {
		gm := &yaml.Node{Kind: yaml.MappingNode}
		for _, m := range f.Mappings {
			gm.Content = append(gm.Content, scalar(m.Group), stringSeq(m.Scopes))
		}
		sections = append(sections, [2]*yaml.Node{scalar(keyGroupMappings), gm})
	}
	for _, s := range scopes {
		rules := &yaml.Node{Kind: yaml.SequenceNode}
		hasUI := false
		for i := range s.Rules {
			if s.Rules[i].UI {
				hasUI = true
			} else {
				rules.Content = append(rules.Content, ruleNode(&s.Rules[i]))
			}
		}
		if len(rules.Content) > 0 || !hasUI {
			sections = append(sections, [2]*yaml.Node{scalar(s.Name), rules})
		}
	}

	var b bytes.Buffer
	b.WriteString(header)
	for _, sec := range sections {
		// One top-level key at a time, so that a blank line can part them.
		b.WriteByte('\n')
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(&yaml.Node{Kind: yaml.MappingNode, Content: sec[:]}); err != nil {
			return nil, fmt.Errorf("scopesyml: encoding %s: %w", sec[0].Value, err)
		}
		if err := enc.Close(); err != nil {
			return nil, fmt.Errorf("scopesyml: encoding %s: %w", sec[0].Value, err)
		}
	}
	return b.Bytes(), nil
}

// uiActions returns a scope's UI rules as UI-Scopes writes them: actions
// in order of first appearance, each with its servers in rule order.
func uiActions(rules []domain.Rule) *yaml.Node {
	out := &yaml.Node{Kind: yaml.MappingNode}
	lists := map[string]*yaml.Node{}
	for _, r := range rules {
		if !r.UI {
			continue
		}
		server := r.Server
		if server == domain.Wildcard {
			server = uiAll
		}
		for _, p := range r.Permissions {
			action := domain.UIAction(p)
			l := lists[action]
			if l == nil {
				l = &yaml.Node{Kind: yaml.SequenceNode}
				lists[action] = l
				out.Content = append(out.Content, scalar(action), l)
			}
			l.Content = append(l.Content, scalar(server))
		}
	}
	return out
}

// ruleNode writes a server rule, leaving out the lists that are nil.
func ruleNode(r *domain.Rule) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar(ruleServer), scalar(r.Server)}}
	if r.Permissions != nil {
		ps := make([]string, len(r.Permissions))
		for i, p := range r.Permissions {
			ps[i] = string(p)
		}
		n.Content = append(n.Content, scalar(rulePermissions), stringSeq(ps))
	}
	if r.Methods != nil {
		n.Content = append(n.Content, scalar(ruleMethods), stringSeq(r.Methods))
	}
	if r.Tools != nil {
		n.Content = append(n.Content, scalar(ruleTools), stringSeq(r.Tools))
	}
	return n
}

// stringSeq returns a list of string nodes.
func stringSeq(ss []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Content: make([]*yaml.Node, len(ss))}
	for i, s := range ss {
		n.Content[i] = scalar(s)
	}
	return n
}

// scalar returns a string node, double-quoted unless plainly safe.
func scalar(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if !plainScalar(s) {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// plainScalar reports whether s can be written unquoted and be read back
// as the same string by any YAML reader, YAML 1.1 ones (such as the Python
// registry's PyYAML, which reads yes and off as booleans) included: a
// letter or underscore, then letters, digits, and _ . / -.
func plainScalar(s string) bool {
	if s == "" {
		return false
	}
	switch strings.ToLower(s) {
	case "y", "yes", "n", "no", "on", "off", "true", "false", "null":
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_':
		case i > 0 && (r >= '0' && r <= '9' || r == '.' || r == '/' || r == '-'):
		default:
			return false
		}
	}
	return true
}
