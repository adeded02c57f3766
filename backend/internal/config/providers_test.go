package config

import (
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/mcpgw/mcpgw/backend/internal/oidc"
)

func files(m map[string]string) func(string) ([]byte, error) {
	return func(p string) ([]byte, error) {
		if v, ok := m[p]; ok {
			return []byte(v), nil
		}
		return nil, fs.ErrNotExist
	}
}

func TestProvidersFromEnvironment(t *testing.T) {
	c, err := Load(env(map[string]string{
		"OIDC_PROVIDERS":               "okta, corp-eu,entra,keycloak,cognito",
		"OIDC_OKTA_TENANT_URL":         "https://example.okta.com",
		"OIDC_OKTA_CLIENT_ID":          "0oa1",
		"OIDC_OKTA_CLIENT_SECRET_FILE": "/run/okta",
		"OIDC_CORP_EU_ISSUER":          "https://sso.corp.example",
		"OIDC_CORP_EU_CLIENT_ID":       "mcpgw",
		"OIDC_CORP_EU_DISPLAY_NAME":    "Corp SSO",
		"OIDC_CORP_EU_AUTHORIZE_URL":   "https://sso.corp.example/authorize",
		"OIDC_CORP_EU_TOKEN_URL":       "https://sso.corp.example/token",
		"OIDC_CORP_EU_JWKS_URL":        "https://sso.corp.example/jwks",
		"OIDC_CORP_EU_SCOPES":          "openid groups",
		"OIDC_CORP_EU_GROUPS_CLAIM":    "realm_access.roles",
		"OIDC_ENTRA_TENANT_ID":         "7f1c2e90-0000-4000-8000-000000000001",
		"OIDC_ENTRA_CLIENT_ID":         "11111111-1111-1111-1111-111111111111",
		"OIDC_KEYCLOAK_BASE_URL":       "https://kc.example.com",
		"OIDC_KEYCLOAK_REALM":          "mcp",
		"OIDC_KEYCLOAK_CLIENT_ID":      "mcpgw",
		"OIDC_COGNITO_USER_POOL_ID":    "us-east-1_AbC123",
		"OIDC_COGNITO_CLIENT_ID":       "app-client",
		"OIDC_COGNITO_DOMAIN":          "https://my.auth.us-east-1.amazoncognito.com",
		"OIDC_COGNITO_AUDIENCES":       "other-client",
	}), files(map[string]string{"/run/okta": "okta-secret\n"}))
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]oidc.ProviderConfig{}
	var ids []string
	for _, p := range c.Providers {
		byID[p.ID] = p
		ids = append(ids, p.ID)
	}
	if !slices.Equal(ids, []string{"okta", "corp-eu", "entra", "keycloak", "cognito"}) {
		t.Fatalf("ids = %v", ids)
	}
	okta := byID["okta"]
	if okta.Type != oidc.TypeOkta || okta.ClientSecret != "okta-secret" || okta.Issuer != "https://example.okta.com/oauth2/default" {
		t.Fatalf("okta = %+v", okta)
	}
	corp := byID["corp-eu"]
	if corp.Type != oidc.TypeGeneric || corp.DisplayName != "Corp SSO" || corp.TokenURL != "https://sso.corp.example/token" ||
		!slices.Equal(corp.Scopes, []string{"openid", "groups"}) || corp.GroupsClaim != "realm_access.roles" {
		t.Fatalf("corp = %+v", corp)
	}
	if e := byID["entra"]; e.Issuer != "https://login.microsoftonline.com/7f1c2e90-0000-4000-8000-000000000001/v2.0" {
		t.Fatalf("entra = %+v", e)
	}
	if k := byID["keycloak"]; k.Issuer != "https://kc.example.com/realms/mcp" {
		t.Fatalf("keycloak = %+v", k)
	}
	cg := byID["cognito"]
	if cg.Issuer != "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123" || cg.AuthorizeURL != "https://my.auth.us-east-1.amazoncognito.com/oauth2/authorize" ||
		!slices.Contains(cg.Audiences, "other-client") {
		t.Fatalf("cognito = %+v", cg)
	}
	// The secret never reaches the log view of the config.
	if v := c.LogValue().String(); strings.Contains(v, "okta-secret") || !strings.Contains(v, "corp-eu") {
		t.Fatalf("LogValue = %s", v)
	}
}

func TestProvidersFile(t *testing.T) {
	c, err := Load(env(map[string]string{"OIDC_PROVIDERS_FILE": "/etc/mcpgw/providers.yml"}), files(map[string]string{
		"/etc/mcpgw/providers.yml": `
providers:
  - id: corp
    display_name: Corp SSO
    client_id: mcpgw
    client_secret_file: /run/corp
    issuer: https://sso.corp.example
  - id: okta
    tenant_url: https://example.okta.com
    auth_server_id: org
    client_id: 0oa1
`,
		"/run/corp": "corp-secret",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Providers) != 2 || c.Providers[0].ClientSecret != "corp-secret" || c.Providers[0].Type != oidc.TypeGeneric ||
		c.Providers[1].Issuer != "https://example.okta.com" {
		t.Fatalf("providers = %+v", c.Providers)
	}
}

func TestSeed004Variables(t *testing.T) {
	c, err := Load(env(map[string]string{
		"MCP_AUTH_ENABLED":               "true",
		"MCP_AUTH_PROVIDER_TYPE":         "cognito",
		"MCP_AUTH_COGNITO_USER_POOL_ID":  "us-east-1_AbC123",
		"MCP_AUTH_COGNITO_CLIENT_ID":     "app-client",
		"MCP_AUTH_COGNITO_CLIENT_SECRET": "s3cret",
		"MCP_AUTH_COGNITO_REGION":        "us-east-1",
		"MCP_AUTH_COGNITO_CALLBACK_URI":  "http://localhost:7860/oauth2/callback/cognito",
	}), noFiles)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Providers) != 1 || c.Providers[0].ID != "cognito" || c.Providers[0].ClientSecret != "s3cret" {
		t.Fatalf("providers = %+v", c.Providers)
	}

	c, err = Load(env(map[string]string{
		"MCP_AUTH_ENABLED":       "true",
		"MCP_AUTH_PROVIDER_TYPE": "generic",
		"MCP_AUTH_CLIENT_ID":     "mcpgw",
		"MCP_AUTH_AUTHORIZE_URL": "https://idp.example/oauth2/authorize",
		"MCP_AUTH_TOKEN_URL":     "https://idp.example/oauth2/token",
		"MCP_AUTH_JWKS_URL":      "https://idp.example/.well-known/jwks.json",
		"MCP_AUTH_ISSUER":        "https://idp.example",
		"MCP_AUTH_SCOPES":        "openid profile email",
	}), noFiles)
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Providers[0]; p.ID != "generic" || p.JWKSURL != "https://idp.example/.well-known/jwks.json" || len(p.Scopes) != 3 {
		t.Fatalf("generic = %+v", p)
	}

	// Seed 004's callback path differs from ours: say which URL to use.
	_, err = Load(env(map[string]string{
		"MCP_AUTH_ENABLED": "true", "MCP_AUTH_PROVIDER_TYPE": "okta", "MCP_AUTH_OKTA_TENANT_URL": "https://x.okta.com",
		"MCP_AUTH_OKTA_CLIENT_ID": "c", "MCP_AUTH_OKTA_CALLBACK_URI": "http://localhost:7860/oauth/callback/okta",
	}), noFiles)
	if err == nil || !strings.Contains(err.Error(), "http://localhost:7860/oauth2/callback/okta") {
		t.Fatalf("callback mismatch: %v", err)
	}
}

func TestProviderErrorsNameTheVariable(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"OIDC_PROVIDERS": "corp", "OIDC_CORP_ISSUER": "https://x"}, "OIDC_CORP_CLIENT_ID:"},
		{map[string]string{"OIDC_PROVIDERS": "Corp!"}, "OIDC_PROVIDERS:"},
		{map[string]string{"OIDC_PROVIDERS": "okta", "OIDC_OKTA_CLIENT_ID": "c"}, "OIDC_OKTA_TENANT_URL:"},
		{map[string]string{"OIDC_PROVIDERS": "cognito", "OIDC_COGNITO_CLIENT_ID": "c", "OIDC_COGNITO_USER_POOL_ID": "nope"}, "OIDC_COGNITO_USER_POOL_ID:"},
		{map[string]string{"OIDC_PROVIDERS": "x", "OIDC_X_TYPE": "saml", "OIDC_X_CLIENT_ID": "c"}, "OIDC_X_TYPE:"},
		{map[string]string{"OIDC_PROVIDERS": "x", "OIDC_X_CLIENT_ID": "c", "OIDC_X_CLIENT_SECRET": "a", "OIDC_X_CLIENT_SECRET_FILE": "/f", "OIDC_X_ISSUER": "https://x"}, "OIDC_X_CLIENT_SECRET:"},
		{map[string]string{"OIDC_PROVIDERS": "x,x", "OIDC_X_CLIENT_ID": "c", "OIDC_X_ISSUER": "https://x"}, "configured twice"},
		{map[string]string{"OIDC_PROVIDERS_FILE": "/p.yml"}, "OIDC_PROVIDERS_FILE:"},
		{map[string]string{"MCP_AUTH_ENABLED": "true", "MCP_AUTH_PROVIDER_TYPE": "saml"}, "MCP_AUTH_PROVIDER_TYPE:"},
	}
	for _, tc := range cases {
		_, err := Load(env(tc.env), noFiles)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want it to name %s", tc.env, err, tc.want)
		}
	}
}
