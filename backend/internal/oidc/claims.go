package oidc

import (
	"errors"
	"slices"
	"strings"
)

// ErrGroupsOverage means the IdP left the groups out of the token because
// the user has too many (Entra ID sends a pointer to Microsoft Graph
// instead). Signing in without them would silently drop the user's rights,
// so sign-in fails with this message instead.
var ErrGroupsOverage = errors.New("the identity provider left the user's groups out of the token " +
	"(groups overage: too many groups); configure the app registration to emit app roles or " +
	"only the groups assigned to the application")

// entraGroupClaims are the claims Entra ID roles and groups arrive in
// (seed 003): app roles as strings or objects, and group object IDs.
var entraGroupClaims = [...]string{"roles", "appRoles", "app_roles", "groups"}

// Groups returns the user's groups from claims c: the claim groupsClaim,
// which may be a dotted path into nested objects (Keycloak's
// "realm_access.roles"), and for providerType "entra" also every claim
// Entra roles and groups come in. Values may be an array of strings, a
// single string, or objects with "value" or "displayName" (Entra appRoles).
// The result is sorted and free of duplicates and empty names, never nil.
func Groups(c Claims, providerType, groupsClaim string) ([]string, error) {
	if overage(c, providerType, groupsClaim) {
		return nil, ErrGroupsOverage
	}
	var out []string
	if groupsClaim != "" {
		out = appendGroupValues(out, claimPath(c, groupsClaim))
	}
	if providerType == TypeEntra {
		for _, name := range entraGroupClaims {
			out = appendGroupValues(out, c[name])
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []string{}
	}
	return out, nil
}

// overage reports whether the token says its groups were left out: OIDC
// distributed claims (_claim_names naming the groups claim) or Entra's
// hasgroups flag and _claim_sources.
func overage(c Claims, providerType, groupsClaim string) bool {
	if names, ok := c["_claim_names"].(map[string]any); ok {
		if _, ok := names["groups"]; ok {
			return true
		}
		if groupsClaim != "" {
			if _, ok := names[strings.SplitN(groupsClaim, ".", 2)[0]]; ok {
				return true
			}
		}
	}
	switch v := c["hasgroups"].(type) {
	case bool:
		if v {
			return true
		}
	case string:
		if strings.EqualFold(v, "true") {
			return true
		}
	}
	if providerType == TypeEntra {
		if _, ok := c["_claim_sources"]; ok {
			return true
		}
	}
	return false
}

// claimPath finds name in c: the literal claim first (namespaced claims
// such as "https://example.com/groups" contain dots), then the dotted path.
func claimPath(c Claims, name string) any {
	if v, ok := c[name]; ok {
		return v
	}
	if !strings.Contains(name, ".") {
		return nil
	}
	var cur any = map[string]any(c)
	for part := range strings.SplitSeq(name, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = m[part]; !ok {
			return nil
		}
	}
	return cur
}

// appendGroupValues appends the group names in v.
func appendGroupValues(out []string, v any) []string {
	switch v := v.(type) {
	case string:
		return appendName(out, v)
	case []string:
		for _, s := range v {
			out = appendName(out, s)
		}
	case []any:
		for _, e := range v {
			switch e := e.(type) {
			case string:
				out = appendName(out, e)
			case map[string]any:
				// Entra appRoles objects: the value is what tokens and
				// scopes.yml name; displayName only when there is no value.
				if s, _ := e["value"].(string); s != "" {
					out = appendName(out, s)
				} else if s, _ := e["displayName"].(string); s != "" {
					out = appendName(out, s)
				}
			}
		}
	case map[string]any:
		// A single appRoles object.
		return appendGroupValues(out, []any{v})
	}
	return out
}

func appendName(out []string, s string) []string {
	if s = strings.TrimSpace(s); s != "" {
		out = append(out, s)
	}
	return out
}
