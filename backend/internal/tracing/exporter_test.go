package tracing

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

var (
	traceID  = trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}
	linkedID = trace.TraceID{0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	start    = time.Unix(1_700_000_000, 123)
)

func spanID(b byte) trace.SpanID { return trace.SpanID{0, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, b} }

// testSpans are three spans of two resources, the first two of one
// resource in two scopes, with every kind of field set on the first.
func testSpans(t *testing.T) []sdktrace.ReadOnlySpan {
	t.Helper()
	ts, err := trace.ParseTraceState("vendor=abc,other=1")
	if err != nil {
		t.Fatal(err)
	}
	gw := resource.NewWithAttributes("https://opentelemetry.io/schemas/1.26.0",
		attribute.String("service.name", "mcpgw"), attribute.String("host.name", "gw-1"))
	other := resource.NewSchemaless(attribute.String("service.name", "other"))
	proxyScope := instrumentation.Scope{Name: "proxy", Version: "1.2.3", SchemaURL: "https://example/scope-schema",
		Attributes: attribute.NewSet(attribute.Bool("scope.attr", true))}
	return tracetest.SpanStubs{
		{
			Name: "tools/call get_weather",
			SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: traceID, SpanID: spanID(2),
				TraceFlags: trace.FlagsSampled, TraceState: ts}),
			Parent:    trace.NewSpanContext(trace.SpanContextConfig{TraceID: traceID, SpanID: spanID(1), TraceFlags: trace.FlagsSampled, Remote: true}),
			SpanKind:  trace.SpanKindServer,
			StartTime: start,
			EndTime:   start.Add(1500 * time.Millisecond),
			Attributes: []attribute.KeyValue{
				attribute.String("s", "v"),
				attribute.Int64("i", -42),
				attribute.Float64("f", 2.5),
				attribute.Bool("b", true),
				attribute.StringSlice("ss", []string{"a", "b"}),
				attribute.Int64Slice("is", []int64{1, 2}),
				attribute.Float64Slice("fs", []float64{0.5}),
				attribute.BoolSlice("bs", []bool{true, false}),
				attribute.ByteSlice("bytes", []byte{0, 1, 0xff}),
				attribute.Slice("mixed", attribute.StringValue("x"), attribute.IntValue(7)),
				attribute.Map("m", attribute.String("k", "v")),
			},
			Events: []sdktrace.Event{{Name: "retry", Time: start.Add(time.Second),
				Attributes: []attribute.KeyValue{attribute.Int("attempt", 2)}, DroppedAttributeCount: 1}},
			Links: []sdktrace.Link{{
				SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: linkedID, SpanID: spanID(9), TraceState: ts, Remote: true}),
				Attributes:  []attribute.KeyValue{attribute.String("link.kind", "batch")}, DroppedAttributeCount: 3,
			}},
			Status:               sdktrace.Status{Code: codes.Error, Description: "upstream unreachable"},
			DroppedAttributes:    4,
			DroppedEvents:        5,
			DroppedLinks:         6,
			Resource:             gw,
			InstrumentationScope: proxyScope,
		},
		{
			Name:        "mcp batch",
			SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: traceID, SpanID: spanID(3)}),
			SpanKind:    trace.SpanKindInternal,
			StartTime:   start,
			EndTime:     start.Add(time.Millisecond),
			Status:      sdktrace.Status{Code: codes.Ok},
			Resource:    gw,
		},
		{
			Name:                 "elsewhere",
			SpanContext:          trace.NewSpanContext(trace.SpanContextConfig{TraceID: traceID, SpanID: spanID(4), TraceFlags: trace.FlagsSampled}),
			Parent:               trace.NewSpanContext(trace.SpanContextConfig{TraceID: traceID, SpanID: spanID(2), TraceFlags: trace.FlagsSampled}),
			SpanKind:             trace.SpanKindClient,
			StartTime:            start,
			EndTime:              start,
			Resource:             other,
			InstrumentationScope: instrumentation.Scope{Name: "proxy"},
		},
	}.Snapshots()
}

func str(s string) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
}

func integer(i int64) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: i}}
}

func array(vs ...*commonpb.AnyValue) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: vs}}}
}

func boolean(b bool) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: b}}
}

func double(f float64) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: f}}
}

func ids(id ...byte) []byte { return id }

// wantRequest is testSpans as OTLP, written out by hand.
func wantRequest() *coltracepb.ExportTraceServiceRequest {
	sid := func(b byte) []byte { s := spanID(b); return s[:] }
	const hasIsRemote, isRemote = 0x100, 0x200
	return &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{
		{
			Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{
				{Key: "host.name", Value: str("gw-1")}, {Key: "service.name", Value: str("mcpgw")},
			}},
			SchemaUrl: "https://opentelemetry.io/schemas/1.26.0",
			ScopeSpans: []*tracepb.ScopeSpans{
				{
					Scope: &commonpb.InstrumentationScope{Name: "proxy", Version: "1.2.3",
						Attributes: []*commonpb.KeyValue{{Key: "scope.attr", Value: boolean(true)}}},
					SchemaUrl: "https://example/scope-schema",
					Spans: []*tracepb.Span{{
						TraceId:           traceID[:],
						SpanId:            sid(2),
						ParentSpanId:      sid(1),
						TraceState:        "vendor=abc,other=1",
						Flags:             0x01 | hasIsRemote | isRemote,
						Name:              "tools/call get_weather",
						Kind:              tracepb.Span_SPAN_KIND_SERVER,
						StartTimeUnixNano: 1_700_000_000_000_000_123,
						EndTimeUnixNano:   1_700_000_001_500_000_123,
						Attributes: []*commonpb.KeyValue{
							{Key: "s", Value: str("v")},
							{Key: "i", Value: integer(-42)},
							{Key: "f", Value: double(2.5)},
							{Key: "b", Value: boolean(true)},
							{Key: "ss", Value: array(str("a"), str("b"))},
							{Key: "is", Value: array(integer(1), integer(2))},
							{Key: "fs", Value: array(double(0.5))},
							{Key: "bs", Value: array(boolean(true), boolean(false))},
							{Key: "bytes", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_BytesValue{BytesValue: ids(0, 1, 0xff)}}},
							{Key: "mixed", Value: array(str("x"), integer(7))},
							{Key: "m", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{
								Values: []*commonpb.KeyValue{{Key: "k", Value: str("v")}}}}}},
						},
						DroppedAttributesCount: 4,
						Events: []*tracepb.Span_Event{{Name: "retry", TimeUnixNano: 1_700_000_001_000_000_123,
							Attributes: []*commonpb.KeyValue{{Key: "attempt", Value: integer(2)}}, DroppedAttributesCount: 1}},
						DroppedEventsCount: 5,
						Links: []*tracepb.Span_Link{{TraceId: linkedID[:], SpanId: sid(9), TraceState: "vendor=abc,other=1",
							Attributes:             []*commonpb.KeyValue{{Key: "link.kind", Value: str("batch")}},
							DroppedAttributesCount: 3, Flags: hasIsRemote | isRemote}},
						DroppedLinksCount: 6,
						Status:            &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR, Message: "upstream unreachable"},
					}},
				},
				{
					Spans: []*tracepb.Span{{
						TraceId: traceID[:], SpanId: sid(3), Flags: hasIsRemote, Name: "mcp batch", Kind: tracepb.Span_SPAN_KIND_INTERNAL,
						StartTimeUnixNano: 1_700_000_000_000_000_123, EndTimeUnixNano: 1_700_000_000_001_000_123,
						Status: &tracepb.Status{Code: tracepb.Status_STATUS_CODE_OK},
					}},
				},
			},
		},
		{
			Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{{Key: "service.name", Value: str("other")}}},
			ScopeSpans: []*tracepb.ScopeSpans{{
				Scope: &commonpb.InstrumentationScope{Name: "proxy"},
				Spans: []*tracepb.Span{{
					TraceId: traceID[:], SpanId: sid(4), ParentSpanId: sid(2), Flags: 0x01 | hasIsRemote, Name: "elsewhere",
					Kind: tracepb.Span_SPAN_KIND_CLIENT, StartTimeUnixNano: 1_700_000_000_000_000_123, EndTimeUnixNano: 1_700_000_000_000_000_123,
					Status: &tracepb.Status{},
				}},
			}},
		},
	}}
}

// collector is an OTLP/HTTP receiver; answer decides each response
// (nil: 200 with an empty protobuf response).
type collector struct {
	*httptest.Server
	answer func(n int, w http.ResponseWriter, r *http.Request) bool

	mu       sync.Mutex
	attempts []time.Time
	headers  []http.Header
	requests []*coltracepb.ExportTraceServiceRequest
	raw      [][]byte // the bodies, decompressed
}

func newCollector(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request) bool) *collector {
	c := &collector{answer: answer}
	c.Server = httptest.NewServer(http.HandlerFunc(c.serve(t)))
	t.Cleanup(c.Close)
	return c
}

func (c *collector) serve(t *testing.T) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		n := len(c.attempts)
		c.attempts = append(c.attempts, time.Now())
		c.headers = append(c.headers, r.Header.Clone())
		c.mu.Unlock()
		if c.answer != nil && c.answer(n, w, r) {
			return
		}
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				t.Errorf("collector: %v", err)
				http.Error(w, "bad gzip", http.StatusBadRequest)
				return
			}
			body = zr
		}
		raw, err := io.ReadAll(body)
		req := &coltracepb.ExportTraceServiceRequest{}
		if err == nil {
			switch r.Header.Get("Content-Type") {
			case "application/x-protobuf":
				err = proto.Unmarshal(raw, req)
			case "application/json":
				err = unmarshalOTLPJSON(raw, req)
			default:
				err = errors.New("content type " + r.Header.Get("Content-Type"))
			}
		}
		if err != nil {
			t.Errorf("collector: undecodable export: %v", err)
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		c.requests = append(c.requests, req)
		c.raw = append(c.raw, raw)
		c.mu.Unlock()
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}
}

func (c *collector) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.attempts)
}

// unmarshalOTLPJSON reads OTLP/JSON: protojson, but with hex ids (which
// it checks are hex) instead of base64.
func unmarshalOTLPJSON(raw []byte, req *coltracepb.ExportTraceServiceRequest) error {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return err
	}
	toBase64 := func(o map[string]any, keys ...string) error {
		for _, k := range keys {
			if s, ok := o[k].(string); ok {
				b, err := hex.DecodeString(s)
				if err != nil {
					return err
				}
				o[k] = base64.StdEncoding.EncodeToString(b)
			}
		}
		return nil
	}
	for _, rs := range objects(m["resourceSpans"]) {
		for _, ss := range objects(rs["scopeSpans"]) {
			for _, s := range objects(ss["spans"]) {
				if err := toBase64(s, "traceId", "spanId", "parentSpanId"); err != nil {
					return err
				}
				for _, l := range objects(s["links"]) {
					if err := toBase64(l, "traceId", "spanId"); err != nil {
						return err
					}
				}
			}
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return protojson.Unmarshal(b, req)
}

func testExporter(cfg exportConfig) *exporter {
	e := newExporter(cfg)
	e.backoff = 10 * time.Millisecond
	return e
}

func TestExportRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name     string
		json     bool
		gzip     bool
		wantType string
	}{
		{"protobuf", false, false, "application/x-protobuf"},
		{"protobuf gzip", false, true, "application/x-protobuf"},
		{"json", true, false, "application/json"},
		{"json gzip", true, true, "application/json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCollector(t, nil)
			e := testExporter(exportConfig{URL: c.URL + "/v1/traces", JSON: tc.json, Gzip: tc.gzip})
			if err := e.ExportSpans(context.Background(), testSpans(t)); err != nil {
				t.Fatal(err)
			}
			if len(c.requests) != 1 {
				t.Fatalf("%d requests", len(c.requests))
			}
			if want := wantRequest(); !proto.Equal(want, c.requests[0]) {
				t.Errorf("the collector got\n%s\nwant\n%s", protojson.Format(c.requests[0]), protojson.Format(want))
			}
			h := c.headers[0]
			if h.Get("Content-Type") != tc.wantType {
				t.Errorf("Content-Type %q", h.Get("Content-Type"))
			}
			if gz := h.Get("Content-Encoding") == "gzip"; gz != tc.gzip {
				t.Errorf("Content-Encoding %q", h.Get("Content-Encoding"))
			}
			if tc.json {
				// The OTLP JSON rules: hex ids, enums as numbers, lowerCamelCase.
				raw := string(c.raw[0])
				for _, want := range []string{`"traceId":"` + traceID.String() + `"`, `"spanId":"00f067aa0ba90202"`,
					`"parentSpanId":"00f067aa0ba90201"`, `"kind":2`, `"code":2`, `"startTimeUnixNano":"1700000000000000123"`} {
					if !strings.Contains(raw, want) {
						t.Errorf("the JSON lacks %s: %s", want, raw)
					}
				}
			}
		})
	}
}

func TestExportNothing(t *testing.T) {
	c := newCollector(t, nil)
	e := testExporter(exportConfig{URL: c.URL})
	if err := e.ExportSpans(context.Background(), nil); err != nil || c.count() != 0 {
		t.Fatalf("exporting no spans: %v, %d requests", err, c.count())
	}
}

func TestExportHeaders(t *testing.T) {
	c := newCollector(t, nil)
	e := testExporter(exportConfig{URL: c.URL + "/v1/traces", Headers: map[string]string{"authorization": "Bearer s3cret", "X-Tenant": "ops"}})
	if err := e.ExportSpans(context.Background(), testSpans(t)); err != nil {
		t.Fatal(err)
	}
	h := c.headers[0]
	if h.Get("Authorization") != "Bearer s3cret" || h.Get("X-Tenant") != "ops" || h.Get("User-Agent") != "mcpgw" {
		t.Fatalf("the collector got headers %v", h)
	}
}

func TestExportRetries(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout} {
		c := newCollector(t, func(n int, w http.ResponseWriter, _ *http.Request) bool {
			if n < 2 {
				w.WriteHeader(status)
				return true
			}
			return false
		})
		e := testExporter(exportConfig{URL: c.URL})
		if err := e.ExportSpans(context.Background(), testSpans(t)); err != nil || c.count() != 3 || len(c.requests) != 1 {
			t.Errorf("%d twice, then 200: %v after %d attempts", status, err, c.count())
		}
	}
}

func TestExportHonoursRetryAfter(t *testing.T) {
	c := newCollector(t, func(n int, w http.ResponseWriter, _ *http.Request) bool {
		if n == 0 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	e := testExporter(exportConfig{URL: c.URL})
	if err := e.ExportSpans(context.Background(), testSpans(t)); err != nil {
		t.Fatal(err)
	}
	if c.count() != 2 || len(c.requests) != 1 {
		t.Fatalf("%d attempts, %d exports", c.count(), len(c.requests))
	}
	if gap := c.attempts[1].Sub(c.attempts[0]); gap < time.Second {
		t.Fatalf("retried %s after a Retry-After of 1 s", gap)
	}
	if d := retryAfter(time.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat)); d < time.Second || d > 3*time.Second {
		t.Errorf("Retry-After as a date: %s", d)
	}
}

// TestExportRetryAfterBeyondDeadline: a Retry-After the export cannot
// wait for ends it at once instead of waiting for nothing.
func TestExportRetryAfterBeyondDeadline(t *testing.T) {
	c := newCollector(t, func(_ int, w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("Retry-After", "60")
		w.WriteHeader(http.StatusTooManyRequests)
		return true
	})
	e := testExporter(exportConfig{URL: c.URL, Timeout: 2 * time.Second})
	began := time.Now()
	err := e.ExportSpans(context.Background(), testSpans(t))
	if err == nil || !strings.Contains(err.Error(), "429") || time.Since(began) > time.Second || c.count() != 1 {
		t.Fatalf("export = %v after %s and %d attempts", err, time.Since(began), c.count())
	}
}

func TestExportDoesNotRetryBadRequests(t *testing.T) {
	status := []byte{0x08, 0x03, 0x12, 0x0a} // google.rpc.Status{code: 3, message: "bad spans\n"}
	status = append(status, "bad spans\n"...)
	c := newCollector(t, func(_ int, w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(status)
		return true
	})
	e := testExporter(exportConfig{URL: c.URL + "/v1/traces?api_key=hidden", Headers: map[string]string{"api-key": "s3cret"}})
	err := e.ExportSpans(context.Background(), testSpans(t))
	if err == nil || c.count() != 1 {
		t.Fatalf("400: %v after %d attempts", err, c.count())
	}
	msg := err.Error()
	if !strings.Contains(msg, "400 Bad Request: bad spans") || !strings.HasSuffix(msg, "bad spans") || strings.Contains(msg, "hidden") || strings.Contains(msg, "s3cret") {
		t.Fatalf("400: %q", msg)
	}
}

func TestExportDoesNotFollowRedirects(t *testing.T) {
	target := newCollector(t, nil)
	c := newCollector(t, func(_ int, w http.ResponseWriter, r *http.Request) bool {
		http.Redirect(w, r, target.URL, http.StatusTemporaryRedirect)
		return true
	})
	e := testExporter(exportConfig{URL: c.URL, Headers: map[string]string{"api-key": "s3cret"}})
	if err := e.ExportSpans(context.Background(), testSpans(t)); err == nil || !strings.Contains(err.Error(), "307") || target.count() != 0 {
		t.Fatalf("redirect: %v; the target got %d requests", err, target.count())
	}
}

func TestExportRetriesBrokenConnections(t *testing.T) {
	c := newCollector(t, func(n int, w http.ResponseWriter, _ *http.Request) bool {
		if n == 0 {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return true
		}
		return false
	})
	e := testExporter(exportConfig{URL: c.URL})
	if err := e.ExportSpans(context.Background(), testSpans(t)); err != nil || len(c.requests) != 1 {
		t.Fatalf("after a dropped connection: %v, %d exports", err, len(c.requests))
	}
}

func TestExportPartialSuccess(t *testing.T) {
	c := newCollector(t, func(_ int, w http.ResponseWriter, _ *http.Request) bool {
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{PartialSuccess: &coltracepb.ExportTracePartialSuccess{
			RejectedSpans: 2, ErrorMessage: "too old"}})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
		return true
	})
	e := testExporter(exportConfig{URL: c.URL})
	if err := e.ExportSpans(context.Background(), testSpans(t)); err == nil || err.Error() != `the collector rejected 2 spans: "too old"` || c.count() != 1 {
		t.Fatalf("partial success: %v", err)
	}
	if err := partialSuccess("application/json", []byte(`{"partialSuccess":{"rejectedSpans":"3","errorMessage":"x"}}`)); err == nil || !strings.Contains(err.Error(), "rejected 3") {
		t.Fatalf("partial success in JSON: %v", err)
	}
	if err := partialSuccess("application/json", []byte(`{"partialSuccess":{}}`)); err != nil {
		t.Fatalf("empty partial success: %v", err)
	}
}

func TestExportTimeout(t *testing.T) {
	release := make(chan struct{})
	c := newCollector(t, func(_ int, _ http.ResponseWriter, r *http.Request) bool {
		_, _ = io.Copy(io.Discard, r.Body) // the server notices a client gone only after the body
		select {
		case <-r.Context().Done():
		case <-release:
		}
		return true
	})
	defer close(release)
	e := testExporter(exportConfig{URL: c.URL, Timeout: 300 * time.Millisecond})
	began := time.Now()
	err := e.ExportSpans(context.Background(), testSpans(t))
	if err == nil || !strings.Contains(err.Error(), "timeout (300ms)") || time.Since(began) > 3*time.Second {
		t.Fatalf("a collector that never answers: %v after %s", err, time.Since(began))
	}
	// The caller's deadline counts too.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	e = testExporter(exportConfig{URL: c.URL, Timeout: time.Minute})
	if err := e.ExportSpans(ctx, testSpans(t)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the caller's deadline: %v", err)
	}
}

func TestExportShutdown(t *testing.T) {
	var blocked atomic.Bool
	entered := make(chan struct{}, 1)
	c := newCollector(t, func(_ int, _ http.ResponseWriter, r *http.Request) bool {
		if !blocked.Load() {
			return false
		}
		entered <- struct{}{}
		_, _ = io.Copy(io.Discard, r.Body) // the server notices a client gone only after the body
		<-r.Context().Done()
		return true
	})
	e := testExporter(exportConfig{URL: c.URL, Timeout: time.Minute})
	if err := e.ExportSpans(context.Background(), testSpans(t)); err != nil {
		t.Fatal(err)
	}

	// An export in flight holds Shutdown until its ctx is done, then is
	// cancelled.
	blocked.Store(true)
	exported := make(chan error, 1)
	go func() { exported <- e.ExportSpans(context.Background(), testSpans(t)) }()
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := e.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown with an export in flight = %v", err)
	}
	select {
	case err := <-exported:
		if !errors.Is(err, errShutdown) {
			t.Fatalf("the export in flight at shutdown = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the export in flight was not cancelled by Shutdown")
	}

	if err := e.ExportSpans(context.Background(), testSpans(t)); !errors.Is(err, errShutdown) {
		t.Fatalf("export after Shutdown = %v", err)
	}
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown = %v", err)
	}
	if c.count() != 2 {
		t.Fatalf("%d attempts", c.count())
	}
}

// TestProviderExportsThroughExporter: the batch processor on the exporter,
// as New sets them up, delivers a span.
func TestProviderExportsThroughExporter(t *testing.T) {
	c := newCollector(t, nil)
	tr, err := New(context.Background(), Options{Enabled: true, Endpoint: c.URL, Headers: map[string]string{"k": "v"}, SampleRatio: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, span := tr.Tracer("test").Start(context.Background(), "hello")
	span.End()
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(c.requests) != 1 || c.headers[0].Get("k") != "v" {
		t.Fatalf("%d exports", len(c.requests))
	}
	if got := c.requests[0].GetResourceSpans()[0].GetScopeSpans()[0].GetSpans()[0].GetName(); got != "hello" {
		t.Fatalf("span %q", got)
	}
}

func TestExportEnv(t *testing.T) {
	files := map[string][]byte{}
	readFile := func(p string) ([]byte, error) {
		if b, ok := files[p]; ok {
			return b, nil
		}
		return nil, os.ErrNotExist
	}
	load := func(url string, env map[string]string) (exportConfig, error) {
		cfg := exportConfig{URL: url}
		err := exportEnv(&cfg, func(k string) string { return env[k] }, readFile)
		return cfg, err
	}
	cfg, err := load("http://c:4318/v1/traces", nil)
	if err != nil || cfg.Timeout != 10*time.Second || cfg.Gzip || cfg.TLS != nil {
		t.Fatalf("defaults = %+v, %v", cfg, err)
	}
	cfg, err = load("http://c:4318/v1/traces", map[string]string{
		"OTEL_EXPORTER_OTLP_TIMEOUT": "2500", "OTEL_EXPORTER_OTLP_COMPRESSION": " gzip ",
	})
	if err != nil || cfg.Timeout != 2500*time.Millisecond || !cfg.Gzip {
		t.Fatalf("general = %+v, %v", cfg, err)
	}
	cfg, err = load("http://c:4318/v1/traces", map[string]string{
		"OTEL_EXPORTER_OTLP_TIMEOUT": "2500", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "700",
		"OTEL_EXPORTER_OTLP_COMPRESSION": "gzip", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "none",
	})
	if err != nil || cfg.Timeout != 700*time.Millisecond || cfg.Gzip {
		t.Fatalf("per signal = %+v, %v", cfg, err)
	}
	files["/empty.pem"] = []byte("no PEM here")
	for _, bad := range [][2]string{
		{"OTEL_EXPORTER_OTLP_TIMEOUT", "10s"},
		{"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "0"},
		{"OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"},
		{"OTEL_EXPORTER_OTLP_CERTIFICATE", "/missing.pem"},
		{"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "/empty.pem"},
		{"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/c.pem"},
	} {
		if _, err := load("https://c/v1/traces", map[string]string{bad[0]: bad[1]}); err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("%s=%s: %v", bad[0], bad[1], err)
		}
	}

	// TLS: a collector with its own CA and client certificates.
	caPEM, certPEM, keyPEM := testCerts(t)
	files["/ca.pem"], files["/client.pem"], files["/client.key"] = caPEM, certPEM, keyPEM
	tlsEnv := map[string]string{"OTEL_EXPORTER_OTLP_CERTIFICATE": "/ca.pem",
		"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": "/client.pem", "OTEL_EXPORTER_OTLP_CLIENT_KEY": "/client.key"}
	if _, err := load("http://c/v1/traces", tlsEnv); err == nil || !strings.Contains(err.Error(), "https") {
		t.Fatalf("certificates with http://: %v", err)
	}
	c := newTLSCollector(t)
	cfg, err = load(c.URL+"/v1/traces", tlsEnv)
	if err != nil || cfg.TLS == nil || cfg.TLS.RootCAs == nil || len(cfg.TLS.Certificates) != 1 {
		t.Fatalf("TLS = %+v, %v", cfg.TLS, err)
	}
	if err := testExporter(cfg).ExportSpans(context.Background(), testSpans(t)); err != nil || len(c.requests) != 1 {
		t.Fatalf("export over TLS: %v", err)
	}
	// Without the CA the certificate is refused, and that is not retried.
	cfg.TLS.RootCAs = nil
	if err := testExporter(cfg).ExportSpans(context.Background(), testSpans(t)); err == nil ||
		!strings.Contains(err.Error(), "certificate") || strings.Contains(err.Error(), "attempts") {
		t.Fatalf("export to an unknown CA: %v", err)
	}
}

// newTLSCollector is a collector over TLS that requires a client
// certificate; its server certificate is httptest's, signed by testCerts' CA.
func newTLSCollector(t *testing.T) *collector {
	c := &collector{}
	c.Server = httptest.NewUnstartedServer(http.HandlerFunc(c.serve(t)))
	c.Server.TLS = tlsServerConfig(t)
	c.Server.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake of the unknown-CA case
	c.StartTLS()
	t.Cleanup(c.Close)
	return c
}

var (
	certsOnce                sync.Once
	caKey                    *ecdsa.PrivateKey
	caCert                   *x509.Certificate
	caPEMs, certPEMs, keyPEM []byte
)

// testCerts is a CA (PEM) and a client certificate and key it signed.
func testCerts(t *testing.T) (ca, cert, key []byte) {
	certsOnce.Do(func() {
		var err error
		caKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &caKey.PublicKey, caKey)
		if err != nil {
			panic(err)
		}
		caCert, _ = x509.ParseCertificate(der)
		caPEMs = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		certDER, k := leaf(&x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "gateway"},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
		certPEMs = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER})
		kb, _ := x509.MarshalECPrivateKey(k)
		keyPEM = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
	})
	return caPEMs, certPEMs, keyPEM
}

// leaf is a certificate of tmpl signed by the test CA, and its key.
func leaf(tmpl *x509.Certificate) ([]byte, *ecdsa.PrivateKey) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &k.PublicKey, caKey)
	if err != nil {
		panic(err)
	}
	return der, k
}

func tlsServerConfig(t *testing.T) *tls.Config {
	testCerts(t)
	der, k := leaf(&x509.Certificate{SerialNumber: big.NewInt(3), DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: k}},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
	}
}
