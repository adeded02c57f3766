package proxy

// maxFilterDepth bounds nesting in an upstream's response; tool input
// schemas nest deeper than requests, and refusing one would break the
// whole tools/list.
const maxFilterDepth = 512

// FilterToolsResult removes from msg (one JSON-RPC message or a batch) the
// tools the caller may not see: in every response whose result is an
// object with a tools array, an entry is kept only if allow accepts its
// name. The match is on shape, not on the request's method, because the
// legacy SSE transport delivers results on another HTTP request than the
// one that asked.
//
// Only the tools arrays are rebuilt (from the kept entries' own bytes);
// everything else is copied byte for byte, and when nothing is removed msg
// itself is returned with changed false. The filter fails closed against
// a client decoder that matches keys case-insensitively (Go's
// encoding/json): every key that folds to "result" or "tools" is filtered,
// and an entry is dropped unless it has exactly one key folding to "name",
// spelled "name", whose value is a string without U+0000 or unpaired
// surrogates. Invalid UTF-8 is passed through; a syntax error is returned
// as an *InspectError with CodeParseError (the caller decides whether to
// drop the message).
func FilterToolsResult(msg []byte, allow func(tool string) bool) (out []byte, changed bool, err error) {
	f := toolFilter{scanner: scanner{data: msg, maxDepth: maxFilterDepth}, allow: allow}
	s := &f.scanner
	s.skipWS()
	if s.pos == len(msg) {
		return nil, false, s.syntaxErr("empty message")
	}
	switch msg[s.pos] {
	case '{':
		err = f.message(1)
	case '[':
		err = f.batch()
	default:
		err = s.skipValue(1)
	}
	if err == nil {
		s.skipWS()
		if s.pos != len(msg) {
			err = s.syntaxErr("data after the JSON value")
		}
	}
	if err != nil {
		return nil, false, err
	}
	if f.out == nil {
		return msg, false, nil
	}
	return append(f.out, msg[f.last:]...), true, nil
}

type toolFilter struct {
	scanner
	allow func(string) bool
	// out is the output so far, nil until a tool is removed; msg[last:]
	// is not copied yet.
	out  []byte
	last int
	// kept are the bounds of the kept entries of the current tools array.
	kept []span
}

type span struct{ start, end int }

func (f *toolFilter) batch() error {
	s := &f.scanner
	s.pos++ // '['
	s.skipWS()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		return nil
	}
	for {
		var err error
		if s.pos < len(s.data) && s.data[s.pos] == '{' {
			err = f.message(2)
		} else {
			err = s.skipValue(2)
		}
		if err != nil {
			return err
		}
		more, err := s.next(']')
		if err != nil || !more {
			return err
		}
	}
}

func (f *toolFilter) message(depth int) error {
	s := &f.scanner
	return f.scanner.members(depth, func(key []byte) error {
		if s.data[s.pos] == '{' && (string(key) == "result" || foldEqual(key, "result")) {
			return f.result(depth + 1)
		}
		return s.skipValue(depth + 1)
	})
}

func (f *toolFilter) result(depth int) error {
	s := &f.scanner
	return f.scanner.members(depth, func(key []byte) error {
		if s.data[s.pos] == '[' && (string(key) == "tools" || foldEqual(key, "tools")) {
			return f.tools(depth + 1)
		}
		return s.skipValue(depth + 1)
	})
}

// tools filters the tools array at s.pos.
func (f *toolFilter) tools(depth int) error {
	s := &f.scanner
	if depth > s.maxDepth {
		return s.tooDeep()
	}
	open := s.pos
	s.pos++ // '['
	s.skipWS()
	f.kept = f.kept[:0]
	removed := false
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		return nil
	}
	for {
		if s.pos == len(s.data) {
			return s.syntaxErr("unterminated array")
		}
		start := s.pos
		keep := false
		var err error
		if s.data[start] == '{' {
			keep, err = f.entry(depth + 1)
		} else {
			err = s.skipValue(depth + 1)
		}
		if err != nil {
			return err
		}
		if keep {
			f.kept = append(f.kept, span{start, s.pos})
		} else {
			removed = true
		}
		more, err := s.next(']')
		if err != nil {
			return err
		}
		if !more {
			break
		}
	}
	if !removed {
		return nil
	}
	if f.out == nil {
		f.out = make([]byte, 0, len(s.data))
	}
	f.out = append(f.out, s.data[f.last:open]...)
	f.out = append(f.out, '[')
	for i, k := range f.kept {
		if i > 0 {
			f.out = append(f.out, ',')
		}
		f.out = append(f.out, s.data[k.start:k.end]...)
	}
	f.out = append(f.out, ']')
	f.last = s.pos
	return nil
}

// entry scans one tool object and reports whether to keep it.
func (f *toolFilter) entry(depth int) (bool, error) {
	s := &f.scanner
	var (
		names, variants int
		str             bool
		start, end      int
		esc             bool
	)
	err := f.scanner.members(depth, func(key []byte) error {
		if string(key) != "name" {
			if foldEqual(key, "name") {
				variants++
			}
			return s.skipValue(depth + 1)
		}
		names++
		if s.data[s.pos] != '"' {
			str = false
			return s.skipValue(depth + 1)
		}
		var err error
		start, end, esc, err = s.scanString()
		str = true
		return err
	})
	if err != nil || names != 1 || variants != 0 || !str {
		return false, err
	}
	name := s.data[start:end]
	if esc {
		var clean bool
		if name, clean = s.decode(name); !clean {
			return false, nil
		}
	}
	return f.allow(string(name)), nil
}
