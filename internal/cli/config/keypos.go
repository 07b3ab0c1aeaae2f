package config

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// Pos is a 1-based line and column (in characters) in a config file.
type Pos struct {
	Line, Col int
}

// IsValid reports whether p points somewhere.
func (p Pos) IsValid() bool { return p.Line > 0 }

// keyIndex maps a TOML key path to the position of its first definition
// (the key's own token: for "a.b = 1" inside [t], "t.a" is the position
// of "a" and "t.a.b" that of "b").
//
// BurntSushi/toml keeps key positions private, so the config loader scans
// the (already successfully parsed) document again with the small lexer
// below. It only has to follow valid TOML; on anything unexpected it stops
// and keeps what it found, so a position may be missing but never wrong.
type keyIndex struct {
	src        []byte
	lineStarts []int
	offsets    map[string]int
}

// pathKey joins key parts into a map key.
func pathKey(parts ...string) string { return strings.Join(parts, "\x00") }

// indexKeys scans src and returns its key index.
func indexKeys(src []byte) *keyIndex {
	ki := &keyIndex{src: src, offsets: make(map[string]int), lineStarts: []int{0}}
	for i, c := range src {
		if c == '\n' {
			ki.lineStarts = append(ki.lineStarts, i+1)
		}
	}
	s := &keyScanner{src: src, out: ki.offsets}
	s.document()
	return ki
}

// pos returns the position of the key path, or of its longest defined
// prefix, or the zero Pos.
func (ki *keyIndex) pos(path ...string) Pos {
	for n := len(path); n > 0; n-- {
		if off, ok := ki.offsets[pathKey(path[:n]...)]; ok {
			return ki.offsetPos(off)
		}
	}
	return Pos{}
}

// exact returns the position of exactly this key path.
func (ki *keyIndex) exact(path ...string) (Pos, bool) {
	off, ok := ki.offsets[pathKey(path...)]
	if !ok {
		return Pos{}, false
	}
	return ki.offsetPos(off), true
}

func (ki *keyIndex) offsetPos(off int) Pos {
	line := sort.Search(len(ki.lineStarts), func(i int) bool { return ki.lineStarts[i] > off }) - 1
	start := ki.lineStarts[line]
	return Pos{Line: line + 1, Col: utf8.RuneCount(ki.src[start:off]) + 1}
}

// keyScanner is a lexer for valid TOML that records key offsets.
type keyScanner struct {
	src   []byte
	i     int
	table []string
	out   map[string]int
	bad   bool
}

func (s *keyScanner) peek(n int) byte {
	if s.i+n < len(s.src) {
		return s.src[s.i+n]
	}
	return 0
}

func (s *keyScanner) eof() bool { return s.bad || s.i >= len(s.src) }

func (s *keyScanner) record(path []string, off int) {
	k := pathKey(path...)
	if _, ok := s.out[k]; !ok {
		s.out[k] = off
	}
}

// skipSpace skips blanks and, with newlines, line breaks and comments.
func (s *keyScanner) skipSpace(newlines bool) {
	for !s.eof() {
		switch c := s.src[s.i]; {
		case c == ' ' || c == '\t':
			s.i++
		case c == '#':
			for !s.eof() && s.src[s.i] != '\n' {
				s.i++
			}
		case newlines && (c == '\n' || c == '\r'):
			s.i++
		default:
			return
		}
	}
}

func (s *keyScanner) document() {
	for {
		s.skipSpace(true)
		if s.eof() {
			return
		}
		if s.src[s.i] == '[' {
			s.i++
			end := "]"
			if s.peek(0) == '[' {
				s.i++
				end = "]]"
			}
			key := s.key(nil)
			s.skipSpace(false)
			if s.bad || !strings.HasPrefix(string(s.src[s.i:min(len(s.src), s.i+len(end))]), end) {
				return
			}
			s.i += len(end)
			s.table = key
			continue
		}
		key := s.key(s.table)
		s.skipSpace(false)
		if s.eof() || s.src[s.i] != '=' {
			return
		}
		s.i++
		s.skipSpace(false)
		s.value(key)
		if s.bad {
			return
		}
	}
}

// key parses a dotted key, records every part under prefix and returns
// the full path.
func (s *keyScanner) key(prefix []string) []string {
	path := append([]string(nil), prefix...)
	for {
		s.skipSpace(false)
		if s.eof() {
			s.bad = true
			return path
		}
		off := s.i
		part, ok := s.keyPart()
		if !ok {
			s.bad = true
			return path
		}
		path = append(path, part)
		s.record(path, off)
		s.skipSpace(false)
		if s.eof() || s.src[s.i] != '.' {
			return path
		}
		s.i++
	}
}

func isBare(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

func (s *keyScanner) keyPart() (string, bool) {
	switch s.src[s.i] {
	case '"':
		start := s.i
		if !s.basicString() {
			return "", false
		}
		return unquoteBasic(s.src[start+1 : s.i-1]), true
	case '\'':
		start := s.i
		if !s.literalString() {
			return "", false
		}
		return string(s.src[start+1 : s.i-1]), true
	}
	start := s.i
	for !s.eof() && isBare(s.src[s.i]) {
		s.i++
	}
	return string(s.src[start:s.i]), s.i > start
}

// basicString consumes "..." or """...""".
func (s *keyScanner) basicString() bool {
	if s.peek(1) == '"' && s.peek(2) == '"' {
		s.i += 3
		for !s.eof() {
			switch s.src[s.i] {
			case '\\':
				s.i += 2
			case '"':
				if s.peek(1) == '"' && s.peek(2) == '"' {
					s.i += 3
					for n := 0; n < 2 && s.peek(0) == '"'; n++ {
						s.i++
					}
					return true
				}
				s.i++
			default:
				s.i++
			}
		}
		return false
	}
	s.i++
	for !s.eof() {
		switch s.src[s.i] {
		case '\\':
			s.i += 2
		case '"':
			s.i++
			return true
		case '\n':
			return false
		default:
			s.i++
		}
	}
	return false
}

// literalString consumes '...' or ”'...”'.
func (s *keyScanner) literalString() bool {
	if s.peek(1) == '\'' && s.peek(2) == '\'' {
		s.i += 3
		for !s.eof() {
			if s.src[s.i] == '\'' && s.peek(1) == '\'' && s.peek(2) == '\'' {
				s.i += 3
				for n := 0; n < 2 && s.peek(0) == '\''; n++ {
					s.i++
				}
				return true
			}
			s.i++
		}
		return false
	}
	s.i++
	for !s.eof() {
		switch s.src[s.i] {
		case '\'':
			s.i++
			return true
		case '\n':
			return false
		}
		s.i++
	}
	return false
}

// value consumes one value; inline tables record their keys under path.
func (s *keyScanner) value(path []string) {
	if s.eof() {
		s.bad = true
		return
	}
	switch s.src[s.i] {
	case '"':
		s.bad = !s.basicString()
	case '\'':
		s.bad = !s.literalString()
	case '[':
		s.i++
		for {
			s.skipSpace(true)
			if s.eof() {
				s.bad = true
				return
			}
			if s.src[s.i] == ']' {
				s.i++
				return
			}
			s.value(path)
			s.skipSpace(true)
			if !s.eof() && s.src[s.i] == ',' {
				s.i++
			}
		}
	case '{':
		s.i++
		for {
			s.skipSpace(true)
			if s.eof() {
				s.bad = true
				return
			}
			if s.src[s.i] == '}' {
				s.i++
				return
			}
			key := s.key(path)
			s.skipSpace(false)
			if s.eof() || s.src[s.i] != '=' {
				s.bad = true
				return
			}
			s.i++
			s.skipSpace(false)
			s.value(key)
			s.skipSpace(true)
			if !s.eof() && s.src[s.i] == ',' {
				s.i++
			}
		}
	default:
		start := s.i
		for !s.eof() && !strings.ContainsRune(" \t\r\n,]}#", rune(s.src[s.i])) {
			s.i++
		}
		// A date-time may use a space between date and time.
		if s.i-start == 10 && s.src[start+4] == '-' && s.peek(0) == ' ' && s.peek(1) >= '0' && s.peek(1) <= '9' {
			s.i++
			for !s.eof() && !strings.ContainsRune(" \t\r\n,]}#", rune(s.src[s.i])) {
				s.i++
			}
		}
		if s.i == start {
			s.bad = true
		}
	}
}

// unquoteBasic resolves the escapes of a TOML basic string body.
func unquoteBasic(b []byte) string {
	if !strings.ContainsRune(string(b), '\\') {
		return string(b)
	}
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			sb.WriteByte(b[i])
			continue
		}
		i++
		switch b[i] {
		case 'b':
			sb.WriteByte('\b')
		case 't':
			sb.WriteByte('\t')
		case 'n':
			sb.WriteByte('\n')
		case 'f':
			sb.WriteByte('\f')
		case 'r':
			sb.WriteByte('\r')
		case 'e':
			sb.WriteByte(0x1b)
		case 'u', 'U', 'x':
			n := map[byte]int{'u': 4, 'U': 8, 'x': 2}[b[i]]
			if i+n < len(b) {
				var r rune
				ok := true
				for _, c := range b[i+1 : i+1+n] {
					r <<= 4
					switch {
					case c >= '0' && c <= '9':
						r |= rune(c - '0')
					case c >= 'a' && c <= 'f':
						r |= rune(c-'a') + 10
					case c >= 'A' && c <= 'F':
						r |= rune(c-'A') + 10
					default:
						ok = false
					}
				}
				if ok {
					sb.WriteRune(r)
					i += n
					continue
				}
			}
			sb.WriteByte(b[i])
		default:
			sb.WriteByte(b[i])
		}
	}
	return sb.String()
}
