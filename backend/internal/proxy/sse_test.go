package proxy

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// recorder is a dst that remembers each write and each flush.
type recorder struct {
	buf     bytes.Buffer
	writes  int
	flushes int
}

func (r *recorder) Write(p []byte) (int, error) {
	r.writes++
	return r.buf.Write(p)
}

func (r *recorder) flush() { r.flushes++ }

// feed writes the chunks to a new rewriter and returns what reached dst
// after each chunk (and after Close, last).
func feed(t *testing.T, transform func(*Event) error, chunks ...string) []string {
	t.Helper()
	var rec recorder
	w := NewSSERewriter(&rec, rec.flush, transform)
	var got []string
	last := 0
	for _, c := range chunks {
		if _, err := w.Write([]byte(c)); err != nil {
			t.Fatalf("Write(%q): %v", c, err)
		}
		got = append(got, rec.buf.String()[last:])
		last = rec.buf.Len()
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return append(got, rec.buf.String()[last:])
}

func upper(ev *Event) error {
	if ev.Data != nil {
		ev.Data = bytes.ToUpper(ev.Data)
	}
	return nil
}

// dropSecret filters the tool named secret out of tools/list results.
func dropSecret(ev *Event) error {
	if out, changed, err := FilterToolsResult(ev.Data, func(name string) bool { return name != "secret" }); err == nil && changed {
		ev.Data = out
	}
	return nil
}

func TestSSERewriter(t *testing.T) {
	tests := []struct {
		name      string
		transform func(*Event) error
		chunks    []string
		want      []string // output after each chunk, then after Close
	}{
		{"event waits for its blank line, then goes at once", nil,
			[]string{"data: a\n", "\n", "data: b\n\ndata: c\n\n"},
			[]string{"", "data: a\n\n", "data: b\n\ndata: c\n\n", ""}},
		{"unchanged events keep their bytes", nil,
			[]string{"event: message\r\nid: 1\r\n: note\r\ndata:x\r\nfoo: bar\r\n\r\n"},
			[]string{"event: message\r\nid: 1\r\n: note\r\ndata:x\r\nfoo: bar\r\n\r\n", ""}},
		{"CRLF split across writes is one line end", nil,
			[]string{"data: a\r", "\n", "\r", "\n"},
			[]string{"", "", "data: a\r\n\r", "\n", ""}},
		{"CR line ends", nil,
			[]string{"data: a\r\rdata: b\r", "\r"},
			[]string{"data: a\r\r", "data: b\r\r", ""}},
		{"LF after a dispatching CR passes on", nil,
			[]string{"data: a\n\r", "\ndata: b\n\n"},
			[]string{"data: a\n\r", "\ndata: b\n\n", ""}},
		{"CRLF then LF is a blank line", nil,
			[]string{"data: a\r\n", "\n"},
			[]string{"", "data: a\r\n\n", ""}},
		{"comments between events pass at once", nil,
			[]string{": ping\n", ":", "\n", "\n\n"},
			[]string{": ping\n", "", ":\n", "\n\n", ""}},
		{"comment inside an event waits with it", nil,
			[]string{"data: a\n: inside\n", "\n"},
			[]string{"", "data: a\n: inside\n\n", ""}},
		{"retry passes through", nil,
			[]string{"retry: 1500\n\n"},
			[]string{"retry: 1500\n\n", ""}},
		{"partial event at EOF is dropped", nil,
			[]string{"data: a\n\nid: 9\ndata: part"},
			[]string{"data: a\n\n", ""}},
		{"unfiltered partial tools/list at EOF is dropped", dropSecret,
			[]string{`data: {"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"secret"}]}}`},
			[]string{"", ""}},
		{"partial line at EOF", nil,
			[]string{": comm"},
			[]string{"", ""}},
		{"multi-line data rewritten", upper,
			[]string{"event: message\nid: 7\nretry: 10\ndata: a\ndata:b\ndata:  c\n: dropped\nunknown: x\n\n"},
			[]string{"event: message\nid: 7\nretry: 10\ndata: A\ndata: B\ndata:  C\n\n", ""}},
		{"rewritten CR event", upper,
			[]string{"data: x\r\r", "\n: hi\r"},
			[]string{"data: X\n\n", "\n: hi\r", ""}},
		{"empty data line rewritten keeps dispatching", upper,
			[]string{"data\n\n", "data:\ndata:\n\n"},
			[]string{"data\n\n", "data:\ndata:\n\n", ""}},
		{"empty id kept when rewritten", upper,
			[]string{"id\ndata: q\n\n"},
			[]string{"id: \ndata: Q\n\n", ""}},
		{"id with NUL is ignored", upper,
			[]string{"id: 1\nid: 2\x003\ndata: q\n\n"},
			[]string{"id: 1\ndata: Q\n\n", ""}},
		{"bad retry is ignored", upper,
			[]string{"retry: 5\nretry: 1s\ndata: q\n\n"},
			[]string{"retry: 5\ndata: Q\n\n", ""}},
		{"BOM at the start", upper,
			[]string{"\xef\xbb\xbfdata: q\n\n"},
			[]string{"data: Q\n\n", ""}},
		{"BOM at the start, unchanged", nil,
			[]string{"\xef\xbb\xbf", "data: q\n\n"},
			[]string{"", "\xef\xbb\xbfdata: q\n\n", ""}},
		{"rewritten between unchanged", func(ev *Event) error {
			if string(ev.Data) == "b" {
				ev.Data = []byte("B1\nB2")
			}
			return nil
		},
			[]string{": c\ndata: a\n\ndata: b\n\ndata: c\n\ndata: d"},
			[]string{": c\ndata: a\n\ndata: B1\ndata: B2\n\ndata: c\n\n", ""}},
		{"data with line breaks of every kind", func(ev *Event) error {
			ev.Data = []byte("1\r\n2\r3\n4")
			return nil
		},
			[]string{"data: x\n\n"},
			[]string{"data: 1\ndata: 2\ndata: 3\ndata: 4\n\n", ""}},
		{"name change", func(ev *Event) error {
			ev.Name = "endpoint"
			return nil
		},
			[]string{"data: x\n\n"},
			[]string{"event: endpoint\ndata: x\n\n", ""}},
		{"event without data given data", func(ev *Event) error {
			ev.Data = []byte("new")
			return nil
		},
			[]string{"event: e\n\n"},
			[]string{"event: e\ndata: new\n\n", ""}},
		{"appending transform does not overwrite the next event", func(ev *Event) error {
			ev.Data = append(ev.Data, 'Z')
			return nil
		},
			[]string{"data: a\n\ndata: b\n\n", "data: c\ndata: d\n\n"},
			[]string{"data: aZ\n\ndata: bZ\n\n", "data: c\ndata: dZ\n\n", ""}},
		{"data split across writes", upper,
			[]string{"id: 1\ndata: ab", "c\nda", "ta: de", "f\n", "\n"},
			[]string{"", "", "", "", "id: 1\ndata: ABC\ndata: DEF\n\n", ""}},
		{"data line after a pending block moved", upper,
			[]string{": x\ndata: 1\n\nevent: e\ndata: q", "q\n\n"},
			[]string{": x\ndata: 1\n\n", "event: e\ndata: QQ\n\n", ""}},
		{"byte at a time", upper,
			strings.Split("event: m\ndata: ab\n\n", ""),
			append(append(make([]string, len("event: m\ndata: ab\n")), "event: m\ndata: AB\n\n"), "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := feed(t, tt.transform, tt.chunks...)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestSSERewriterTransformSees(t *testing.T) {
	var seen []Event
	feed(t, func(ev *Event) error {
		seen = append(seen, Event{Name: ev.Name, ID: ev.ID, Retry: ev.Retry, Data: bytes.Clone(ev.Data)})
		return nil
	}, "event: endpoint\ndata: /messages?sessionId=1\n\n",
		"id: 5\ndata: {\"a\":\ndata: 1}\n\n",
		"retry: 3000\n\n",
		"event:\ndata\n\n")
	want := []Event{
		{Name: "endpoint", Data: []byte("/messages?sessionId=1")},
		{ID: "5", Data: []byte("{\"a\":\n1}")},
		{Retry: "3000"},
		{Data: []byte{}},
	}
	if len(seen) != len(want) {
		t.Fatalf("saw %d events, want %d", len(seen), len(want))
	}
	for i := range want {
		s, w := seen[i], want[i]
		if s.Name != w.Name || s.ID != w.ID || s.Retry != w.Retry || !bytes.Equal(s.Data, w.Data) || (s.Data == nil) != (w.Data == nil) {
			t.Errorf("event %d = %+v, want %+v", i, s, w)
		}
	}
}

func TestSSERewriterFlushes(t *testing.T) {
	var rec recorder
	w := NewSSERewriter(&rec, rec.flush, nil)
	write := func(s string) {
		t.Helper()
		if _, err := w.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	write("data: a")
	if rec.flushes != 0 || rec.writes != 0 {
		t.Fatalf("flushed or wrote before an event was complete")
	}
	write("\n\ndata: b\n\ndata: c\n\n")
	if rec.flushes != 1 || rec.writes != 1 {
		t.Errorf("%d writes and %d flushes for passthrough events in one Write, want 1 and 1", rec.writes, rec.flushes)
	}
	if _, err := w.Write(nil); err != nil || rec.flushes != 1 {
		t.Errorf("empty write: err %v, flushes %d", err, rec.flushes)
	}
	// A nil flush is allowed.
	w = NewSSERewriter(io.Discard, nil, upper)
	if _, err := w.Write([]byte("data: a\n\n")); err != nil {
		t.Fatal(err)
	}
}

func TestSSERewriterErrors(t *testing.T) {
	boom := errors.New("boom")
	w := NewSSERewriter(io.Discard, nil, func(*Event) error { return boom })
	if _, err := w.Write([]byte("data: a\n\n")); !errors.Is(err, boom) {
		t.Errorf("transform error: %v", err)
	}
	if _, err := w.Write([]byte("data: a\n\n")); !errors.Is(err, boom) {
		t.Errorf("error not sticky: %v", err)
	}
	if err := w.Close(); !errors.Is(err, boom) {
		t.Errorf("Close after error: %v", err)
	}

	w = NewSSERewriter(io.Discard, nil, func(ev *Event) error { ev.ID = "a\nb"; return nil })
	if _, err := w.Write([]byte("data: a\n\n")); err == nil {
		t.Error("an id with a line break was serialised")
	}

	var rec recorder
	w = NewSSERewriter(&rec, nil, nil)
	w.limit = 16
	if _, err := w.Write([]byte("data: 0123456789\n\n: a comment far longer than the limit\n")); err != nil {
		t.Errorf("complete events over the limit in one write: %v", err)
	}
	if _, err := w.Write([]byte("data: 0123456789X")); !errors.Is(err, ErrEventTooLarge) {
		t.Errorf("pending event over the limit: %v", err)
	}

	w = NewSSERewriter(io.Discard, nil, nil)
	w.limit = 16
	for range 3 {
		_, err := w.Write([]byte("data: 0123\n"))
		if err != nil {
			if !errors.Is(err, ErrEventTooLarge) {
				t.Errorf("err = %v", err)
			}
			return
		}
	}
	t.Error("an event growing over the limit was accepted")
}

func TestSSERewriterLargeEvent(t *testing.T) {
	big := "data: " + strings.Repeat("x", maxEventSize-100) + "\n\n"
	got := feed(t, upper, big[:len(big)/2], big[len(big)/2:])
	if len(got[1]) != len(big) || got[1][6] != 'X' {
		t.Errorf("large event: got %d bytes", len(got[1]))
	}

	w := NewSSERewriter(io.Discard, nil, nil)
	chunk := []byte("data: " + strings.Repeat("y", 1<<20) + "\n")
	var err error
	for i := 0; i < 10 && err == nil; i++ {
		_, err = w.Write(chunk)
	}
	if !errors.Is(err, ErrEventTooLarge) {
		t.Errorf("10 MiB event: err = %v", err)
	}
}

func TestSSERewriterWriteAfterClose(t *testing.T) {
	w := NewSSERewriter(io.Discard, nil, nil)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := w.Write([]byte("x")); err == nil {
		t.Error("Write after Close succeeded")
	}
}

func TestSSEReaderDoesNotWait(t *testing.T) {
	pr, pw := io.Pipe()
	r := NewSSEReader(pr, upper)
	go func() {
		_, _ = pw.Write([]byte("data: a\n\ndata: b"))
		// The rest comes only after the reader has seen the first event.
	}()
	buf := make([]byte, 4096)
	done := make(chan string)
	go func() {
		n, err := r.Read(buf)
		if err != nil {
			t.Errorf("Read: %v", err)
		}
		done <- string(buf[:n])
	}()
	select {
	case got := <-done:
		if got != "data: A\n\n" {
			t.Errorf("first Read = %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Read waited for more input after a complete event")
	}
	go func() {
		_, _ = pw.Write([]byte("\n\n: bye\ndata: tail"))
		_ = pw.Close()
	}()
	rest, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if string(rest) != "data: B\n\n: bye\n" { // the unfinished last event is dropped
		t.Errorf("rest = %q", rest)
	}
}

func TestSSEReaderSmallBuffers(t *testing.T) {
	in := "event: x\ndata: hello\n\n: c\ndata: world\n\ndata: end"
	r := NewSSEReader(iotestOneByte{strings.NewReader(in)}, upper)
	var out bytes.Buffer
	buf := make([]byte, 3)
	for {
		n, err := r.Read(buf)
		out.Write(buf[:n])
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if want := "event: x\ndata: HELLO\n\n: c\ndata: WORLD\n\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

func TestSSEReaderErrors(t *testing.T) {
	boom := errors.New("boom")
	r := NewSSEReader(strings.NewReader("data: a\n\ndata: b\n\n"), func(ev *Event) error {
		if string(ev.Data) == "b" {
			return boom
		}
		return nil
	})
	got, err := io.ReadAll(r)
	if !errors.Is(err, boom) || string(got) != "" {
		t.Errorf("got %q, %v", got, err)
	}

	r = NewSSEReader(io.MultiReader(strings.NewReader("data: a\n\n"), iotestErr{boom}), nil)
	got, err = io.ReadAll(r)
	if !errors.Is(err, boom) || string(got) != "data: a\n\n" {
		t.Errorf("got %q, %v", got, err)
	}
}

type iotestOneByte struct{ r io.Reader }

func (o iotestOneByte) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

type iotestErr struct{ err error }

func (e iotestErr) Read([]byte) (int, error) { return 0, e.err }

// refEvent is what an EventSource makes of one block of field lines
// ended by a blank line (dispatched only when dispatched is true).
type refEvent struct {
	typ, data, lastID, retry string
	dispatched               bool
}

// refParse parses an event stream the way the WHATWG EventSource
// algorithm does, independently of SSERewriter.
func refParse(b []byte) []refEvent {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	var (
		out                     []refEvent
		typ, data, idBuf, retry string
		dispatch, fields        bool
	)
	for {
		i := bytes.IndexAny(b, "\r\n")
		if i < 0 {
			return out // an incomplete line or event at EOF is discarded
		}
		line := string(b[:i])
		if b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n' {
			b = b[i+2:]
		} else {
			b = b[i+1:]
		}
		if line == "" {
			if fields {
				if typ == "" {
					typ = "message"
				}
				out = append(out, refEvent{typ, strings.TrimSuffix(data, "\n"), idBuf, retry, dispatch})
			}
			typ, data, retry, dispatch, fields = "", "", "", false, false
			continue
		}
		if line[0] == ':' {
			continue
		}
		fields = true
		name, value, found := strings.Cut(line, ":")
		if found {
			value = strings.TrimPrefix(value, " ")
		}
		switch name {
		case "event":
			typ = value
		case "data":
			data += value + "\n"
			dispatch = true
		case "id":
			if !strings.ContainsRune(value, 0) {
				idBuf = value
			}
		case "retry":
			if value != "" && strings.Trim(value, "0123456789") == "" {
				retry = value
			}
		}
	}
}
