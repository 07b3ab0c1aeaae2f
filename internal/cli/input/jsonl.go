package input

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/kafkawasm/kafkawasm/kafka"
)

// Record is one parsed jsonl line:
//
//	{"key": …, "value": …, "headers": {…} or [[k, v], …], "partition": n, "timestamp": …}
//
// Every field is optional. A JSON string key or value becomes its bytes
// (byte for byte: invalid UTF-8 inside the string is kept); null or an
// absent field is a null key / value; any other JSON value (object,
// array, number, boolean) is kept as its raw JSON text with KeyJSON /
// ValueJSON set, for the topic's codec. Headers keep their order and may
// repeat a key; a header value is a string or null. Timestamp is
// milliseconds since the epoch or an RFC 3339 string.
type Record struct {
	Key, Value         []byte
	KeyJSON, ValueJSON bool
	Headers            []kafka.Header
	Partition          int32
	HasPartition       bool
	Timestamp          time.Time
}

// ParseJSONL parses one jsonl line in place: it rewrites line's bytes
// (decoding string escapes) and the returned record's slices point into
// line, so line must not be reused while the record is in use. headers
// is an optional buffer reused for the record's header slice.
func ParseJSONL(line []byte, headers []kafka.Header) (Record, error) {
	p := parser{b: line}
	rec := Record{Headers: headers[:0]}
	p.ws()
	if !p.eat('{') {
		return rec, p.errorf("expected a JSON object")
	}
	p.ws()
	seen := 0
	if !p.eat('}') {
		for {
			p.ws()
			name, err := p.str()
			if err != nil {
				return rec, err
			}
			p.ws()
			if !p.eat(':') {
				return rec, p.errorf("expected ':' after %q", name)
			}
			p.ws()
			var bit int
			switch string(name) {
			case "key":
				bit = 1
				rec.Key, rec.KeyJSON, err = p.bytesValue()
			case "value":
				bit = 2
				rec.Value, rec.ValueJSON, err = p.bytesValue()
			case "headers":
				bit = 4
				rec.Headers, err = p.headers(rec.Headers)
			case "partition":
				bit = 8
				rec.Partition, rec.HasPartition, err = p.partition()
			case "timestamp":
				bit = 16
				rec.Timestamp, err = p.timestamp()
			default:
				return rec, fmt.Errorf("unknown field %q (want key, value, headers, partition, timestamp)", name)
			}
			if err != nil {
				return rec, fmt.Errorf("%s: %w", name, err)
			}
			if seen&bit != 0 {
				return rec, fmt.Errorf("duplicate field %q", name)
			}
			seen |= bit
			p.ws()
			if p.eat(',') {
				continue
			}
			if p.eat('}') {
				break
			}
			return rec, p.errorf("expected ',' or '}'")
		}
	}
	p.ws()
	if p.i != len(p.b) {
		return rec, p.errorf("trailing data after the object")
	}
	return rec, nil
}

// parser is a small in-place JSON reader over one line.
type parser struct {
	b []byte
	i int
}

func (p *parser) errorf(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if p.i >= len(p.b) {
		return fmt.Errorf("%s at end of line", msg)
	}
	return fmt.Errorf("%s at column %d", msg, p.i+1)
}

func (p *parser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) eat(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *parser) peek() byte {
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

// str decodes the JSON string at p.i in place and returns its bytes.
func (p *parser) str() ([]byte, error) {
	if !p.eat('"') {
		return nil, p.errorf("expected a string")
	}
	start := p.i
	w := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return p.b[start:w:w], nil
		case c < 0x20:
			return nil, p.errorf("control character in string")
		case c != '\\':
			p.b[w] = c
			w++
			p.i++
			continue
		}
		if p.i+1 >= len(p.b) {
			return nil, p.errorf("unterminated escape")
		}
		e := p.b[p.i+1]
		p.i += 2
		var out byte
		switch e {
		case '"', '\\', '/':
			out = e
		case 'b':
			out = '\b'
		case 'f':
			out = '\f'
		case 'n':
			out = '\n'
		case 'r':
			out = '\r'
		case 't':
			out = '\t'
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return nil, p.errorf("bad \\u escape")
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if p.i+1 < len(p.b) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
					save := p.i
					p.i += 2
					var ok2 bool
					if r2, ok2 = p.hex4(); !ok2 {
						return nil, p.errorf("bad \\u escape")
					}
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						r = d
					} else {
						p.i = save // not a pair: the second escape stands alone
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			}
			w += utf8.EncodeRune(p.b[w:], r) // never overtakes the read position
			continue
		default:
			return nil, p.errorf("bad escape \\%c", e)
		}
		p.b[w] = out
		w++
	}
	return nil, p.errorf("unterminated string")
}

func (p *parser) hex4() (rune, bool) {
	if p.i+4 > len(p.b) {
		return 0, false
	}
	var r rune
	for _, c := range p.b[p.i : p.i+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c-'a') + 10
		case c >= 'A' && c <= 'F':
			r |= rune(c-'A') + 10
		default:
			return 0, false
		}
	}
	p.i += 4
	return r, true
}

// bytesValue reads a key or value: a string's bytes, nil for null, or the
// raw text of any other JSON value (isJSON true).
func (p *parser) bytesValue() (b []byte, isJSON bool, err error) {
	switch p.peek() {
	case '"':
		b, err = p.str()
		if b == nil && err == nil {
			b = []byte{}
		}
		return b, false, err
	case 'n':
		if p.literal("null") {
			return nil, false, nil
		}
	}
	start := p.i
	if err := p.skip(0); err != nil {
		return nil, false, err
	}
	return p.b[start:p.i:p.i], true, nil
}

func (p *parser) literal(s string) bool {
	if p.i+len(s) <= len(p.b) && string(p.b[p.i:p.i+len(s)]) == s {
		p.i += len(s)
		return true
	}
	return false
}

// skip validates and skips any JSON value without rewriting it.
func (p *parser) skip(depth int) error {
	if depth > 1000 {
		return p.errorf("nesting too deep")
	}
	switch c := p.peek(); {
	case c == '{':
		p.i++
		p.ws()
		if p.eat('}') {
			return nil
		}
		for {
			p.ws()
			if err := p.skipString(); err != nil {
				return err
			}
			p.ws()
			if !p.eat(':') {
				return p.errorf("expected ':'")
			}
			p.ws()
			if err := p.skip(depth + 1); err != nil {
				return err
			}
			p.ws()
			if p.eat(',') {
				continue
			}
			if p.eat('}') {
				return nil
			}
			return p.errorf("expected ',' or '}'")
		}
	case c == '[':
		p.i++
		p.ws()
		if p.eat(']') {
			return nil
		}
		for {
			p.ws()
			if err := p.skip(depth + 1); err != nil {
				return err
			}
			p.ws()
			if p.eat(',') {
				continue
			}
			if p.eat(']') {
				return nil
			}
			return p.errorf("expected ',' or ']'")
		}
	case c == '"':
		return p.skipString()
	case c == 't' && p.literal("true"), c == 'f' && p.literal("false"), c == 'n' && p.literal("null"):
		return nil
	case c == '-' || c >= '0' && c <= '9':
		_, err := p.number()
		return err
	}
	return p.errorf("expected a JSON value")
}

// skipString validates a string without rewriting it.
func (p *parser) skipString() error {
	if !p.eat('"') {
		return p.errorf("expected a string")
	}
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return nil
		case c < 0x20:
			return p.errorf("control character in string")
		case c == '\\':
			if p.i+1 >= len(p.b) {
				return p.errorf("unterminated escape")
			}
			switch p.b[p.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i += 2
			case 'u':
				p.i += 2
				if _, ok := p.hex4(); !ok {
					return p.errorf("bad \\u escape")
				}
			default:
				return p.errorf("bad escape")
			}
		default:
			p.i++
		}
	}
	return p.errorf("unterminated string")
}

// number validates a JSON number and returns its text.
func (p *parser) number() ([]byte, error) {
	start := p.i
	p.eat('-')
	switch {
	case p.eat('0'):
	case p.peek() >= '1' && p.peek() <= '9':
		for p.peek() >= '0' && p.peek() <= '9' {
			p.i++
		}
	default:
		return nil, p.errorf("bad number")
	}
	if p.eat('.') {
		if !(p.peek() >= '0' && p.peek() <= '9') {
			return nil, p.errorf("bad number")
		}
		for p.peek() >= '0' && p.peek() <= '9' {
			p.i++
		}
	}
	if p.peek() == 'e' || p.peek() == 'E' {
		p.i++
		if p.peek() == '+' || p.peek() == '-' {
			p.i++
		}
		if !(p.peek() >= '0' && p.peek() <= '9') {
			return nil, p.errorf("bad number")
		}
		for p.peek() >= '0' && p.peek() <= '9' {
			p.i++
		}
	}
	return p.b[start:p.i], nil
}

// headers reads {"k": v, …} or [[k, v], …]; v is a string or null.
func (p *parser) headers(hs []kafka.Header) ([]kafka.Header, error) {
	value := func() ([]byte, error) {
		if p.literal("null") {
			return nil, nil
		}
		if p.peek() != '"' {
			return nil, p.errorf("header value must be a string or null")
		}
		v, err := p.str()
		if v == nil && err == nil {
			v = []byte{}
		}
		return v, err
	}
	switch {
	case p.literal("null"):
		return hs, nil
	case p.eat('{'):
		p.ws()
		if p.eat('}') {
			return hs, nil
		}
		for {
			p.ws()
			k, err := p.str()
			if err != nil {
				return hs, err
			}
			p.ws()
			if !p.eat(':') {
				return hs, p.errorf("expected ':'")
			}
			p.ws()
			v, err := value()
			if err != nil {
				return hs, err
			}
			hs = append(hs, kafka.Header{Key: string(k), Value: v})
			p.ws()
			if p.eat(',') {
				continue
			}
			if p.eat('}') {
				return hs, nil
			}
			return hs, p.errorf("expected ',' or '}'")
		}
	case p.eat('['):
		p.ws()
		if p.eat(']') {
			return hs, nil
		}
		for {
			p.ws()
			if !p.eat('[') {
				return hs, p.errorf("expected a [key, value] pair")
			}
			p.ws()
			k, err := p.str()
			if err != nil {
				return hs, err
			}
			p.ws()
			if !p.eat(',') {
				return hs, p.errorf("expected ',' in a [key, value] pair")
			}
			p.ws()
			v, err := value()
			if err != nil {
				return hs, err
			}
			p.ws()
			if !p.eat(']') {
				return hs, p.errorf("expected ']' closing a [key, value] pair")
			}
			hs = append(hs, kafka.Header{Key: string(k), Value: v})
			p.ws()
			if p.eat(',') {
				continue
			}
			if p.eat(']') {
				return hs, nil
			}
			return hs, p.errorf("expected ',' or ']'")
		}
	}
	return hs, p.errorf("headers must be an object or an array of [key, value] pairs")
}

func (p *parser) partition() (int32, bool, error) {
	if p.literal("null") {
		return 0, false, nil
	}
	txt, err := p.number()
	if err != nil {
		return 0, false, err
	}
	n, err := strconv.ParseInt(string(txt), 10, 32)
	if err != nil || n < 0 {
		return 0, false, fmt.Errorf("must be an integer in [0, %d], got %s", math.MaxInt32, txt)
	}
	return int32(n), true, nil
}

func (p *parser) timestamp() (time.Time, error) {
	switch c := p.peek(); {
	case p.literal("null"):
		return time.Time{}, nil
	case c == '"':
		s, err := p.str()
		if err != nil {
			return time.Time{}, err
		}
		t, err := time.Parse(time.RFC3339Nano, string(s))
		if err != nil {
			return time.Time{}, errors.New("must be milliseconds since the epoch or an RFC 3339 time, got " + strconv.Quote(string(s)))
		}
		return t, nil
	default:
		txt, err := p.number()
		if err != nil {
			return time.Time{}, err
		}
		ms, err := strconv.ParseInt(string(txt), 10, 64)
		if err != nil || ms < 0 {
			return time.Time{}, fmt.Errorf("must be non-negative milliseconds since the epoch, got %s", txt)
		}
		return time.UnixMilli(ms), nil
	}
}
