package httpapi

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/postgres"
	"github.com/mcpgw/mcpgw/backend/internal/registry"
)

// AuditEvent is one entry of the audit trail.
type AuditEvent struct {
	ID         int64     `json:"id" example:"42"`
	OccurredAt time.Time `json:"occurred_at" format:"date-time"`
	Action     string    `json:"action" example:"server.update"`
	// success, failure or denied.
	Outcome    string `json:"outcome" enums:"success,failure,denied" example:"success"`
	Actor      string `json:"actor" example:"admin"`
	AuthMethod string `json:"auth_method" example:"local"`
	TargetType string `json:"target_type" example:"server"`
	Target     string `json:"target" example:"currenttime"`
	ClientIP   string `json:"client_ip"`
	UserAgent  string `json:"user_agent"`
	RequestID  string `json:"request_id"`
	// What changed: for writes, summaries before and after; for denials, the reason.
	Details map[string]any `json:"details"`
} //	@name	AuditEvent

// AuditList is one page of the audit trail, newest first.
type AuditList struct {
	Items []AuditEvent `json:"items"`
	// Pass as cursor to get older events; absent on the last page.
	NextCursor string `json:"next_cursor,omitempty" validate:"optional"`
} //	@name	AuditList

func auditEventFrom(e *domain.AuditEvent) AuditEvent {
	d := e.Details
	if d == nil {
		d = map[string]any{}
	}
	return AuditEvent{ID: e.ID, OccurredAt: e.OccurredAt.UTC(), Action: e.Action, Outcome: e.Outcome, Actor: e.Actor,
		AuthMethod: e.AuthMethod, TargetType: e.TargetType, Target: e.Target, ClientIP: e.ClientIP,
		UserAgent: e.UserAgent, RequestID: e.RequestID, Details: d}
}

// listAudit godoc
//
//	@Summary		Read the audit trail
//	@Description	Newest first, filtered, one page at a time; format=ndjson or format=csv streams every matching event as a download instead (limit and cursor then ignored).
//	@ID				listAudit
//	@Tags			audit
//	@Security		BearerToken
//	@Security		SessionCookie
//	@Param			actor		query	string	false	"Username of the actor"
//	@Param			action		query	string	false	"Action, e.g. server.update; a trailing dot matches a prefix (server.)"
//	@Param			outcome		query	string	false	"Outcome"	Enums(success,failure,denied)
//	@Param			target_type	query	string	false	"Kind of resource, e.g. server, scope, mapping, user"
//	@Param			target		query	string	false	"Resource name, e.g. a server path"
//	@Param			since		query	string	false	"Events at or after this time (RFC 3339)"	format(date-time)
//	@Param			until		query	string	false	"Events before this time (RFC 3339)"		format(date-time)
//	@Param			limit		query	int		false	"Page size, 1-1000 (default 100)"
//	@Param			cursor		query	string	false	"next_cursor of the previous page"
//	@Param			format		query	string	false	"json (default), ndjson or csv"	Enums(json,ndjson,csv)
//	@Produce		json,application/x-ndjson,text/csv
//	@Success		200	{object}	AuditList
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		403	{object}	ErrorResponse	"Not a registry admin"
//	@Failure		422	{object}	ErrorResponse	"A query parameter is invalid"
//	@Router			/api/audit [get]
func (s *server) listAudit(c *gin.Context) {
	q := registry.AuditQuery{AuditFilter: postgres.AuditFilter{Actor: c.Query("actor"), Action: c.Query("action"),
		Outcome: c.Query("outcome"), TargetType: c.Query("target_type"), Target: c.Query("target")}, Cursor: c.Query("cursor")}
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"since", &q.Since}, {"until", &q.Until}} {
		if v := c.Query(t.name); v != "" {
			ts, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				writeError(c, s.Log, domain.Invalid(t.name, "must be an RFC 3339 time such as 2026-01-02T15:04:05Z"))
				return
			}
			*t.dst = ts
		}
	}
	format := c.DefaultQuery("format", "json")
	if format != "json" && format != "ndjson" && format != "csv" {
		writeError(c, s.Log, domain.Invalid("format", "must be json, ndjson or csv"))
		return
	}
	if v, ok := c.GetQuery("limit"); ok && format == "json" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(c, s.Log, domain.Invalid("limit", "must be a number between 1 and %d", registry.MaxAuditPage))
			return
		}
		q.Limit = n
	}
	ctx := c.Request.Context()
	p := principalOf(c)
	if format == "json" {
		page, err := s.Catalog.ListAudit(ctx, p, q)
		if err != nil {
			writeError(c, s.Log, err)
			return
		}
		out := AuditList{Items: make([]AuditEvent, len(page.Events)), NextCursor: page.NextCursor}
		for i := range page.Events {
			out.Items[i] = auditEventFrom(&page.Events[i])
		}
		c.JSON(http.StatusOK, out)
		return
	}

	// Exports stream page by page; the first page is fetched before any
	// byte is written so that errors can still be JSON.
	q.Limit, q.Cursor = registry.MaxAuditPage, ""
	page, err := s.Catalog.ListAudit(ctx, p, q)
	if err != nil {
		writeError(c, s.Log, err)
		return
	}
	stamp := time.Now().UTC().Format("20060102T150405Z")
	var write func(*AuditEvent) error
	switch format {
	case "ndjson":
		c.Header("Content-Type", "application/x-ndjson")
		c.Header("Content-Disposition", `attachment; filename="audit-`+stamp+`.ndjson"`)
		enc := json.NewEncoder(c.Writer)
		write = func(e *AuditEvent) error { return enc.Encode(e) }
	case "csv":
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Header("Content-Disposition", `attachment; filename="audit-`+stamp+`.csv"`)
		w := csv.NewWriter(c.Writer)
		_ = w.Write([]string{"id", "occurred_at", "action", "outcome", "actor", "auth_method", "target_type", "target",
			"client_ip", "user_agent", "request_id", "details"})
		write = func(e *AuditEvent) error {
			details, _ := json.Marshal(e.Details)
			err := w.Write([]string{strconv.FormatInt(e.ID, 10), e.OccurredAt.Format(time.RFC3339Nano), csvCell(e.Action),
				e.Outcome, csvCell(e.Actor), csvCell(e.AuthMethod), csvCell(e.TargetType), csvCell(e.Target), e.ClientIP,
				csvCell(e.UserAgent), csvCell(e.RequestID), csvCell(string(details))})
			if err != nil {
				return err
			}
			w.Flush()
			return w.Error() // the client went away
		}
	}
	c.Status(http.StatusOK)
	for {
		for i := range page.Events {
			ev := auditEventFrom(&page.Events[i])
			if err := write(&ev); err != nil {
				return // the client went away
			}
		}
		if page.NextCursor == "" {
			return
		}
		q.Cursor = page.NextCursor
		if page, err = s.Catalog.ListAudit(ctx, p, q); err != nil {
			s.Log.WarnContext(ctx, "audit export cut short", "error", err)
			return
		}
	}
}

// csvCell defuses spreadsheet formulas: a cell starting with = + - @ (or a
// tab or carriage return) is what CSV injection uses, so it gets a leading
// apostrophe.
func csvCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
