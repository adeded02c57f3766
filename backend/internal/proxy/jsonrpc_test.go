package proxy

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

const toolsCall = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}`

func TestInspectAccepts(t *testing.T) {
	type msg struct {
		id, method, tool string
		kind             Kind
	}
	tests := []struct {
		name  string
		body  string
		batch bool
		want  []msg
	}{
		{"tools/call", toolsCall, false, []msg{{"7", "tools/call", "echo", KindRequest}}},
		{"params before method", `{"params":{"name":"echo"},"id":1,"method":"tools/call","jsonrpc":"2.0"}`, false,
			[]msg{{"1", "tools/call", "echo", KindRequest}}},
		{"whitespace around", " \t\r\n" + toolsCall + "\n\t ", false, []msg{{"7", "tools/call", "echo", KindRequest}}},
		{"whitespace inside", "{ \"jsonrpc\" : \"2.0\" ,\n\"id\"\t:\r\"a\" , \"method\":\"ping\" }", false, []msg{{`"a"`, "ping", "", KindRequest}}},
		{"string id kept exactly", `{"jsonrpc":"2.0","id":"a\u0062c","method":"ping"}`, false, []msg{{`"a\u0062c"`, "ping", "", KindRequest}}},
		{"null id", `{"jsonrpc":"2.0","id":null,"method":"ping"}`, false, []msg{{"null", "ping", "", KindRequest}}},
		{"big id", `{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"ping"}`, false,
			[]msg{{"123456789012345678901234567890", "ping", "", KindRequest}}},
		{"negative id", `{"jsonrpc":"2.0","id":-42,"method":"ping"}`, false, []msg{{"-42", "ping", "", KindRequest}}},
		{"fraction and exponent id", `{"jsonrpc":"2.0","id":-0.5e+10,"method":"ping"}`, false, []msg{{"-0.5e+10", "ping", "", KindRequest}}},
		{"zero id", `{"jsonrpc":"2.0","id":0,"method":"ping"}`, false, []msg{{"0", "ping", "", KindRequest}}},
		{"notification", `{"jsonrpc":"2.0","method":"notifications/initialized"}`, false,
			[]msg{{"", "notifications/initialized", "", KindNotification}}},
		{"tools/call notification", `{"jsonrpc":"2.0","method":"tools/call","params":{"name":"x"}}`, false,
			[]msg{{"", "tools/call", "x", KindNotification}}},
		{"response", `{"jsonrpc":"2.0","id":3,"result":{"content":[]}}`, false, []msg{{"3", "", "", KindResponse}}},
		{"error response", `{"jsonrpc":"2.0","id":"s1","error":{"code":-1,"message":"no"}}`, false, []msg{{`"s1"`, "", "", KindResponse}}},
		{"error response with null id", `{"jsonrpc":"2.0","id":null,"error":{"code":-1,"message":"no"}}`, false, []msg{{"null", "", "", KindResponse}}},
		{"escaped keys", `{"\u006a\u0073onrpc":"2.0","\u0069d":1,"\u006dethod":"tools/call","\u0070arams":{"n\u0061me":"echo"}}`, false,
			[]msg{{"1", "tools/call", "echo", KindRequest}}},
		{"escaped values", `{"jsonrpc":"2\u002e0","id":1,"method":"tools\/call","params":{"name":"\u00e9cho \ud83d\ude00"}}`, false,
			[]msg{{"1", "tools/call", "écho 😀", KindRequest}}},
		{"unicode tool name", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"wetter-größe"}}`, false,
			[]msg{{"1", "tools/call", "wetter-größe", KindRequest}}},
		{"non-ASCII key that does not fold", `{"jsonrpc":"2.0","id":1,"méthod":"x","method":"ping"}`, false, []msg{{"1", "ping", "", KindRequest}}},
		{"other keys ignored", `{"jsonrpc":"2.0","id":1,"method":"ping","extra":[1,{"Method":"x"}],"_meta":{}}`, false,
			[]msg{{"1", "ping", "", KindRequest}}},
		{"name variants nested deeper are fine", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","arguments":{"Name":"b","name":"c","name":"d"}}}`, false,
			[]msg{{"1", "tools/call", "a", KindRequest}}},
		{"name duplicates outside tools/call are fine", `{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"a","Name":"b"}}`, false,
			[]msg{{"1", "prompts/get", "", KindRequest}}},
		{"params array outside tools/call", `{"jsonrpc":"2.0","id":1,"method":"x/y","params":[1,2]}`, false, []msg{{"1", "x/y", "", KindRequest}}},
		{"batch", `[` + toolsCall + `,{"jsonrpc":"2.0","method":"notifications/progress","params":{}},{"jsonrpc":"2.0","id":9,"result":{}}]`, true,
			[]msg{{"7", "tools/call", "echo", KindRequest}, {"", "notifications/progress", "", KindNotification}, {"9", "", "", KindResponse}}},
		{"batch of one", `[ {"jsonrpc":"2.0","id":1,"method":"tools/list"} ]`, true, []msg{{"1", "tools/list", "", KindRequest}}},
		{"deep arguments within limit", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"d","arguments":` +
			strings.Repeat("[", 61) + strings.Repeat("]", 61) + `}}`, false, []msg{{"1", "tools/call", "d", KindRequest}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := Inspect([]byte(tt.body))
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if in.Batch != tt.batch {
				t.Errorf("Batch = %v, want %v", in.Batch, tt.batch)
			}
			if len(in.Messages) != len(tt.want) {
				t.Fatalf("%d messages, want %d", len(in.Messages), len(tt.want))
			}
			for i, w := range tt.want {
				m := in.Messages[i]
				if string(m.ID) != w.id || m.Method != w.method || m.Tool != w.tool || m.Kind != w.kind {
					t.Errorf("message %d = {ID:%s Method:%q Tool:%q Kind:%v}, want {ID:%s Method:%q Tool:%q Kind:%v}",
						i, m.ID, m.Method, m.Tool, m.Kind, w.id, w.method, w.tool, w.kind)
				}
				if (m.ID == nil) != (w.id == "") {
					t.Errorf("message %d: ID nil = %v", i, m.ID == nil)
				}
			}
		})
	}
}

func TestInspectRefuses(t *testing.T) {
	deep := strings.Repeat("[", 70) + strings.Repeat("]", 70)
	tests := []struct {
		name string
		body string
		code int
	}{
		// Not JSON.
		{"empty", ``, CodeParseError},
		{"whitespace only", " \n", CodeParseError},
		{"BOM", "\xef\xbb\xbf" + toolsCall, CodeParseError},
		{"trailing data", toolsCall + `x`, CodeParseError},
		{"second object", toolsCall + toolsCall, CodeParseError},
		{"trailing NUL", toolsCall + "\x00", CodeParseError},
		{"truncated", toolsCall[:len(toolsCall)-1], CodeParseError},
		{"trailing comma", `{"jsonrpc":"2.0","id":1,"method":"ping",}`, CodeParseError},
		{"single quotes", `{'jsonrpc':'2.0'}`, CodeParseError},
		{"unquoted key", `{jsonrpc:"2.0"}`, CodeParseError},
		{"invalid UTF-8 in string", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a` + "\xff" + `"}}`, CodeParseError},
		{"invalid UTF-8 deep", `{"jsonrpc":"2.0","id":1,"method":"x","params":{"a":["` + "\xc3\x28" + `"]}}`, CodeParseError},
		{"overlong UTF-8", `{"jsonrpc":"2.0","id":1,"method":"` + "\xc0\xaf" + `"}`, CodeParseError},
		{"encoded surrogate UTF-8", `{"jsonrpc":"2.0","id":1,"method":"` + "\xed\xa0\x80" + `"}`, CodeParseError},
		{"control character", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\tb\"}", CodeParseError},
		{"bad escape", `{"jsonrpc":"2.0","id":1,"method":"\x"}`, CodeParseError},
		{"short unicode escape", `{"jsonrpc":"2.0","id":1,"method":"\u12"}`, CodeParseError},
		{"leading zero", `{"jsonrpc":"2.0","id":01,"method":"ping"}`, CodeParseError},
		{"plus number", `{"jsonrpc":"2.0","id":+1,"method":"ping"}`, CodeParseError},
		{"bare minus", `{"jsonrpc":"2.0","id":-,"method":"ping"}`, CodeParseError},
		{"dot without digits", `{"jsonrpc":"2.0","id":1.,"method":"ping"}`, CodeParseError},
		{"exponent without digits", `{"jsonrpc":"2.0","id":1e,"method":"ping"}`, CodeParseError},
		{"NaN", `{"jsonrpc":"2.0","id":NaN,"method":"ping"}`, CodeParseError},
		{"bad literal", `{"jsonrpc":"2.0","id":nul,"method":"ping"}`, CodeParseError},
		{"comment", `{"jsonrpc":"2.0",/*x*/"id":1,"method":"ping"}`, CodeParseError},
		{"syntax error wins over duplicate", `{"method":"a","method":"b","jsonrpc":"2.0",}`, CodeParseError},
		{"syntax error later in batch", `[{"jsonrpc":"2.0"},` + toolsCall + `,]`, CodeParseError},

		// JSON, but not acceptable JSON-RPC.
		{"string body", `"tools/call"`, CodeInvalidRequest},
		{"number body", `1`, CodeInvalidRequest},
		{"null body", `null`, CodeInvalidRequest},
		{"empty object", `{}`, CodeInvalidRequest},
		{"empty batch", `[]`, CodeInvalidRequest},
		{"nested batch", `[[` + toolsCall + `]]`, CodeInvalidRequest},
		{"batch with a number", `[` + toolsCall + `,1]`, CodeInvalidRequest},
		{"too deep", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"d","arguments":` + deep + `}}`, CodeInvalidRequest},
		{"no jsonrpc", `{"id":1,"method":"ping"}`, CodeInvalidRequest},
		{"jsonrpc 1.0", `{"jsonrpc":"1.0","id":1,"method":"ping"}`, CodeInvalidRequest},
		{"jsonrpc number", `{"jsonrpc":2.0,"id":1,"method":"ping"}`, CodeInvalidRequest},
		{"duplicate jsonrpc", `{"jsonrpc":"2.0","jsonrpc":"2.0","id":1,"method":"ping"}`, CodeInvalidRequest},
		{"duplicate method", `{"jsonrpc":"2.0","id":1,"method":"tools/list","method":"tools/call","params":{"name":"x"}}`, CodeInvalidRequest},
		{"duplicate escaped method", `{"jsonrpc":"2.0","id":1,"method":"ping","\u006dethod":"tools/call"}`, CodeInvalidRequest},
		{"duplicate id", `{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}`, CodeInvalidRequest},
		{"duplicate params", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"},"params":{"name":"b"}}`, CodeInvalidRequest},
		{"duplicate result", `{"jsonrpc":"2.0","id":1,"result":{},"result":{}}`, CodeInvalidRequest},
		{"duplicate error", `{"jsonrpc":"2.0","id":1,"error":{},"error":{}}`, CodeInvalidRequest},
		{"Method", `{"jsonrpc":"2.0","id":1,"Method":"tools/call","method":"ping"}`, CodeInvalidRequest},
		{"METHOD alone", `{"jsonrpc":"2.0","id":1,"METHOD":"ping"}`, CodeInvalidRequest},
		{"ID", `{"jsonrpc":"2.0","ID":2,"id":1,"method":"ping"}`, CodeInvalidRequest},
		{"Params", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"},"Params":{"name":"b"}}`, CodeInvalidRequest},
		{"JSONRPC", `{"JSONRPC":"2.0","jsonrpc":"2.0","id":1,"method":"ping"}`, CodeInvalidRequest},
		{"Result", `{"jsonrpc":"2.0","id":1,"method":"ping","Result":{}}`, CodeInvalidRequest},
		{"Error", `{"jsonrpc":"2.0","id":1,"method":"ping","eRRor":{}}`, CodeInvalidRequest},
		{"escaped case variant", `{"jsonrpc":"2.0","id":1,"method":"ping","\u004dethod":"tools/call"}`, CodeInvalidRequest},
		{"long s folds to s", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"},"paramſ":{"name":"b"}}`, CodeInvalidRequest},
		{"escaped long s", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"},"param\u017f":{"name":"b"}}`, CodeInvalidRequest},
		{"method not a string", `{"jsonrpc":"2.0","id":1,"method":["tools/call"]}`, CodeInvalidRequest},
		{"method null", `{"jsonrpc":"2.0","id":1,"method":null}`, CodeInvalidRequest},
		{"method with NUL", `{"jsonrpc":"2.0","id":1,"method":"tools/call\u0000x","params":{"name":"a"}}`, CodeInvalidRequest},
		{"method with lone surrogate", `{"jsonrpc":"2.0","id":1,"method":"ping\ud800"}`, CodeInvalidRequest},
		{"id object", `{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}`, CodeInvalidRequest},
		{"id array", `{"jsonrpc":"2.0","id":[1],"method":"ping"}`, CodeInvalidRequest},
		{"id bool", `{"jsonrpc":"2.0","id":true,"method":"ping"}`, CodeInvalidRequest},
		{"method and result", `{"jsonrpc":"2.0","id":1,"method":"ping","result":{}}`, CodeInvalidRequest},
		{"result and error", `{"jsonrpc":"2.0","id":1,"result":{},"error":{}}`, CodeInvalidRequest},
		{"response without id", `{"jsonrpc":"2.0","result":{}}`, CodeInvalidRequest},
		{"neither", `{"jsonrpc":"2.0","id":1}`, CodeInvalidRequest},
		{"bad message in batch", `[` + toolsCall + `,{"jsonrpc":"2.0","id":1,"method":"a","method":"b"}]`, CodeInvalidRequest},

		// tools/call params.
		{"no params", `{"jsonrpc":"2.0","id":1,"method":"tools/call"}`, CodeInvalidParams},
		{"params array", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":["echo"]}`, CodeInvalidParams},
		{"params null", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":null}`, CodeInvalidParams},
		{"no name", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{}}}`, CodeInvalidParams},
		{"duplicate name", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","name":"rm"}}`, CodeInvalidParams},
		{"duplicate escaped name", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","\u006eame":"rm"}}`, CodeInvalidParams},
		{"Name", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","Name":"rm"}}`, CodeInvalidParams},
		{"NAME alone", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"NAME":"rm"}}`, CodeInvalidParams},
		{"name number", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":1}}`, CodeInvalidParams},
		{"name null", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":null}}`, CodeInvalidParams},
		{"name with NUL", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo\u0000rm"}}`, CodeInvalidParams},
		{"name with lone high surrogate", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo\ud83d"}}`, CodeInvalidParams},
		{"name with lone low surrogate", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"\ude00echo"}}`, CodeInvalidParams},
		{"name with reversed pair", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"\ude00\ud83d"}}`, CodeInvalidParams},
		{"escaped method, duplicate name", `{"jsonrpc":"2.0","id":1,"method":"tools\/call","params":{"name":"a","name":"b"}}`, CodeInvalidParams},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Inspect([]byte(tt.body))
			var ie *InspectError
			if !errors.As(err, &ie) {
				t.Fatalf("Inspect(%s) = %v, want an *InspectError", tt.body, err)
			}
			if ie.Code != tt.code {
				t.Errorf("code %d (%s), want %d", ie.Code, ie.Message, tt.code)
			}
			if ie.Message == "" || !strings.Contains(ie.Error(), ie.Message) {
				t.Errorf("Error() = %q", ie.Error())
			}
		})
	}
}

func TestInspectIDAliasesBody(t *testing.T) {
	body := []byte(`{"jsonrpc":"2.0","id":"x","method":"ping"}`)
	in, err := Inspect(body)
	if err != nil {
		t.Fatal(err)
	}
	id := in.Messages[0].ID
	if cap(id) != len(id) {
		t.Errorf("ID has spare capacity %d: appending to it would overwrite the body", cap(id)-len(id))
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{KindRequest: "request", KindNotification: "notification", KindResponse: "response", 0: "Kind(0)"} {
		if k.String() != want {
			t.Errorf("%d.String() = %q, want %q", k, k.String(), want)
		}
	}
}

func TestErrorResponse(t *testing.T) {
	tests := []struct {
		id   json.RawMessage
		code int
		msg  string
		want string
	}{
		{nil, CodeParseError, "bad", `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"bad"}}`},
		{json.RawMessage(`7`), CodePermissionDenied, "no", `{"jsonrpc":"2.0","id":7,"error":{"code":-32011,"message":"no"}}`},
		{json.RawMessage(`"a\"b"`), 1, "x", `{"jsonrpc":"2.0","id":"a\"b","error":{"code":1,"message":"x"}}`},
		{json.RawMessage(`{oops`), 1, "x", `{"jsonrpc":"2.0","id":null,"error":{"code":1,"message":"x"}}`},
		{nil, 1, "q\"\\\n\r\t\x01<ü>\xff", `{"jsonrpc":"2.0","id":null,"error":{"code":1,"message":"q\"\\\n\r\t\u0001<ü>\ufffd"}}`},
	}
	for _, tt := range tests {
		got := ErrorResponse(tt.id, tt.code, tt.msg)
		if string(got) != tt.want {
			t.Errorf("ErrorResponse(%s, %d, %q) =\n%s\nwant\n%s", tt.id, tt.code, tt.msg, got, tt.want)
		}
		if !json.Valid(got) {
			t.Errorf("not valid JSON: %s", got)
		}
	}
}

func TestBatchErrors(t *testing.T) {
	if b := BatchErrors(nil); b != nil {
		t.Errorf("BatchErrors(nil) = %s, want nil", b)
	}
	got := BatchErrors([]RPCError{
		{ID: json.RawMessage(`1`), Code: CodePermissionDenied, Message: "denied"},
		{ID: json.RawMessage(`"b"`), Code: CodeBatchRefused, Message: "not forwarded"},
	})
	want := `[{"jsonrpc":"2.0","id":1,"error":{"code":-32011,"message":"denied"}},` +
		`{"jsonrpc":"2.0","id":"b","error":{"code":-32013,"message":"not forwarded"}}]`
	if string(got) != want {
		t.Errorf("BatchErrors =\n%s\nwant\n%s", got, want)
	}
}
