package main

import (
	"bytes"
	"errors"
	"slices"
	"strconv"

	"github.com/kafkawasm/kafkawasm/sdk/go/kwjson"
)

// Wire format (all varints are unsigned LEB128):
//
//	u8 version (1), then the root value, which must be an object
//	value := tag u8, then
//	  0 null | 1 false | 2 true
//	  3 integer: zigzag varint (literals without fraction/exponent that fit int64)
//	  4 number:  varint len, the literal text (every other number)
//	  5 string:  varint len, UTF-8 bytes (unescaped)
//	  6 array:   varint count, count values
//	  7 object:  varint count, count × (varint key len, key bytes, value),
//	             keys unique and in ascending byte order
const (
	wireVersion = 1

	tagNull   = 0
	tagFalse  = 1
	tagTrue   = 2
	tagInt    = 3
	tagNumber = 4
	tagString = 5
	tagArray  = 6
	tagObject = 7
)

type encoder struct {
	doc     kwjson.Doc
	members []kwjson.Member // stack of objects being encoded
	out     []byte
}

func quoted(b []byte) string { return string(kwjson.AppendString(nil, b)) }

func compareMembers(a, b kwjson.Member) int { return bytes.Compare(a.Key, b.Key) }

// encode validates in against s and returns its wire form (aliasing e.out).
func (e *encoder) encode(s *schema, in []byte) ([]byte, error) {
	if err := e.doc.Parse(in); err != nil {
		return nil, errors.New("invalid JSON: " + err.Error())
	}
	root := e.doc.Root()
	if root.Kind() != kwjson.Object {
		return nil, errors.New("value must be a JSON object, got " + root.Kind().Name())
	}
	for _, name := range s.required {
		if !root.Get(name).Exists() {
			return nil, errors.New("missing required field " + kwjson.Quote(name))
		}
	}
	e.members = root.AppendMembers(e.members[:0])
	ms := e.members
	slices.SortFunc(ms, compareMembers)
	for i := 1; i < len(ms); i++ {
		if bytes.Equal(ms[i].Key, ms[i-1].Key) {
			return nil, errors.New("duplicate key " + quoted(ms[i].Key))
		}
	}
	for _, m := range ms {
		t, declared := s.lookup(m.Key)
		if declared && !matches(t, m.Value) {
			return nil, errors.New("field " + quoted(m.Key) + ": expected " + typeNames[t] + ", got " + m.Value.Kind().Name())
		}
		if !declared && !s.allowUnknown && !s.isRequired(m.Key) {
			return nil, errors.New("unknown field " + quoted(m.Key))
		}
	}
	e.members = e.members[:0]
	e.out = append(e.out[:0], wireVersion)
	if err := e.value(root); err != nil {
		return nil, err
	}
	return e.out, nil
}

func (e *encoder) value(v kwjson.Value) error {
	switch v.Kind() {
	case kwjson.Null:
		e.out = append(e.out, tagNull)
	case kwjson.False:
		e.out = append(e.out, tagFalse)
	case kwjson.True:
		e.out = append(e.out, tagTrue)
	case kwjson.Number:
		lit := v.Bytes()
		if n, ok := parseInt64(lit); ok {
			e.out = append(e.out, tagInt)
			e.out = appendUvarint(e.out, uint64(n<<1)^uint64(n>>63))
		} else {
			e.out = append(e.out, tagNumber)
			e.out = appendUvarint(e.out, uint64(len(lit)))
			e.out = append(e.out, lit...)
		}
	case kwjson.String:
		b := v.Bytes()
		e.out = append(e.out, tagString)
		e.out = appendUvarint(e.out, uint64(len(b)))
		e.out = append(e.out, b...)
	case kwjson.Array:
		e.out = append(e.out, tagArray)
		e.out = appendUvarint(e.out, uint64(v.Len()))
		it := v.Iter()
		for it.Next() {
			if err := e.value(it.Value()); err != nil {
				return err
			}
		}
	case kwjson.Object:
		base := len(e.members)
		e.members = v.AppendMembers(e.members)
		ms := e.members[base:]
		slices.SortFunc(ms, compareMembers)
		for i := 1; i < len(ms); i++ {
			if bytes.Equal(ms[i].Key, ms[i-1].Key) {
				return errors.New("duplicate key " + quoted(ms[i].Key))
			}
		}
		e.out = append(e.out, tagObject)
		e.out = appendUvarint(e.out, uint64(len(ms)))
		for i := base; i < base+len(ms); i++ {
			m := e.members[i] // re-read: nested objects may grow e.members
			e.out = appendUvarint(e.out, uint64(len(m.Key)))
			e.out = append(e.out, m.Key...)
			if err := e.value(m.Value); err != nil {
				return err
			}
		}
		e.members = e.members[:base]
	}
	return nil
}

// parseInt64 parses an integer literal (no fraction or exponent) that fits
// in int64; "-0" is 0.
func parseInt64(lit []byte) (int64, bool) {
	neg := lit[0] == '-'
	digits := lit
	if neg {
		digits = lit[1:]
	}
	if len(digits) > 19 {
		return 0, false
	}
	var u uint64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return int64(-u), true
	}
	if u > 1<<63-1 {
		return 0, false
	}
	return int64(u), true
}

func appendUvarint(dst []byte, v uint64) []byte {
	for v >= 0x80 {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

type decoder struct {
	in  []byte
	pos int
	out []byte
	err error
}

func (d *decoder) fail(msg string, off int) {
	if d.err == nil {
		d.err = errors.New("wire: " + msg + " at offset " + strconv.Itoa(off))
	}
}

// decode turns wire bytes into canonical JSON (aliasing d.out).
func (d *decoder) decode(in []byte) ([]byte, error) {
	d.in, d.pos, d.err = in, 0, nil
	d.out = d.out[:0]
	if len(in) == 0 {
		return nil, errors.New("wire: truncated at offset 0")
	}
	if in[0] != wireVersion {
		return nil, errors.New("wire: unsupported version " + strconv.Itoa(int(in[0])))
	}
	d.pos = 1
	if d.pos < len(in) && in[d.pos] != tagObject {
		return nil, errors.New("wire: root must be an object")
	}
	d.value(0)
	if d.err == nil && d.pos != len(in) {
		d.fail("trailing data", d.pos)
	}
	if d.err != nil {
		return nil, d.err
	}
	return d.out, nil
}

func (d *decoder) uvarint() uint64 {
	start := d.pos
	var v uint64
	for i := 0; ; i++ {
		if d.pos >= len(d.in) {
			d.fail("truncated", start)
			return 0
		}
		b := d.in[d.pos]
		d.pos++
		if i == 9 && b > 1 {
			d.fail("invalid varint", start)
			return 0
		}
		v |= uint64(b&0x7F) << (7 * i)
		if b < 0x80 {
			return v
		}
	}
}

// bytes reads a varint length and that many bytes.
func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.in)-d.pos) {
		d.fail("truncated", d.pos)
		return nil
	}
	b := d.in[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return b
}

// text reads a length-prefixed UTF-8 string and writes it as JSON.
func (d *decoder) text() {
	b := d.bytes()
	if d.err != nil {
		return
	}
	if bad := kwjson.ValidUTF8(b); bad >= 0 {
		d.fail("invalid UTF-8", d.pos-len(b)+bad)
		return
	}
	d.out = kwjson.AppendString(d.out, b)
}

// count reads a container count, which cannot exceed the bytes left.
func (d *decoder) count() int {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.in)-d.pos) {
		d.fail("truncated", d.pos)
	}
	return int(n)
}

func (d *decoder) value(depth int) {
	if d.pos >= len(d.in) {
		d.fail("truncated", d.pos)
		return
	}
	tagPos := d.pos
	tag := d.in[d.pos]
	d.pos++
	switch tag {
	case tagNull:
		d.out = append(d.out, "null"...)
	case tagFalse:
		d.out = append(d.out, "false"...)
	case tagTrue:
		d.out = append(d.out, "true"...)
	case tagInt:
		u := d.uvarint()
		d.out = strconv.AppendInt(d.out, int64(u>>1)^-int64(u&1), 10)
	case tagNumber:
		b := d.bytes()
		if d.err == nil && !kwjson.ValidNumber(b) {
			d.fail("invalid number", tagPos)
		}
		d.out = append(d.out, b...)
	case tagString:
		d.text()
	case tagArray, tagObject:
		if depth >= kwjson.MaxDepth {
			d.fail("nesting too deep", tagPos)
			return
		}
		n := d.count()
		open, close := byte('['), byte(']')
		if tag == tagObject {
			open, close = '{', '}'
		}
		d.out = append(d.out, open)
		for i := 0; i < n && d.err == nil; i++ {
			if i > 0 {
				d.out = append(d.out, ',')
			}
			if tag == tagObject {
				d.text()
				d.out = append(d.out, ':')
			}
			d.value(depth + 1)
		}
		d.out = append(d.out, close)
	default:
		d.fail("unknown tag "+strconv.Itoa(int(tag)), tagPos)
	}
}
