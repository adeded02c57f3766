package config

import (
	"log/slog"
	"maps"
	"strings"
	"testing"
)

func TestTracingDefaultsAreOff(t *testing.T) {
	c, err := Load(env(nil), noFiles)
	if err != nil {
		t.Fatal(err)
	}
	if c.TracingEnabled || c.OTLPEndpoint != "http://localhost:4318" || c.OTLPTracesEndpoint != "" || c.OTLPHeaders != nil ||
		c.OTLPProtocol != "http/protobuf" || c.TracingServiceName != "mcpgw" || c.TracingSampleRatio != 1 {
		t.Fatalf("tracing defaults = %v %q %q %v %q %q %v", c.TracingEnabled, c.OTLPEndpoint, c.OTLPTracesEndpoint, c.OTLPHeaders,
			c.OTLPProtocol, c.TracingServiceName, c.TracingSampleRatio)
	}
}

// TestTracingEmptyMeansDefault: OTEL_ variables set empty (as shared
// deployment templates often leave them) take the defaults.
func TestTracingEmptyMeansDefault(t *testing.T) {
	c, err := Load(env(map[string]string{
		"OTEL_TRACING_ENABLED": "", "OTEL_EXPORTER_OTLP_ENDPOINT": "", "OTEL_EXPORTER_OTLP_PROTOCOL": "", "OTEL_SERVICE_NAME": " ", "OTEL_TRACES_SAMPLER_ARG": "",
	}), noFiles)
	if err != nil {
		t.Fatal(err)
	}
	if c.TracingEnabled || c.OTLPEndpoint != "http://localhost:4318" || c.OTLPProtocol != "http/protobuf" || c.TracingServiceName != "mcpgw" || c.TracingSampleRatio != 1 {
		t.Fatalf("empty OTEL_ values = %q %q %q %v", c.OTLPEndpoint, c.OTLPProtocol, c.TracingServiceName, c.TracingSampleRatio)
	}
}

func TestTracingSettings(t *testing.T) {
	c, err := Load(env(map[string]string{
		"OTEL_TRACING_ENABLED":               "true",
		"OTEL_EXPORTER_OTLP_ENDPOINT":        "https://collector.example:4318/base/",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://other.example/custom/traces",
		"OTEL_EXPORTER_OTLP_HEADERS":         "api-key=s3cr%3Dt, x-tenant = ops%20team",
		"OTEL_SERVICE_NAME":                  "gateway-eu",
		"OTEL_TRACES_SAMPLER_ARG":            "0.25",
	}), noFiles)
	if err != nil {
		t.Fatal(err)
	}
	if !c.TracingEnabled || c.OTLPEndpoint != "https://collector.example:4318/base/" || c.OTLPTracesEndpoint != "https://other.example/custom/traces" ||
		c.TracingServiceName != "gateway-eu" || c.TracingSampleRatio != 0.25 {
		t.Fatalf("tracing = %+v", c)
	}
	if want := map[string]string{"api-key": "s3cr=t", "x-tenant": "ops team"}; !maps.Equal(c.OTLPHeaders, want) {
		t.Fatalf("headers = %v, want %v", c.OTLPHeaders, want)
	}
	// The headers are a secret: they may come from a file, and the logged
	// configuration shows none of them.
	c, err = Load(env(map[string]string{"OTEL_EXPORTER_OTLP_HEADERS_FILE": "/run/secrets/otlp"}), func(p string) ([]byte, error) {
		return []byte("authorization=Bearer%20from-file\n"), nil
	})
	if err != nil || c.OTLPHeaders["authorization"] != "Bearer from-file" {
		t.Fatalf("headers from file = %v, %v", c.OTLPHeaders, err)
	}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "config", c)
	if strings.Contains(logged.String(), "from-file") {
		t.Fatalf("the OTLP headers were logged: %s", logged.String())
	}
}

func TestTracingBadValuesNameTheirVariable(t *testing.T) {
	_, err := Load(env(map[string]string{
		"OTEL_TRACING_ENABLED":               "yes please",
		"OTEL_EXPORTER_OTLP_ENDPOINT":        "collector:4318",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://user:pw@collector/v1/traces",
		"OTEL_EXPORTER_OTLP_HEADERS":         "api-key=%zz-top-secret",
		"OTEL_EXPORTER_OTLP_PROTOCOL":        "thrift",
		"OTEL_TRACES_SAMPLER_ARG":            "1.5",
	}), noFiles)
	if err == nil {
		t.Fatal("bad tracing values were accepted")
	}
	for _, name := range []string{"OTEL_TRACING_ENABLED", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
		"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_TRACES_SAMPLER_ARG"} {
		if !strings.Contains(err.Error(), name+":") {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
	for _, secret := range []string{"top-secret", "pw@"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows a secret (%s):\n%v", secret, err)
		}
	}
}
