package oidc

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
)

// decode parses a claims JSON document the way the verifier does.
func decode(t *testing.T, doc string) Claims {
	t.Helper()
	var c Claims
	if err := json.Unmarshal([]byte(doc), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGroups(t *testing.T) {
	cases := []struct {
		name, typ, claim, doc string
		want                  []string
	}{
		{"entra roles array", TypeEntra, "roles", `{"roles":["mcp-admin","mcp-user"]}`, []string{"mcp-admin", "mcp-user"}},
		{"entra single-string roles", TypeEntra, "roles", `{"roles":"mcp-user"}`, []string{"mcp-user"}},
		{"entra appRoles objects", TypeEntra, "roles",
			`{"appRoles":[{"value":"Reader","displayName":"Readers"},{"displayName":"NoValue"},{"id":"x"}]}`,
			[]string{"NoValue", "Reader"}},
		{"entra app_roles", TypeEntra, "roles", `{"app_roles":["a","b"]}`, []string{"a", "b"}},
		{"entra groups GUIDs", TypeEntra, "roles",
			`{"groups":["5e2a4c1f-0000-4000-8000-000000000001","5e2a4c1f-0000-4000-8000-000000000002"]}`,
			[]string{"5e2a4c1f-0000-4000-8000-000000000001", "5e2a4c1f-0000-4000-8000-000000000002"}},
		{"entra union, deduped and sorted", TypeEntra, "wids",
			`{"roles":["b","a"],"groups":["a","c"],"appRoles":[{"value":"b"}],"app_roles":"d","wids":["w"]}`,
			[]string{"a", "b", "c", "d", "w"}},
		{"cognito groups", TypeCognito, "cognito:groups", `{"cognito:groups":["admins","users"],"groups":["ignored"]}`,
			[]string{"admins", "users"}},
		{"keycloak dotted path", TypeKeycloak, "realm_access.roles",
			`{"realm_access":{"roles":["offline_access","mcp-admin"]},"groups":["/ignored"]}`,
			[]string{"mcp-admin", "offline_access"}},
		{"keycloak client roles path", TypeKeycloak, "resource_access.gateway.roles",
			`{"resource_access":{"gateway":{"roles":["ops"]}}}`, []string{"ops"}},
		{"dotted path through a non-object", TypeKeycloak, "realm_access.roles", `{"realm_access":"x"}`, []string{}},
		{"literal claim with dots wins", TypeGeneric, "https://example.com/groups",
			`{"https://example.com/groups":["ns"]}`, []string{"ns"}},
		{"okta groups", TypeOkta, "groups", `{"groups":["Everyone","mcp-admin"," "]}`, []string{"Everyone", "mcp-admin"}},
		{"non-entra ignores roles", TypeOkta, "groups", `{"roles":["r"]}`, []string{}},
		{"no groups", TypeGeneric, "groups", `{}`, []string{}},
		{"garbage values dropped", TypeGeneric, "groups", `{"groups":[1,null,{"x":1},"ok",""]}`, []string{"ok"}},
		{"hasgroups false", TypeEntra, "roles", `{"hasgroups":false,"roles":["a"]}`, []string{"a"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Groups(decode(t, tc.doc), tc.typ, tc.claim)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil || !slices.Equal(got, tc.want) {
				t.Fatalf("Groups = %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestGroupsOverage(t *testing.T) {
	cases := []struct{ name, typ, claim, doc string }{
		{"entra _claim_names", TypeEntra, "roles",
			`{"_claim_names":{"groups":"src1"},"_claim_sources":{"src1":{"endpoint":"https://graph.microsoft.com/v1.0/users/x/getMemberObjects"}}}`},
		{"entra hasgroups", TypeEntra, "roles", `{"hasgroups":true}`},
		{"entra hasgroups string", TypeEntra, "roles", `{"hasgroups":"true"}`},
		{"entra _claim_sources only", TypeEntra, "roles", `{"_claim_sources":{"src1":{}}}`},
		{"generic distributed groups claim", TypeGeneric, "memberOf", `{"_claim_names":{"memberOf":"src1"}}`},
		{"distributed groups on okta", TypeOkta, "groups", `{"_claim_names":{"groups":"src1"}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Groups(decode(t, tc.doc), tc.typ, tc.claim); !errors.Is(err, ErrGroupsOverage) {
				t.Fatalf("err = %v, want ErrGroupsOverage", err)
			}
		})
	}
}
