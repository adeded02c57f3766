// Package tracing sets up OpenTelemetry tracing: spans exported over
// OTLP/HTTP (protobuf or JSON) in batches by the package's own exporter,
// sampled parent-based by ratio. When tracing is off there is no provider
// at all and Tracer returns nil, so instrumented code can skip its span
// work entirely.
package tracing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// The OTLP protocols mcpgw speaks: OTLP over HTTP, protobuf (the
// default) or JSON. gRPC is not built in.
const (
	ProtocolHTTPProtobuf = "http/protobuf"
	ProtocolHTTPJSON     = "http/json"
)

// Options configure tracing; they come from the OTEL_* settings.
type Options struct {
	// Enabled turns tracing on; off, nothing else here matters.
	Enabled bool
	// Endpoint is the collector's base URL; spans go to {Endpoint}/v1/traces.
	Endpoint string
	// TracesEndpoint, when set, is the full URL spans are posted to,
	// Endpoint notwithstanding.
	TracesEndpoint string
	// Headers are sent with every export (e.g. a collector's API key).
	Headers map[string]string
	// Protocol is http/protobuf (also when empty) or http/json.
	Protocol string
	// ServiceName is the resource's service.name.
	ServiceName string
	// SampleRatio is the share of new traces recorded (0..1); a call that
	// continues a caller's trace follows the caller's sampling decision.
	SampleRatio float64
	// Log receives export errors; nil discards them.
	Log *slog.Logger
}

// Tracing is the process's tracer provider, or nothing when tracing is off.
type Tracing struct {
	tp *sdktrace.TracerProvider // nil: tracing is off
}

// New sets tracing up. Nothing is dialled: the first batch of spans
// connects, so an unreachable collector never stops the gateway from
// starting (its export errors are logged).
func New(ctx context.Context, o Options) (*Tracing, error) {
	if !o.Enabled {
		return &Tracing{}, nil
	}
	var useJSON bool
	switch o.Protocol {
	case "", ProtocolHTTPProtobuf:
	case ProtocolHTTPJSON:
		useJSON = true
	default:
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL: %q is not supported: mcpgw exports OTLP over HTTP (%s or %s, port 4318 on a collector)",
			o.Protocol, ProtocolHTTPProtobuf, ProtocolHTTPJSON)
	}
	endpoint, err := TracesURL(o.Endpoint, o.TracesEndpoint)
	if err != nil {
		return nil, err
	}
	if o.ServiceName == "" {
		o.ServiceName = "mcpgw"
	}
	// The options come from config; timeout, compression and certificates
	// are the OTEL_EXPORTER_OTLP_* variables config does not hold.
	ec := exportConfig{URL: endpoint, JSON: useJSON, Headers: o.Headers}
	if err := exportEnv(&ec, os.Getenv, os.ReadFile); err != nil {
		return nil, err
	}
	exp := newExporter(ec)
	// service.name last, so it wins over OTEL_RESOURCE_ATTRIBUTES. No
	// process detector: the command line may hold secrets.
	res, err := resource.New(ctx, resource.WithTelemetrySDK(), resource.WithHost(), resource.WithFromEnv(),
		resource.WithAttributes(attribute.String("service.name", o.ServiceName)))
	if err != nil && res == nil {
		return nil, fmt.Errorf("tracing resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(o.SampleRatio))),
	)
	if o.Log != nil {
		log := o.Log
		// The SDK reports failed exports through this process-wide hook
		// (by default to the standard logger, unstructured).
		otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
			log.Warn("tracing: exporting spans failed", "error", err)
		}))
	}
	return &Tracing{tp: tp}, nil
}

// TracesURL is where spans are posted: tracesEndpoint as it is when set,
// else endpoint with /v1/traces appended (the OTLP convention).
func TracesURL(endpoint, tracesEndpoint string) (string, error) {
	name, raw := "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", tracesEndpoint
	if raw == "" {
		name, raw = "OTEL_EXPORTER_OTLP_ENDPOINT", endpoint
	}
	if err := CheckEndpoint(raw); err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	if tracesEndpoint != "" {
		return tracesEndpoint, nil
	}
	u, _ := url.Parse(endpoint)
	u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/traces"
	u.RawPath = ""
	return u.String(), nil
}

// CheckEndpoint reports whether raw is a usable collector URL: http or
// https, with a host, without credentials (those go in headers).
func CheckEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("must start with http:// or https://")
	}
	if u.Host == "" {
		return errors.New("must include a host")
	}
	if u.User != nil {
		return errors.New("must not contain credentials: send them in OTEL_EXPORTER_OTLP_HEADERS")
	}
	return nil
}

// Enabled reports whether spans are recorded and exported.
func (t *Tracing) Enabled() bool { return t.tp != nil }

// Tracer returns the named tracer, or nil when tracing is off.
func (t *Tracing) Tracer(name string) trace.Tracer {
	if t.tp == nil {
		return nil
	}
	return t.tp.Tracer(name)
}

// ForceFlush exports the spans ended so far.
func (t *Tracing) ForceFlush(ctx context.Context) error {
	if t.tp == nil {
		return nil
	}
	return t.tp.ForceFlush(ctx)
}

// Shutdown exports the spans still queued and stops the provider; spans
// ended later are dropped.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t.tp == nil {
		return nil
	}
	return t.tp.Shutdown(ctx)
}

// ParseHeaders reads OTEL_EXPORTER_OTLP_HEADERS: comma-separated
// key=value pairs, values percent-encoded (e.g. "api-key=abc,x-tenant=t%201").
// Errors name the pair by position, never its value: it is a secret.
func ParseHeaders(v string) (map[string]string, error) {
	out := map[string]string{}
	for i, pair := range strings.Split(v, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		k, val, ok := strings.Cut(pair, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t\r\n:") {
			return nil, fmt.Errorf("pair %d is not key=value", i+1)
		}
		dec, err := url.PathUnescape(strings.TrimSpace(val))
		if err != nil || strings.ContainsAny(dec, "\r\n") {
			return nil, fmt.Errorf("the value of pair %d (%s) is not valid percent-encoding", i+1, k)
		}
		out[k] = dec
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}
