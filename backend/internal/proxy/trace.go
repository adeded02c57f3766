package proxy

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/mcpgw/mcpgw/backend/internal/authz"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// Tracing: every JSON-RPC request or notification the proxy decides on
// gets one server span, named as the MCP semantic conventions say
// ("tools/call echo", "tools/list"), whether it was forwarded or denied.
// A batch gets a span of its own ("mcp batch") with one child per
// message. A request refused before its body is read (no execute on the
// server, a cross-origin cookie) gets one span named "mcp". GETs (event
// streams) and DELETEs carry no call and get none.
//
// A span holds what was decided and for whom, never credentials, headers
// other than the MCP session and protocol version, arguments or results.
//
// The upstream gets a traceparent (and tracestate) the gateway wrote: the
// call's span, a batch's span, or, with no span (tracing off, a GET), the
// caller's own context, parsed and written anew. A malformed traceparent
// is dropped, never passed on as it came.

// Gateway-specific span attributes.
const (
	attrServer         = attribute.Key("mcpgw.server")
	attrDecision       = attribute.Key("mcpgw.decision")
	attrDecisionReason = attribute.Key("mcpgw.decision.reason")
	attrForwarded      = attribute.Key("mcpgw.forwarded")
	attrAuthMethod     = attribute.Key("mcpgw.auth.method")
	attrRequestID      = attribute.Key("mcpgw.request.id")
	attrBatchSize      = attribute.Key("mcpgw.batch.size")
)

// maxAttrLen bounds attribute values the caller chose (ids, tool names).
const maxAttrLen = 256

// incomingTrace is the caller's trace context, from a valid traceparent
// (and its tracestate); zero without one.
func incomingTrace(r *http.Request) trace.SpanContext {
	if len(r.Header["Traceparent"]) == 0 {
		return trace.SpanContext{}
	}
	return trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(), propagation.HeaderCarrier(r.Header)))
}

// injectTrace writes the call's trace context into the upstream's headers.
func injectTrace(h http.Header, sc trace.SpanContext) {
	if !sc.IsValid() {
		return
	}
	propagation.TraceContext{}.Inject(trace.ContextWithSpanContext(context.Background(), sc), propagation.HeaderCarrier(h))
}

// startSpan starts a server span of c at the request's arrival, as a child
// of parent (the caller's trace, or a batch's span).
func (p *Proxy) startSpan(r *http.Request, c *call, parent trace.SpanContext, name string) trace.Span {
	ctx := r.Context()
	if parent.IsValid() {
		ctx = trace.ContextWithSpanContext(ctx, parent)
	}
	_, span := p.d.Tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer), trace.WithTimestamp(c.start))
	if span.IsRecording() {
		ri := domain.RequestInfoFrom(r.Context())
		attrs := []attribute.KeyValue{
			attrServer.String(c.srv.Path),
			semconv.EnduserID(c.principal.Username),
			attrAuthMethod.String(c.principal.AuthMethod),
			semconv.NetworkTransportTCP,
			semconv.NetworkProtocolName("http"),
			semconv.HTTPRequestMethodKey.String(r.Method),
			attrRequestID.String(ri.RequestID),
		}
		if ri.ClientIP != "" {
			attrs = append(attrs, semconv.ClientAddress(ri.ClientIP))
		}
		if v := r.Header.Get("Mcp-Session-Id"); v != "" {
			attrs = append(attrs, semconv.McpSessionID(domain.SafeText(v, maxAttrLen)))
		}
		if v := r.Header.Get("Mcp-Protocol-Version"); v != "" {
			attrs = append(attrs, semconv.McpProtocolVersion(domain.SafeText(v, 64)))
		}
		span.SetAttributes(attrs...)
	}
	return span
}

// traceDenial gives a request refused before its body was read its span.
func (p *Proxy) traceDenial(r *http.Request, c *call, reason string) {
	if p.d.Tracer == nil {
		return
	}
	span := p.startSpan(r, c, c.trace, "mcp")
	span.SetAttributes(attrDecision.String("denied"), attrDecisionReason.String(reason), attrForwarded.Bool(false))
	c.spans = append(c.spans, span)
}

// traceMessages starts the spans of an inspected body: one per request or
// notification, under a batch span for a batch, with the decision taken on
// each (decided[i]; refused[i] when denied). forwarded says whether the
// body goes on to the upstream.
func (p *Proxy) traceMessages(r *http.Request, c *call, decided []authz.Decision, refused []bool, forwarded bool) {
	parent := c.trace
	if c.insp.Batch {
		span := p.startSpan(r, c, parent, "mcp batch")
		decision := "allowed"
		if !forwarded {
			decision = "denied"
		}
		span.SetAttributes(attrBatchSize.Int(len(c.insp.Messages)), attrForwarded.Bool(forwarded), attrDecision.String(decision))
		c.spans = append(c.spans, span)
		parent = span.SpanContext()
		c.trace = parent
	}
	for i, m := range c.insp.Messages {
		if m.Kind == KindResponse {
			continue // the client answering the server: not a call
		}
		name := domain.SafeText(m.Method, maxAttrLen)
		if m.Method == "tools/call" {
			name += " " + domain.SafeText(m.Tool, maxAttrLen)
		}
		span := p.startSpan(r, c, parent, name)
		if !c.insp.Batch {
			c.trace = span.SpanContext()
		}
		c.spans = append(c.spans, span)
		if !span.IsRecording() {
			continue
		}
		d := decided[i]
		attrs := []attribute.KeyValue{
			semconv.McpMethodNameKey.String(domain.SafeText(m.Method, maxAttrLen)),
			attrForwarded.Bool(forwarded),
			attrDecisionReason.String(d.Reason()),
		}
		if m.Method == "tools/call" {
			attrs = append(attrs, semconv.GenAIToolName(domain.SafeText(m.Tool, maxAttrLen)), semconv.GenAIOperationNameExecuteTool)
		}
		if m.ID != nil {
			attrs = append(attrs, semconv.JSONRPCRequestID(requestID(m.ID)))
		}
		switch {
		case refused[i]:
			attrs = append(attrs, attrDecision.String("denied"), semconv.RPCResponseStatusCode(strconv.Itoa(CodePermissionDenied)))
		case !forwarded:
			// Allowed, but another message of its batch was not.
			attrs = append(attrs, attrDecision.String("allowed"), semconv.RPCResponseStatusCode(strconv.Itoa(CodeBatchRefused)))
		default:
			attrs = append(attrs, attrDecision.String("allowed"))
		}
		span.SetAttributes(attrs...)
	}
}

// requestID is a JSON-RPC id as text: a string's value, a number as
// written.
func requestID(id json.RawMessage) string {
	if len(id) > 0 && id[0] == '"' {
		var s string
		if json.Unmarshal(id, &s) == nil {
			return domain.SafeText(s, maxAttrLen)
		}
	}
	return domain.SafeText(string(id), maxAttrLen)
}

// endSpans ends the call's spans once the exchange is over, with the
// status the client got and, when the gateway or the upstream failed, an
// error. Denials are decisions, not errors.
func (p *Proxy) endSpans(c *call) {
	for _, span := range c.spans {
		if span.IsRecording() {
			if c.status != 0 {
				span.SetAttributes(semconv.HTTPResponseStatusCode(c.status))
			}
			switch {
			case c.failure != "":
				span.SetAttributes(semconv.ErrorTypeKey.String(c.failure))
				span.SetStatus(codes.Error, c.failure)
			case c.status >= 500:
				span.SetAttributes(semconv.ErrorTypeKey.String(strconv.Itoa(c.status)))
				span.SetStatus(codes.Error, "HTTP "+strconv.Itoa(c.status))
			}
		}
		span.End()
	}
}
