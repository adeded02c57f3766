package proxy

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the proxy's Prometheus series, labelled by server path (a
// bounded set: registered servers, plus "unknown").
type Metrics struct {
	requests       *prometheus.CounterVec
	denials        *prometheus.CounterVec
	upstreamErrors *prometheus.CounterVec
	duration       *prometheus.HistogramVec
	openStreams    *prometheus.GaugeVec
}

// NewMetrics creates the proxy's metrics and registers them with reg (nil:
// unregistered, for tests).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcpgw_proxy_requests_total",
			Help: "Proxied MCP requests by server and outcome (forwarded, denied, unauthenticated, disabled, not_found, bad_request, too_large, throttled, error).",
		}, []string{"server", "outcome"}),
		denials: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcpgw_proxy_denials_total", Help: "MCP requests refused by permission checks, by server.",
		}, []string{"server"}),
		upstreamErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcpgw_proxy_upstream_errors_total", Help: "Failed upstream exchanges by server and kind (unreachable, timeout, blocked, bad_response, status_5xx).",
		}, []string{"server", "kind"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "mcpgw_proxy_upstream_latency_seconds",
			Help:    "Time from receiving a request to the upstream's response headers, by server.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"server"}),
		openStreams: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "mcpgw_proxy_open_streams", Help: "Event streams open through the proxy, by server.",
		}, []string{"server"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.denials, m.upstreamErrors, m.duration, m.openStreams)
	}
	return m
}

func (m *Metrics) request(server, outcome string) { m.requests.WithLabelValues(server, outcome).Inc() }
func (m *Metrics) denied(server string)           { m.denials.WithLabelValues(server).Inc() }
func (m *Metrics) upstreamError(server, kind string) {
	m.upstreamErrors.WithLabelValues(server, kind).Inc()
}
func (m *Metrics) latency(server string, d time.Duration) {
	m.duration.WithLabelValues(server).Observe(d.Seconds())
}
func (m *Metrics) streamOpened(server string) { m.openStreams.WithLabelValues(server).Inc() }
func (m *Metrics) streamClosed(server string) { m.openStreams.WithLabelValues(server).Dec() }
