// Package helmtest renders the Helm chart in deploy/helm/mcpgw with Helm's
// own library, as `helm install` would, and validates what comes out against
// the Kubernetes API's types and schemas: there is no helm binary, cluster
// or kubeconform here. It is a module of its own so that Helm and client-go
// stay out of the gateway's go.mod.
package helmtest

import (
	"fmt"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/releaseutil"
	"k8s.io/apimachinery/pkg/runtime"
)

const (
	chartDir    = "../mcpgw"
	configDir   = "../../../backend/internal/config"
	registryDir = "../../../backend/internal/registry"
	namespace   = "mcp"
)

// manifest is one rendered object.
type manifest struct {
	path   string // template it came from, e.g. mcpgw/templates/deployment.yaml
	kind   string
	name   string
	hook   *release.Hook // nil: a release object
	obj    runtime.Object
	source string // the YAML
}

// rendered is a release as `helm install` would send it.
type rendered struct {
	values     chartutil.Values // coalesced .Values
	release    string
	appVersion string
	objects    []*manifest
	notes      string
}

var (
	chartOnce sync.Once
	theChart  *chart.Chart
	chartErr  error
)

func loadChart(t testing.TB) *chart.Chart {
	t.Helper()
	chartOnce.Do(func() { theChart, chartErr = loader.Load(chartDir) })
	if chartErr != nil {
		t.Fatalf("loading the chart: %v", chartErr)
	}
	return theChart
}

// parseValues reads values as `helm install -f` does (numbers become
// float64).
func parseValues(t testing.TB, y string) map[string]any {
	t.Helper()
	v, err := chartutil.ReadValues([]byte(y))
	if err != nil {
		t.Fatalf("test values: %v", err)
	}
	return v
}

// render does what `helm install` does before talking to the cluster:
// coalesce the values with values.yaml, validate them against
// values.schema.json, render the templates, pull NOTES.txt out and split
// the rest into hooks and release objects. Each object is then validated by
// decodeManifest.
func render(t testing.TB, releaseName string, vals map[string]any) (*rendered, error) {
	t.Helper()
	ch := loadChart(t)
	opts := chartutil.ReleaseOptions{Name: releaseName, Namespace: namespace, Revision: 1, IsInstall: true}
	top, err := chartutil.ToRenderValues(ch, vals, opts, chartutil.DefaultCapabilities.Copy())
	if err != nil {
		return nil, err
	}
	files, err := engine.Render(ch, top)
	if err != nil {
		return nil, err
	}
	values, err := top.Table("Values")
	if err != nil {
		return nil, err
	}
	r := &rendered{values: values, release: releaseName, appVersion: ch.Metadata.AppVersion}
	notes := path.Join(ch.Name(), "templates", "NOTES.txt")
	r.notes = files[notes]
	delete(files, notes)
	hooks, generic, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		return nil, fmt.Errorf("splitting manifests: %w", err)
	}
	var errs []string
	add := func(p, src string, h *release.Hook) {
		obj, err := decodeManifest([]byte(src))
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", p, err))
			return
		}
		m := &manifest{path: p, hook: h, obj: obj, source: src}
		m.kind = obj.GetObjectKind().GroupVersionKind().Kind
		if mo, ok := obj.(interface{ GetName() string }); ok {
			m.name = mo.GetName()
		}
		r.objects = append(r.objects, m)
	}
	for _, m := range generic {
		add(m.Name, m.Content, nil)
	}
	for _, h := range hooks {
		add(h.Path, h.Manifest, h)
	}
	if len(errs) > 0 {
		return r, fmt.Errorf("rendered manifests are invalid:\n%s", strings.Join(errs, "\n"))
	}
	return r, nil
}

// value is a coalesced value by dotted path; nil when absent.
func (r *rendered) value(p string) any {
	v, err := r.values.PathValue(p)
	if err != nil {
		// PathValue only answers leaves; tables are looked up as tables.
		if t, terr := r.values.Table(p); terr == nil {
			return map[string]any(t)
		}
		return nil
	}
	return v
}

func (r *rendered) str(p string) string {
	if v := r.value(p); v != nil {
		return fmt.Sprint(v)
	}
	return ""
}

func (r *rendered) truthy(p string) bool {
	switch v := r.value(p).(type) {
	case bool:
		return v
	case nil:
		return false
	default:
		return fmt.Sprint(v) != "" && fmt.Sprint(v) != "0"
	}
}

// releaseObjects are the objects helm applies (not hooks).
func (r *rendered) releaseObjects() []*manifest {
	var out []*manifest
	for _, m := range r.objects {
		if m.hook == nil {
			out = append(out, m)
		}
	}
	return out
}

// find returns every object of kind, hooks included.
func (r *rendered) find(kind string) []*manifest {
	var out []*manifest
	for _, m := range r.objects {
		if m.kind == kind {
			out = append(out, m)
		}
	}
	return out
}

// get returns the release object (not a hook) of kind and name, or nil.
func (r *rendered) get(kind, name string) *manifest {
	for _, m := range r.releaseObjects() {
		if m.kind == kind && m.name == name {
			return m
		}
	}
	return nil
}

func (r *rendered) one(kind string) (*manifest, error) {
	var out []*manifest
	for _, m := range r.releaseObjects() {
		if m.kind == kind {
			out = append(out, m)
		}
	}
	if len(out) != 1 {
		return nil, fmt.Errorf("want exactly one %s, have %d", kind, len(out))
	}
	return out[0], nil
}

var (
	optionName    = regexp.MustCompile(`\{name: "([A-Z][A-Z0-9_]*)"`)
	providerField = regexp.MustCompile(`\{"([A-Z][A-Z_]*)", "`)
)

// knownSettings are the environment variables mcpgw reads, from the option
// table in backend/internal/config (the chart may set no other), and the
// pattern of the per-identity-provider ones (OIDC_<ID>_<FIELD>).
func knownSettings(t testing.TB) (map[string]bool, *regexp.Regexp) {
	t.Helper()
	src, err := os.ReadFile(configDir + "/config.go")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, m := range optionName.FindAllStringSubmatch(string(src), -1) {
		names[m[1]] = true
	}
	if len(names) < 40 || !names["SECRET_KEY"] || !names["SHUTDOWN_DRAIN_DELAY"] {
		t.Fatalf("found %d option names in config.go; has the options table changed shape?", len(names))
	}
	src, err = os.ReadFile(configDir + "/providers.go")
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, m := range providerField.FindAllStringSubmatch(string(src), -1) {
		fields = append(fields, m[1])
	}
	if len(fields) < 10 {
		t.Fatalf("found %d provider fields in providers.go; has the table changed shape?", len(fields))
	}
	return names, regexp.MustCompile(`^OIDC_[A-Z0-9_]+_(` + strings.Join(fields, "|") + `)$`)
}

// seedKeys are the keys each mapping of a seed file may have, as the
// gateway's seed parser (backend/internal/registry/seed.go) lists them.
type seedKeys struct{ root, entry, egress, header []string }

var (
	seedKeyList = regexp.MustCompile(`seed(Root|Entry|Egress|Header)Keys\s*=\s*\[\]string\{([^}]*)\}`)
	quoted      = regexp.MustCompile(`"([^"]+)"`)
)

func knownSeedKeys(t testing.TB) seedKeys {
	t.Helper()
	src, err := os.ReadFile(registryDir + "/seed.go")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string][]string{}
	for _, m := range seedKeyList.FindAllStringSubmatch(string(src), -1) {
		for _, q := range quoted.FindAllStringSubmatch(m[2], -1) {
			found[m[1]] = append(found[m[1]], q[1])
		}
	}
	k := seedKeys{root: found["Root"], entry: found["Entry"], egress: found["Egress"], header: found["Header"]}
	if !slices.Equal(k.root, []string{"servers"}) || !slices.Contains(k.entry, "upstream_url") ||
		!slices.Contains(k.egress, "token_env") || !slices.Contains(k.header, "value_env") {
		t.Fatalf("found seed file keys %+v in seed.go; have the key lists changed shape?", k)
	}
	return k
}
