package tracing

import (
	"context"
	"maps"
	"strings"
	"testing"
)

func TestTracesURL(t *testing.T) {
	for _, tc := range []struct{ endpoint, traces, want string }{
		{"http://localhost:4318", "", "http://localhost:4318/v1/traces"},
		{"http://localhost:4318/", "", "http://localhost:4318/v1/traces"},
		{"https://otel.example/base/", "", "https://otel.example/base/v1/traces"},
		{"https://otel.example", "https://other.example/ingest", "https://other.example/ingest"},
	} {
		got, err := TracesURL(tc.endpoint, tc.traces)
		if err != nil || got != tc.want {
			t.Errorf("TracesURL(%q, %q) = %q, %v; want %q", tc.endpoint, tc.traces, got, err, tc.want)
		}
	}
	for _, bad := range []string{"localhost:4318", "ftp://x", "http://", "http://u:p@x"} {
		if _, err := TracesURL(bad, ""); err == nil || !strings.Contains(err.Error(), "OTEL_EXPORTER_OTLP_ENDPOINT") {
			t.Errorf("TracesURL(%q) = %v", bad, err)
		}
	}
}

func TestParseHeaders(t *testing.T) {
	h, err := ParseHeaders(" authorization=Bearer%20abc , x-tenant=a%2Cb,,empty=")
	if want := map[string]string{"authorization": "Bearer abc", "x-tenant": "a,b", "empty": ""}; err != nil || !maps.Equal(h, want) {
		t.Fatalf("ParseHeaders = %v, %v; want %v", h, err, want)
	}
	if h, err := ParseHeaders(""); h != nil || err != nil {
		t.Fatalf("ParseHeaders(\"\") = %v, %v", h, err)
	}
	for _, bad := range []string{"novalue", "=v", "bad key=v", "k=%zzsecret", "k=a%0Db"} {
		_, err := ParseHeaders(bad)
		if err == nil {
			t.Errorf("ParseHeaders(%q) accepted", bad)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("ParseHeaders(%q) error shows the value: %v", bad, err)
		}
	}
}

func TestOffMeansNoTracer(t *testing.T) {
	tr, err := New(context.Background(), Options{Endpoint: "not even a URL", Protocol: "grpc"})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Enabled() || tr.Tracer("x") != nil || tr.ForceFlush(context.Background()) != nil || tr.Shutdown(context.Background()) != nil {
		t.Fatal("tracing that is off did something")
	}
}

func TestOnRefusesWhatItCannotSpeak(t *testing.T) {
	_, err := New(context.Background(), Options{Enabled: true, Endpoint: "http://localhost:4317", Protocol: "grpc"})
	if err == nil || !strings.Contains(err.Error(), "OTEL_EXPORTER_OTLP_PROTOCOL") {
		t.Fatalf("grpc: %v", err)
	}
	for _, p := range []string{"", ProtocolHTTPProtobuf, ProtocolHTTPJSON} {
		tr, err := New(context.Background(), Options{Enabled: true, Endpoint: "http://127.0.0.1:9", Protocol: p, SampleRatio: 1})
		if err != nil || !tr.Enabled() || tr.Tracer("x") == nil {
			t.Fatalf("protocol %q: %v", p, err)
		}
		_ = tr.Shutdown(context.Background())
	}
}
