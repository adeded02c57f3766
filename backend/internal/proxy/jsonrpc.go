package proxy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// JSON-RPC error codes the gateway answers with. The standard ones come
// from JSON-RPC 2.0; the gateway's own sit in the implementation-defined
// range -32000..-32099 but avoid -32000..-32003 and -32042, which the MCP
// specification and its SDKs already use (connection closed, request
// timeout, resource not found, URL elicitation required), so that a client
// never mistakes a gateway refusal for an upstream's answer.
const (
	// CodeParseError: the body is not JSON (syntax, UTF-8, trailing data).
	CodeParseError = -32700
	// CodeInvalidRequest: JSON, but not an acceptable JSON-RPC message
	// (shape, types, duplicate or case-variant keys, nesting too deep).
	CodeInvalidRequest = -32600
	// CodeInvalidParams: a tools/call whose params.name is missing,
	// not a string, duplicated or spelled in another case.
	CodeInvalidParams = -32602
	// CodeInternalError: the gateway failed; details are only logged.
	CodeInternalError = -32603

	// CodeUnauthorized: no valid gateway credentials (HTTP 401).
	CodeUnauthorized = -32010
	// CodePermissionDenied: the caller may not use this server, send this
	// method or call this tool (HTTP 403).
	CodePermissionDenied = -32011
	// CodeForbidden: refused for another reason than permissions, such as
	// a cross-origin request (HTTP 403).
	CodeForbidden = -32012
	// CodeBatchRefused: this request was allowed but not forwarded because
	// another message of its batch was denied.
	CodeBatchRefused = -32013
	// CodeNotFound: no registered server has this path (HTTP 404).
	CodeNotFound = -32014
	// CodeServerDisabled: the server is registered but disabled (HTTP 503).
	CodeServerDisabled = -32015
	// CodeUnavailable: a service the gateway needs (such as the
	// credential store) is unavailable; try again (HTTP 503).
	CodeUnavailable = -32016
	// CodeTooManyStreams: the caller has too many open streams or
	// concurrent requests (HTTP 429).
	CodeTooManyStreams = -32017
	// CodeRequestTooLarge: the body exceeds the limit (HTTP 413).
	CodeRequestTooLarge = -32018
	// CodeUpstreamUnavailable: the upstream could not be reached or
	// answered badly (HTTP 502).
	CodeUpstreamUnavailable = -32020
	// CodeUpstreamTimeout: the upstream did not answer in time (HTTP 504).
	CodeUpstreamTimeout = -32021
)

// maxInspectDepth bounds nesting in a client's message: MCP requests are
// shallow, and the bound keeps the recursive scanner's stack small.
const maxInspectDepth = 64

// Kind says what a JSON-RPC message is.
type Kind uint8

// The kinds of JSON-RPC message.
const (
	// KindRequest has a method and an id and expects a response.
	KindRequest Kind = iota + 1
	// KindNotification has a method and no id.
	KindNotification
	// KindResponse has a result or an error and the id it answers; a
	// client sends these to answer server requests (sampling, elicitation).
	KindResponse
)

// String returns the kind's name, for logs.
func (k Kind) String() string {
	switch k {
	case KindRequest:
		return "request"
	case KindNotification:
		return "notification"
	case KindResponse:
		return "response"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Inspection is what Inspect found in a request body.
type Inspection struct {
	// Batch is true when the body was an array of messages.
	Batch bool
	// Messages are the body's messages in order; never empty.
	Messages []Message
}

// Message is one JSON-RPC message of an inspected body.
type Message struct {
	// ID is the exact bytes of the id (a string, number or null); nil when
	// the message has none. It aliases the inspected body.
	ID json.RawMessage
	// Method is the decoded method; empty for responses.
	Method string
	// Tool is the decoded params.name of a tools/call; empty otherwise.
	Tool string
	// Kind says whether this is a request, notification or response.
	Kind Kind
}

// InspectError is why Inspect refused a body, with the JSON-RPC code to
// answer with.
type InspectError struct {
	Code    int
	Message string
}

// Error returns the message with its code.
func (e *InspectError) Error() string {
	return "jsonrpc " + strconv.Itoa(e.Code) + ": " + e.Message
}

// Inspect parses a client's JSON-RPC body (one message or a batch) for the
// permission check. The check is made on exactly these bytes and the
// upstream parses them again with its own decoder, so Inspect refuses
// anything two decoders could read differently:
//
//   - the body is one object or a non-empty array of objects, valid UTF-8,
//     with nothing but JSON whitespace around it (no BOM, no trailing data);
//   - in each message, jsonrpc, id, method, params, result and error appear
//     at most once, and no other key equals one of them under Unicode case
//     folding ("Method", "ID", "paramſ"), because Go's encoding/json (and
//     so the Go SDK) matches keys that way;
//   - keys are compared after decoding escapes ("\u006dethod" is method);
//   - jsonrpc is "2.0", method a string, id a string, number or null;
//   - a message has a method (request, or notification without id) or
//     exactly one of result and error with an id (response), not both;
//   - a tools/call has object params with exactly one key "name" (no case
//     variant), a string; that name and the method contain no U+0000 and
//     no unpaired surrogate escape, which decoders replace differently;
//   - nesting is at most 64 deep.
//
// A syntax error anywhere wins over a semantic one, so that the code is
// CodeParseError whenever the body is not JSON. The error is always an
// *InspectError.
func Inspect(body []byte) (Inspection, error) {
	s := scanner{data: body, maxDepth: maxInspectDepth, strictUTF8: true}
	var in Inspection
	s.skipWS()
	if s.pos == len(body) {
		return Inspection{}, &InspectError{CodeParseError, "empty body"}
	}
	var err error
	switch body[s.pos] {
	case '{':
		in.Messages = make([]Message, 1)
		err = s.message(&in.Messages[0], 1)
	case '[':
		in.Batch = true
		err = s.batch(&in, 1)
	default:
		s.invalid(CodeInvalidRequest, "body is neither an object nor an array")
		err = s.skipValue(1)
	}
	if err == nil {
		s.skipWS()
		if s.pos != len(body) {
			err = s.syntaxErr("data after the JSON value")
		}
	}
	if err != nil {
		return Inspection{}, err
	}
	if s.semErr != nil {
		return Inspection{}, s.semErr
	}
	return in, nil
}

// batch scans a top-level array of messages.
func (s *scanner) batch(in *Inspection, depth int) error {
	s.pos++ // '['
	s.skipWS()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		s.invalid(CodeInvalidRequest, "empty batch")
		return nil
	}
	in.Messages = make([]Message, 0, 4)
	for {
		s.skipWS()
		if s.pos == len(s.data) {
			return s.syntaxErr("unterminated array")
		}
		if s.data[s.pos] == '{' {
			in.Messages = append(in.Messages, Message{})
			if err := s.message(&in.Messages[len(in.Messages)-1], depth+1); err != nil {
				return err
			}
		} else {
			s.invalid(CodeInvalidRequest, fmt.Sprintf("batch element %d is not an object", len(in.Messages)+1))
			in.Messages = append(in.Messages, Message{})
			if err := s.skipValue(depth + 1); err != nil {
				return err
			}
		}
		more, err := s.next(']')
		if err != nil || !more {
			return err
		}
	}
}

// Keys of a message object, as message() tells them apart.
const (
	keyOther = iota
	keyJSONRPC
	keyID
	keyMethod
	keyParams
	keyResult
	keyError
	keyCount
)

// keyName returns the message key with index k; a function so that no mutable
// table sits at package level.
func keyName(k int) string {
	switch k {
	case keyJSONRPC:
		return "jsonrpc"
	case keyID:
		return "id"
	case keyMethod:
		return "method"
	case keyParams:
		return "params"
	case keyResult:
		return "result"
	case keyError:
		return "error"
	}
	return ""
}

// messageKey classifies a decoded key of a message object; variant is true
// for a key that is not one of the six but folds to one.
func messageKey(key []byte) (k int, variant bool) {
	switch string(key) {
	case "jsonrpc":
		return keyJSONRPC, false
	case "id":
		return keyID, false
	case "method":
		return keyMethod, false
	case "params":
		return keyParams, false
	case "result":
		return keyResult, false
	case "error":
		return keyError, false
	}
	for k := keyJSONRPC; k < keyCount; k++ {
		if foldEqual(key, keyName(k)) {
			return k, true
		}
	}
	return keyOther, false
}

// foldEqual reports whether key equals name under Unicode simple case
// folding, as encoding/json matches struct fields. The names are ASCII,
// but a non-ASCII key can still fold to them ("ſ" folds to "s").
func foldEqual(key []byte, name string) bool {
	if len(key) == len(name) {
		for i := 0; i < len(key); i++ {
			c := key[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != name[i] {
				return false
			}
		}
		return true
	}
	// Simple folding maps rune to rune, so only the rune count must match.
	return utf8.RuneCount(key) == len(name) && bytes.EqualFold(key, []byte(name))
}

// message scans one message object into m.
func (s *scanner) message(m *Message, depth int) error {
	if depth > s.maxDepth {
		return s.tooDeep()
	}
	var (
		seen      [keyCount]bool
		name      nameInfo
		paramsObj bool
		// Once a semantic error is recorded the body is refused, so the
		// checks at the end are skipped; the scan goes on for syntax.
		clean = s.semErr == nil
	)
	s.pos++ // '{'
	s.skipWS()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		s.invalid(CodeInvalidRequest, "empty message object")
		return nil
	}
	for {
		key, err := s.key()
		if err != nil {
			return err
		}
		k, variant := messageKey(key)
		if variant {
			s.invalid(CodeInvalidRequest, fmt.Sprintf("key %q is a case variant of %q", key, keyName(k)))
			k = keyOther
		} else if k != keyOther {
			if seen[k] {
				s.invalid(CodeInvalidRequest, fmt.Sprintf("duplicate key %q", keyName(k)))
			}
			seen[k] = true
		}
		if err := s.messageValue(m, k, &name, &paramsObj, depth+1); err != nil {
			return err
		}
		more, err := s.next('}')
		if err != nil {
			return err
		}
		if !more {
			break
		}
	}
	if !clean {
		return nil
	}
	switch {
	case !seen[keyJSONRPC]:
		s.invalid(CodeInvalidRequest, "jsonrpc is missing")
	case seen[keyMethod]:
		if seen[keyResult] || seen[keyError] {
			s.invalid(CodeInvalidRequest, "message has both a method and a result or error")
		}
		m.Kind = KindNotification
		if seen[keyID] {
			m.Kind = KindRequest
		}
		if m.Method == methodToolsCall {
			m.Tool = s.toolName(&name, paramsObj)
		}
	case seen[keyResult] && seen[keyError]:
		s.invalid(CodeInvalidRequest, "response has both a result and an error")
	case seen[keyResult] || seen[keyError]:
		if !seen[keyID] {
			s.invalid(CodeInvalidRequest, "response has no id")
		}
		m.Kind = KindResponse
	default:
		s.invalid(CodeInvalidRequest, "message has neither a method nor a result or error")
	}
	return nil
}

// messageValue scans the value of message key k (at s.pos, after the colon).
func (s *scanner) messageValue(m *Message, k int, name *nameInfo, paramsObj *bool, depth int) error {
	if s.pos == len(s.data) {
		return s.syntaxErr("unexpected end of input")
	}
	c := s.data[s.pos]
	switch {
	case k == keyJSONRPC && c == '"':
		v, _, err := s.stringValue()
		if err != nil {
			return err
		}
		if string(v) != "2.0" {
			s.invalid(CodeInvalidRequest, `jsonrpc is not "2.0"`)
		}
		return nil
	case k == keyJSONRPC:
		s.invalid(CodeInvalidRequest, `jsonrpc is not "2.0"`)
	case k == keyID:
		start := s.pos
		if c != '"' && c != '-' && (c < '0' || c > '9') && c != 'n' {
			s.invalid(CodeInvalidRequest, "id is not a string, number or null")
		}
		if err := s.skipValue(depth); err != nil {
			return err
		}
		m.ID = json.RawMessage(s.data[start:s.pos:s.pos])
		return nil
	case k == keyMethod && c == '"':
		v, clean, err := s.stringValue()
		if err != nil {
			return err
		}
		if !clean {
			s.invalid(CodeInvalidRequest, "method contains U+0000 or an unpaired surrogate")
		}
		// Copied now: v aliases s.buf, which the next key reuses.
		m.Method = internMethod(v)
		return nil
	case k == keyMethod:
		s.invalid(CodeInvalidRequest, "method is not a string")
	case k == keyParams && c == '{':
		*paramsObj = true
		return s.params(name, depth)
	}
	return s.skipValue(depth)
}

// methodToolsCall is the one method whose params the permission check reads.
const methodToolsCall = "tools/call"

// nameInfo is what params() saw of params.name; the name is decoded only
// once the whole message is read, since params may precede method.
type nameInfo struct {
	count      int
	variant    bool
	notString  bool
	start, end int // the string's contents in s.data, escapes undecoded
	escaped    bool
}

// params scans a params object, noting every key that is or folds to name.
func (s *scanner) params(n *nameInfo, depth int) error {
	return s.members(depth, func(key []byte) error {
		isName := string(key) == "name"
		if !isName && foldEqual(key, "name") {
			n.variant = true
		}
		if !isName {
			return s.skipValue(depth + 1)
		}
		n.count++
		if s.data[s.pos] != '"' {
			n.notString = true
			return s.skipValue(depth + 1)
		}
		start, end, esc, err := s.scanString()
		if err != nil {
			return err
		}
		n.start, n.end, n.escaped = start, end, esc
		return nil
	})
}

// members calls member with s.pos at each value of the object at s.pos;
// key is valid only until member decodes another string.
func (s *scanner) members(depth int, member func(key []byte) error) error {
	if depth > s.maxDepth {
		return s.tooDeep()
	}
	s.pos++ // '{'
	s.skipWS()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		return nil
	}
	for {
		key, err := s.key()
		if err != nil {
			return err
		}
		if s.pos == len(s.data) {
			return s.syntaxErr("unexpected end of input")
		}
		if err := member(key); err != nil {
			return err
		}
		more, err := s.next('}')
		if err != nil || !more {
			return err
		}
	}
}

// toolName checks and decodes the params.name of a tools/call.
func (s *scanner) toolName(n *nameInfo, paramsObj bool) string {
	switch {
	case !paramsObj:
		s.invalid(CodeInvalidParams, "tools/call params is not an object")
	case n.variant:
		s.invalid(CodeInvalidParams, "tools/call params has a case variant of \"name\"")
	case n.count == 0:
		s.invalid(CodeInvalidParams, "tools/call params.name is missing")
	case n.count > 1:
		s.invalid(CodeInvalidParams, "duplicate key \"name\" in tools/call params")
	case n.notString:
		s.invalid(CodeInvalidParams, "tools/call params.name is not a string")
	default:
		raw := s.data[n.start:n.end]
		if !n.escaped {
			return string(raw)
		}
		v, clean := s.decode(raw)
		if !clean {
			s.invalid(CodeInvalidParams, "tools/call params.name contains U+0000 or an unpaired surrogate")
			return ""
		}
		return string(v)
	}
	return ""
}

// internMethod returns MCP's common method names without allocating.
func internMethod(b []byte) string {
	switch string(b) {
	case "tools/call":
		return "tools/call"
	case "tools/list":
		return "tools/list"
	case "initialize":
		return "initialize"
	case "ping":
		return "ping"
	case "notifications/initialized":
		return "notifications/initialized"
	case "notifications/cancelled":
		return "notifications/cancelled"
	case "notifications/progress":
		return "notifications/progress"
	case "notifications/roots/list_changed":
		return "notifications/roots/list_changed"
	case "resources/list":
		return "resources/list"
	case "resources/read":
		return "resources/read"
	case "resources/templates/list":
		return "resources/templates/list"
	case "resources/subscribe":
		return "resources/subscribe"
	case "resources/unsubscribe":
		return "resources/unsubscribe"
	case "prompts/list":
		return "prompts/list"
	case "prompts/get":
		return "prompts/get"
	case "completion/complete":
		return "completion/complete"
	case "logging/setLevel":
		return "logging/setLevel"
	}
	return string(b)
}

// RPCError is one error response, for BatchErrors.
type RPCError struct {
	// ID is the id of the request answered; nil answers with id null.
	ID      json.RawMessage
	Code    int
	Message string
}

// ErrorResponse returns a JSON-RPC error response with the given id (null
// when nil or not valid JSON) and the message as a JSON string.
func ErrorResponse(id json.RawMessage, code int, message string) []byte {
	return appendErrorResponse(make([]byte, 0, 64+len(id)+len(message)), id, code, message)
}

// BatchErrors returns a batch (array) of error responses, one per element;
// nil when errs is empty, since JSON-RPC wants no body rather than an empty
// array when a batch held only notifications.
func BatchErrors(errs []RPCError) []byte {
	if len(errs) == 0 {
		return nil
	}
	b := make([]byte, 0, 80*len(errs))
	b = append(b, '[')
	for i, e := range errs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendErrorResponse(b, e.ID, e.Code, e.Message)
	}
	return append(b, ']')
}

func appendErrorResponse(b []byte, id json.RawMessage, code int, message string) []byte {
	b = append(b, `{"jsonrpc":"2.0","id":`...)
	if len(id) == 0 || !json.Valid(id) {
		b = append(b, "null"...)
	} else {
		b = append(b, id...)
	}
	b = append(b, `,"error":{"code":`...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, `,"message":`...)
	b = appendJSONString(b, message)
	return append(b, "}}"...)
}

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes
// U+FFFD so that the output is always valid JSON.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
		i++
	}
	return append(b, '"')
}
