package kwjson

// Value is a reference to one value of a Doc. The zero Value is Invalid
// (missing). A Value is valid until the next Parse of its Doc.
type Value struct {
	d *Doc
	i int32
}

// Kind returns the value's kind (Invalid for a missing value).
func (v Value) Kind() Kind {
	if v.d == nil {
		return Invalid
	}
	return v.d.nodes[v.i].kind
}

// Exists reports whether the value is present.
func (v Value) Exists() bool { return v.d != nil }

// Len returns the number of elements of an array or members of an object.
func (v Value) Len() int {
	if k := v.Kind(); k != Array && k != Object {
		return 0
	}
	return int(v.d.nodes[v.i].n)
}

// Bytes returns a string's decoded bytes or a number's literal text; nil for
// other kinds. The bytes alias the Doc.
func (v Value) Bytes() []byte {
	switch v.Kind() {
	case String:
		nd := v.d.nodes[v.i]
		return v.d.strs[nd.off : nd.off+nd.n : nd.off+nd.n]
	case Number:
		nd := v.d.nodes[v.i]
		return v.d.src[nd.off : nd.off+nd.n : nd.off+nd.n]
	}
	return nil
}

// Text returns Bytes as a new string.
func (v Value) Text() string { return string(v.Bytes()) }

// IsInteger reports whether v is a number literal without fraction or
// exponent.
func (v Value) IsInteger() bool {
	if v.Kind() != Number {
		return false
	}
	for _, c := range v.Bytes() {
		if c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	return true
}

// Get returns the first member named key of an object, or an Invalid Value.
func (v Value) Get(key string) Value {
	it := v.Iter()
	for it.Next() {
		if string(it.Key()) == key {
			return it.Value()
		}
	}
	return Value{}
}

// Iter iterates over an array's elements or an object's members in document
// order; other kinds yield nothing.
func (v Value) Iter() Iter {
	k := v.Kind()
	if k != Array && k != Object {
		return Iter{}
	}
	return Iter{d: v.d, next: v.i + 1, left: v.d.nodes[v.i].n, obj: k == Object, key: -1, val: -1}
}

// Iter walks the children of a container. The zero Iter yields nothing.
type Iter struct {
	d    *Doc
	next int32 // node index of the next child (its key node for objects)
	left int32
	obj  bool
	key  int32
	val  int32
}

// Next advances to the next child and reports whether there is one.
func (it *Iter) Next() bool {
	if it.left <= 0 {
		return false
	}
	it.left--
	if it.obj {
		it.key = it.next
		it.val = it.next + 1
	} else {
		it.val = it.next
	}
	it.next = it.d.nodes[it.val].end
	return true
}

// Key returns the current member's decoded key (nil for arrays).
func (it *Iter) Key() []byte {
	if !it.obj || it.key < 0 {
		return nil
	}
	return Value{d: it.d, i: it.key}.Bytes()
}

// Value returns the current element or member value.
func (it *Iter) Value() Value { return Value{d: it.d, i: it.val} }

// Member is an object member: its decoded key and value.
type Member struct {
	Key   []byte
	Value Value
}

// AppendMembers appends the members of an object to dst, in document order.
func (v Value) AppendMembers(dst []Member) []Member {
	if v.Kind() != Object {
		return dst
	}
	it := v.Iter()
	for it.Next() {
		dst = append(dst, Member{Key: it.Key(), Value: it.Value()})
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a canonical JSON string: quoted, with '"', '\\'
// and control characters escaped (\b \f \n \r \t, others as \u00xx with
// lowercase hex) and every other byte, including non-ASCII UTF-8, as is.
func AppendString(dst, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// Quote returns s as a canonical JSON string (see AppendString).
func Quote(s string) string { return string(AppendString(nil, []byte(s))) }

// ValidNumber reports whether b is a JSON number literal.
func ValidNumber(b []byte) bool {
	var d Doc
	d.src = b
	if len(b) == 0 || (b[0] != '-' && !isDigit(b[0])) {
		return false
	}
	d.number()
	return d.err == nil && d.pos == len(b)
}
