package httpapi

import (
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"go.yaml.in/yaml/v3"
)

// TestEveryRouteIsInOpenAPI fails when a registered route is missing from
// the committed openapi.yaml, or the document lists an operation that is not
// served.
func TestEveryRouteIsInOpenAPI(t *testing.T) {
	b, err := os.ReadFile("../../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                               `yaml:"openapi"`
		Paths   map[string]map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Fatalf("openapi.yaml is OpenAPI %q, want 3.1", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
			if id, _ := op["operationId"].(string); id == "" {
				t.Errorf("%s %s has no operationId (@ID)", method, path)
			}
		}
	}

	r, err := newRouter(Deps{Log: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)
	served := map[string]bool{}
	for _, rt := range r.Routes() {
		key := rt.Method + " " + param.ReplaceAllString(rt.Path, "{$1}")
		served[key] = true
		if !documented[key] {
			t.Errorf("route %s is not in openapi.yaml: annotate its handler and run `make openapi`", key)
		}
	}
	for key := range documented {
		if !served[key] {
			t.Errorf("openapi.yaml documents %s, which is not served", key)
		}
	}
}

// TestMetricsHandlerServesOnlyOperations: with SeparateMetrics the main
// handler has no /metrics route, and the metrics listener's handler serves
// the operations endpoints and nothing else.
func TestMetricsHandlerServesOnlyOperations(t *testing.T) {
	routes := func(h http.Handler) []string {
		var out []string
		for _, rt := range h.(*gin.Engine).Routes() {
			out = append(out, rt.Method+" "+rt.Path)
		}
		slices.Sort(out)
		return out
	}
	for _, separate := range []bool{false, true} {
		h, err := New(Deps{Log: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry(), Options: Options{SeparateMetrics: separate}})
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.Contains(routes(h.Main), "GET /metrics"); got == separate {
			t.Errorf("SeparateMetrics %t: the main handler serves /metrics: %t", separate, got)
		}
		if got, want := routes(h.Metrics), []string{"GET /healthz", "GET /metrics", "GET /readyz"}; !slices.Equal(got, want) {
			t.Errorf("the metrics handler serves %v, want %v", got, want)
		}
	}
}
