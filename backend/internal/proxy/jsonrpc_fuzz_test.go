package proxy

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

var inspectSeeds = []string{
	toolsCall,
	`{"params":{"name":"echo"},"id":1,"method":"tools/call","jsonrpc":"2.0"}`,
	`[{"jsonrpc":"2.0","id":"a","method":"tools/list"},{"jsonrpc":"2.0","method":"notifications/initialized"},{"jsonrpc":"2.0","id":2,"result":{}}]`,
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","Name":"rm"}}`,
	`{"jsonrpc":"2.0","id":1,"method":"ping","Method":"tools/call"}`,
	`{"\u006a\u0073onrpc":"2.0","\u0069d":1,"\u006dethod":"tools/call","\u0070arams":{"n\u0061me":"e\ud83d\ude00"}}`,
	`{"jsonrpc":"2.0","id":-1.5e-3,"method":"tools/call","params":{"name":"x","arguments":{"a":[1,true,null,{"b":"c"}]}}}`,
	`{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"m"}}`,
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","paramſ":{"name":"x"},"params":{"name":"y"}}`,
	"\xef\xbb\xbf{}", `[]`, `[[]]`, `{"a":1}x`, `"x"`,
}

// rpcView is a message as Go's encoding/json (and so the Go SDK) sees it.
type rpcView struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

func FuzzInspect(f *testing.F) {
	for _, s := range inspectSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := Inspect(body)
		if err != nil {
			var ie *InspectError
			if !errors.As(err, &ie) {
				t.Fatalf("error %T %v is not an *InspectError", err, err)
			}
			if ie.Code == CodeParseError && json.Valid(body) && utf8.Valid(body) {
				t.Fatalf("parse error %q for JSON that encoding/json accepts: %q", ie.Message, body)
			}
			return
		}
		if !json.Valid(body) || !utf8.Valid(body) {
			t.Fatalf("accepted invalid JSON: %q", body)
		}
		raws := []json.RawMessage{body}
		if in.Batch {
			raws = nil
			if err := json.Unmarshal(body, &raws); err != nil {
				t.Fatalf("accepted batch that encoding/json cannot decode: %v", err)
			}
		}
		if len(raws) != len(in.Messages) || len(raws) == 0 {
			t.Fatalf("%d messages, encoding/json sees %d", len(in.Messages), len(raws))
		}
		for i, raw := range raws {
			m := in.Messages[i]
			var v rpcView
			if err := json.Unmarshal(raw, &v); err != nil {
				t.Fatalf("message %d: encoding/json cannot decode what was accepted: %v", i, err)
			}
			if v.JSONRPC != "2.0" || v.Method != m.Method || !bytes.Equal(v.ID, m.ID) {
				t.Fatalf("message %d: encoding/json sees jsonrpc %q method %q id %s; Inspect method %q id %s",
					i, v.JSONRPC, v.Method, v.ID, m.Method, m.ID)
			}
			keys := objectKeys(t, raw)
			for _, name := range []string{"jsonrpc", "id", "method", "params", "result", "error"} {
				checkFold(t, keys, name)
			}
			if m.Method != methodToolsCall {
				continue
			}
			var p struct {
				Name string `json:"name"`
			}
			if err := json.Unmarshal(v.Params, &p); err != nil || p.Name != m.Tool {
				t.Fatalf("message %d: encoding/json sees tool %q (%v), Inspect %q", i, p.Name, err, m.Tool)
			}
			checkFold(t, objectKeys(t, v.Params), "name")
		}
	})
}

// objectKeys returns the decoded keys of a JSON object, duplicates
// included, using encoding/json's tokenizer.
func objectKeys(t *testing.T, obj []byte) []string {
	d := json.NewDecoder(bytes.NewReader(obj))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %q", obj)
	}
	var keys []string
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// checkFold fails unless at most one key folds to name, and it is name.
func checkFold(t *testing.T, keys []string, name string) {
	t.Helper()
	n := 0
	for _, k := range keys {
		if strings.EqualFold(k, name) {
			n++
			if k != name {
				t.Fatalf("accepted key %q, a case variant of %q", k, name)
			}
		}
	}
	if n > 1 {
		t.Fatalf("accepted %d keys %q", n, name)
	}
}

// FuzzFilterToolsResult checks that no decoder reading the output the way
// encoding/json does (keys matched case-insensitively, the last one
// winning) finds a tool that allow refuses.
func FuzzFilterToolsResult(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"ab"},{"name":"abc"},{"name":"x","Name":"yy"}]}}`,
		`[{"id":1,"Result":{"TOOLS":[{"name":"abc"}]},"result":{"tools":[{"n\u0061me":"\u0061bc"}]}},3]`,
		`{"result":{"tools":[1,"x",null,{"name":"abcd","inputSchema":{"name":"q"}}]}}`,
	} {
		f.Add([]byte(s))
	}
	allow := func(name string) bool { return utf8.RuneCountInString(name)%2 == 0 }
	f.Fuzz(func(t *testing.T, msg []byte) {
		out, changed, err := FilterToolsResult(msg, allow)
		if err != nil {
			if json.Valid(msg) && !strings.Contains(err.Error(), "nesting") && utf8.Valid(msg) {
				t.Fatalf("error %v for valid JSON %q", err, msg)
			}
			return
		}
		if !changed && !bytes.Equal(out, msg) {
			t.Fatalf("unchanged but different output")
		}
		if !json.Valid(out) {
			t.Fatalf("output is not JSON: %q from %q", out, msg)
		}
		if !utf8.Valid(msg) {
			return // encoding/json would see other names than allow did
		}
		var batch []json.RawMessage
		if json.Unmarshal(out, &batch) != nil {
			batch = []json.RawMessage{out}
		}
		for _, m := range batch {
			var v struct{ Result json.RawMessage }
			if json.Unmarshal(m, &v) != nil {
				continue
			}
			var r struct{ Tools []json.RawMessage }
			if json.Unmarshal(v.Result, &r) != nil {
				continue
			}
			for _, tool := range r.Tools {
				var e struct{ Name string }
				if err := json.Unmarshal(tool, &e); err != nil || !allow(e.Name) {
					t.Fatalf("kept tool %s (name %q, %v) in %q", tool, e.Name, err, out)
				}
			}
		}
	})
}
