package proxy

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func allowSet(names ...string) func(string) bool {
	return func(n string) bool {
		for _, a := range names {
			if n == a {
				return true
			}
		}
		return false
	}
}

func TestFilterToolsResult(t *testing.T) {
	allow := allowSet("echo", "add", "é")
	tests := []struct {
		name string
		in   string
		want string // "" means unchanged
	}{
		{"keeps allowed, drops others, rest byte for byte",
			`{"jsonrpc":"2.0", "id":1,"result":{"tools":[{"name":"echo","inputSchema":{"type":"object"}}, {"name":"rm"},{"name":"add"}],"nextCursor":"c"} }`,
			`{"jsonrpc":"2.0", "id":1,"result":{"tools":[{"name":"echo","inputSchema":{"type":"object"}},{"name":"add"}],"nextCursor":"c"} }`},
		{"all allowed is unchanged",
			`{"jsonrpc":"2.0","id":1,"result":{"tools":[ {"name":"echo"} , {"name":"add"} ]}}`, ""},
		{"none allowed",
			`{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"rm"},{"name":"mv"}]}}`,
			`{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}`},
		{"empty tools unchanged", `{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}`, ""},
		{"not a response", `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"tools":[{"name":"rm"}]}}`, ""},
		{"error response", `{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"x","data":{"tools":[{"name":"rm"}]}}}`, ""},
		{"result not an object", `{"jsonrpc":"2.0","id":1,"result":[{"tools":[{"name":"rm"}]}]}`, ""},
		{"tools not an array", `{"jsonrpc":"2.0","id":1,"result":{"tools":{"name":"rm"}}}`, ""},
		{"nested tools untouched", `{"jsonrpc":"2.0","id":1,"result":{"content":[{"tools":[{"name":"rm"}]}]}}`, ""},
		{"tool names deep inside schemas are not names",
			`{"id":1,"result":{"tools":[{"name":"echo","inputSchema":{"properties":{"name":{"type":"string"}}}}]}}`, ""},
		{"entries without a string name are dropped",
			`{"id":1,"result":{"tools":[{"title":"x"},{"name":1},"echo",null,{"name":"echo"}]}}`,
			`{"id":1,"result":{"tools":[{"name":"echo"}]}}`},
		{"duplicate name dropped",
			`{"id":1,"result":{"tools":[{"name":"echo","name":"rm"},{"name":"add"}]}}`,
			`{"id":1,"result":{"tools":[{"name":"add"}]}}`},
		{"case variant of name dropped",
			`{"id":1,"result":{"tools":[{"name":"echo","Name":"rm"},{"NAME":"add"},{"name":"add"}]}}`,
			`{"id":1,"result":{"tools":[{"name":"add"}]}}`},
		{"escaped names decoded",
			`{"id":1,"result":{"tools":[{"n\u0061me":"\u0065cho"},{"name":"\u00e9"},{"name":"ech\u006f\u0000"}]}}`,
			`{"id":1,"result":{"tools":[{"n\u0061me":"\u0065cho"},{"name":"\u00e9"}]}}`},
		{"lone surrogate dropped",
			`{"id":1,"result":{"tools":[{"name":"echo\ud800"},{"name":"add"}]}}`,
			`{"id":1,"result":{"tools":[{"name":"add"}]}}`},
		{"case variants of result and tools filtered too",
			`{"id":1,"Result":{"TOOLS":[{"name":"rm"},{"name":"echo"}]},"result":{"tools":[{"name":"mv"}],"Tools":[{"name":"add"},{"name":"cp"}]}}`,
			`{"id":1,"Result":{"TOOLS":[{"name":"echo"}]},"result":{"tools":[],"Tools":[{"name":"add"}]}}`},
		{"escaped result key",
			`{"id":1,"\u0072esult":{"tool\u0073":[{"name":"rm"}]}}`,
			`{"id":1,"\u0072esult":{"tool\u0073":[]}}`},
		{"batch",
			`[{"id":1,"result":{"tools":[{"name":"rm"},{"name":"echo"}]}}, 5, {"id":2,"result":{}}, {"id":3,"result":{"tools":[{"name":"add"},{"name":"cp"}]}}]`,
			`[{"id":1,"result":{"tools":[{"name":"echo"}]}}, 5, {"id":2,"result":{}}, {"id":3,"result":{"tools":[{"name":"add"}]}}]`},
		{"invalid UTF-8 elsewhere passes", "{\"id\":1,\"result\":{\"tools\":[{\"name\":\"rm\",\"description\":\"\xff\"},{\"name\":\"echo\"}]}}",
			`{"id":1,"result":{"tools":[{"name":"echo"}]}}`},
		{"whitespace kept", "\n{\"result\" : { \"tools\" : [ {\"name\":\"rm\"} ,\n {\"name\" : \"echo\" } ] } }\n",
			"\n{\"result\" : { \"tools\" : [{\"name\" : \"echo\" }] } }\n"},
		{"scalar", `42`, ""},
		{"empty batch", `[]`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, changed, err := FilterToolsResult([]byte(tt.in), allow)
			if err != nil {
				t.Fatalf("FilterToolsResult: %v", err)
			}
			want := tt.want
			if want == "" {
				want = tt.in
			}
			if changed != (tt.want != "") {
				t.Errorf("changed = %v", changed)
			}
			if string(out) != want {
				t.Errorf("got\n%s\nwant\n%s", out, want)
			}
			if json.Valid([]byte(tt.in)) && !json.Valid(out) {
				t.Errorf("output is not valid JSON")
			}
		})
	}
}

func TestFilterToolsResultUnchangedReturnsInput(t *testing.T) {
	in := []byte(`{"id":1,"result":{"tools":[{"name":"echo"}]}}`)
	out, changed, err := FilterToolsResult(in, allowSet("echo"))
	if err != nil || changed || &out[0] != &in[0] {
		t.Errorf("want the input itself back, got changed=%v err=%v", changed, err)
	}
}

func TestFilterToolsResultErrors(t *testing.T) {
	for _, in := range []string{
		``, ` `, `{"id":1,"result":{"tools":[{"name":"rm"}]}`, `{"result":{"tools":[`, `{"result":{"tools":[{"name":"a"},`, `{"result":{"tools":[1`, `{"id":1}x`, `{"result":{"tools":[{"name":"rm",}]}}`,
		`{"result":{"tools":[` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `]}}`,
		"{\"result\":{\"tools\":[{\"name\":\"a\x01\"}]}}",
	} {
		_, _, err := FilterToolsResult([]byte(in), allowSet())
		var ie *InspectError
		if !errors.As(err, &ie) {
			t.Errorf("FilterToolsResult(%.40q) err = %v, want an *InspectError", in, err)
		}
	}
}

// toolsList returns a tools/list result with n tools shaped like real
// ones (title, description, an input schema with a few properties).
func toolsList(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"jsonrpc":"2.0","id":42,"result":{"tools":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"name":"tool-%03d","title":"Tool %d","description":"Does thing %d with the given input and returns a result, which is described here at some length.",`+
			`"inputSchema":{"type":"object","properties":{"query":{"type":"string","description":"what to look for"},"limit":{"type":"integer","minimum":1,"maximum":100},`+
			`"tags":{"type":"array","items":{"type":"string"}}},"required":["query"]},"annotations":{"readOnlyHint":true}}`, i, i, i)
	}
	b.WriteString(`],"nextCursor":"abc"}}`)
	return []byte(b.String())
}

func TestFilterToolsResultLarge(t *testing.T) {
	in := toolsList(500)
	out, changed, err := FilterToolsResult(in, func(n string) bool { return n[len(n)-1]%2 == 0 })
	if err != nil || !changed {
		t.Fatalf("changed=%v err=%v", changed, err)
	}
	var v struct {
		Result struct {
			Tools []struct{ Name string } `json:"tools"`
		} `json:"result"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Result.Tools) != 250 {
		t.Errorf("%d tools kept, want 250", len(v.Result.Tools))
	}
	for _, tool := range v.Result.Tools {
		if tool.Name[len(tool.Name)-1]%2 != 0 {
			t.Errorf("kept %s", tool.Name)
		}
	}
}
