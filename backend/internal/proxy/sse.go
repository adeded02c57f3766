package proxy

import (
	"bytes"
	"errors"
	"io"
	"strings"
)

// maxEventSize bounds the bytes held for one event (its lines so far), so
// that an upstream cannot make the gateway buffer without limit.
const maxEventSize = 8 << 20

// shrinkAbove is the capacity beyond which an idle buffer is released:
// thousands of idle streams must not each keep the largest event they saw.
const shrinkAbove = 16 << 10

// ErrEventTooLarge is returned when one event (or line) of a stream
// exceeds 8 MiB.
var ErrEventTooLarge = errors.New("sse: event larger than 8 MiB")

// errClosed is returned by Write after Close.
var errClosed = errors.New("sse: write after close")

// Event is one server-sent event, as SSERewriter hands it to the transform.
// A transform changes an event by assigning its fields; it must not modify
// Data in place (assign a new slice instead), since an unchanged event is
// passed on as its original bytes.
type Event struct {
	// Name is the event type (the "event" field); empty means "message".
	Name string
	// ID is the "id" field, the client's next Last-Event-ID.
	ID string
	// Retry is the "retry" field (ASCII digits); empty when absent.
	Retry string
	// Data is the "data" lines joined by "\n"; nil when there were none.
	Data []byte

	hasID   bool // an "id" field was present, maybe empty (which resets the client's last event ID)
	hasData bool // a "data" field was present, maybe empty (which still dispatches an event)
}

// SSERewriter is an io.Writer that parses a text/event-stream written to
// it and writes each event to dst, through transform, as soon as the blank
// line ending it has been written: it never waits for more input. Lines
// may end in "\n", "\r\n" or "\r" (even split across writes). An event the
// transform leaves unchanged is written as its original bytes; a changed
// one is re-serialised (event, id, retry, then one data line per line of
// Data; comments inside it and unknown fields are dropped). Comments and
// blank lines between events pass through as they are.
//
// All the output of one Write is written to dst with as few writes as
// possible and then flush (if not nil) is called once. Memory is bounded:
// an event larger than 8 MiB fails with ErrEventTooLarge. Close drops a
// final incomplete event, as an EventSource does: passed on as it is it
// would escape the transform (a tools/list result, unfiltered, for a
// lenient client to read). Errors are sticky. An SSERewriter is not safe for concurrent use.
type SSERewriter struct {
	dst       io.Writer
	flush     func()
	transform func(*Event) error
	limit     int

	// pend is the pending block: the complete lines of an event not yet
	// ended, then a partial line. Between events it holds only the partial
	// line, usually nothing.
	pend []byte
	line int // start of the partial line in pend
	scan int // where the search for the partial line's end resumes in pend

	fields  bool // pend holds a field line, so it is an event, not comments
	crEnd   bool // the last write ended in CR: a LF first in the next one belongs to that line ending
	started bool // a line has been read (only the first may begin with a BOM)
	ev      Event
	// A single data line, the usual case, is not copied: its value is
	// block[dataOff:dataEnd] (offsets in the pending block, which stay
	// valid when the block moves into pend). More lines are joined in data.
	dataLines        int
	dataOff, dataEnd int
	data             []byte
	out              []byte // the storage of a re-serialised event
	err              error
}

// NewSSERewriter returns an SSERewriter writing to dst; flush and transform
// may be nil (a nil transform changes nothing).
func NewSSERewriter(dst io.Writer, flush func(), transform func(ev *Event) error) *SSERewriter {
	return &SSERewriter{dst: dst, flush: flush, transform: transform, limit: maxEventSize}
}

// Write parses p and writes every event it completes.
func (w *SSERewriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n := len(p)
	if n == 0 {
		return 0, nil
	}
	// data[pass:start] is output not yet written; data[start:] is the
	// pending block; data[line:] is the partial line.
	var data []byte
	pass, start, line, scan := 0, 0, 0, 0
	inPend := len(w.pend) > 0
	if !inPend {
		data = p
		if w.crEnd && p[0] == '\n' {
			start, line, scan = 1, 1, 1 // the rest of a CRLF: output, not a blank line
		}
	} else {
		if w.crEnd && p[0] == '\n' {
			// The rest of a CRLF ending a line of the pending event.
			w.pend = append(w.pend, '\n')
			w.line++
			w.scan++
			p = p[1:]
		}
		w.pend = append(w.pend, p...)
		data = w.pend
		line, scan = w.line, w.scan
	}
	w.crEnd = false
	wrote := false

	for {
		end, next, ok := lineEnd(data, scan)
		if !ok {
			scan = len(data)
			break
		}
		if next == len(data) && next == end+1 && data[end] == '\r' {
			w.crEnd = true
		}
		l := data[line:end]
		if !w.started {
			w.started = true
			l = bytes.TrimPrefix(l, []byte("\xef\xbb\xbf"))
		}
		switch {
		case len(l) == 0:
			if w.fields {
				rewritten, err := w.dispatch(data[start:])
				if err != nil {
					w.err = err
					return 0, err
				}
				if rewritten != nil {
					if err := w.write(data[pass:start], rewritten); err != nil {
						return 0, err
					}
					wrote = true
					pass = next
				}
			}
			start = next
		case l[0] == ':':
			if !w.fields {
				start = next
			}
		default:
			w.field(data[start:], end-len(l)-start, end-start)
			w.fields = true
		}
		line, scan = next, next
	}

	if pass < start {
		if err := w.write(data[pass:start], nil); err != nil {
			return 0, err
		}
		wrote = true
	}
	rest := data[start:]
	if len(rest) > w.limit {
		w.err = ErrEventTooLarge
		return 0, w.err
	}
	if inPend {
		if start > 0 {
			w.pend = w.pend[:copy(w.pend, rest)]
		}
	} else {
		w.pend = append(w.pend, rest...)
	}
	w.line, w.scan = line-start, scan-start
	if len(w.pend) == 0 && cap(w.pend) > shrinkAbove {
		w.pend = nil
	}
	if wrote && w.flush != nil {
		w.flush()
	}
	return n, nil
}

// Close drops a final incomplete event (see SSERewriter); later writes
// fail.
func (w *SSERewriter) Close() error {
	if w.err != nil {
		if w.err == errClosed {
			return nil
		}
		return w.err
	}
	w.err = errClosed
	w.pend = nil
	return nil
}

func (w *SSERewriter) write(a, b []byte) error {
	for _, s := range [2][]byte{a, b} {
		if len(s) == 0 {
			continue
		}
		if _, err := w.dst.Write(s); err != nil {
			w.err = err
			return err
		}
	}
	return nil
}

// lineEnd finds the end of the line that continues at data[scan:]: end is
// where its terminator starts and next where the following line starts.
// A CR as the last byte ends the line; a LF arriving later is skipped by
// Write.
func lineEnd(data []byte, scan int) (end, next int, ok bool) {
	seg := data[scan:]
	nl := bytes.IndexByte(seg, '\n')
	var cr int
	if nl < 0 {
		cr = bytes.IndexByte(seg, '\r')
	} else {
		cr = bytes.IndexByte(seg[:nl], '\r')
	}
	switch {
	case cr >= 0:
		end = scan + cr
		next = end + 1
		if next < len(data) && data[next] == '\n' {
			next++
		}
		return end, next, true
	case nl >= 0:
		end = scan + nl
		return end, end + 1, true
	}
	return 0, 0, false
}

// field applies the field line block[off:end] to the pending event, as the
// EventSource parser does (so that re-serialising keeps the event's
// meaning).
func (w *SSERewriter) field(block []byte, off, end int) {
	l := block[off:end]
	name, value, voff := l, []byte(nil), end
	if i := bytes.IndexByte(l, ':'); i >= 0 {
		name, value, voff = l[:i], l[i+1:], off+i+1
		if len(value) > 0 && value[0] == ' ' {
			value, voff = value[1:], voff+1
		}
	}
	switch string(name) {
	case "event":
		w.ev.Name = eventName(value)
	case "data":
		switch w.dataLines {
		case 0:
			w.dataOff, w.dataEnd = voff, end
		case 1:
			w.data = append(append(w.data[:0], block[w.dataOff:w.dataEnd]...), '\n')
			w.data = append(w.data, value...)
		default:
			w.data = append(append(w.data, '\n'), value...)
		}
		w.dataLines++
		w.ev.hasData = true
	case "id":
		// A client ignores an id containing NUL.
		if bytes.IndexByte(value, 0) < 0 {
			w.ev.ID = string(value)
			w.ev.hasID = true
		}
	case "retry":
		// A client ignores a retry that is not all digits.
		if len(value) > 0 && len(bytes.Trim(value, "0123456789")) == 0 {
			w.ev.Retry = string(value)
		}
	}
}

// eventName returns the common event names without allocating.
func eventName(b []byte) string {
	switch string(b) {
	case "message":
		return "message"
	case "endpoint":
		return "endpoint"
	}
	return string(b)
}

// dispatch runs the transform on the pending event (whose lines start
// block) and resets it; it returns the re-serialised event, or nil when
// the event is unchanged.
func (w *SSERewriter) dispatch(block []byte) ([]byte, error) {
	ev := &w.ev
	switch {
	case w.dataLines == 1:
		// Capped, so that an append by the transform cannot overwrite
		// the stream's bytes after it.
		ev.Data = block[w.dataOff:w.dataEnd:w.dataEnd]
	case w.dataLines > 1:
		ev.Data = w.data
	}
	orig := *ev
	var (
		out []byte
		err error
	)
	if w.transform != nil {
		err = w.transform(ev)
	}
	if err == nil && (ev.Name != orig.Name || ev.ID != orig.ID || ev.Retry != orig.Retry || !bytes.Equal(ev.Data, orig.Data)) {
		out, err = w.serialise(ev)
	}
	w.ev = Event{}
	w.fields = false
	w.dataLines = 0
	w.data = w.data[:0]
	if cap(w.data) > shrinkAbove {
		w.data = nil
	}
	return out, err
}

// serialise writes ev in the canonical form into w.out.
func (w *SSERewriter) serialise(ev *Event) ([]byte, error) {
	if strings.ContainsAny(ev.Name, "\r\n") || strings.ContainsAny(ev.ID, "\r\n") || strings.ContainsAny(ev.Retry, "\r\n") {
		return nil, errors.New("sse: event name, id or retry contains a line break")
	}
	b := w.out[:0]
	if ev.Name != "" {
		b = append(append(append(b, "event: "...), ev.Name...), '\n')
	}
	if ev.ID != "" || ev.hasID {
		b = append(append(append(b, "id: "...), ev.ID...), '\n')
	}
	if ev.Retry != "" {
		b = append(append(append(b, "retry: "...), ev.Retry...), '\n')
	}
	if len(ev.Data) > 0 || ev.hasData {
		d := ev.Data
		for {
			end, next, ok := lineEnd(d, 0)
			if !ok {
				end, next = len(d), len(d)
			}
			b = append(append(append(b, "data: "...), d[:end]...), '\n')
			if !ok {
				break
			}
			d = d[next:]
		}
	}
	b = append(b, '\n')
	w.out = b
	if cap(w.out) > shrinkAbove {
		w.out = nil // b stays valid for the caller
	}
	return b, nil
}

// NewSSEReader returns a reader of the event stream read from src, with
// each event rewritten by transform as SSERewriter does. Read returns as
// soon as an event (or comment) is complete, without waiting to fill the
// buffer, so that relay can pass each event on at once. Reading src to io.EOF drops a final incomplete event; a rewriting error ends the stream with that error.
func NewSSEReader(src io.Reader, transform func(ev *Event) error) io.Reader {
	return newSSEReader(src, transform)
}

func newSSEReader(src io.Reader, transform func(ev *Event) error) *sseReader {
	r := &sseReader{src: src}
	r.rw = NewSSERewriter(r, nil, transform)
	return r
}

// ready reports whether Read returns without reading src: rewritten bytes
// or the stream's end are waiting.
func (r *sseReader) ready() bool { return r.off < len(r.out) || r.err != nil }

type sseReader struct {
	src io.Reader
	rw  *SSERewriter
	out []byte // rewritten bytes; out[off:] not read yet
	off int
	err error
}

// Write collects the rewriter's output.
func (r *sseReader) Write(p []byte) (int, error) {
	r.out = append(r.out, p...)
	return len(p), nil
}

func (r *sseReader) Read(p []byte) (int, error) {
	for r.off == len(r.out) {
		if r.err != nil {
			return 0, r.err
		}
		if len(p) == 0 {
			return 0, nil
		}
		r.out, r.off = r.out[:0], 0
		if cap(r.out) > shrinkAbove {
			r.out = nil
		}
		// Read into p: the rewriter copies what it keeps before p is
		// overwritten below, so the reader needs no buffer of its own.
		n, err := r.src.Read(p)
		if n > 0 {
			if _, werr := r.rw.Write(p[:n]); werr != nil {
				r.err = werr
			}
		}
		if err != nil && r.err == nil {
			r.err = err
			if errors.Is(err, io.EOF) {
				if cerr := r.rw.Close(); cerr != nil {
					r.err = cerr
				}
			}
		}
	}
	n := copy(p, r.out[r.off:])
	r.off += n
	return n, nil
}
