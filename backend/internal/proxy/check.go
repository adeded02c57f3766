package proxy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/authz"
	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// Audit actions of the proxy.
const (
	ActionToolCall = "mcp.tool_call"
	ActionDenied   = "mcp.denied"
)

// readAndCheck reads a POST body whole (never more than the limit, so a
// decision is never made on part of it), inspects every JSON-RPC message
// in it and decides each one. It answers the client itself and returns
// false when nothing is to be forwarded.
func (p *Proxy) readAndCheck(w http.ResponseWriter, r *http.Request, c *call) bool {
	label := c.srv.Path
	if mediaType(r.Header.Get("Content-Type")) != "application/json" {
		p.d.Metrics.request(label, "bad_request")
		writeRPCError(w, http.StatusBadRequest, nil, CodeInvalidRequest, "the body must be JSON (Content-Type: application/json)")
		return false
	}
	if r.ContentLength > p.o.MaxBodyBytes {
		p.d.Metrics.request(label, "too_large")
		writeRPCError(w, http.StatusRequestEntityTooLarge, nil, CodeRequestTooLarge, "the body is larger than "+strconv.FormatInt(p.o.MaxBodyBytes, 10)+" bytes")
		return false
	}
	// A body must arrive in time: one that trickles would hold memory and a
	// stream slot for as long as its sender likes.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(p.o.BodyReadTimeout))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, p.o.MaxBodyBytes))
	if err != nil {
		// The rest of the body is not worth waiting for: without this the
		// server would try to read it before answering on this connection.
		w.Header().Set("Connection", "close")
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			p.d.Metrics.request(label, "too_large")
			writeRPCError(w, http.StatusRequestEntityTooLarge, nil, CodeRequestTooLarge, "the body is larger than "+strconv.FormatInt(p.o.MaxBodyBytes, 10)+" bytes")
			return false
		}
		p.d.Metrics.request(label, "bad_request")
		writeRPCError(w, http.StatusBadRequest, nil, CodeInvalidRequest, "the body could not be read")
		return false
	}
	_ = rc.SetReadDeadline(time.Time{})
	insp, err := Inspect(body)
	if err != nil {
		p.d.Metrics.request(label, "bad_request")
		code, msg := CodeInvalidRequest, "invalid JSON-RPC"
		var ie *InspectError
		if errors.As(err, &ie) {
			code, msg = ie.Code, ie.Message
		}
		writeRPCError(w, http.StatusBadRequest, nil, code, msg)
		return false
	}
	c.body, c.insp = body, &insp
	if !insp.Batch && len(insp.Messages) == 1 {
		c.single = insp.Messages[0]
	}

	// decided[i] is the decision on message i; a zero Decision (a
	// response's) is not allowed either, so refused[i] says which ones
	// were denied.
	decided := make([]authz.Decision, len(insp.Messages))
	refused := make([]bool, len(insp.Messages))
	anyDenied := false
	for i, m := range insp.Messages {
		if m.Method == "tools/list" {
			c.wantsList = true
		}
		if m.Kind == KindResponse {
			continue // the client answering the server (sampling, elicitation): execute was checked
		}
		d := c.policy.CheckCall(c.ref, m.Method, m.Tool)
		decided[i] = d
		if !d.Allowed {
			refused[i], anyDenied = true, true
		}
	}
	if p.d.Tracer != nil {
		p.traceMessages(r, c, decided, refused, !anyDenied)
	}
	if !anyDenied {
		// Forward exactly the bytes that were decided on.
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		return true
	}

	ctx := r.Context()
	for i, m := range insp.Messages {
		if refused[i] {
			p.auditDenial(ctx, c, m.Method, m.Tool, decided[i].Reason())
		}
	}
	p.d.Metrics.denied(label)
	p.d.Metrics.request(label, "denied")
	// On the legacy transport the client reads answers from its event
	// stream, not from this response: the refusal goes there.
	// When another replica holds that stream, the refusal is sent there.
	var toStream func(msg []byte) bool
	if s := p.sessions.stream(sessionKey(r), principalKey(c.principal)); s != nil {
		toStream = func(msg []byte) bool { s.sink.send(msg); return true }
	} else if c.legacyID != "" {
		toStream = func(msg []byte) bool {
			if err := p.d.Legacy.Send(ctx, c.legacyID, msg); err != nil {
				p.d.Log.WarnContext(ctx, "legacy SSE sessions: a refusal could not reach the session's stream", "server", c.srv.Path, "error", err)
				return false
			}
			return true
		}
	}
	if !insp.Batch {
		msg := ErrorResponse(c.single.ID, CodePermissionDenied, "permission denied: "+decided[0].Reason())
		if toStream != nil && (c.single.Kind != KindRequest || toStream(msg)) {
			c.status = http.StatusAccepted
			w.WriteHeader(http.StatusAccepted)
			return false
		}
		c.status = http.StatusForbidden
		writeRPCError(w, http.StatusForbidden, c.single.ID, CodePermissionDenied, "permission denied: "+decided[0].Reason())
		return false
	}
	// A batch is forwarded whole or not at all: the gateway never
	// rewrites what it forwards, and half a batch would be a new request.
	var errs []RPCError
	for i, m := range insp.Messages {
		if m.Kind != KindRequest {
			continue // notifications and responses get no answer
		}
		e := RPCError{ID: m.ID, Code: CodeBatchRefused, Message: "not forwarded: another message in this batch was denied"}
		if refused[i] {
			e.Code, e.Message = CodePermissionDenied, "permission denied: "+decided[i].Reason()
		}
		errs = append(errs, e)
	}
	answer := BatchErrors(errs)
	if toStream != nil && (len(errs) == 0 || toStream(answer)) {
		c.status = http.StatusAccepted
		w.WriteHeader(http.StatusAccepted)
		return false
	}
	c.status = http.StatusForbidden
	writeJSON(w, http.StatusForbidden, answer)
	return false
}

// deny answers and audits a request refused before its body was read
// (no execute permission on the server).
func (p *Proxy) deny(ctx context.Context, w http.ResponseWriter, c *call, d authz.Decision) {
	p.auditDenial(ctx, c, "", "", d.Reason())
	p.d.Metrics.denied(c.srv.Path)
	p.d.Metrics.request(c.srv.Path, "denied")
	c.status = http.StatusForbidden
	writeRPCError(w, http.StatusForbidden, nil, CodePermissionDenied, "permission denied: "+d.Reason())
}

func (p *Proxy) auditDenial(ctx context.Context, c *call, method, tool, reason string) {
	p.d.Audit.TryRecord(ctx, p.event(c, ActionDenied, domain.OutcomeDenied,
		&domain.AuditCall{Server: c.srv.Path, Method: method, Tool: tool, Reason: reason}))
}

// auditCalls records each tools/call that was forwarded, once the
// exchange is over, with its latency and how the upstream answered. The
// arguments are not recorded: they may hold anything.
func (p *Proxy) auditCalls(ctx context.Context, c *call) {
	if c.insp == nil {
		return
	}
	var latency float64
	for _, m := range c.insp.Messages {
		if m.Kind != KindRequest || m.Method != "tools/call" {
			continue
		}
		outcome := domain.OutcomeSuccess
		if c.status == 0 || c.status >= 400 {
			outcome = domain.OutcomeFailure
		}
		if latency == 0 {
			latency = float64(time.Since(c.start).Microseconds()) / 1000
		}
		p.d.Audit.TryRecord(ctx, p.event(c, ActionToolCall, outcome, &domain.AuditCall{
			Server: c.srv.Path, Method: m.Method, Tool: m.Tool, Forwarded: true, LatencyMS: latency, Status: c.status,
		}))
	}
}

// event is an audit event of the call's principal about its server.
func (p *Proxy) event(c *call, action, outcome string, details *domain.AuditCall) domain.AuditEvent {
	pr := c.principal
	return domain.AuditEvent{
		Action: action, Outcome: outcome, Actor: pr.Username, ActorID: pr.UserID, AuthMethod: pr.AuthMethod,
		TargetType: "server", Target: c.srv.Path, Call: details,
	}
}

func writeJSON(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// mediaType is a Content-Type's essence, read as leniently as MCP clients
// read it (the part before ";", trimmed, lower-cased): deciding by a
// stricter reading than the client's would let a response the gateway
// thinks is neither JSON nor an event stream be used as one.
func mediaType(ct string) string {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}
