package proxy

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
)

// benchToolsCall is a typical 300-byte tools/call.
const benchToolsCall = `{"jsonrpc":"2.0","id":12345,"method":"tools/call","params":{"name":"get_current_time",` +
	`"arguments":{"timezone":"Europe/Berlin","format":"iso8601","include_offset":true,"locale":"de-DE",` +
	`"fields":["date","time","weekday"],"precision":3},"_meta":{"progressToken":"tok-7f3a9c2e-4b1d-4e8a-9f6b-2c5d8e1a3b7f"}}}`

func BenchmarkInspectToolsCall(b *testing.B) {
	body := []byte(benchToolsCall)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		in, err := Inspect(body)
		if err != nil || in.Messages[0].Tool != "get_current_time" {
			b.Fatal(err)
		}
	}
}

func BenchmarkInspectBatch10(b *testing.B) {
	parts := make([]string, 10)
	for i := range parts {
		parts[i] = benchToolsCall
	}
	body := []byte("[" + strings.Join(parts, ",") + "]")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Inspect(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFilterToolsResult500(b *testing.B) {
	msg := toolsList(500)
	allow := func(n string) bool { return n[len(n)-1]%2 == 0 }
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, changed, err := FilterToolsResult(msg, allow); err != nil || !changed {
			b.Fatal(err)
		}
	}
}

func BenchmarkFilterToolsResult500AllAllowed(b *testing.B) {
	msg := toolsList(500)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, changed, err := FilterToolsResult(msg, func(string) bool { return true }); err != nil || changed {
			b.Fatal(err)
		}
	}
}

// benchStream is 100 Streamable HTTP style events: progress notifications
// with ids, one heartbeat comment, a final result.
func benchStream() []byte {
	var s bytes.Buffer
	for i := range 99 {
		fmt.Fprintf(&s, "id: %d\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":\"t\",\"progress\":%d,\"total\":100}}\n\n", i, i)
		if i == 50 {
			s.WriteString(": ping\n\n")
		}
	}
	s.WriteString("id: 99\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"done\"}]}}\n\n")
	return s.Bytes()
}

// BenchmarkSSERewriterPassthrough feeds the stream in 4 KiB writes through
// the transform the proxy uses (FilterToolsResult on message events).
func BenchmarkSSERewriterPassthrough(b *testing.B) {
	stream := benchStream()
	allow := func(string) bool { return true }
	transform := func(ev *Event) error {
		out, _, err := FilterToolsResult(ev.Data, allow)
		ev.Data = out
		return err
	}
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		w := NewSSERewriter(io.Discard, func() {}, transform)
		for c := stream; len(c) > 0; {
			n := min(4096, len(c))
			if _, err := w.Write(c[:n]); err != nil {
				b.Fatal(err)
			}
			c = c[n:]
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSSEToolsList500 filters a 500-tool tools/list result arriving
// as one SSE message event through NewSSEReader.
func BenchmarkSSEToolsList500(b *testing.B) {
	stream := append(append([]byte("event: message\ndata: "), toolsList(500)...), "\n\n"...)
	allow := func(n string) bool { return n[len(n)-1]%2 == 0 }
	transform := func(ev *Event) error {
		out, _, err := FilterToolsResult(ev.Data, allow)
		ev.Data = out
		return err
	}
	buf := make([]byte, 32<<10)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		r := NewSSEReader(bytes.NewReader(stream), transform)
		for {
			_, err := r.Read(buf)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkRewriteEndpoint(b *testing.B) {
	base, _ := url.Parse("http://mcp:8000/")
	stream, _ := url.Parse("http://mcp:8000/sse")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RewriteEndpoint("/messages?sessionId=0f2c8a1e9b7d4c3a", stream, base, "/currenttime"); err != nil {
			b.Fatal(err)
		}
	}
}
