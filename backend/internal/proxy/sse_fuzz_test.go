package proxy

import (
	"bytes"
	"io"
	"math/rand/v2"
	"reflect"
	"testing"
)

// chunks splits b into pieces of random sizes (1 to 16 bytes, sometimes
// much larger) drawn from seed.
func chunks(b []byte, seed uint64) [][]byte {
	rng := rand.New(rand.NewPCG(seed, seed>>1|1))
	var out [][]byte
	for len(b) > 0 {
		n := 1 + rng.IntN(16)
		if rng.IntN(8) == 0 {
			n = 1 + rng.IntN(256)
		}
		n = min(n, len(b))
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

// chunkReader returns its chunks one Read at a time.
type chunkReader struct{ c [][]byte }

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.c) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.c[0])
	if r.c[0] = r.c[0][n:]; len(r.c[0]) == 0 {
		r.c = r.c[1:]
	}
	return n, nil
}

func rewrite(t *testing.T, in [][]byte, transform func(*Event) error) []byte {
	var out bytes.Buffer
	w := NewSSERewriter(&out, nil, transform)
	for _, c := range in {
		if _, err := w.Write(c); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return out.Bytes()
}

func FuzzSSERewriter(f *testing.F) {
	for _, s := range []string{
		"event: endpoint\ndata: /messages?sessionId=1\n\n",
		"id: 1\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\n: ping\r\n\r\n",
		"data: a\r\rdata: b\r\n\rretry: 100\n\n",
		"\xef\xbb\xbfdata: x\n\nid\nevent:\ndata\n\nfoo\n\n:\n",
		"data: unfinished\ndata",
		"id: a\x00b\nretry: 1x\nretry: 20\ndata:  lead\n\n\r\n\n",
	} {
		f.Add([]byte(s), uint64(1))
	}
	f.Fuzz(func(t *testing.T, stream []byte, seed uint64) {
		in := chunks(stream, seed)

		// The identity transform passes every byte on unchanged, but for
		// a final incomplete event, which is dropped.
		whole := refParse(stream)
		if out := rewrite(t, in, func(*Event) error { return nil }); !bytes.HasPrefix(stream, out) || !reflect.DeepEqual(refParse(out), whole) {
			t.Fatalf("identity changed the stream:\n in %q\nout %q", stream, out)
		}
		r := NewSSEReader(&chunkReader{c: chunks(stream, seed+1)}, nil)
		if out, err := io.ReadAll(r); err != nil || !bytes.HasPrefix(stream, out) || !reflect.DeepEqual(refParse(out), whole) {
			t.Fatalf("identity reader changed the stream (%v):\n in %q\nout %q", err, stream, out)
		}

		// A transform that changes every event forces re-serialisation;
		// an EventSource must see the same events, changed the same way.
		out := rewrite(t, in, func(ev *Event) error {
			ev.Data = append(bytes.Clone(ev.Data), 'x')
			return nil
		})
		want := refParse(stream)
		for i := range want {
			want[i].data += "x"
			want[i].dispatched = true
		}
		got := refParse(out)
		if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("events differ:\n in %q\nout %q\ngot  %+v\nwant %+v", stream, out, got, want)
		}
	})
}
