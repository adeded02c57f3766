package main

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// result is what was measured through one target.
type result struct {
	name    string
	lat     latencies
	rps     float64
	satErrs int64
	satErr  error
	proxied bool
	// cpuPerReq is the proxy's CPU time (user+system, all its processes)
	// per request during the saturation run: what a request costs it,
	// whoever else shares the CPUs.
	cpuPerReq time.Duration
	rss       float64 // MB, after the runs
	// The load generator's and the upstream's CPU per request, and how
	// busy the machine's CPUs were, during the saturation run.
	genPerReq, upPerReq time.Duration
	busy                float64
}

// sseResult is the idle-streams run.
type sseResult struct {
	want, opened, failed int
	err                  error
	fdLimit, fdsOpen     int
	before, rss          float64 // MB
	openTime             time.Duration
	// The gateway's Go runtime with the streams open (its /metrics).
	heapInuse, stackInuse, goroutines float64
}

// perStream is the RSS each open stream added, in MB.
func (s sseResult) perStream() float64 {
	if s.opened == 0 {
		return 0
	}
	return (s.rss - s.before) / float64(s.opened)
}

// atWant is the RSS with the requested number of streams: measured when
// all opened, else scaled linearly from what was.
func (s sseResult) atWant() float64 {
	if s.opened >= s.want {
		return s.rss
	}
	return s.before + s.perStream()*float64(s.want)
}

// filterBench is BenchmarkFilterToolsResult500's figure.
type filterBench struct {
	nsPerOp    float64 // median over the runs
	allAllowed float64 // BenchmarkFilterToolsResult500AllAllowed, for reference
	runs       int
	err        error
}

type report struct {
	date                 time.Time
	opts                 options
	cpus                 int
	cpu, goVersion       string
	nginxVersion, commit string
	profiled             bool
	results              []result
	sse                  sseResult
	filter               filterBench
	auditWritten         float64
	auditDropped         float64
	elapsed              time.Duration
}

func (r *report) get(name string) result {
	for _, res := range r.results {
		if res.name == name {
			return res
		}
	}
	return result{name: name}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }

func verdict(ok bool) string {
	if ok {
		return "**pass**"
	}
	return "**FAIL**"
}

// markdown renders the report.
func (r *report) markdown() string {
	var b strings.Builder
	o := r.opts
	direct, gw, ngx, gop := r.get("direct"), r.get("mcpgw"), r.get("nginx"), r.get("go")
	fmt.Fprintf(&b, "# MCP proxy benchmark, %s\n\n", r.date.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "`make bench` (backend/cmd/proxybench)")
	if r.commit != "" {
		fmt.Fprintf(&b, " at `%s`", r.commit)
	}
	fmt.Fprintf(&b, "; %s, nginx %s; %d CPUs (%s).\n\n", r.goVersion, r.nginxVersion, r.cpus, r.cpu)

	fmt.Fprintf(&b, "## Targets (proxy issue)\n\n")
	fmt.Fprintf(&b, "| target | measured | |\n|---|---|---|\n")
	addP50, addP99 := gw.lat.p50-direct.lat.p50, gw.lat.p99-direct.lat.p99
	latOK := gw.lat.errs == 0 && gw.lat.p50 > 0
	fmt.Fprintf(&b, "| added latency over direct, p50 at %d req/s ≤ 0.2 ms | %s | %s |\n", o.rate, ms(addP50), verdict(latOK && addP50 <= 200*time.Microsecond))
	fmt.Fprintf(&b, "| added latency over direct, p99 at %d req/s ≤ 1 ms | %s | %s |\n", o.rate, ms(addP99), verdict(latOK && addP99 <= time.Millisecond))
	ratio := 0.0
	if ngx.rps > 0 {
		ratio = gw.rps / ngx.rps
	}
	fmt.Fprintf(&b, "| saturation throughput ≥ 0.8× nginx | %.2f× (%.0f vs %.0f req/s) | %s |\n", ratio, gw.rps, ngx.rps, verdict(gw.satErrs == 0 && ratio >= 0.8))
	if f := r.filter; f.err == nil && f.runs > 0 {
		fmt.Fprintf(&b, "| `tools/list` of 500 tools filtered ≤ 1 ms (BenchmarkFilterToolsResult500) | %s | %s |\n",
			ms(time.Duration(f.nsPerOp)), verdict(f.nsPerOp <= 1e6))
	} else {
		fmt.Fprintf(&b, "| `tools/list` of 500 tools filtered ≤ 1 ms (BenchmarkFilterToolsResult500) | not measured: %v | **FAIL** |\n", f.err)
	}
	s := r.sse
	sseOK := s.err == nil && s.failed == 0 && s.opened > 0
	if s.opened >= s.want {
		fmt.Fprintf(&b, "| %d idle SSE streams ≤ 400 MB RSS | %.0f MB | %s |\n", s.want, s.rss, verdict(sseOK && s.rss <= 400))
	} else {
		fmt.Fprintf(&b, "| %d idle SSE streams ≤ 400 MB RSS | %.0f MB with %d open, %.0f MB scaled to %d (see note) | %s |\n",
			s.want, s.rss, s.opened, s.atWant(), s.want, verdict(sseOK && s.atWant() <= 400))
	}

	fmt.Fprintf(&b, "\n## Measurements\n\n")
	fmt.Fprintf(&b, "| | direct | mcpgw | nginx | Go ReverseProxy |\n|---|---|---|---|---|\n")
	row := func(label string, f func(result) string) {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", label, f(direct), f(gw), f(ngx), f(gop))
	}
	row(fmt.Sprintf("saturation, %d connections (req/s)", o.workers), func(x result) string {
		if x.satErrs > 0 {
			return fmt.Sprintf("%.0f (%d errors: %v)", x.rps, x.satErrs, x.satErr)
		}
		return fmt.Sprintf("%.0f", x.rps)
	})
	row("saturation relative to nginx / to Go ReverseProxy", func(x result) string {
		if ngx.rps == 0 || gop.rps == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f× / %.2f×", x.rps/ngx.rps, x.rps/gop.rps)
	})
	row(fmt.Sprintf("p50 at %d req/s", o.rate), func(x result) string { return ms(x.lat.p50) })
	row(fmt.Sprintf("p90 at %d req/s", o.rate), func(x result) string { return ms(x.lat.p90) })
	row(fmt.Sprintf("p99 at %d req/s", o.rate), func(x result) string { return ms(x.lat.p99) })
	row(fmt.Sprintf("p99.9 at %d req/s", o.rate), func(x result) string { return ms(x.lat.p999) })
	row(fmt.Sprintf("max at %d req/s", o.rate), func(x result) string { return ms(x.lat.max) })
	row("added p50 / p99 over direct", func(x result) string {
		if !x.proxied {
			return "–"
		}
		return ms(x.lat.p50-direct.lat.p50) + " / " + ms(x.lat.p99-direct.lat.p99)
	})
	row("requests (errors) at fixed rate", func(x result) string {
		if x.lat.errs > 0 {
			return fmt.Sprintf("%d (%d: %v)", x.lat.sent, x.lat.errs, x.lat.err)
		}
		return fmt.Sprintf("%d (0)", x.lat.sent)
	})
	row("proxy CPU per request at saturation", func(x result) string {
		if !x.proxied {
			return "–"
		}
		return fmt.Sprintf("%.1f µs", float64(x.cpuPerReq)/float64(time.Microsecond))
	})
	us := func(d time.Duration) string { return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond)) }
	row("load generator / upstream CPU per request", func(x result) string { return us(x.genPerReq) + " / " + us(x.upPerReq) })
	row("all CPUs busy during saturation", func(x result) string { return fmt.Sprintf("%.0f %%", 100*x.busy) })
	row("proxy RSS after the runs (VmRSS)", func(x result) string {
		if !x.proxied {
			return "–"
		}
		return fmt.Sprintf("%.1f MB", x.rss)
	})
	fmt.Fprintf(&b, "\nIdle streams through mcpgw: %d requested, %d open (%d failed", s.want, s.opened, s.failed)
	if s.err != nil {
		fmt.Fprintf(&b, ", first: %v", s.err)
	}
	fmt.Fprintf(&b, ") in %.1f s; gateway RSS %.1f MB before, %.1f MB with them open (%.1f KB per stream), %d file descriptors open (limit %d).\n",
		s.openTime.Seconds(), s.before, s.rss, s.perStream()*1024, s.fdsOpen, s.fdLimit)
	fmt.Fprintf(&b, "With them open the gateway's Go runtime had %.0f goroutines, %.0f MB of heap in use and %.0f MB of goroutine stacks.\n",
		s.goroutines, s.heapInuse/(1<<20), s.stackInuse/(1<<20))
	if f := r.filter; f.runs > 0 {
		fmt.Fprintf(&b, "BenchmarkFilterToolsResult500: %s median of %d runs (all 500 allowed, nothing to remove: %s).\n",
			ms(time.Duration(f.nsPerOp)), f.runs, ms(time.Duration(f.allAllowed)))
	}
	fmt.Fprintf(&b, "Audit during the runs: %.0f events written, %.0f dropped.\n", r.auditWritten, r.auditDropped)

	fmt.Fprintf(&b, "\n## How\n\n")
	fmt.Fprintf(&b, "- One upstream process (a minimal Streamable HTTP endpoint answering `tools/call` with JSON, holding GET streams open) serves every target; "+
		"each request is the same `tools/call` of `echo` with the agent's bearer token. mcpgw checks the gateway JWT (client-credentials grant), "+
		"execute on the server and the tool against a scope, and audits the call; nginx is `proxy_pass` with HTTP/1.1 keep-alive to the upstream "+
		"(`keepalive 256`, `Connection \"\"`), %d workers, no access log. \"Go ReverseProxy\" is a bare `httputil.ReverseProxy` with a keep-alive transport "+
		"(proxybench -role goproxy): the floor for a proxy built on net/http's server and Transport; mcpgw uses net/http's server (gin's, too) and its own upstream client, so it may go below that floor on the upstream side.\n", r.cpus)
	fmt.Fprintf(&b, "- Load generator: HTTP/1.1 on raw keep-alive connections. Saturation: %d connections closed-loop, %v after %v warm-up. "+
		"Fixed rate: %d req/s open-loop over %d connections for %v after %v warm-up, each latency measured from the request's scheduled send time "+
		"(no coordinated omission); the generator's median send delay was %s (direct), %s (mcpgw), %s (nginx), %s (Go), included alike in every latency.\n",
		o.workers, o.duration, o.warmup, o.rate, o.rateConns, o.duration, o.warmup, ms(direct.lat.late), ms(gw.lat.late), ms(ngx.lat.late), ms(gop.lat.late))
	fmt.Fprintf(&b, "- **The %d CPUs are shared, not pinned**: load generator, upstream, proxy (and, for mcpgw, Postgres taking the audit writes) compete for them, "+
		"so saturation figures are the whole system's throughput, and the gap between proxies understates their own cost difference; "+
		"\"proxy CPU per request\" (from /proc/<pid>/stat) is the figure that does not depend on who else runs.\n", r.cpus)
	fmt.Fprintf(&b, "- RSS is VmRSS from /proc/<pid>/status (nginx: master and workers summed).\n")
	if s.opened < s.want && s.fdLimit > 0 {
		fmt.Fprintf(&b, "- **Note on the idle streams**: each stream holds two of the gateway's file descriptors (client and upstream connections) "+
			"and this machine's hard RLIMIT_NOFILE is %d, so %d streams were opened, not %d; the %d-stream figure is the measured RSS scaled linearly "+
			"(RSS before + per-stream growth × %d). On a machine with a higher limit the benchmark opens all %d.\n",
			s.fdLimit, s.opened, s.want, s.want, s.want, s.want)
	}
	if r.profiled {
		fmt.Fprintf(&b, "- This run profiled the gateway (-profile): it ran as proxybench's own gateway role (the same app.New and App.Run as `mcpgw serve`) with pprof.\n")
	}
	fmt.Fprintf(&b, "- Whole run: %.0f s.\n", r.elapsed.Seconds())
	return b.String()
}

// readFilterBench takes the median ns/op of BenchmarkFilterToolsResult500
// from go test -bench output.
func readFilterBench(path string) filterBench {
	if path == "" {
		return filterBench{err: fmt.Errorf("no -filter-bench file")}
	}
	f, err := os.Open(path)
	if err != nil {
		return filterBench{err: err}
	}
	defer func() { _ = f.Close() }()
	var filtered, all []float64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "BenchmarkFilterToolsResult500") {
			continue
		}
		name, _, _ := strings.Cut(fields[0], "-") // the GOMAXPROCS suffix
		for i := 2; i+1 < len(fields); i++ {
			if fields[i+1] != "ns/op" {
				continue
			}
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				break
			}
			switch name {
			case "BenchmarkFilterToolsResult500":
				filtered = append(filtered, v)
			case "BenchmarkFilterToolsResult500AllAllowed":
				all = append(all, v)
			}
		}
	}
	if len(filtered) == 0 {
		return filterBench{err: fmt.Errorf("no BenchmarkFilterToolsResult500 in %s", path)}
	}
	return filterBench{nsPerOp: median(filtered), allAllowed: median(all), runs: len(filtered)}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	return v[len(v)/2]
}
