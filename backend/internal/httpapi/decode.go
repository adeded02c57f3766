package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// decodeJSON reads the request body into dst strictly: it must be JSON, one
// value, no unknown fields, within the body limit. Each failure maps to the
// status clients expect: 415, 400, 413 or 422 naming the field.
func decodeJSON(c *gin.Context, dst any) error {
	if mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err != nil || mt != "application/json" {
		return &domain.Error{Code: eunsupported, Message: "the request body must be JSON (Content-Type: application/json)"}
	}
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return jsonError(err)
		}
		return domain.Errorf(domain.EBADREQUEST, "the request body must hold a single JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var (
		syntax    *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		tooLarge  *http.MaxBytesError
		unmarshal *json.InvalidUnmarshalError
	)
	switch {
	case errors.As(err, &tooLarge):
		return domain.Errorf(domain.ETOOLARGE, "the request body is larger than %d bytes", tooLarge.Limit)
	case errors.Is(err, io.EOF):
		return domain.Errorf(domain.EBADREQUEST, "the request body is empty")
	case errors.As(err, &syntax):
		return domain.Errorf(domain.EBADREQUEST, "malformed JSON at byte %d", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return domain.Errorf(domain.EBADREQUEST, "malformed JSON: the body ends early")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return domain.Errorf(domain.EBADREQUEST, "the request body must be a JSON object")
		}
		return domain.Invalid(field, "must be %s", jsonTypeName(typeErr.Type.Kind().String()))
	case errors.As(err, &unmarshal):
		return err
	}
	// encoding/json has no typed error for unknown fields; this prefix is
	// its documented message.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		field := strings.Trim(name, `"`)
		return &domain.Error{Code: domain.EINVALID, Field: field, Message: fmt.Sprintf("%s: unknown field", field)}
	}
	return domain.Errorf(domain.EBADREQUEST, "malformed JSON")
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	case "ptr":
		return "a value of another type"
	default:
		return "a number"
	}
}
