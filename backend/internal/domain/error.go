// Package domain holds the entities, coded errors and small shared types of
// MCP Gateway Registry. It imports only the standard library; every other
// package depends on it, never the other way round.
package domain

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. Each maps to exactly one HTTP status in httpapi; the code
// string is what API clients see in {"error":{"code":...}}.
const (
	EBADREQUEST         = "bad_request"         // malformed input, such as invalid JSON
	EINVALID            = "validation_failed"   // well-formed input that breaks a rule
	ETOOLARGE           = "payload_too_large"   // a body over the configured limit
	EUNAUTHORIZED       = "unauthorized"        // no valid credentials
	EINVALIDCREDENTIALS = "invalid_credentials" // sign-in refused; never says why
	EFORBIDDEN          = "forbidden"           // authenticated but not allowed
	ECSRF               = "csrf_failed"         // missing or wrong CSRF token or origin
	ENOTFOUND           = "not_found"
	ECONFLICT           = "conflict"
	EPRECONDITION       = "precondition_failed" // If-Match named a stale version
	ERATELIMITED        = "too_many_requests"
	EUNAVAILABLE        = "unavailable" // a dependency (Postgres, Redis) is down
	EINTERNAL           = "internal"
)

// Error is the coded error every layer returns. Message is safe to show to
// API clients; Err, the cause, is logged but never shown.
type Error struct {
	Code       string
	Message    string
	Field      string        // the offending input field, for EINVALID
	RetryAfter time.Duration // how long to wait, for ERATELIMITED
	Err        error
}

// Error implements error.
func (e *Error) Error() string {
	msg := e.Code + ": " + e.Message
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNotFound) true for every not-found error,
// whatever its message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Sentinels for errors.Is; they compare by code only.
var (
	ErrNotFound     = &Error{Code: ENOTFOUND, Message: "not found"}
	ErrConflict     = &Error{Code: ECONFLICT, Message: "conflict"}
	ErrUnauthorized = &Error{Code: EUNAUTHORIZED, Message: "authentication required"}
	ErrForbidden    = &Error{Code: EFORBIDDEN, Message: "forbidden"}
	ErrUnavailable  = &Error{Code: EUNAVAILABLE, Message: "service unavailable"}
)

// Errorf returns an Error with a formatted, client-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a validation error naming the offending field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: field + ": " + fmt.Sprintf(format, args...)}
}

// Unavailable wraps the failure of a dependency such as Postgres or Redis.
func Unavailable(what string, cause error) *Error {
	return &Error{Code: EUNAVAILABLE, Message: what + " is unavailable", Err: cause}
}

// ErrorCode returns the code of err, or EINTERNAL when err is not an Error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}
