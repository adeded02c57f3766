package httpapi

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mcpgw/mcpgw/backend/internal/domain"
)

// healthz godoc
//
//	@Summary		Liveness
//	@Description	200 while the process serves HTTP; it checks no dependency.
//	@ID				healthz
//	@Tags			operations
//	@Produce		json
//	@Success		200	{object}	Health
//	@Router			/healthz [get]
func (s *server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, Health{Status: "ok"})
}

// readyz godoc
//
//	@Summary		Readiness
//	@Description	200 when Postgres and Redis answer within two seconds and the process is not shutting down, otherwise 503 naming what failed (details are in the logs). Each identity provider's reachability (its signing keys can be fetched) is reported as idp:<id>; one that is down makes the status "degraded" but the replica stays ready.
//	@ID				readyz
//	@Tags			operations
//	@Produce		json
//	@Success		200	{object}	Health
//	@Failure		503	{object}	Health
//	@Router			/readyz [get]
func (s *server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	results := make(map[string]string, len(s.Checks))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, chk := range s.Checks {
		wg.Go(func() {
			res := "ok"
			if err := chk.Ping(ctx); err != nil {
				res = s.checkFailure(ctx, chk.Name, err)
			}
			mu.Lock()
			results[chk.Name] = res
			mu.Unlock()
		})
	}
	wg.Wait()
	status, code := "ready", http.StatusOK
	for _, chk := range s.Checks {
		switch {
		case results[chk.Name] == "ok":
		case chk.Advisory:
			if code == http.StatusOK {
				status = "degraded"
			}
		default:
			status, code = "unavailable", http.StatusServiceUnavailable
		}
	}
	c.JSON(code, Health{Status: status, Checks: results})
}

// checkFailure says why a check failed without telling the world internal
// addresses or account names: coded errors carry client-safe messages,
// anything else is "unreachable" and its detail goes to the log.
func (s *server) checkFailure(ctx context.Context, name string, err error) string {
	var e *domain.Error
	if errors.As(err, &e) {
		return e.Message
	}
	s.Log.WarnContext(ctx, "readiness check failed", "check", name, "error", err)
	return "unreachable"
}

// metrics godoc
//
//	@Summary		Prometheus metrics
//	@Description	Metrics in the Prometheus text format, without authentication. When METRICS_ADDR is set they are served only on that listener (which also answers /healthz and /readyz), and this one answers 404.
//	@ID				metrics
//	@Tags			operations
//	@Produce		plain
//	@Success		200	{string}	string
//	@Router			/metrics [get]
func (s *server) metrics(c *gin.Context) { s.metricsHandler.ServeHTTP(c.Writer, c.Request) }
