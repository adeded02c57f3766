package tracing

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/protobuf/encoding/protowire"
)

// The exporter is OTLP/HTTP written here rather than the SDK's
// otlptracehttp, which links gRPC, grpc-gateway and genproto into the
// binary (a third of its size) for a POST of a protobuf.

const (
	defaultExportTimeout = 10 * time.Second
	// firstBackoff doubles per retry up to maxBackoff, with jitter; the
	// export's deadline ends the retries.
	firstBackoff = time.Second
	maxBackoff   = 8 * time.Second
	// maxResponseBytes is read of a collector's answer; the rest is dropped.
	maxResponseBytes = 64 << 10
)

// errShutdown is returned by exports after Shutdown.
var errShutdown = errors.New("the span exporter is shut down")

// exportConfig is how the exporter reaches the collector.
type exportConfig struct {
	// URL spans are posted to.
	URL string
	// JSON selects http/json; protobuf otherwise.
	JSON bool
	// Headers go with every export; they are secrets, never in errors.
	Headers map[string]string
	// Timeout bounds one export, retries included.
	Timeout time.Duration
	// Gzip compresses the body.
	Gzip bool
	// TLS is the client's TLS configuration for https (nil: system roots).
	TLS *tls.Config
}

// exportEnv reads the OTEL_EXPORTER_OTLP_* variables config does not
// hold: timeout, compression, certificates. The _TRACES_ form of each wins
// over the general one. An invalid value is an error (so the gateway does
// not start), rather than silently ignored.
func exportEnv(cfg *exportConfig, getenv func(string) string, readFile func(string) ([]byte, error)) error {
	get := func(name string) (string, string) {
		if v := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_" + name)); v != "" {
			return v, "OTEL_EXPORTER_OTLP_TRACES_" + name
		}
		return strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_" + name)), "OTEL_EXPORTER_OTLP_" + name
	}
	cfg.Timeout = defaultExportTimeout
	if v, name := get("TIMEOUT"); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms <= 0 {
			return fmt.Errorf("%s: %q is not a positive number of milliseconds", name, v)
		}
		cfg.Timeout = time.Duration(ms) * time.Millisecond
	}
	switch v, name := get("COMPRESSION"); v {
	case "", "none":
	case "gzip":
		cfg.Gzip = true
	default:
		return fmt.Errorf("%s: %q is not supported: gzip or none", name, v)
	}

	var tc tls.Config
	if v, name := get("CERTIFICATE"); v != "" {
		pem, err := readFile(v)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return fmt.Errorf("%s: %s holds no PEM certificate", name, v)
		}
	}
	certFile, certName := get("CLIENT_CERTIFICATE")
	keyFile, keyName := get("CLIENT_KEY")
	switch {
	case certFile != "" && keyFile != "":
		certPEM, err := readFile(certFile)
		if err != nil {
			return fmt.Errorf("%s: %w", certName, err)
		}
		keyPEM, err := readFile(keyFile)
		if err != nil {
			return fmt.Errorf("%s: %w", keyName, err)
		}
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return fmt.Errorf("%s and %s: %w", certName, keyName, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	case certFile != "" || keyFile != "":
		return fmt.Errorf("%s and %s go together: set both or neither", certName, keyName)
	}
	if tc.RootCAs != nil || tc.Certificates != nil {
		if !strings.HasPrefix(cfg.URL, "https:") {
			return errors.New("OTEL_EXPORTER_OTLP_CERTIFICATE, _CLIENT_CERTIFICATE and _CLIENT_KEY are for TLS: the collector's endpoint must be https://")
		}
		cfg.TLS = &tc
	}
	return nil
}

// exporter posts batches of spans to an OTLP/HTTP collector; it is the
// sdktrace.SpanExporter under the batch span processor.
type exporter struct {
	cfg         exportConfig
	where       string // the URL without its query, for errors
	contentType string
	client      *http.Client
	backoff     time.Duration // first retry delay; tests shorten it

	stopping context.Context // done at Shutdown: in-flight exports end
	stop     context.CancelCauseFunc

	mu       sync.Mutex
	stopped  bool
	inflight sync.WaitGroup
}

var _ sdktrace.SpanExporter = (*exporter)(nil)

func newExporter(cfg exportConfig) *exporter {
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultExportTimeout
	}
	u, _ := url.Parse(cfg.URL)
	where := cfg.URL
	if u != nil {
		where = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
	}
	e := &exporter{
		cfg:         cfg,
		where:       where,
		contentType: "application/x-protobuf",
		backoff:     firstBackoff,
		client: &http.Client{
			// Its own transport, like http.DefaultTransport but never
			// shared (nor changed) with the rest of the process.
			Transport: &http.Transport{
				Proxy:                 http.ProxyFromEnvironment,
				DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
				TLSClientConfig:       cfg.TLS,
				ForceAttemptHTTP2:     true,
				MaxIdleConns:          4,
				IdleConnTimeout:       90 * time.Second,
				TLSHandshakeTimeout:   10 * time.Second,
				ExpectContinueTimeout: time.Second,
			},
			// A redirect would carry the headers (a collector's API key)
			// to wherever it points: refused, the 3xx is an error.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	if cfg.JSON {
		e.contentType = "application/json"
	}
	e.stopping, e.stop = context.WithCancelCause(context.Background())
	return e
}

// ExportSpans posts spans in one request, retrying what the OTLP
// specification calls retryable (429, 502, 503, 504, a failed connection)
// until the export's deadline: the earlier of ctx's and the timeout.
func (e *exporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.mu.Lock()
	if e.stopped {
		e.mu.Unlock()
		return errShutdown
	}
	e.inflight.Add(1)
	e.mu.Unlock()
	defer e.inflight.Done()

	rss := resourceSpans(spans)
	if len(rss) == 0 {
		return nil
	}
	marshal := marshalProtobuf
	if e.cfg.JSON {
		marshal = marshalJSON
	}
	body, err := marshal(rss)
	if err != nil {
		return fmt.Errorf("encoding spans: %w", err)
	}
	if e.cfg.Gzip {
		if body, err = gzipped(body); err != nil {
			return fmt.Errorf("compressing spans: %w", err)
		}
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	defer context.AfterFunc(e.stopping, func() { cancel(context.Cause(e.stopping)) })()
	ctx, cancelTimeout := context.WithTimeoutCause(ctx, e.cfg.Timeout,
		fmt.Errorf("OTLP export timeout (%s) reached", e.cfg.Timeout))
	defer cancelTimeout()
	return e.send(ctx, body)
}

// Shutdown refuses further exports and waits for those in flight until
// ctx is done, then cancels them.
func (e *exporter) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	e.stopped = true
	e.mu.Unlock()
	done := make(chan struct{})
	go func() {
		e.inflight.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	e.stop(errShutdown)
	e.client.CloseIdleConnections()
	return err
}

// retryable is a failed attempt worth repeating, after at least the
// collector's Retry-After.
type retryable struct {
	err   error
	after time.Duration
}

func (r *retryable) Error() string { return r.err.Error() }
func (r *retryable) Unwrap() error { return r.err }

func (e *exporter) send(ctx context.Context, body []byte) error {
	delay := e.backoff
	for attempt := 1; ; attempt++ {
		err := e.post(ctx, body)
		var r *retryable
		if !errors.As(err, &r) {
			return err
		}
		// Jitter: a fleet of gateways should not retry in step.
		wait := max(r.after, delay/2+rand.N(delay))
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return fmt.Errorf("%w (%d attempts; no time left for another)", r.err, attempt)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (%d attempts; then %w)", r.err, attempt, context.Cause(ctx))
		case <-t.C:
		}
		delay = min(2*delay, maxBackoff)
	}
}

// post is one attempt. Its errors name the URL without its query, and
// never the headers.
func (e *exporter) post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("POST %s: %w", e.where, err)
	}
	req.Header.Set("User-Agent", "mcpgw")
	for k, v := range e.cfg.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", e.contentType)
	if e.cfg.Gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := e.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("POST %s: %w", e.where, context.Cause(ctx))
		}
		// url.Error repeats the full URL, query included.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		err = fmt.Errorf("POST %s: %w", e.where, err)
		var certErr *tls.CertificateVerificationError
		if errors.As(err, &certErr) {
			return err // a wrong certificate stays wrong
		}
		return &retryable{err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if err != nil {
			return nil // the spans were taken; the rest of the answer does not matter
		}
		return partialSuccess(resp.Header.Get("Content-Type"), data)
	}
	err = fmt.Errorf("POST %s: %s%s", e.where, resp.Status, collectorSays(resp.Header.Get("Content-Type"), data))
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return &retryable{err: err, after: retryAfter(resp.Header.Get("Retry-After"))}
	}
	return err
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		return time.Duration(max(s, 0)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// partialSuccess reports the spans a collector rejected although it
// answered 2xx (ExportTraceServiceResponse.partial_success).
func partialSuccess(contentType string, data []byte) error {
	var rejected int64
	var msg string
	switch mediaType(contentType) {
	case "application/x-protobuf":
		// partial_success = 1 {rejected_spans = 1; error_message = 2}
		protoScan(data, func(num protowire.Number, _ uint64, ps []byte) {
			if num != 1 {
				return
			}
			protoScan(ps, func(num protowire.Number, n uint64, m []byte) {
				switch num {
				case 1:
					rejected = int64(n)
				case 2:
					msg = string(m)
				}
			})
		})
	case "application/json":
		var r struct {
			PartialSuccess struct {
				RejectedSpans json.RawMessage `json:"rejectedSpans"` // a number or, as int64s may be, a string
				ErrorMessage  string          `json:"errorMessage"`
			} `json:"partialSuccess"`
		}
		if json.Unmarshal(data, &r) == nil {
			rejected, _ = strconv.ParseInt(strings.Trim(string(r.PartialSuccess.RejectedSpans), `"`), 10, 64)
			msg = r.PartialSuccess.ErrorMessage
		}
	}
	if rejected == 0 && msg == "" {
		return nil
	}
	return fmt.Errorf("the collector rejected %d spans: %q", rejected, printable(msg))
}

// collectorSays is the message of an error answer, if there is one:
// a google.rpc.Status (field 2 is its message) or text.
func collectorSays(contentType string, data []byte) string {
	var msg string
	switch mediaType(contentType) {
	case "application/x-protobuf":
		protoScan(data, func(num protowire.Number, _ uint64, m []byte) {
			if num == 2 {
				msg = string(m)
			}
		})
	case "application/json":
		var st struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(data, &st) == nil && st.Message != "" {
			msg = st.Message
		} else {
			msg = string(data)
		}
	default:
		msg = string(data)
	}
	if msg = printable(msg); msg == "" {
		return ""
	}
	return ": " + msg
}

func mediaType(ct string) string {
	t, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(t))
}

// printable is s as a short single line of valid UTF-8.
func printable(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "..."
	}
	return s
}

// protoScan calls fn with each varint and length-delimited field of a
// protobuf message, until the end or the first malformed byte.
func protoScan(b []byte, fn func(num protowire.Number, varint uint64, bytes []byte)) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return
		}
		b = b[n:]
		switch typ {
		case protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return
			}
			fn(num, v, nil)
		case protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return
			}
			fn(num, 0, v)
		}
		if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
			return
		}
		b = b[n:]
	}
}

var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(io.Discard) }}

func gzipped(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	defer func() {
		zw.Reset(io.Discard) // not holding on to buf
		gzipWriters.Put(zw)
	}()
	zw.Reset(&buf)
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
