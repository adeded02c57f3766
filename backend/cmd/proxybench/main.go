// Command proxybench measures the MCP proxy against the same fast
// upstream three ways in one run: directly, through mcpgw (bearer JWT from
// the client-credentials grant, permission check, audit on) and through
// nginx proxy_pass, the reference for a plain reverse proxy. It reports
// saturation throughput, latency at a fixed open-loop rate, the proxies'
// RSS and CPU per request, and the gateway's RSS with 10,000 idle event
// streams open, against the targets of the proxy issue, as a markdown
// table written to bench/results/. `make bench` runs it.
//
// Every party is its own process: the upstream (this program with -role
// upstream), the gateway (the mcpgw binary, `mcpgw serve`), nginx, and
// the load generator (this process). That keeps the proxies' RSS their own
// and lets the generator be cheap HTTP/1.1 on raw connections (load.go).
// They share the machine's CPUs; that is in the report.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // the profiling gateway (-profile) serves it
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/mcpgw/mcpgw/backend/internal/app"
	"github.com/mcpgw/mcpgw/backend/internal/config"
)

type options struct {
	mcpgw       string
	nginx       string
	out         string
	filterBench string
	duration    time.Duration
	warmup      time.Duration
	rate        int
	workers     int
	rateConns   int
	streams     int
	profile     string
	keep        bool
}

func main() {
	var o options
	role := flag.String("role", "", "internal: run as the upstream, the bare Go reverse proxy or a profiling gateway")
	listen := flag.String("listen", "127.0.0.1:0", "internal: the role's address")
	upstreamAddr := flag.String("upstream", "", "internal: the upstream the Go reverse proxy forwards to")
	pprofAddr := flag.String("pprof", "", "internal: the profiling gateway's pprof address")
	flag.StringVar(&o.mcpgw, "mcpgw", "", "the mcpgw binary to measure (default: go build it into a temporary directory)")
	flag.StringVar(&o.nginx, "nginx", "nginx", "the nginx binary")
	flag.StringVar(&o.out, "out", "bench/results", "where the results table is written (proxy-<date>.md and latest.md); empty: nowhere")
	flag.StringVar(&o.filterBench, "filter-bench", "", "go test -bench output holding BenchmarkFilterToolsResult500")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measured run")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured warm-up before each run")
	flag.IntVar(&o.rate, "rate", 1000, "requests per second of the fixed-rate run")
	flag.IntVar(&o.workers, "workers", 32, "concurrent connections of the saturation run")
	flag.IntVar(&o.rateConns, "rate-conns", 32, "connections the fixed-rate run spreads its requests over")
	flag.IntVar(&o.streams, "streams", 10000, "idle event streams to open through mcpgw")
	flag.StringVar(&o.profile, "profile", "", "write a CPU profile of the gateway during its saturation run to this file (the gateway then runs as this program, same code as mcpgw serve, with pprof)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (logs, nginx.conf)")
	flag.Parse()

	var err error
	switch *role {
	case "upstream":
		err = runUpstream(*listen)
	case "goproxy":
		err = runGoProxy(*listen, *upstreamAddr)
	case "gateway":
		err = runGateway(*pprofAddr)
	case "":
		err = run(o)
	default:
		err = fmt.Errorf("unknown role %q", *role)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "proxybench: %v\n", err)
		os.Exit(1)
	}
}

// runGateway is what `mcpgw serve` does (configuration from the
// environment, app.New, App.Run), plus net/http/pprof on pprofAddr.
func runGateway(pprofAddr string) error {
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.New(ctx, cfg, app.Options{Log: log})
	if err != nil {
		return err
	}
	defer a.Close()
	if pprofAddr != "" {
		go func() { log.Warn("pprof", "error", http.ListenAndServe(pprofAddr, nil)) }()
	}
	return a.Run(ctx)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "proxybench: "+format+"\n", args...)
}

func run(o options) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	began := time.Now()
	fdLimit := raiseFileLimit()
	dir, err := os.MkdirTemp("", "proxybench-")
	if err != nil {
		return err
	}
	if o.keep {
		logf("logs and configuration in %s", dir)
	} else {
		defer func() { _ = os.RemoveAll(dir) }()
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	nginxBin, err := exec.LookPath(o.nginx)
	if err != nil {
		return fmt.Errorf("nginx is needed as the reference proxy (apt-get install -y nginx): %w", err)
	}
	gwCmd := []string{o.mcpgw, "serve"}
	pprofAddr := ""
	switch {
	case o.profile != "":
		if pprofAddr, err = freeAddr(); err != nil {
			return err
		}
		gwCmd = []string{self, "-role", "gateway", "-pprof", pprofAddr}
	case o.mcpgw == "":
		bin := filepath.Join(dir, "mcpgw")
		logf("building mcpgw")
		build := exec.Command("go", "build", "-trimpath", "-o", bin, "./backend/cmd/mcpgw")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building mcpgw: %w", err)
		}
		gwCmd[0] = bin
	}

	up, upAddr, err := startRole(self, dir, "upstream")
	if err != nil {
		return err
	}
	defer up.stop(syscall.SIGTERM)
	gop, gopAddr, err := startRole(self, dir, "goproxy", "-upstream", upAddr)
	if err != nil {
		return err
	}
	defer gop.stop(syscall.SIGTERM)
	logf("upstream on %s; starting mcpgw", upAddr)
	gw, err := startGateway(ctx, gwCmd, dir, upAddr)
	if err != nil {
		return err
	}
	defer gw.stop()
	ngx, ngxAddr, err := startNginx(nginxBin, dir, upAddr, runtime.NumCPU())
	if err != nil {
		return err
	}
	defer ngx.stop(syscall.SIGQUIT)

	rep := &report{
		date: began, opts: o, cpus: runtime.NumCPU(), cpu: cpuModel(), goVersion: runtime.Version(),
		nginxVersion: nginxVersion(nginxBin), commit: gitDescribe(), profiled: o.profile != "",
	}
	targets := []target{
		{name: "direct", addr: upAddr, path: "/mcp"},
		{name: "nginx", addr: ngxAddr, path: "/mcp", pids: func() []int { return withChildren(ngx.pid()) }},
		{name: "go", addr: gopAddr, path: "/mcp", pids: func() []int { return []int{gop.pid()} }},
		{name: "mcpgw", addr: gw.addr, path: "/bench/mcp", pids: func() []int { return []int{gw.pid()} }},
	}
	mcpgw := targets[3]
	// The registry reaches the proxy within a second of the API calls.
	if err := waitAllowed(mcpgw, gw.token); err != nil {
		return fmt.Errorf("mcpgw does not forward the benchmark's tools/call: %w\n%s", err, gw.tail())
	}
	for _, t := range targets {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		res, err := measure(ctx, o, t, request(t, gw.token), up.pid(), pprofAddr)
		if err != nil {
			return err
		}
		rep.results = append(rep.results, res)
	}
	if v, ok := gw.metric("mcpgw_audit_events_written_total"); ok {
		rep.auditWritten = v
	}
	if v, ok := gw.metric("mcpgw_audit_events_dropped_total"); ok {
		rep.auditDropped = v
	}
	// The other proxies' CPU and sockets are not needed any more.
	ngx.stop(syscall.SIGQUIT)
	gop.stop(syscall.SIGTERM)

	rep.sse = idleStreams(ctx, mcpgw, gw, o.streams, fdLimit, pprofAddr, o.profile)
	rep.filter = readFilterBench(o.filterBench)
	rep.elapsed = time.Since(began)

	table := rep.markdown()
	fmt.Print(table)
	if o.out != "" {
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			return err
		}
		for _, name := range []string{"proxy-" + began.Format("2006-01-02") + ".md", "latest.md"} {
			if err := os.WriteFile(filepath.Join(o.out, name), []byte(table), 0o644); err != nil {
				return err
			}
		}
		logf("wrote %s", filepath.Join(o.out, "proxy-"+began.Format("2006-01-02")+".md"))
	}
	return nil
}

// measure runs the fixed-rate and the saturation run against t. During
// the saturation run it reads the CPU time of the proxy, the load
// generator and the upstream (upPID), and with pprofAddr set profiles the
// gateway.
func measure(ctx context.Context, o options, t target, req []byte, upPID int, pprofAddr string) (result, error) {
	res := result{name: t.name, proxied: t.pids != nil}
	if err := (&client{addr: t.addr}).do(req); err != nil {
		return res, fmt.Errorf("%s: %w", t.name, err)
	}
	logf("%s: %d req/s for %v", t.name, o.rate, o.duration)
	res.lat = fixedRate(ctx, t, req, o.rate, o.rateConns, o.warmup, o.duration)

	logf("%s: saturation with %d connections for %v", t.name, o.workers, o.duration)
	type sample struct {
		proxy, gen, up time.Duration
		busy, total    int64
	}
	read := func() (s sample) {
		if t.pids != nil {
			s.proxy = cpuTime(t.pids())
		}
		s.gen, s.up = cpuTime([]int{os.Getpid()}), cpuTime([]int{upPID})
		s.busy, s.total = machineCPU()
		return s
	}
	var s0, s1 sample
	during := func(start, end time.Time) {
		time.Sleep(time.Until(start))
		s0 = read()
		if t.name == "mcpgw" && pprofAddr != "" {
			if err := fetchProfile(pprofAddr, o.profile, time.Until(end)); err != nil {
				logf("profile: %v", err)
			}
		}
		time.Sleep(time.Until(end))
		s1 = read()
	}
	res.rps, res.satErrs, res.satErr = saturation(t, req, o.workers, o.warmup, o.duration, during)
	if n := res.rps * o.duration.Seconds(); n > 0 {
		per := func(d time.Duration) time.Duration { return time.Duration(float64(d) / n) }
		res.cpuPerReq, res.genPerReq, res.upPerReq = per(s1.proxy-s0.proxy), per(s1.gen-s0.gen), per(s1.up-s0.up)
	}
	if s1.total > s0.total {
		res.busy = float64(s1.busy-s0.busy) / float64(s1.total-s0.total)
	}
	if t.pids != nil {
		res.rss = rssMB(t.pids())
	}
	return res, nil
}

// waitAllowed retries the benchmark's request until the gateway forwards
// it (or 10 seconds pass).
func waitAllowed(t target, token string) error {
	req := request(t, token)
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err = (&client{addr: t.addr}).do(req); err == nil {
			return nil
		}
	}
	return err
}

// idleStreams opens the event streams through the gateway and reads its
// RSS with them open. A stream holds two of the gateway's file descriptors
// (client and upstream connection), so a hard RLIMIT_NOFILE below twice
// the count caps how many can be opened; then as many as fit are opened
// and the RSS is also given scaled to the requested count.
func idleStreams(ctx context.Context, t target, gw *gateway, want int, ownLimit uint64, pprofAddr, profile string) sseResult {
	res := sseResult{want: want, before: rssMB([]int{gw.pid()})}
	res.fdLimit = fileLimit(gw.pid())
	n := want
	if room := (res.fdLimit - openFiles(gw.pid()) - 64) / 2; res.fdLimit > 0 && room < n {
		n = room
	}
	if room := int(ownLimit) - 256; room < n {
		n = room
	}
	logf("mcpgw: opening %d idle event streams", n)
	start := time.Now()
	conns, failed, err := openStreams(t, gw.token, n, 128)
	res.openTime = time.Since(start)
	res.opened, res.failed, res.err = len(conns), failed, err
	// Let the opening burst's garbage be collected and the heap settle, as
	// it would with streams that stay open for minutes.
	for range 3 {
		if ctx.Err() != nil {
			break
		}
		time.Sleep(time.Second)
	}
	res.rss = rssMB([]int{gw.pid()})
	res.fdsOpen = openFiles(gw.pid())
	res.heapInuse, _ = gw.metric("go_memstats_heap_inuse_bytes")
	res.stackInuse, _ = gw.metric("go_memstats_stack_inuse_bytes")
	res.goroutines, _ = gw.metric("go_goroutines")
	if pprofAddr != "" {
		for _, kind := range []string{"heap?gc=1", "goroutine"} {
			name, _, _ := strings.Cut(kind, "?")
			if err := fetchPprof(pprofAddr, kind, profile+"."+name); err != nil {
				logf("%s profile: %v", kind, err)
			}
		}
	}
	for _, c := range conns {
		_ = c.Close()
	}
	return res
}

// fetchProfile writes the gateway's CPU profile over the next d.
func fetchProfile(addr, file string, d time.Duration) error {
	return fetchPprof(addr, fmt.Sprintf("profile?seconds=%d", max(1, int(d.Seconds()))), file)
}

// fetchPprof writes one of the profiling gateway's pprof profiles to file.
func fetchPprof(addr, profile, file string) error {
	resp, err := http.Get("http://" + addr + "/debug/pprof/" + profile)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return err
	}
	logf("gateway profile in %s (go tool pprof -top %s)", file, file)
	return f.Close()
}

func gitDescribe() string {
	out, err := exec.Command("git", "describe", "--tags", "--always", "--dirty").Output()
	if err != nil {
		return ""
	}
	return string(trimNL(out))
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
