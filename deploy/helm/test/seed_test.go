package helmtest

// Seed servers (seedServers): the chart renders them into the file that
// SEED_SERVERS_FILE names, and the gateway registers them at start. The
// file must be what the values say, in keys the gateway's seed parser
// knows, mounted where the variable points; every secret an entry names
// must reach the gateway from a Secret.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// seedFilePath is where the chart mounts the seed file.
const seedFilePath = "/etc/mcpgw/seed/servers.yml"

// maxSeedFileSize is registry.MaxSeedFileSize: the gateway reads no more.
const maxSeedFileSize = 1 << 20

// seedValues: two seed servers, the secrets they name under secrets.extra.
const seedValues = `
secrets:
  secretKey: ` + key + `
  databaseUrl: postgres://mcpgw:pw@postgres.db:5432/mcpgw?sslmode=require
  redisUrl: rediss://:pw@redis.cache:6379/0
  extra:
    TIME_MCP_TOKEN: time-token-value
    SEARCH_API_KEY: search-key-value
seedServers:
  - path: time
    display_name: Time
    upstream_url: http://mcp-time.mcp.svc.cluster.local:8080/mcp
    description: |-
      The current time in any time zone.
      Runs beside the gateway.
    tags: [utility, "true"]
    license: MIT
    egress:
      type: bearer
      token_env: TIME_MCP_TOKEN
  - path: search
    display_name: Web search
    upstream_url: https://search.example.com/sse
    transport: sse
    enabled: false
    egress:
      type: headers
      headers:
        - name: X-Api-Key
          value_env: SEARCH_API_KEY
`

// seedValuesExistingSecret: the secrets come from a Secret the operator
// manages, by extraEnv valueFrom (secrets.extra is not read then).
const seedValuesExistingSecret = `
secrets:
  existingSecret: mcpgw-keys
migrations: {mode: initContainer}
extraEnv:
  - name: TIME_MCP_TOKEN
    valueFrom:
      secretKeyRef: {name: mcpgw-keys, key: time-mcp-token}
seedServers:
  - path: time
    display_name: Time
    upstream_url: http://mcp-time.mcp.svc.cluster.local:8080/mcp
    egress: {type: bearer, token_env: TIME_MCP_TOKEN}
  - path: everything
    display_name: Everything
    upstream_url: http://everything.mcp.svc.cluster.local:3001/mcp
`

// checkSeedServers is the check of the value sets with seed servers.
func checkSeedServers(t *testing.T, r *rendered, values string, secretVars ...string) {
	t.Helper()
	dep := deployment(t, r)
	gw := gateway(t, r)
	if v := envValue(gw, "SEED_SERVERS_FILE"); v != seedFilePath {
		t.Errorf("SEED_SERVERS_FILE = %q, want %s", v, seedFilePath)
	}
	sf, err := findSeedFile(r, &dep.Spec.Template.Spec, gw)
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseSeedFile(sf.content, knownSeedKeys(t))
	if err != nil {
		t.Fatalf("the mounted seed file: %v\n%s", err, sf.content)
	}
	// The entries of the values file, read as the values file is written
	// (so "true" stays a string and enabled: false a boolean).
	var want struct {
		SeedServers []any `yaml:"seedServers"`
	}
	if err := yaml.Unmarshal([]byte(values), &want); err != nil {
		t.Fatal(err)
	}
	if g, w := normalJSON(t, got), normalJSON(t, want.SeedServers); g != w {
		t.Errorf("the mounted seed file has\n%s\nthe values\n%s", g, w)
	}
	for _, name := range secretVars {
		if ref := envFrom(gw, name); ref == nil || ref.SecretKeyRef == nil {
			t.Errorf("the gateway does not read %s from a Secret", name)
		}
	}
	for _, m := range r.find("Job") {
		job := m.obj.(*batchv1.Job)
		for _, v := range job.Spec.Template.Spec.Volumes {
			if v.ConfigMap != nil && v.ConfigMap.Name == sf.cm.Name {
				t.Errorf("Job %s mounts the seed file", job.Name)
			}
		}
	}
	if !strings.Contains(r.notes, fmt.Sprintf("Seed servers: %d", len(got))) || strings.Contains(r.notes, "WARNING") {
		t.Errorf("NOTES.txt on seed servers whose secrets are all there:\n%s", r.notes)
	}
}

// seedVarsOf are the environment variables seedServers name for secrets
// (name: the field naming it).
func seedVarsOf(r *rendered) map[string]string {
	servers, _ := r.value("seedServers").([]any)
	return seedVarsIn(servers)
}

func seedVarsIn(servers []any) map[string]string {
	vars := map[string]string{}
	for i, s := range servers {
		eg, _ := asMap(s)["egress"].(map[string]any)
		if name, _ := eg["token_env"].(string); name != "" {
			vars[name] = fmt.Sprintf("seedServers[%d].egress.token_env", i)
		}
		hs, _ := eg["headers"].([]any)
		for j, h := range hs {
			if name, _ := asMap(h)["value_env"].(string); name != "" {
				vars[name] = fmt.Sprintf("seedServers[%d].egress.headers[%d].value_env", i, j)
			}
		}
	}
	return vars
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// checkSeed: with seedServers, the gateway container (only it) gets
// SEED_SERVERS_FILE, a path on a read-only mount of a ConfigMap of the
// release whose file holds exactly seedServers, in keys the seed parser
// knows; each variable an entry names for a secret reaches the gateway
// from a Secret. Without, there is no seed file.
func checkSeed(r *rendered, p *problems, s settings, pod *corev1.PodTemplateSpec, gw *corev1.Container, cm *corev1.ConfigMap) {
	for _, pm := range podTemplates(r) {
		for _, c := range allContainers(pm.spec) {
			if (pm.what != "Deployment" || c.Name != gw.Name) && hasEnv(&c, "SEED_SERVERS_FILE") {
				p.addf("%s container %s gets SEED_SERVERS_FILE: only the gateway reads the seed file", pm.what, c.Name)
			}
		}
	}
	want, _ := r.value("seedServers").([]any)
	if len(want) == 0 {
		if hasEnv(gw, "SEED_SERVERS_FILE") && !isExtraEnv(r, "SEED_SERVERS_FILE") {
			p.addf("the gateway gets SEED_SERVERS_FILE although seedServers is empty")
		}
		for _, m := range r.releaseObjects() {
			if m.kind == "ConfigMap" && m.name != cm.Name {
				p.addf("ConfigMap %s is rendered although seedServers is empty", m.name)
			}
		}
		return
	}
	sf, err := findSeedFile(r, &pod.Spec, gw)
	if err != nil {
		p.addf("seedServers: %v", err)
		return
	}
	if !sf.mount.ReadOnly {
		p.addf("the seed file's volume %s is mounted writable at %s: mount it readOnly", sf.mount.Name, sf.mount.MountPath)
	}
	if len(sf.content) > maxSeedFileSize {
		p.addf("the seed file has %d bytes; the gateway reads at most %d", len(sf.content), maxSeedFileSize)
	}
	got, err := parseSeedFile(sf.content, s.seed)
	if err != nil {
		p.addf("the seed file %s (ConfigMap %s): %v", sf.path, sf.cm.Name, err)
		return
	}
	g, err1 := json.Marshal(got)
	w, err2 := json.Marshal(want)
	if err1 != nil || err2 != nil || string(g) != string(w) {
		p.addf("the seed file's servers differ from seedServers:\nfile:   %s\nvalues: %s", g, w)
	}
	vars := seedVarsIn(got)
	for _, name := range slices.Sorted(maps.Keys(vars)) {
		checkSeedVar(p, gw, cm, name, vars[name])
	}
}

// checkSeedVar: the variable holding a seed server's secret comes from a
// Secret (the chart's, by secrets.extra, or the operator's by extraEnv
// valueFrom or extraEnvFrom), not from the pod spec or a ConfigMap.
func checkSeedVar(p *problems, gw *corev1.Container, cm *corev1.ConfigMap, name, field string) {
	if hasEnv(gw, name) {
		if ref := envFrom(gw, name); ref == nil || ref.SecretKeyRef == nil {
			p.addf("%s names %s, which the gateway gets in the clear (a value or a ConfigMap in the pod spec): give it in secrets.extra", field, name)
		}
		// From a Secret: checkEnvSources checks that the key is there.
		return
	}
	if _, ok := cm.Data[name]; ok {
		p.addf("%s names %s, which the gateway gets from the settings ConfigMap: give it in secrets.extra", field, name)
		return
	}
	if slices.ContainsFunc(gw.EnvFrom, func(ef corev1.EnvFromSource) bool { return ef.SecretRef != nil }) {
		return // an operator's Secret read whole may hold it
	}
	p.addf("%s names %s, which the gateway container does not get: give it in secrets.extra (or extraEnv with valueFrom)", field, name)
}

func envValue(c *corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func envFrom(c *corev1.Container, name string) *corev1.EnvVarSource {
	for _, e := range c.Env {
		if e.Name == name {
			return e.ValueFrom
		}
	}
	return nil
}

// seedFile is the seed file as the gateway container sees it.
type seedFile struct {
	path    string              // SEED_SERVERS_FILE
	mount   *corev1.VolumeMount // the mount it is on
	cm      *corev1.ConfigMap   // the ConfigMap it comes from
	key     string              // its key there
	content string
}

// findSeedFile follows SEED_SERVERS_FILE to the mount it is on, the
// volume, and the key of the release's ConfigMap that becomes the file.
func findSeedFile(r *rendered, spec *corev1.PodSpec, gw *corev1.Container) (*seedFile, error) {
	if !hasEnv(gw, "SEED_SERVERS_FILE") {
		return nil, errors.New("the gateway container does not get SEED_SERVERS_FILE")
	}
	if ref := envFrom(gw, "SEED_SERVERS_FILE"); ref != nil {
		return nil, fmt.Errorf("SEED_SERVERS_FILE comes from %+v; want the path itself", ref)
	}
	file := envValue(gw, "SEED_SERVERS_FILE")
	if !path.IsAbs(file) || path.Clean(file) != file {
		return nil, fmt.Errorf("SEED_SERVERS_FILE=%q is not a clean absolute path", file)
	}
	// The deepest mount holding the file is the one the gateway sees.
	var vm *corev1.VolumeMount
	var rel string
	for i := range gw.VolumeMounts {
		m := &gw.VolumeMounts[i]
		dir := path.Clean(m.MountPath)
		switch {
		case m.SubPath != "" && dir == file:
			if vm == nil || len(dir) > len(path.Clean(vm.MountPath)) {
				vm, rel = m, m.SubPath
			}
		case m.SubPath == "" && strings.HasPrefix(file, strings.TrimSuffix(dir, "/")+"/"):
			if vm == nil || len(dir) > len(path.Clean(vm.MountPath)) {
				vm, rel = m, strings.TrimPrefix(file, strings.TrimSuffix(dir, "/")+"/")
			}
		}
	}
	if vm == nil {
		return nil, fmt.Errorf("SEED_SERVERS_FILE=%s is on no volume mounted in the gateway container (the root filesystem holds no seed file)", file)
	}
	var vol *corev1.Volume
	for i := range spec.Volumes {
		if spec.Volumes[i].Name == vm.Name {
			vol = &spec.Volumes[i]
		}
	}
	if vol == nil || vol.ConfigMap == nil {
		return nil, fmt.Errorf("SEED_SERVERS_FILE=%s is on volume %s, which is not a ConfigMap", file, vm.Name)
	}
	key := rel
	if items := vol.ConfigMap.Items; len(items) > 0 {
		key = ""
		for _, it := range items {
			if it.Path == rel {
				key = it.Key
			}
		}
		if key == "" {
			return nil, fmt.Errorf("volume %s maps no key of ConfigMap %s to %s", vol.Name, vol.ConfigMap.Name, rel)
		}
	}
	m := r.get("ConfigMap", vol.ConfigMap.Name)
	if m == nil {
		return nil, fmt.Errorf("SEED_SERVERS_FILE=%s comes from ConfigMap %s, which the chart does not render", file, vol.ConfigMap.Name)
	}
	cm := m.obj.(*corev1.ConfigMap)
	content, ok := cm.Data[key]
	if !ok {
		return nil, fmt.Errorf("SEED_SERVERS_FILE=%s: ConfigMap %s has no key %s", file, cm.Name, key)
	}
	return &seedFile{path: file, mount: vm, cm: cm, key: key, content: content}, nil
}

// parseSeedFile reads a seed file with the YAML library the gateway's
// parser uses, as it does: one document, servers: a list, each mapping
// with only the keys the parser knows. It returns the list.
func parseSeedFile(content string, keys seedKeys) ([]any, error) {
	dec := yaml.NewDecoder(strings.NewReader(content))
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	var next any
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("not one YAML document (%v)", err)
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the file is %T, not a mapping of servers", doc)
	}
	var errs []error
	unknown := func(m map[string]any, what string, allowed []string) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !slices.Contains(allowed, k) {
				errs = append(errs, fmt.Errorf("%s: unknown key %q; the seed parser knows %s", what, k, strings.Join(allowed, ", ")))
			}
		}
	}
	unknown(root, "the file", keys.root)
	servers, ok := root["servers"].([]any)
	if !ok {
		return nil, fmt.Errorf("servers is %T, not a list", root["servers"])
	}
	for i, s := range servers {
		entry, ok := s.(map[string]any)
		if !ok {
			errs = append(errs, fmt.Errorf("servers[%d] is %T, not a mapping", i, s))
			continue
		}
		unknown(entry, fmt.Sprintf("servers[%d]", i), keys.entry)
		eg, ok := entry["egress"].(map[string]any)
		if !ok {
			continue
		}
		unknown(eg, fmt.Sprintf("servers[%d].egress", i), keys.egress)
		hs, _ := eg["headers"].([]any)
		for j, h := range hs {
			unknown(asMap(h), fmt.Sprintf("servers[%d].egress.headers[%d]", i, j), keys.header)
		}
	}
	return servers, errors.Join(errs...)
}

// normalJSON is v as indented JSON, so that YAML read by different
// libraries (int or float64 numbers) compares alike.
func normalJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var n any
	if err := json.Unmarshal(b, &n); err != nil {
		t.Fatal(err)
	}
	b, _ = json.MarshalIndent(n, "", "  ")
	return string(b)
}

// TestSeedChecksFindProblems: checkSeed passes the seed value set only
// because the chart is right; one mistake at a time, it names each.
func TestSeedChecksFindProblems(t *testing.T) {
	s := settingsOf(t)
	for _, c := range []struct {
		name   string
		values string
		mutate func(r *rendered)
		want   string
	}{
		{name: "a token_env the Secret does not provide",
			values: strings.Replace(seedValues, "    TIME_MCP_TOKEN: time-token-value\n", "", 1),
			want:   "seedServers[0].egress.token_env names TIME_MCP_TOKEN, which the gateway container does not get"},
		{name: "a value_env the Secret does not provide",
			values: strings.Replace(seedValues, "    SEARCH_API_KEY: search-key-value\n", "", 1),
			want:   "seedServers[1].egress.headers[0].value_env names SEARCH_API_KEY, which the gateway container does not get"},
		{name: "a secret given in the clear",
			values: strings.Replace(seedValues, "    SEARCH_API_KEY: search-key-value\n", "", 1) + "extraEnv: [{name: SEARCH_API_KEY, value: key}]\n",
			want:   "names SEARCH_API_KEY, which the gateway gets in the clear"},
		{name: "no SEED_SERVERS_FILE", mutate: func(r *rendered) {
			gw := gateway(t, r)
			gw.Env = slices.DeleteFunc(gw.Env, func(e corev1.EnvVar) bool { return e.Name == "SEED_SERVERS_FILE" })
		}, want: "does not get SEED_SERVERS_FILE"},
		{name: "SEED_SERVERS_FILE beside the mount", mutate: func(r *rendered) {
			setEnv(gateway(t, r), "SEED_SERVERS_FILE", "/etc/mcpgw/servers.yml")
		}, want: "SEED_SERVERS_FILE=/etc/mcpgw/servers.yml is on no volume mounted"},
		{name: "SEED_SERVERS_FILE naming another file of the mount", mutate: func(r *rendered) {
			setEnv(gateway(t, r), "SEED_SERVERS_FILE", "/etc/mcpgw/seed/servers.yaml")
		}, want: "has no key servers.yaml"},
		{name: "a writable mount", mutate: func(r *rendered) {
			for i := range gateway(t, r).VolumeMounts {
				gateway(t, r).VolumeMounts[i].ReadOnly = false
			}
		}, want: "mounted writable"},
		{name: "a literal token in the file", mutate: func(r *rendered) {
			editSeedFile(t, r, "token_env: TIME_MCP_TOKEN", "token: time-token-value")
		}, want: `servers[0].egress: unknown key "token"`},
		{name: "a literal header value in the file", mutate: func(r *rendered) {
			editSeedFile(t, r, "value_env: SEARCH_API_KEY", "value: search-key-value")
		}, want: `servers[1].egress.headers[0]: unknown key "value"`},
		{name: "a file that is not the values", mutate: func(r *rendered) {
			editSeedFile(t, r, "enabled: false", "enabled: true")
		}, want: "differ from seedServers"},
		{name: "a tag that turned boolean", mutate: func(r *rendered) {
			editSeedFile(t, r, `- "true"`, "- true")
		}, want: "differ from seedServers"},
		{name: "the migration Job told of the seed file", mutate: func(r *rendered) {
			job := r.find("Job")[0].obj.(*batchv1.Job)
			c := &job.Spec.Template.Spec.Containers[0]
			c.Env = append(c.Env, corev1.EnvVar{Name: "SEED_SERVERS_FILE", Value: seedFilePath})
		}, want: "only the gateway reads the seed file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			values := c.values
			if values == "" {
				values = seedValues
			}
			r, err := render(t, "mcpgw", parseValues(t, values))
			if err != nil {
				t.Fatal(err)
			}
			if c.mutate != nil {
				if p := checkRelease(r, s); len(p) > 0 {
					t.Fatalf("the unbroken release has problems: %v", p)
				}
				c.mutate(r)
			}
			p := checkRelease(r, s)
			if !strings.Contains(strings.Join(p, "\n"), c.want) {
				t.Fatalf("checkRelease found %q; want a problem containing %q", p, c.want)
			}
		})
	}
}

func setEnv(c *corev1.Container, name, value string) {
	for i := range c.Env {
		if c.Env[i].Name == name {
			c.Env[i].Value = value
		}
	}
}

func editSeedFile(t *testing.T, r *rendered, old, new string) {
	t.Helper()
	sf, err := findSeedFile(r, &deployment(t, r).Spec.Template.Spec, gateway(t, r))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sf.content, old) {
		t.Fatalf("test edit %q does not apply to\n%s", old, sf.content)
	}
	sf.cm.Data[sf.key] = strings.Replace(sf.content, old, new, 1)
}

// TestSchemaMatchesSeedParser: values.schema.json lets through exactly the
// keys the gateway's seed parser knows, at every level, and no other (no
// literal token or header value).
func TestSchemaMatchesSeedParser(t *testing.T) {
	keys := knownSeedKeys(t)
	b, err := os.ReadFile(chartDir + "/values.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(b, &schema); err != nil {
		t.Fatal(err)
	}
	dig := func(m map[string]any, path ...string) map[string]any {
		for _, p := range path {
			m = asMap(m[p])
		}
		return m
	}
	entry := dig(schema, "properties", "seedServers", "items")
	egress := dig(entry, "properties", "egress")
	header := dig(egress, "properties", "headers", "items")
	for _, c := range []struct {
		what   string
		schema map[string]any
		keys   []string
	}{{"an entry", entry, keys.entry}, {"egress", egress, keys.egress}, {"a header", header, keys.header}} {
		props := slices.Sorted(maps.Keys(asMap(c.schema["properties"])))
		if want := slices.Sorted(slices.Values(c.keys)); !slices.Equal(props, want) {
			t.Errorf("the schema of %s has keys %v; the seed parser knows %v", c.what, props, want)
		}
		if c.schema["additionalProperties"] != false {
			t.Errorf("the schema of %s admits other keys", c.what)
		}
	}
	required, _ := entry["required"].([]any)
	for _, k := range []string{"path", "display_name", "upstream_url"} {
		if !slices.Contains(required, any(k)) {
			t.Errorf("the schema of an entry does not require %s", k)
		}
	}
}

// TestGatewayAcceptsTheSeedFile runs the gateway's own `mcpgw config check`
// (the checks of serve, seed file included) on the settings, secrets and
// seed file a pod of the release gets. It builds mcpgw from the
// repository: skipped with -short.
func TestGatewayAcceptsTheSeedFile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds mcpgw; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "mcpgw")
	build := exec.Command("go", "build", "-o", bin, "./backend/cmd/mcpgw")
	build.Dir = "../../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./backend/cmd/mcpgw: %v\n%s", err, out)
	}
	check := func(t *testing.T, values string) (string, error) {
		r, err := render(t, "mcpgw", parseValues(t, values))
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "config", "check")
		cmd.Dir = t.TempDir()
		cmd.Env = podEnv(t, r, filepath.Join(cmd.Dir, "servers.yml"))
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	t.Run("the seed value set", func(t *testing.T) {
		out, err := check(t, seedValues)
		if err != nil || !strings.Contains(out, "servers.yml: 2 servers") || strings.Contains(out, "warning") {
			t.Fatalf("mcpgw config check: %v\n%s", err, out)
		}
	})
	t.Run("a secret not provided", func(t *testing.T) {
		out, err := check(t, strings.Replace(seedValues, "    TIME_MCP_TOKEN: time-token-value\n", "", 1))
		if err != nil || !strings.Contains(out, "environment variable TIME_MCP_TOKEN is not set") {
			t.Fatalf("mcpgw config check: %v\n%s", err, out)
		}
	})
	t.Run("a path the schema cannot know is reserved", func(t *testing.T) {
		out, err := check(t, strings.Replace(seedValues, "path: time", "path: metrics", 1))
		if err == nil || !strings.Contains(out, `"metrics" is reserved`) {
			t.Fatalf("mcpgw config check: %v\n%s", err, out)
		}
	})
}

// podEnv is the gateway container's environment as a pod of the release
// gets it (the chart's ConfigMap and Secret, literal values), with the
// seed file written to seedPath and SEED_SERVERS_FILE pointing there.
func podEnv(t *testing.T, r *rendered, seedPath string) []string {
	t.Helper()
	dep := deployment(t, r)
	gw := gateway(t, r)
	env := map[string]string{}
	for _, ef := range gw.EnvFrom {
		if ef.ConfigMapRef == nil || r.get("ConfigMap", ef.ConfigMapRef.Name) == nil {
			t.Fatalf("envFrom %+v is not the chart's", ef)
		}
		maps.Copy(env, r.get("ConfigMap", ef.ConfigMapRef.Name).obj.(*corev1.ConfigMap).Data)
	}
	for _, e := range gw.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.SecretKeyRef != nil && r.get("Secret", e.ValueFrom.SecretKeyRef.Name) != nil:
			env[e.Name] = r.get("Secret", e.ValueFrom.SecretKeyRef.Name).obj.(*corev1.Secret).StringData[e.ValueFrom.SecretKeyRef.Key]
		default:
			t.Fatalf("%s comes from %+v, not the chart", e.Name, e.ValueFrom)
		}
	}
	if sf, err := findSeedFile(r, &dep.Spec.Template.Spec, gw); err == nil {
		if err := os.WriteFile(seedPath, []byte(sf.content), 0o600); err != nil {
			t.Fatal(err)
		}
		env["SEED_SERVERS_FILE"] = seedPath
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}
