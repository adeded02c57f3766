package health

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the poller's and the live feed's Prometheus series.
type Metrics struct {
	checks      *prometheus.CounterVec
	duration    prometheus.Histogram
	leading     prometheus.Gauge
	subscribers prometheus.GaugeFunc
}

// NewMetrics registers the series with reg; hub (may be nil) reports its
// subscriber count.
func NewMetrics(reg prometheus.Registerer, hub *Hub) *Metrics {
	m := &Metrics{
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcpgw_health_checks_total", Help: "Health checks run on this replica, by resulting status.",
		}, []string{"status"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "mcpgw_health_check_duration_seconds", Help: "Time of one health check (the whole MCP exchange).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		leading: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mcpgw_health_poller_leading", Help: "1 when this replica holds the poller's lock and polls.",
		}),
	}
	if reg == nil {
		return m
	}
	reg.MustRegister(m.checks, m.duration, m.leading)
	if hub != nil {
		m.subscribers = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "mcpgw_live_subscribers", Help: "Open /api/health/events streams on this replica.",
		}, func() float64 { return float64(hub.Subscribers()) })
		reg.MustRegister(m.subscribers)
	}
	return m
}
