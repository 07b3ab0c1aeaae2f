package main

import (
	"errors"
	"strconv"

	sdk "github.com/kafkawasm/kafkawasm/sdk/go"
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
	doc kwjson.Doc
	out []byte

	// The parsed document's tape, walked by index in the hot loop.
	nodes     []kwjson.TapeNode
	strs, src []byte
	err       error
}

func quoted(b []byte) string { return string(kwjson.AppendString(nil, b)) }

// encode validates in against s and returns its wire form (aliasing e.out).
// The host parses in with sorted keys (sdk.ParseJSONSorted), so members
// come in wire order and duplicates are adjacent; the checks and the
// encoding walk the tape by index.
func (e *encoder) encode(s *schema, in []byte) ([]byte, error) {
	if err := sdk.ParseJSONSorted(&e.doc, in); err != nil {
		return nil, errors.New("invalid JSON: " + err.Error())
	}
	root := e.doc.Root()
	if root.Kind() != kwjson.Object {
		return nil, errors.New("value must be a JSON object, got " + root.Kind().Name())
	}
	e.nodes, e.strs, e.src, e.err = e.doc.TapeNodes(), e.doc.StringArea(), e.doc.Source(), nil
	if !e.hasRequired(s.requiredSorted) {
		for _, name := range s.required { // the first missing, in config order
			if !root.Get(name).Exists() {
				return nil, errors.New("missing required field " + kwjson.Quote(name))
			}
		}
	}
	if e.duplicateAt(0) {
		return nil, e.err
	}
	types := s.typesSorted
	c := int32(1)
	for j := int32(0); j < e.nodes[0].N; j++ {
		k := &e.nodes[c]
		key := e.strs[k.Off : k.Off+k.N]
		v := &e.nodes[c+1]
		for len(types) > 0 && types[0].name < string(key) {
			types = types[1:]
		}
		declared := len(types) > 0 && types[0].name == string(key)
		if declared && !e.matches(types[0].typ, v) {
			return nil, errors.New("field " + quoted(key) + ": expected " + typeNames[types[0].typ] + ", got " + v.Kind.Name())
		}
		if !declared && !s.allowUnknown && !s.isRequired(key) {
			return nil, errors.New("unknown field " + quoted(key))
		}
		c = v.End
	}
	e.out = append(e.out[:0], wireVersion)
	e.node(0, true)
	if e.err != nil {
		return nil, e.err
	}
	return e.out, nil
}

// hasRequired reports whether the root object (sorted keys) has every
// name of req (sorted): one merge walk.
func (e *encoder) hasRequired(req []string) bool {
	c := int32(1)
	for j := int32(0); j < e.nodes[0].N && len(req) > 0; j++ {
		k := &e.nodes[c]
		key := e.strs[k.Off : k.Off+k.N]
		for len(req) > 0 && req[0] == string(key) {
			req = req[1:]
		}
		if len(req) > 0 && req[0] < string(key) {
			return false
		}
		c = e.nodes[c+1].End
	}
	return len(req) == 0
}

// matches reports whether node v has type t.
func (e *encoder) matches(t fieldType, v *kwjson.TapeNode) bool {
	k := v.Kind
	switch t {
	case tString:
		return k == kwjson.String
	case tNumber:
		return k == kwjson.Number
	case tInteger:
		if k != kwjson.Number {
			return false
		}
		for _, c := range e.src[v.Off : v.Off+v.N] {
			if c == '.' || c == 'e' || c == 'E' {
				return false
			}
		}
		return true
	case tBoolean:
		return k == kwjson.True || k == kwjson.False
	case tObject:
		return k == kwjson.Object
	case tArray:
		return k == kwjson.Array
	case tNull:
		return k == kwjson.Null
	}
	return true
}

// node appends the wire form of node i and returns the index after its
// subtree; a failure is left in e.err. It reads the tape directly: this is
// the codec's hot loop, and field accesses cost no call.
func (e *encoder) node(i int32, checked bool) int32 {
	nd := &e.nodes[i]
	switch nd.Kind {
	case kwjson.Null:
		e.out = append(e.out, tagNull)
	case kwjson.False:
		e.out = append(e.out, tagFalse)
	case kwjson.True:
		e.out = append(e.out, tagTrue)
	case kwjson.Number:
		lit := e.src[nd.Off : nd.Off+nd.N]
		if n, ok := parseInt64(lit); ok {
			e.out = appendUvarint(append(e.out, tagInt), uint64(n<<1)^uint64(n>>63))
		} else {
			e.out = append(appendUvarint(append(e.out, tagNumber), uint64(len(lit))), lit...)
		}
	case kwjson.String:
		e.out = append(appendUvarint(append(e.out, tagString), uint64(nd.N)), e.strs[nd.Off:nd.Off+nd.N]...)
	case kwjson.Array:
		e.out = appendUvarint(append(e.out, tagArray), uint64(nd.N))
		c := i + 1
		for j := int32(0); j < nd.N && e.err == nil; j++ {
			c = e.node(c, false)
		}
	case kwjson.Object:
		if !checked && e.duplicateAt(i) {
			return nd.End
		}
		e.out = appendUvarint(append(e.out, tagObject), uint64(nd.N))
		c := i + 1
		for j := int32(0); j < nd.N && e.err == nil; j++ {
			k := &e.nodes[c]
			e.out = append(appendUvarint(e.out, uint64(k.N)), e.strs[k.Off:k.Off+k.N]...)
			c = e.node(c+1, false)
		}
	}
	return nd.End
}

// duplicateAt sets e.err for the first duplicate key of the object at node
// i (keys sorted: duplicates adjacent) and reports whether it found one.
func (e *encoder) duplicateAt(i int32) bool {
	nd := &e.nodes[i]
	c := i + 1
	for j := int32(1); j < nd.N; j++ {
		next := e.nodes[c+1].End
		a, b := &e.nodes[c], &e.nodes[next]
		if a.N == b.N && string(e.strs[a.Off:a.Off+a.N]) == string(e.strs[b.Off:b.Off+b.N]) {
			e.err = errors.New("duplicate key " + quoted(e.strs[b.Off:b.Off+b.N]))
			return true
		}
		c = next
	}
	return false
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
