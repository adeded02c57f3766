package domain

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestAuditCallJSON: the hand-written encoding decodes to what the same
// details as a map encode to, whatever the strings hold.
func TestAuditCallJSON(t *testing.T) {
	for _, c := range []AuditCall{
		{Server: "time", Method: "tools/call", Tool: "now", Forwarded: true, LatencyMS: 0.421, Status: 200},
		{Server: "time", Method: "tools/call", Forwarded: true},
		{Server: "x", Method: "tools/call", Tool: "a\"b\\c\n\t\r\x01\x1f\u2028é😀</script>", Reason: "no rule allows it"},
		{Server: "x", Reason: "cross-origin request with a session cookie"},
	} {
		want := map[string]any{"server": c.Server}
		for k, v := range map[string]string{"method": c.Method, "tool": c.Tool, "reason": c.Reason} {
			if v != "" {
				want[k] = v
			}
		}
		if c.Forwarded {
			want["latency_ms"], want["status"] = c.LatencyMS, float64(c.Status)
		}
		b := c.AppendJSON(nil)
		var got map[string]any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s decodes to %v, want %v", b, got, want)
		}
	}
}

func BenchmarkAuditCallJSON(b *testing.B) {
	c := AuditCall{Server: "time", Method: "tools/call", Tool: "current_time", Forwarded: true, LatencyMS: 0.421, Status: 200}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = c.AppendJSON(buf[:0])
	}
}
