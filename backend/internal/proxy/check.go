package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
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
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		p.d.Metrics.request(label, "bad_request")
		writeRPCError(w, http.StatusBadRequest, nil, CodeInvalidRequest, "the body must be JSON (Content-Type: application/json)")
		return false
	}
	if r.ContentLength > p.o.MaxBodyBytes {
		p.d.Metrics.request(label, "too_large")
		writeRPCError(w, http.StatusRequestEntityTooLarge, nil, CodeRequestTooLarge, "the body is larger than "+strconv.FormatInt(p.o.MaxBodyBytes, 10)+" bytes")
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, p.o.MaxBodyBytes))
	if err != nil {
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

	// denied[i] is the refusal of message i; a zero Decision is not
	// allowed either, so refused[i] says which ones were decided so.
	denied := make([]authz.Decision, len(insp.Messages))
	refused := make([]bool, len(insp.Messages))
	anyDenied := false
	for i, m := range insp.Messages {
		if m.Method == "tools/list" {
			c.wantsList = true
		}
		if m.Kind == KindResponse {
			continue // the client answering the server (sampling, elicitation): execute was checked
		}
		if d := c.policy.CheckCall(c.ref, m.Method, m.Tool); !d.Allowed {
			denied[i], refused[i], anyDenied = d, true, true
		}
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
			p.auditDenial(ctx, c, m.Method, m.Tool, denied[i])
		}
	}
	p.d.Metrics.denied(label)
	p.d.Metrics.request(label, "denied")
	// On the legacy transport the client reads answers from its event
	// stream, not from this response: the refusal goes there.
	var sink *eventSink
	if s := p.sessions.stream(r.URL.EscapedPath()+"?"+r.URL.RawQuery, principalKey(c.principal)); s != nil {
		sink = s.sink
	}
	if !insp.Batch {
		if sink != nil {
			if c.single.Kind == KindRequest {
				sink.send(ErrorResponse(c.single.ID, CodePermissionDenied, "permission denied: "+denied[0].Reason()))
			}
			w.WriteHeader(http.StatusAccepted)
			return false
		}
		writeRPCError(w, http.StatusForbidden, c.single.ID, CodePermissionDenied, "permission denied: "+denied[0].Reason())
		return false
	}
	// A batch is forwarded whole or not at all: the gateway never
	// rewrites what it forwards, and half a batch would be a new request.
	var errs [][]byte
	for i, m := range insp.Messages {
		if m.Kind != KindRequest {
			continue // notifications and responses get no answer
		}
		msg := "not forwarded: another message in this batch was denied"
		code := CodeBatchRefused
		if refused[i] {
			msg, code = "permission denied: "+denied[i].Reason(), CodePermissionDenied
		}
		errs = append(errs, ErrorResponse(m.ID, code, msg))
	}
	answer := append(append([]byte("["), bytes.Join(errs, []byte(","))...), ']')
	if sink != nil {
		if len(errs) > 0 {
			sink.send(answer)
		}
		w.WriteHeader(http.StatusAccepted)
		return false
	}
	writeJSON(w, http.StatusForbidden, answer)
	return false
}

// deny answers and audits a request refused before its body was read
// (no execute permission on the server).
func (p *Proxy) deny(ctx context.Context, w http.ResponseWriter, c *call, id json.RawMessage, d authz.Decision) {
	p.auditDenial(ctx, c, "", "", d)
	p.d.Metrics.denied(c.srv.Path)
	p.d.Metrics.request(c.srv.Path, "denied")
	writeRPCError(w, http.StatusForbidden, id, CodePermissionDenied, "permission denied: "+d.Reason())
}

func (p *Proxy) auditDenial(ctx context.Context, c *call, method, tool string, d authz.Decision) {
	details := map[string]any{"server": c.srv.Path, "reason": d.Reason()}
	if method != "" {
		details["method"] = method
	}
	if tool != "" {
		details["tool"] = tool
	}
	p.d.Audit.TryRecord(ctx, p.event(c, ActionDenied, domain.OutcomeDenied, details))
}

// auditCalls records each tools/call that was forwarded, once the
// exchange is over, with its latency and how the upstream answered. The
// arguments are not recorded: they may hold anything.
func (p *Proxy) auditCalls(ctx context.Context, c *call) {
	if c.insp == nil {
		return
	}
	for _, m := range c.insp.Messages {
		if m.Kind != KindRequest || m.Method != "tools/call" {
			continue
		}
		outcome := domain.OutcomeSuccess
		if c.status == 0 || c.status >= 400 {
			outcome = domain.OutcomeFailure
		}
		p.d.Audit.TryRecord(ctx, p.event(c, ActionToolCall, outcome, map[string]any{
			"server": c.srv.Path, "method": m.Method, "tool": m.Tool,
			"latency_ms": float64(time.Since(c.start).Microseconds()) / 1000, "status": c.status,
		}))
	}
}

func (p *Proxy) event(c *call, action, outcome string, details map[string]any) domain.AuditEvent {
	pr := c.principal
	return domain.AuditEvent{
		Action: action, Outcome: outcome, Actor: pr.Username, ActorID: pr.UserID, AuthMethod: pr.AuthMethod,
		TargetType: "server", Target: c.srv.Path, Details: details,
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
