package kwjson

import "strconv"

// MaxDepth is the deepest container nesting Parse accepts.
const MaxDepth = 64

// Kind is the type of a JSON value.
type Kind uint8

// Kinds. Invalid is the kind of a missing value (Get on an absent key).
const (
	Invalid Kind = iota
	Null
	False
	True
	Number
	String
	Array
	Object
)

// Name returns the JSON type name: null, boolean, number, string, array or
// object ("missing" for Invalid).
func (k Kind) Name() string {
	switch k {
	case Null:
		return "null"
	case False, True:
		return "boolean"
	case Number:
		return "number"
	case String:
		return "string"
	case Array:
		return "array"
	case Object:
		return "object"
	}
	return "missing"
}

// SyntaxError is a parse failure at a byte offset of the input.
type SyntaxError struct {
	Msg    string
	Offset int
}

func (e *SyntaxError) Error() string { return e.Msg + " at offset " + strconv.Itoa(e.Offset) }

// node is one value in pre-order. Object members are a String key node
// followed by the value's subtree.
type node struct {
	kind Kind
	off  int32 // String: start in Doc.strs; Number: start in src
	n    int32 // String/Number: byte length; Array/Object: element/member count
	end  int32 // index one past this node's subtree
}

// Doc holds a parsed document. The zero value is ready to use.
type Doc struct {
	src   []byte
	nodes []node
	strs  []byte
	pos   int
	err   *SyntaxError

	spans []memberSpan // SortMembers scratch
	tmp   []node       // SortMembers scratch
}

// Parse parses src, replacing the previous document. src must not change
// while values of the document are in use (numbers alias it).
func (d *Doc) Parse(src []byte) error {
	d.src = src
	d.nodes = d.nodes[:0]
	d.strs = d.strs[:0]
	d.pos = 0
	d.err = nil
	d.value(0)
	if d.err == nil {
		d.skipWS()
		if d.pos < len(src) {
			d.fail("invalid character", d.pos)
		}
	}
	if d.err != nil {
		d.nodes = d.nodes[:0]
		return d.err
	}
	return nil
}

// Root is the top-level value of the last successful Parse.
func (d *Doc) Root() Value {
	if len(d.nodes) == 0 {
		return Value{}
	}
	return Value{d: d, i: 0}
}

func (d *Doc) fail(msg string, off int) {
	if d.err == nil {
		d.err = &SyntaxError{Msg: msg, Offset: off}
	}
}

func (d *Doc) skipWS() {
	for d.pos < len(d.src) {
		switch d.src[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *Doc) push(k Kind, off, n int32) int {
	d.nodes = append(d.nodes, node{kind: k, off: off, n: n, end: int32(len(d.nodes) + 1)})
	return len(d.nodes) - 1
}

// value parses one value; depth is the number of enclosing containers.
func (d *Doc) value(depth int) {
	d.skipWS()
	if d.pos >= len(d.src) {
		d.fail("unexpected end of input", d.pos)
		return
	}
	switch c := d.src[d.pos]; c {
	case '{', '[':
		if depth >= MaxDepth {
			d.fail("nesting too deep", d.pos)
			return
		}
		d.container(c, depth)
	case '"':
		d.str()
	case 't':
		d.literal("true", True)
	case 'f':
		d.literal("false", False)
	case 'n':
		d.literal("null", Null)
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			start := d.pos
			d.number()
			if d.err == nil {
				d.push(Number, int32(start), int32(d.pos-start))
			}
			return
		}
		d.fail("invalid character", d.pos)
	}
}

func (d *Doc) literal(word string, k Kind) {
	for i := 0; i < len(word); i++ {
		if d.pos >= len(d.src) {
			d.fail("unexpected end of input", d.pos)
			return
		}
		if d.src[d.pos] != word[i] {
			d.fail("invalid character", d.pos)
			return
		}
		d.pos++
	}
	d.push(k, 0, 0)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digits consumes one or more digits.
func (d *Doc) digits() {
	if d.pos >= len(d.src) {
		d.fail("unexpected end of input", d.pos)
		return
	}
	if !isDigit(d.src[d.pos]) {
		d.fail("invalid character", d.pos)
		return
	}
	for d.pos < len(d.src) && isDigit(d.src[d.pos]) {
		d.pos++
	}
}

// number scans a number literal starting at d.pos ('-' or a digit).
func (d *Doc) number() {
	if d.src[d.pos] == '-' {
		d.pos++
	}
	if d.pos < len(d.src) && d.src[d.pos] == '0' {
		d.pos++
	} else {
		d.digits()
	}
	if d.err == nil && d.pos < len(d.src) && d.src[d.pos] == '.' {
		d.pos++
		d.digits()
	}
	if d.err == nil && d.pos < len(d.src) && (d.src[d.pos] == 'e' || d.src[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.src) && (d.src[d.pos] == '+' || d.src[d.pos] == '-') {
			d.pos++
		}
		d.digits()
	}
}

func (d *Doc) container(open byte, depth int) {
	close := byte(']')
	kind := Array
	if open == '{' {
		close, kind = '}', Object
	}
	idx := d.push(kind, 0, 0)
	d.pos++
	d.skipWS()
	if d.pos >= len(d.src) {
		d.fail("unexpected end of input", d.pos)
		return
	}
	count := int32(0)
	if d.src[d.pos] == close {
		d.pos++
	} else {
		for d.err == nil {
			if kind == Object {
				d.skipWS()
				if d.pos >= len(d.src) {
					d.fail("unexpected end of input", d.pos)
					return
				}
				if d.src[d.pos] != '"' {
					d.fail("invalid character", d.pos)
					return
				}
				d.str()
				d.skipWS()
				if d.err != nil {
					return
				}
				if d.pos >= len(d.src) {
					d.fail("unexpected end of input", d.pos)
					return
				}
				if d.src[d.pos] != ':' {
					d.fail("invalid character", d.pos)
					return
				}
				d.pos++
			}
			d.value(depth + 1)
			if d.err != nil {
				return
			}
			count++
			d.skipWS()
			if d.pos >= len(d.src) {
				d.fail("unexpected end of input", d.pos)
				return
			}
			c := d.src[d.pos]
			d.pos++
			if c == close {
				break
			}
			if c != ',' {
				d.fail("invalid character", d.pos-1)
				return
			}
		}
	}
	d.nodes[idx].n = count
	d.nodes[idx].end = int32(len(d.nodes))
}

func hexVal(c byte) int32 {
	switch {
	case c >= '0' && c <= '9':
		return int32(c - '0')
	case c >= 'a' && c <= 'f':
		return int32(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int32(c-'A') + 10
	}
	return -1
}

// hex4 reads the 4 hex digits after "\u" at s (the backslash), or -1.
func (d *Doc) hex4(s int) int32 {
	v := int32(0)
	for i := s + 2; i < s+6; i++ {
		h := hexVal(d.src[i])
		if h < 0 {
			return -1
		}
		v = v<<4 | h
	}
	return v
}

// str parses a string starting at the opening quote into Doc.strs.
func (d *Doc) str() {
	d.pos++
	start := int32(len(d.strs))
	for {
		if d.pos >= len(d.src) {
			d.fail("unexpected end of input", d.pos)
			return
		}
		c := d.src[d.pos]
		switch {
		case c == '"':
			d.pos++
			d.push(String, start, int32(len(d.strs))-start)
			return
		case c == '\\':
			if !d.escape() {
				return
			}
		case c < 0x20:
			d.fail("invalid character", d.pos)
			return
		case c < 0x80:
			d.strs = append(d.strs, c)
			d.pos++
		default:
			n := utf8Len(d.src[d.pos:])
			if n == 0 {
				d.fail("invalid UTF-8", d.pos)
				return
			}
			d.strs = append(d.strs, d.src[d.pos:d.pos+n]...)
			d.pos += n
		}
	}
}

// escape decodes the escape at d.pos (a backslash).
func (d *Doc) escape() bool {
	s := d.pos
	if s+1 >= len(d.src) {
		d.fail("unexpected end of input", len(d.src))
		return false
	}
	var b byte
	switch d.src[s+1] {
	case '"', '\\', '/':
		b = d.src[s+1]
	case 'b':
		b = '\b'
	case 'f':
		b = '\f'
	case 'n':
		b = '\n'
	case 'r':
		b = '\r'
	case 't':
		b = '\t'
	case 'u':
		if s+6 > len(d.src) {
			d.fail("unexpected end of input", len(d.src))
			return false
		}
		r := d.hex4(s)
		if r < 0 || (r >= 0xDC00 && r <= 0xDFFF) {
			d.fail("invalid escape", s)
			return false
		}
		next := s + 6
		if r >= 0xD800 && r <= 0xDBFF {
			lo := int32(-1)
			if next+6 <= len(d.src) && d.src[next] == '\\' && d.src[next+1] == 'u' {
				lo = d.hex4(next)
			}
			if lo < 0xDC00 || lo > 0xDFFF {
				d.fail("invalid escape", s)
				return false
			}
			r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
			next += 6
		}
		d.strs = appendRune(d.strs, r)
		d.pos = next
		return true
	default:
		d.fail("invalid escape", s)
		return false
	}
	d.strs = append(d.strs, b)
	d.pos = s + 2
	return true
}

func appendRune(dst []byte, r int32) []byte {
	switch {
	case r < 0x80:
		return append(dst, byte(r))
	case r < 0x800:
		return append(dst, byte(0xC0|r>>6), byte(0x80|r&0x3F))
	case r < 0x10000:
		return append(dst, byte(0xE0|r>>12), byte(0x80|(r>>6)&0x3F), byte(0x80|r&0x3F))
	}
	return append(dst, byte(0xF0|r>>18), byte(0x80|(r>>12)&0x3F), byte(0x80|(r>>6)&0x3F), byte(0x80|r&0x3F))
}

// utf8Len returns the length of the valid UTF-8 sequence at the start of b
// (whose first byte is >= 0x80), or 0 if it is invalid or truncated.
func utf8Len(b []byte) int {
	c := b[0]
	var n int
	lo, hi := byte(0x80), byte(0xBF) // range of the second byte
	switch {
	case c >= 0xC2 && c <= 0xDF:
		n = 2
	case c == 0xE0:
		n, lo = 3, 0xA0
	case c >= 0xE1 && c <= 0xEC, c == 0xEE, c == 0xEF:
		n = 3
	case c == 0xED:
		n, hi = 3, 0x9F
	case c == 0xF0:
		n, lo = 4, 0x90
	case c >= 0xF1 && c <= 0xF3:
		n = 4
	case c == 0xF4:
		n, hi = 4, 0x8F
	default:
		return 0
	}
	if len(b) < n || b[1] < lo || b[1] > hi {
		return 0
	}
	for i := 2; i < n; i++ {
		if b[i] < 0x80 || b[i] > 0xBF {
			return 0
		}
	}
	return n
}

// ValidUTF8 reports whether b is entirely valid UTF-8 (by the same rules
// as JSON strings), returning the offset of the first invalid byte or -1.
func ValidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		if b[i] < 0x80 {
			i++
			continue
		}
		n := utf8Len(b[i:])
		if n == 0 {
			return i
		}
		i += n
	}
	return -1
}
