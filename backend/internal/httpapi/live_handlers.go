package httpapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
	"github.com/mcpgw/mcpgw/backend/internal/health"
)

// LiveServer is a server's live state in /api/health/events.
type LiveServer struct {
	ID            string     `json:"id" format:"uuid"`
	Path          string     `json:"path" example:"currenttime"`
	DisplayName   string     `json:"display_name"`
	Enabled       bool       `json:"enabled"`
	Status        string     `json:"status" enums:"unknown,healthy,unhealthy,auth-required,disabled"`
	Error         string     `json:"error,omitempty" validate:"optional"`
	LatencyMS     *int       `json:"latency_ms,omitempty" validate:"optional"`
	ToolCount     int        `json:"tool_count"`
	LastCheckedAt *time.Time `json:"last_checked_at,omitempty" format:"date-time" validate:"optional"`
	LastHealthyAt *time.Time `json:"last_healthy_at,omitempty" format:"date-time" validate:"optional"`
	// The server's registry version (as in GET /api/servers/{id}): it
	// changes with every edit, never with a health check.
	Version int64 `json:"version" example:"3"`
} //	@name	LiveServer

// LiveSnapshot is the data of a "snapshot" event: every server the caller
// may see.
type LiveSnapshot struct {
	Servers []LiveServer `json:"servers"`
} //	@name	LiveSnapshot

// LiveEvent is the data of a "server" event (the server's state now) or a
// "removed" event (the server is gone).
type LiveEvent struct {
	ID     int64      `json:"id"`
	Type   string     `json:"type" enums:"server,removed"`
	Server LiveServer `json:"server"`
} //	@name	LiveEvent

func liveServer(st health.ServerState) LiveServer { return LiveServer(st) }

// healthEvents godoc
//
//	@Summary		Live server health (server-sent events)
//	@Description	An event stream. On connect, a `snapshot` event (LiveSnapshot) with every server the caller may see; then a `server` event (LiveEvent) each time one changes (health status, tool count, enabled flag, added or edited) and a `removed` event when one is deleted, from whichever replica saw the change; a new `snapshot` when a permission change shows or hides servers for the caller (within a second); a comment every 15 s. Each event has an id: reconnecting with Last-Event-ID resumes after it, or starts again with a snapshot when too much was missed. A client too slow to keep up is disconnected (it reconnects and resumes).
//	@ID				healthEvents
//	@Tags			servers
//	@Security		BearerToken
//	@Security		SessionCookie
//	@Param			Last-Event-ID	header	string	false	"The id of the last event received"
//	@Produce		text/event-stream
//	@Success		200	{object}	LiveEvent	"An event stream of LiveSnapshot and LiveEvent data"
//	@Failure		401	{object}	ErrorResponse	"Not signed in"
//	@Failure		503	{object}	ErrorResponse	"Live updates are not available"
//	@Router			/api/health/events [get]
func (s *server) healthEvents(c *gin.Context) {
	if s.Live == nil {
		writeError(c, s.Log, &domain.Error{Code: domain.EUNAVAILABLE, Message: "live updates are not available"})
		return
	}
	ctx := c.Request.Context()
	p := principalOf(c)
	sub, missed, resumed, last := s.Live.Subscribe(health.ParseEventID(c.GetHeader("Last-Event-ID")))
	defer sub.Close()
	visible, version := s.Catalog.VisibleIDs(p)
	snapshot := func(id int64) ([]byte, error) {
		servers, err := s.Catalog.VisibleServers(ctx, p)
		if err != nil {
			return nil, err
		}
		snap := LiveSnapshot{Servers: make([]LiveServer, 0, len(servers))}
		for _, srv := range servers {
			snap.Servers = append(snap.Servers, liveServer(health.StateOf(srv)))
		}
		return sseEvent(nil, "snapshot", id, snap), nil
	}
	var first []byte
	if !resumed {
		var err error
		if first, err = snapshot(last); err != nil {
			writeError(c, s.Log, err)
			return
		}
	}
	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	w := c.Writer
	if first != nil {
		_, _ = w.Write(first)
	}
	var buf []byte
	send := func(ev health.Event) bool {
		if !s.Catalog.CanSee(p, ev.Server.Path, ev.Server.DisplayName) {
			return true
		}
		buf = sseEvent(buf[:0], ev.Type, ev.ID, LiveEvent{ID: ev.ID, Type: ev.Type, Server: liveServer(ev.Server)})
		_, err := w.Write(buf)
		return err == nil
	}
	for _, ev := range missed {
		if !send(ev) {
			return
		}
	}
	w.Flush()
	beat := s.Options.LiveHeartbeat
	if beat <= 0 {
		beat = 15 * time.Second
	}
	heartbeat := time.NewTicker(beat)
	defer heartbeat.Stop()
	// A permission change can show or hide servers without any server
	// changing: the registry's version says when to look, the in-memory
	// snapshot which servers the caller may see now, and a new snapshot
	// event follows when that set changed.
	perms := time.NewTicker(time.Second)
	defer perms.Stop()
	lastID := last
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.Options.Stopping:
			return
		case <-perms.C:
			ids, v := s.Catalog.VisibleIDs(p)
			if v == version {
				continue
			}
			version = v
			if slices.Equal(ids, visible) {
				continue
			}
			visible = ids
			b, err := snapshot(lastID)
			if err != nil {
				return // the client reconnects and starts over
			}
			if _, err := w.Write(b); err != nil {
				return
			}
			w.Flush()
		case ev, ok := <-sub.Events():
			if !ok {
				return // too slow: the client reconnects with Last-Event-ID
			}
			lastID = max(lastID, ev.ID)
			if !send(ev) {
				return
			}
			w.Flush()
		case <-heartbeat.C:
			if _, err := w.Write([]byte(": heartbeat\n\n")); err != nil {
				return
			}
			w.Flush()
		}
	}
}

// sseEvent appends one event: its name, id and JSON data on one line.
func sseEvent(b []byte, name string, id int64, data any) []byte {
	j, _ := json.Marshal(data) // plain structs: cannot fail
	b = append(b, "event: "...)
	b = append(b, name...)
	b = append(b, "\nid: "...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, "\ndata: "...)
	b = append(b, j...)
	return append(b, "\n\n"...)
}
