package config

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/mcpgw/mcpgw/backend/internal/oidc"
)

// Identity providers are configured per provider: OIDC_PROVIDERS lists their
// ids and OIDC_<ID>_<FIELD> sets each field; OIDC_PROVIDERS_FILE may list
// more in YAML; seed 004's MCP_AUTH_* variables configure one more. The
// per-provider variables are not in the options table because their names
// depend on the ids.

// providerField is one per-provider setting: its env suffix (also its YAML
// key, lower-cased) and where it goes.
type providerField struct {
	suffix string
	help   string
	secret bool
	set    func(p *oidc.ProviderConfig, v string)
}

func providerFields() []providerField {
	list := func(v string) []string {
		return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
	}
	return []providerField{
		{"TYPE", "cognito, okta, entra, keycloak or generic (default: the id when it is one of these, else generic)", false,
			func(p *oidc.ProviderConfig, v string) { p.Type = v }},
		{"DISPLAY_NAME", "Button label on the sign-in page", false, func(p *oidc.ProviderConfig, v string) { p.DisplayName = v }},
		{"CLIENT_ID", "OAuth client id registered at the provider (required)", false, func(p *oidc.ProviderConfig, v string) { p.ClientID = v }},
		{"CLIENT_SECRET", "OAuth client secret (confidential clients)", true, func(p *oidc.ProviderConfig, v string) { p.ClientSecret = v }},
		{"ISSUER", "Exact issuer (iss) of the provider's tokens; derived for cognito/okta/entra/keycloak", false,
			func(p *oidc.ProviderConfig, v string) { p.Issuer = v }},
		{"DISCOVERY_URL", "OpenID discovery document; default ISSUER/.well-known/openid-configuration", false,
			func(p *oidc.ProviderConfig, v string) { p.DiscoveryURL = v }},
		{"AUTHORIZE_URL", "Explicit authorization endpoint (overrides discovery)", false, func(p *oidc.ProviderConfig, v string) { p.AuthorizeURL = v }},
		{"TOKEN_URL", "Explicit token endpoint (overrides discovery)", false, func(p *oidc.ProviderConfig, v string) { p.TokenURL = v }},
		{"JWKS_URL", "Explicit JWKS URL (overrides discovery)", false, func(p *oidc.ProviderConfig, v string) { p.JWKSURL = v }},
		{"SCOPES", "Scopes requested at sign-in, space or comma separated (default: openid profile email)", false,
			func(p *oidc.ProviderConfig, v string) { p.Scopes = list(v) }},
		{"GROUPS_CLAIM", "Claim holding the user's groups; a dotted path is allowed (default cognito:groups, groups, or roles for entra)", false,
			func(p *oidc.ProviderConfig, v string) { p.GroupsClaim = v }},
		{"USERNAME_CLAIM", "Claim used as the username (default per type: cognito:username, preferred_username, email)", false,
			func(p *oidc.ProviderConfig, v string) { p.UsernameClaim = v }},
		{"AUDIENCES", "Accepted audiences of bearer access tokens, comma separated (default: the client id; Cognito: client ids)", false,
			func(p *oidc.ProviderConfig, v string) { p.Audiences = list(v) }},
		{"CLIENT_IDS", "Only these OAuth clients' bearer access tokens are accepted (client_id, cid, azp or appid claim), comma separated (default any; okta on the default server: the client id)", false,
			func(p *oidc.ProviderConfig, v string) { p.ClientIDs = list(v) }},
		{"REGION", "cognito: AWS region of the user pool", false, func(p *oidc.ProviderConfig, v string) { p.Region = v }},
		{"USER_POOL_ID", "cognito: user pool id, e.g. us-east-1_AbCdEf123", false, func(p *oidc.ProviderConfig, v string) { p.UserPoolID = v }},
		{"DOMAIN", "cognito: hosted UI domain, e.g. https://myapp.auth.us-east-1.amazoncognito.com", false,
			func(p *oidc.ProviderConfig, v string) { p.Domain = v }},
		{"TENANT_URL", "okta: your Okta URL, e.g. https://example.okta.com", false, func(p *oidc.ProviderConfig, v string) { p.TenantURL = v }},
		{"AUTH_SERVER_ID", "okta: authorization server id (default: default; org: the org server)", false,
			func(p *oidc.ProviderConfig, v string) { p.AuthServerID = v }},
		{"TENANT_ID", "entra: directory (tenant) id", false, func(p *oidc.ProviderConfig, v string) { p.TenantID = v }},
		{"BASE_URL", "keycloak: server URL, e.g. https://keycloak.example.com", false, func(p *oidc.ProviderConfig, v string) { p.BaseURL = v }},
		{"REALM", "keycloak: realm name", false, func(p *oidc.ProviderConfig, v string) { p.Realm = v }},
	}
}

var providerIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// providerEnvPrefix is the variable prefix of provider id: OIDC_CORP_EU_.
func providerEnvPrefix(id string) string {
	return "OIDC_" + strings.ToUpper(strings.ReplaceAll(id, "-", "_")) + "_"
}

// loadProviders reads every configured identity provider and resolves it,
// so a mistake is reported at start (and by `mcpgw config check`) naming
// the variable to fix.
func loadProviders(c *Config, lookup func(string) (string, bool), readFile func(string) ([]byte, error)) []error {
	var (
		errs []error
		all  []oidc.ProviderConfig
		// where tells, per provider, how to name a field in an error.
		where = map[string]func(field string) string{}
	)
	add := func(p oidc.ProviderConfig, name func(string) string) {
		if _, dup := where[p.ID]; dup {
			errs = append(errs, fmt.Errorf("%s: identity provider %q is configured twice", name("id"), p.ID))
			return
		}
		where[p.ID] = name
		all = append(all, p)
	}

	if ids, _ := lookup("OIDC_PROVIDERS"); strings.TrimSpace(ids) != "" {
		for _, id := range strings.FieldsFunc(ids, func(r rune) bool { return r == ',' || r == ' ' }) {
			if !providerIDPattern.MatchString(id) {
				errs = append(errs, fmt.Errorf("OIDC_PROVIDERS: %q is not a provider id (lowercase letters, digits and -, at most 32)", id))
				continue
			}
			prefix := providerEnvPrefix(id)
			p := oidc.ProviderConfig{ID: id}
			for _, f := range providerFields() {
				v, err := value(option{name: prefix + f.suffix, secret: f.secret}, lookup, readFile)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s%s: %w", prefix, f.suffix, err))
					continue
				}
				if v != "" {
					f.set(&p, v)
				}
			}
			add(p, func(field string) string { return prefix + strings.ToUpper(field) })
		}
	}

	if path, _ := lookup("OIDC_PROVIDERS_FILE"); path != "" {
		b, err := readFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("OIDC_PROVIDERS_FILE: %w", err))
		} else {
			ps, err := parseProvidersFile(b, readFile)
			if err != nil {
				errs = append(errs, fmt.Errorf("OIDC_PROVIDERS_FILE: %w", err))
			}
			for _, p := range ps {
				id := p.ID
				if !providerIDPattern.MatchString(id) {
					errs = append(errs, fmt.Errorf("OIDC_PROVIDERS_FILE: %q is not a provider id (lowercase letters, digits and -, at most 32)", id))
					continue
				}
				add(p, func(field string) string {
					return fmt.Sprintf("OIDC_PROVIDERS_FILE: providers[%s].%s", id, strings.ToLower(field))
				})
			}
		}
	}

	if p, ok, err := seed004Provider(c, lookup, readFile); err != nil {
		errs = append(errs, err)
	} else if ok {
		add(p, func(field string) string { return "MCP_AUTH (" + p.ID + "): " + strings.ToLower(field) })
	}

	for _, p := range all {
		if p.Type == "" {
			switch p.ID {
			case oidc.TypeCognito, oidc.TypeOkta, oidc.TypeEntra, oidc.TypeKeycloak:
				p.Type = p.ID
			default:
				p.Type = oidc.TypeGeneric
			}
		}
		r, err := p.Resolve()
		if err != nil {
			errs = append(errs, nameProviderError(err, where[p.ID]))
			continue
		}
		c.Providers = append(c.Providers, r)
	}
	return errs
}

// nameProviderError turns Resolve's "field: problem" into "VARIABLE: problem".
func nameProviderError(err error, name func(string) string) error {
	msg := err.Error()
	if field, rest, ok := strings.Cut(msg, ": "); ok && !strings.ContainsAny(field, " ") {
		return fmt.Errorf("%s: %s", name(field), rest)
	}
	return fmt.Errorf("%s: %s", name("config"), msg)
}

// parseProvidersFile reads OIDC_PROVIDERS_FILE:
//
//	providers:
//	  - id: corp
//	    type: generic
//	    client_id: ...
//	    client_secret_file: /run/secrets/corp
//	    issuer: https://sso.example.com
func parseProvidersFile(b []byte, readFile func(string) ([]byte, error)) ([]oidc.ProviderConfig, error) {
	var doc struct {
		Providers []map[string]string `yaml:"providers"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not a providers file: %w", err)
	}
	fields := map[string]providerField{}
	for _, f := range providerFields() {
		fields[strings.ToLower(f.suffix)] = f
	}
	var out []oidc.ProviderConfig
	for i, m := range doc.Providers {
		p := oidc.ProviderConfig{ID: m["id"]}
		for k, v := range m {
			if k == "id" {
				continue
			}
			name, fromFile := strings.CutSuffix(k, "_file")
			f, ok := fields[name]
			if !ok || (fromFile && !f.secret) {
				return nil, fmt.Errorf("providers[%d]: unknown key %q", i, k)
			}
			if fromFile {
				s, err := readFile(v)
				if err != nil {
					return nil, fmt.Errorf("providers[%d].%s: %w", i, k, err)
				}
				v = strings.TrimRight(string(s), "\r\n")
			}
			f.set(&p, v)
		}
		out = append(out, p)
	}
	return out, nil
}

// seed004Provider maps seed 004's MCP_AUTH_* variables (one provider:
// cognito, okta or generic) onto a provider named after its type, so a
// deployment of the system we replace keeps working unchanged.
func seed004Provider(c *Config, lookup func(string) (string, bool), readFile func(string) ([]byte, error)) (oidc.ProviderConfig, bool, error) {
	enabled, _ := lookup("MCP_AUTH_ENABLED")
	if enabled == "" {
		return oidc.ProviderConfig{}, false, nil
	}
	var on bool
	if err := setBool(&on, enabled); err != nil {
		return oidc.ProviderConfig{}, false, fmt.Errorf("MCP_AUTH_ENABLED: %w", err)
	}
	if !on {
		return oidc.ProviderConfig{}, false, nil
	}
	kind, _ := lookup("MCP_AUTH_PROVIDER_TYPE")
	get := func(name string, secret bool) (string, error) {
		v, err := value(option{name: name, secret: secret}, lookup, readFile)
		if err != nil {
			return "", fmt.Errorf("%s: %w", name, err)
		}
		return v, nil
	}
	var (
		p        oidc.ProviderConfig
		errs     []error
		callback string
	)
	must := func(dst *string, name string, secret bool) {
		v, err := get(name, secret)
		if err != nil {
			errs = append(errs, err)
		}
		*dst = v
	}
	switch kind {
	case "cognito":
		p = oidc.ProviderConfig{ID: "cognito", Type: oidc.TypeCognito}
		must(&p.UserPoolID, "MCP_AUTH_COGNITO_USER_POOL_ID", false)
		must(&p.ClientID, "MCP_AUTH_COGNITO_CLIENT_ID", false)
		must(&p.ClientSecret, "MCP_AUTH_COGNITO_CLIENT_SECRET", true)
		must(&p.Region, "MCP_AUTH_COGNITO_REGION", false)
		must(&p.Domain, "MCP_AUTH_COGNITO_DOMAIN", false)
		must(&callback, "MCP_AUTH_COGNITO_CALLBACK_URI", false)
	case "okta":
		p = oidc.ProviderConfig{ID: "okta", Type: oidc.TypeOkta}
		must(&p.TenantURL, "MCP_AUTH_OKTA_TENANT_URL", false)
		must(&p.ClientID, "MCP_AUTH_OKTA_CLIENT_ID", false)
		must(&p.ClientSecret, "MCP_AUTH_OKTA_CLIENT_SECRET", true)
		must(&callback, "MCP_AUTH_OKTA_CALLBACK_URI", false)
	case "generic":
		p = oidc.ProviderConfig{ID: "generic", Type: oidc.TypeGeneric}
		must(&p.ClientID, "MCP_AUTH_CLIENT_ID", false)
		must(&p.ClientSecret, "MCP_AUTH_CLIENT_SECRET", true)
		must(&p.AuthorizeURL, "MCP_AUTH_AUTHORIZE_URL", false)
		must(&p.TokenURL, "MCP_AUTH_TOKEN_URL", false)
		must(&p.JWKSURL, "MCP_AUTH_JWKS_URL", false)
		must(&p.Issuer, "MCP_AUTH_ISSUER", false)
		var scopes string
		must(&scopes, "MCP_AUTH_SCOPES", false)
		p.Scopes = strings.Fields(scopes)
		must(&callback, "MCP_AUTH_CALLBACK_URI", false)
	default:
		return p, false, fmt.Errorf("MCP_AUTH_PROVIDER_TYPE: %q is not cognito, okta or generic", kind)
	}
	if len(errs) > 0 {
		return p, false, errors.Join(errs...)
	}
	// The callback is always PUBLIC_URL/oauth2/callback/{id}; a different
	// registered URI would fail at the provider, so say so now.
	if want := c.PublicURL.String() + "/oauth2/callback/" + p.ID; callback != "" && callback != want {
		return p, false, fmt.Errorf("MCP_AUTH_*_CALLBACK_URI: mcpgw's callback is %s; register that URL at the provider and set this variable to it (or unset it)", want)
	}
	return p, true, nil
}

// providersExample documents the per-provider variables in .env.example.
func providersExample() string {
	var b strings.Builder
	b.WriteString("\n# --- Identity providers: one block per id listed in OIDC_PROVIDERS ---\n")
	b.WriteString("# For a provider with id ID, every variable is OIDC_<ID>_<FIELD> (ID upper-cased, - as _).\n")
	b.WriteString("# Callback URL to register at the provider: PUBLIC_URL/oauth2/callback/<id>. See README, \"Identity providers\".\n")
	for _, f := range providerFields() {
		help := f.help
		if f.secret {
			help += " [secret; or OIDC_<ID>_" + f.suffix + "_FILE]"
		}
		fmt.Fprintf(&b, "# %s\n# OIDC_<ID>_%s=\n", help, f.suffix)
	}
	b.WriteString("# Seed 004's variables are also understood (one provider, id = its type):\n")
	b.WriteString("# MCP_AUTH_ENABLED=true, MCP_AUTH_PROVIDER_TYPE=cognito|okta|generic, MCP_AUTH_COGNITO_{USER_POOL_ID,CLIENT_ID,CLIENT_SECRET,REGION,DOMAIN},\n")
	b.WriteString("# MCP_AUTH_OKTA_{TENANT_URL,CLIENT_ID,CLIENT_SECRET}, MCP_AUTH_{CLIENT_ID,CLIENT_SECRET,AUTHORIZE_URL,TOKEN_URL,JWKS_URL,ISSUER,SCOPES}.\n")
	return b.String()
}
