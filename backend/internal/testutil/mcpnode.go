package testutil

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The TypeScript peers live in backend/internal/testutil/mcpnode with
// pinned npm dependencies; `make test` installs them (npm ci) when
// package-lock.json is newer than node_modules.

// mcpnodeDir is the harness directory, found from this source file so it
// works whatever package's directory a test runs in.
func mcpnodeDir(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the testutil source directory")
	}
	return filepath.Join(filepath.Dir(file), "mcpnode")
}

// nodeHarness returns the node binary and the harness directory, skipping
// the test without node and failing it when the npm packages are missing.
func nodeHarness(t testing.TB) (node, dir string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: skipping the test against the TypeScript MCP peers")
	}
	dir = mcpnodeDir(t)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@modelcontextprotocol", "server-everything", "package.json")); err != nil {
		t.Fatal("the TypeScript MCP peers are not installed: run make test (installs backend/internal/testutil/mcpnode)")
	}
	return node, dir
}

// nodeEnv is the environment of the node processes: only what node needs,
// since server-everything's get-env tool hands its whole environment to
// any client.
func nodeEnv(extra ...string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(), "NODE_NO_WARNINGS=1"}
	return append(env, extra...)
}

// Server-everything modes for StartServerEverything. Its URL paths:
//
//   - EverythingStreamable: Streamable HTTP at /mcp (POST, GET for the
//     standalone stream, DELETE), sessions by Mcp-Session-Id, resumable
//     with Last-Event-ID.
//   - EverythingSSE: the legacy transport, GET /sse; its endpoint event
//     names /message?sessionId=<uuid> (singular "message", a relative
//     path), where the client POSTs and gets 202.
const (
	EverythingStreamable = TransportStreamable
	EverythingSSE        = TransportSSE
)

// Tool names of server-everything that tests use.
const (
	// EverythingEcho takes {"message": string} and answers "Echo: <message>".
	EverythingEcho = "echo"
	// EverythingSum takes {"a", "b": number}.
	EverythingSum = "get-sum"
	// EverythingLongRunning takes {"duration": seconds, "steps": n}
	// (defaults 10 and 5) and sends n progress notifications, one every
	// duration/n seconds, when the call has a progressToken.
	EverythingLongRunning = "trigger-long-running-operation"
)

// StartServerEverything runs the reference server
// @modelcontextprotocol/server-everything in mode (EverythingStreamable or
// EverythingSSE) on a random loopback port and returns its base URL
// (http://127.0.0.1:port, no trailing slash); the process group is killed
// when the test ends.
func StartServerEverything(t testing.TB, mode string) string {
	t.Helper()
	node, dir := nodeHarness(t)
	if mode != EverythingStreamable && mode != EverythingSSE {
		t.Fatalf("StartServerEverything: unknown mode %q", mode)
	}
	// The free port is found by listening and closing, so another process
	// can take it in between: try a few ports before giving up.
	var lastErr error
	for range 3 {
		url, err := startEverything(t, node, dir, mode)
		if err == nil {
			return url
		}
		lastErr = err
	}
	t.Fatalf("starting server-everything (%s): %v", mode, lastErr)
	return ""
}

func startEverything(t testing.TB, node, dir, mode string) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	// loopback.mjs binds the server to 127.0.0.1: by itself it listens on
	// every interface.
	cmd := exec.Command(node, "--import", "./loopback.mjs",
		filepath.Join("node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js"), mode)
	cmd.Dir = dir
	cmd.Env = nodeEnv("PORT=" + strconv.Itoa(port))
	out := &tailBuffer{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(20 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			_ = c.Close()
			break
		}
		select {
		case <-exited:
			return "", fmt.Errorf("exited before listening on %s:\n%s", addr, out)
		case <-time.After(25 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return "", fmt.Errorf("not listening on %s after 20s:\n%s", addr, out)
		}
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("server-everything (%s) output:\n%s", mode, out)
		}
	})
	return "http://" + addr, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// tailBuffer keeps the last max bytes written to it, for showing a child
// process's output when something fails.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// TSClientArgs is what RunTSClient does: connect the official TypeScript
// client to URL and run Steps in order (see mcpnode/client.mjs).
type TSClientArgs struct {
	URL string `json:"url"`
	// Transport is TransportStreamable (default) or TransportSSE.
	Transport string `json:"transport,omitempty"`
	// Header is sent on every HTTP request (only the first value of each;
	// fetch refuses to set Host).
	Header http.Header `json:"-"`
	// Timeout bounds each request (default 30s).
	Timeout time.Duration `json:"-"`
	Steps   []TSStep      `json:"steps"`
}

// TSStep is one step of a TypeScript client scenario. Op is one of
// "listTools", "callTool" (Name, Arguments, Progress), "request" (Method,
// Params), "ping", "sleep" (MS) and "terminateSession" (Streamable HTTP
// only).
type TSStep struct {
	Op        string `json:"op"`
	Name      string `json:"name,omitempty"`
	Arguments any    `json:"arguments,omitempty"`
	// Progress sends a progressToken and collects the call's progress
	// notifications with their arrival times.
	Progress bool   `json:"progress,omitempty"`
	Method   string `json:"method,omitempty"`
	Params   any    `json:"params,omitempty"`
	MS       int    `json:"ms,omitempty"`
}

// TSListTools is the step that lists every tool (following nextCursor).
func TSListTools() TSStep { return TSStep{Op: "listTools"} }

// TSCallTool is the step that calls a tool.
func TSCallTool(name string, args any) TSStep {
	return TSStep{Op: "callTool", Name: name, Arguments: args}
}

// TSCallToolProgress is the step that calls a tool with a progressToken.
func TSCallToolProgress(name string, args any) TSStep {
	return TSStep{Op: "callTool", Name: name, Arguments: args, Progress: true}
}

// TSClientResult is what the TypeScript client saw. Times are milliseconds
// since the node process started.
type TSClientResult struct {
	Connected    bool            `json:"connected"`
	ConnectError *TSError        `json:"connectError"`
	ServerInfo   json.RawMessage `json:"serverInfo"`
	// ProtocolVersion and SessionID are only known on Streamable HTTP.
	ProtocolVersion string           `json:"protocolVersion"`
	SessionID       string           `json:"sessionId"`
	Steps           []TSStepResult   `json:"steps"`
	Notifications   []TSNotification `json:"notifications"`
	HTTP            []TSHTTPExchange `json:"http"`
	TransportErrors []TSError        `json:"transportErrors"`
	// Stderr is the tail of node's standard error; Elapsed the process's
	// wall time, node's start-up included.
	Stderr  string        `json:"-"`
	Elapsed time.Duration `json:"-"`
}

// TSError is an error as the TypeScript client reported it: Code is the
// JSON-RPC error code for an MCP error, the HTTP status for a transport
// error, absent otherwise.
type TSError struct {
	Name    string          `json:"name"`
	Message string          `json:"message"`
	Code    *int            `json:"code"`
	Data    json.RawMessage `json:"data"`
}

// TSStepResult is the outcome of one TSStep.
type TSStepResult struct {
	Op      string   `json:"op"`
	OK      bool     `json:"ok"`
	Error   *TSError `json:"error"`
	StartMS float64  `json:"startMs"`
	EndMS   float64  `json:"endMs"`
	// Tools is listTools' answer.
	Tools []TSTool `json:"tools"`
	// Result is the JSON-RPC result of callTool and request; Text joins a
	// tool result's text contents.
	Result   json.RawMessage `json:"result"`
	Text     string          `json:"text"`
	Progress []TSProgress    `json:"progress"`
}

// IsError reports whether a callTool step got a tool error result
// (isError: true), as opposed to a protocol error in Error.
func (r TSStepResult) IsError() bool {
	var res struct {
		IsError bool `json:"isError"`
	}
	_ = json.Unmarshal(r.Result, &res)
	return res.IsError
}

// ToolNames are the names in Tools, in order.
func (r TSStepResult) ToolNames() []string {
	names := make([]string, len(r.Tools))
	for i, tool := range r.Tools {
		names[i] = tool.Name
	}
	return names
}

// TSTool is one listed tool.
type TSTool struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// TSProgress is one progress notification; AtMS counts from the start of
// the call.
type TSProgress struct {
	Progress float64 `json:"progress"`
	Total    float64 `json:"total"`
	Message  string  `json:"message"`
	AtMS     float64 `json:"atMs"`
}

// TSNotification is a server notification other than a call's own
// progress.
type TSNotification struct {
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	AtMS   float64         `json:"atMs"`
}

// TSHTTPExchange is one HTTP request the client made; Error is set when
// there was no response.
type TSHTTPExchange struct {
	Method string  `json:"method"`
	URL    string  `json:"url"`
	Status int     `json:"status"`
	Error  string  `json:"error"`
	AtMS   float64 `json:"atMs"`
}

// RunTSClient runs a scenario with the official TypeScript MCP client and
// returns what it saw; connection and request failures are in the result,
// not test failures. ctx bounds the node process.
func RunTSClient(t testing.TB, ctx context.Context, args TSClientArgs) TSClientResult {
	t.Helper()
	node, dir := nodeHarness(t)
	in := struct {
		TSClientArgs
		Headers   map[string]string `json:"headers,omitempty"`
		TimeoutMS int64             `json:"timeoutMs,omitempty"`
	}{TSClientArgs: args, TimeoutMS: args.Timeout.Milliseconds()}
	if args.Steps == nil {
		in.Steps = []TSStep{}
	}
	if len(args.Header) > 0 {
		in.Headers = map[string]string{}
		for k := range args.Header {
			in.Headers[k] = args.Header.Get(k)
		}
	}
	arg, err := json.Marshal(in)
	if err != nil {
		t.Fatalf("RunTSClient: %v", err)
	}

	cmd := exec.CommandContext(ctx, node, "client.mjs")
	cmd.Dir = dir
	// The scenario goes in the environment rather than argv: it may hold
	// tokens, and argv is visible to every process on the machine.
	cmd.Env = nodeEnv("MCPNODE_CLIENT_ARGS=" + string(arg))
	var stdout bytes.Buffer
	stderr := &tailBuffer{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	start := time.Now()
	err = cmd.Run()
	var res TSClientResult
	if err != nil {
		if ctx.Err() != nil {
			t.Fatalf("TypeScript MCP client killed: %v\nstderr:\n%s", ctx.Err(), stderr)
		}
		t.Fatalf("TypeScript MCP client failed: %v\nstderr:\n%s", err, stderr)
	}
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &res); err != nil {
		t.Fatalf("TypeScript MCP client printed no result (%v):\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr)
	}
	res.Stderr = stderr.String()
	res.Elapsed = time.Since(start)
	return res
}

// Step returns the i-th step result, failing the test if the client did
// not connect or that step did not run or did not succeed.
func (r TSClientResult) Step(t testing.TB, i int) TSStepResult {
	t.Helper()
	if !r.Connected {
		t.Fatalf("TypeScript MCP client did not connect: %s", r.ConnectError)
	}
	if i >= len(r.Steps) {
		t.Fatalf("TypeScript MCP client ran %d steps, want step %d", len(r.Steps), i)
	}
	s := r.Steps[i]
	if !s.OK {
		t.Fatalf("step %d (%s) failed: %s", i, s.Op, s.Error)
	}
	return s
}

// String renders the error for test messages.
func (e *TSError) String() string {
	if e == nil {
		return "<nil>"
	}
	var b strings.Builder
	b.WriteString(e.Name + ": " + e.Message)
	if e.Code != nil {
		fmt.Fprintf(&b, " (code %d)", *e.Code)
	}
	return b.String()
}
