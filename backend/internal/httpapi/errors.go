package httpapi

import (
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// eunsupported is the code of a request body that is not JSON.
const eunsupported = "unsupported_media_type"

// statusOf maps error codes to HTTP statuses: the one place this happens.
func statusOf(code string) int {
	switch code {
	case domain.EBADREQUEST:
		return http.StatusBadRequest
	case domain.EINVALID:
		return http.StatusUnprocessableEntity
	case domain.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case eunsupported:
		return http.StatusUnsupportedMediaType
	case domain.EUNAUTHORIZED, domain.EINVALIDCREDENTIALS:
		return http.StatusUnauthorized
	case domain.EFORBIDDEN, domain.ECSRF:
		return http.StatusForbidden
	case domain.ENOTFOUND:
		return http.StatusNotFound
	case domain.ECONFLICT:
		return http.StatusConflict
	case domain.EPRECONDITION:
		return http.StatusPreconditionFailed
	case domain.ERATELIMITED:
		return http.StatusTooManyRequests
	case domain.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case "method_not_allowed":
		return http.StatusMethodNotAllowed
	default:
		return http.StatusInternalServerError
	}
}

// writeError answers with err as {"error":{...}}. Internal errors are logged
// with the request id and reach the client only as "internal error".
func writeError(c *gin.Context, log *slog.Logger, err error) {
	var e *domain.Error
	if !errors.As(err, &e) {
		e = &domain.Error{Code: domain.EINTERNAL, Err: err}
	}
	ctx := c.Request.Context()
	body := ErrorBody{Code: e.Code, Message: e.Message, Field: e.Field}
	switch e.Code {
	case domain.EINTERNAL:
		log.ErrorContext(ctx, "internal error", "error", err, "request_id", domain.RequestInfoFrom(ctx).RequestID)
		body.Message = "internal error"
	case domain.EUNAVAILABLE:
		log.WarnContext(ctx, "dependency unavailable", "error", err, "request_id", domain.RequestInfoFrom(ctx).RequestID)
	}
	if e.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
	}
	c.AbortWithStatusJSON(statusOf(e.Code), ErrorResponse{Error: body})
}
