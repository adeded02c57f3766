package proxy

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner is a strict, allocation-free JSON scanner over one buffer, for
// Inspect and FilterToolsResult. It validates the grammar of RFC 8259
// exactly and decodes only the strings its callers ask for. Recursion is
// bounded by maxDepth; the work by the input's length.
type scanner struct {
	data     []byte
	pos      int
	maxDepth int
	// strictUTF8 refuses invalid UTF-8 inside strings (outside strings the
	// grammar allows only ASCII anyway).
	strictUTF8 bool
	// buf holds the last decoded string that had escapes.
	buf []byte
	// semErr is the first semantic (not syntax) error, reported only if
	// the input turns out to be syntactically valid.
	semErr *InspectError
}

func (s *scanner) syntaxErr(msg string) error {
	return &InspectError{Code: CodeParseError, Message: msg + " at offset " + strconv.Itoa(s.pos)}
}

func (s *scanner) tooDeep() error {
	return &InspectError{Code: CodeInvalidRequest, Message: "nesting deeper than " + strconv.Itoa(s.maxDepth)}
}

// invalid records a semantic error unless one is recorded already.
func (s *scanner) invalid(code int, msg string) {
	if s.semErr == nil {
		s.semErr = &InspectError{Code: code, Message: msg}
	}
}

func (s *scanner) skipWS() {
	data, i := s.data, s.pos
	for i < len(data) && data[i] <= ' ' && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	s.pos = i
}

// next consumes the separator after a member or element: true after a
// comma (with the next key or value ahead), false after end.
func (s *scanner) next(end byte) (bool, error) {
	s.skipWS()
	if s.pos == len(s.data) {
		return false, s.syntaxErr("unexpected end of input")
	}
	switch s.data[s.pos] {
	case ',':
		s.pos++
		s.skipWS()
		return true, nil
	case end:
		s.pos++
		return false, nil
	}
	return false, s.syntaxErr("expected ',' or '" + string(end) + "'")
}

// key scans an object key and the colon after it, returning the decoded
// key (valid until the next decode) with s.pos at the value.
func (s *scanner) key() ([]byte, error) {
	if s.pos == len(s.data) || s.data[s.pos] != '"' {
		return nil, s.syntaxErr("expected a string key")
	}
	start, end, esc, err := s.scanString()
	if err != nil {
		return nil, err
	}
	key := s.data[start:end]
	if esc {
		key, _ = s.decode(key)
	}
	s.skipWS()
	if s.pos == len(s.data) || s.data[s.pos] != ':' {
		return nil, s.syntaxErr("expected ':'")
	}
	s.pos++
	s.skipWS()
	return key, nil
}

// stringValue scans a string value and decodes it; clean is false when it
// holds U+0000 or an unpaired surrogate.
func (s *scanner) stringValue() (v []byte, clean bool, err error) {
	start, end, esc, err := s.scanString()
	if err != nil {
		return nil, false, err
	}
	if !esc {
		return s.data[start:end], true, nil
	}
	v, clean = s.decode(s.data[start:end])
	return v, clean, nil
}

// scanString validates the string at s.pos (an opening quote) and returns
// the bounds of its contents; esc tells whether they hold escapes.
func (s *scanner) scanString() (start, end int, esc bool, err error) {
	data := s.data
	i := s.pos + 1
	start = i
	for i < len(data) {
		// Most bytes are plain ASCII: skip them eight at a time.
		c := data[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\' {
			i++
			continue
		}
		switch {
		case c == '"':
			s.pos = i + 1
			return start, i, esc, nil
		case c == '\\':
			esc = true
			if i+1 == len(data) {
				s.pos = i
				return 0, 0, false, s.syntaxErr("unterminated string")
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(data) || !isHex4(data[i+2:i+6]) {
					s.pos = i
					return 0, 0, false, s.syntaxErr(`invalid \u escape`)
				}
				i += 6
			default:
				s.pos = i
				return 0, 0, false, s.syntaxErr("invalid escape")
			}
		case c < 0x20:
			s.pos = i
			return 0, 0, false, s.syntaxErr("control character in string")
		case c < utf8.RuneSelf || !s.strictUTF8:
			i++
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				s.pos = i
				return 0, 0, false, s.syntaxErr("invalid UTF-8")
			}
			i += size
		}
	}
	s.pos = i
	return 0, 0, false, s.syntaxErr("unterminated string")
}

func isHex4(b []byte) bool {
	for _, c := range b[:4] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case c <= '9':
			c -= '0'
		case c <= 'F':
			c -= 'A' - 10
		default:
			c -= 'a' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// decode decodes the escapes of a string already validated by scanString.
// The result lives in s.buf until the next call. clean is false when the
// string holds U+0000 or an unpaired surrogate (which becomes U+FFFD here,
// as in encoding/json, but stays a surrogate in JavaScript or Python).
func (s *scanner) decode(raw []byte) (out []byte, clean bool) {
	b := s.buf[:0]
	clean = true
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		switch raw[i+1] {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r := hex4(raw[i+2:])
			i += 6
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if r < 0xdc00 && i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					r2 = hex4(raw[i+2:])
				}
				if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
					r = d
					i += 6
				} else {
					r = utf8.RuneError
					clean = false
				}
			}
			if r == 0 {
				clean = false
			}
			b = utf8.AppendRune(b, r)
			continue
		default: // '"', '\\', '/'
			b = append(b, raw[i+1])
		}
		i += 2
	}
	s.buf = b
	return b, clean
}

// skipValue validates the value at s.pos and moves past it; depth is the
// nesting level a container here would have.
func (s *scanner) skipValue(depth int) error {
	if s.pos == len(s.data) {
		return s.syntaxErr("unexpected end of input")
	}
	switch c := s.data[s.pos]; c {
	case '"':
		_, _, _, err := s.scanString()
		return err
	case '{':
		return s.skipObject(depth)
	case '[':
		return s.skipArray(depth)
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		if c == '-' || '0' <= c && c <= '9' {
			return s.number()
		}
	}
	return s.syntaxErr("unexpected character")
}

func (s *scanner) skipObject(depth int) error {
	if depth > s.maxDepth {
		return s.tooDeep()
	}
	s.pos++ // '{'
	s.skipWS()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		return nil
	}
	for {
		if s.pos == len(s.data) || s.data[s.pos] != '"' {
			return s.syntaxErr("expected a string key")
		}
		if _, _, _, err := s.scanString(); err != nil {
			return err
		}
		s.skipWS()
		if s.pos == len(s.data) || s.data[s.pos] != ':' {
			return s.syntaxErr("expected ':'")
		}
		s.pos++
		s.skipWS()
		if err := s.skipValue(depth + 1); err != nil {
			return err
		}
		more, err := s.next('}')
		if err != nil || !more {
			return err
		}
	}
}

func (s *scanner) skipArray(depth int) error {
	if depth > s.maxDepth {
		return s.tooDeep()
	}
	s.pos++ // '['
	s.skipWS()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		return nil
	}
	for {
		if err := s.skipValue(depth + 1); err != nil {
			return err
		}
		more, err := s.next(']')
		if err != nil || !more {
			return err
		}
	}
}

func (s *scanner) literal(lit string) error {
	if len(s.data)-s.pos < len(lit) || string(s.data[s.pos:s.pos+len(lit)]) != lit {
		return s.syntaxErr("invalid literal")
	}
	s.pos += len(lit)
	return nil
}

// number scans a number with RFC 8259's grammar (no leading zeros, no
// leading '+', digits after '.' and exponent).
func (s *scanner) number() error {
	data, i := s.data, s.pos
	if data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && '1' <= data[i] && data[i] <= '9':
		i = digits(data, i+1)
	default:
		s.pos = i
		return s.syntaxErr("invalid number")
	}
	if i < len(data) && data[i] == '.' {
		j := digits(data, i+1)
		if j == i+1 {
			s.pos = j
			return s.syntaxErr("invalid number")
		}
		i = j
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		j := digits(data, i)
		if j == i {
			s.pos = j
			return s.syntaxErr("invalid number")
		}
		i = j
	}
	s.pos = i
	return nil
}

func digits(data []byte, i int) int {
	for i < len(data) && '0' <= data[i] && data[i] <= '9' {
		i++
	}
	return i
}
